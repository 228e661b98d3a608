"""How a person recognises programmes and contacts in an answer (shared by the tests)."""

from __future__ import annotations

import re
from typing import Dict, List

PROGRAMME_PATTERNS: Dict[str, str] = {
    "cerv": r"\bCERV\b",
    # "Agence Erasmus+ France Jeunesse & Sport" is a contact (it also runs the Solidarity Corps), not Erasmus+.
    "erasmus_plus": r"(?<!Agence )Erasmus\+",
    "horizon_cities_mission": r"Mission Villes|Horizon Europe",
    "ofaj": r"\bOFAJ\b",
    "fonds_citoyen": r"Fonds citoyen",
    "european_solidarity_corps": r"Corps européen de solidarité",
    "interreg": r"\bInterreg\b",
}
CONTACT_PATTERNS: Dict[str, str] = {
    "cidem": r"\bCIDEM\b",
    "afccre": r"\bAFCCRE\b",
    "europe_direct": r"Europe Direct|EUROPE DIRECT",
    "commission_representation": r"Représentation",
    # The full name ("Agence Erasmus+ France / Éducation Formation") or the short one ("Agence Erasmus+ Éducation Formation").
    "agence_erasmus_education_formation": r"Agence Erasmus\+ (?:France\s*/\s*)?Éducation",
    "agence_erasmus_jeunesse_sport": r"Agence Erasmus\+ (?:France )?Jeunesse",
    "ofaj": r"\bOFAJ\b",
    "fafa": r"\bFAFA\b",
    "fonds_citoyen": r"Fonds citoyen",
    "netzerocities": r"NetZeroCities",
    "eacea": r"\bEACEA\b",
}
STRAND_PROGRAMME = {
    "cerv_town_twinning": "cerv",
    "cerv_networks_of_towns": "cerv",
    "horizon_twin_cities": "horizon_cities_mission",
    "ofaj_youth_meetings": "ofaj",
    "fonds_citoyen_projects": "fonds_citoyen",
}


def programme_of(strand: str) -> str:
    """The programme id of a strand id."""
    return STRAND_PROGRAMME.get(strand) or ("erasmus_plus" if strand.startswith("erasmus") else strand)


def _in_order(patterns: Dict[str, str], text: str) -> List[str]:
    """The keys of ``patterns`` whose pattern the text contains, in the order a reader meets them."""
    found = [(match.start(), key) for key, pattern in patterns.items() if (match := re.search(pattern, text))]
    return [key for _, key in sorted(found)]


def programmes_in_order(text: str) -> List[str]:
    """Programmes named in the text, in the order a reader meets them."""
    return _in_order(PROGRAMME_PATTERNS, text)


def contacts_in_order(text: str) -> List[str]:
    """Contacts named in the text, in the order a reader meets them."""
    return _in_order(CONTACT_PATTERNS, text)


# How a reader recognises a strand in an answer (its short name, as the knowledge base words it).
STRAND_PATTERNS: Dict[str, str] = {
    "cerv_town_twinning": r"Jumelage de villes",
    "cerv_networks_of_towns": r"Réseaux? de villes",
    "erasmus_youth_exchanges": r"Échanges? de jeunes",
    "erasmus_youth_participation": r"Participation des jeunes",
    "erasmus_small_scale_partnerships": r"Partenariats? de petite envergure",
    "erasmus_cooperation_partnerships": r"Partenariats? de coopération",
    "erasmus_adult_education_mobility": r"Mobilité des adultes",
    "horizon_twin_cities": r"Villes jumelles",
    "ofaj_youth_meetings": r"OFAJ",
    "fonds_citoyen_projects": r"Fonds citoyen",
    "esc_solidarity_projects": r"Projets de solidarité|Corps européen de solidarité",
    "interreg_micro_projects": r"Microprojets|Interreg",
}
STRAND_PROGRAMME.update({
    "esc_solidarity_projects": "european_solidarity_corps",
    "interreg_micro_projects": "interreg",
})
# The programmes an answer about a contact may name: the ones that contact serves.
CONTACT_PROGRAMMES: Dict[str, tuple] = {
    "cidem": ("cerv",),
    "eacea": ("cerv", "erasmus_plus", "european_solidarity_corps"),
    "agence_erasmus_education_formation": ("erasmus_plus",),
    "agence_erasmus_jeunesse_sport": ("erasmus_plus", "european_solidarity_corps"),
    "ofaj": ("ofaj", "fonds_citoyen"),
    "fafa": ("ofaj", "fonds_citoyen"),
    "fonds_citoyen": ("fonds_citoyen", "ofaj"),
    "netzerocities": ("horizon_cities_mission",),
    "afccre": ("cerv",),
    "europe_direct": (),
    "commission_representation": (),
}


# "Source : [site](address), vérifiée le …": a source named and dated (links are shown by name).
_SOURCE = re.compile(r"Sources? : (?:.* ; )?\[[^\]]+\]\(https?://[^)\s]+\), vérifiée le \d")


def gives_source(text: str) -> bool:
    """Whether the answer names a source, linked and dated."""
    return bool(_SOURCE.search(text))


def strands_in_order(text: str) -> List[str]:
    """Strands named in the text, in the order a reader meets them."""
    return _in_order(STRAND_PATTERNS, text)

# Programmes that name each other as a matter of fact: the OFAJ runs the Fonds citoyen, so an answer
# about one names the other as its managing body without offering it.
RELATED_PROGRAMMES: Dict[str, tuple] = {"fonds_citoyen": ("ofaj",), "ofaj": ("fonds_citoyen",)}
