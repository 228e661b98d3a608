"""Pure functions that pull eligibility answers out of a French free-text message.

Robust to SMS style: accents optional, number words ("trente", "soixante-dix", "une cinquantaine"),
abbreviations ("asso", "3j", "pers"). No Rasa import: the form's validation actions call
:func:`parse_answers` and pass the result to ``knowledge.api.check_eligibility`` (through
``ProjectAnswers.from_mapping``).

Returned keys are answer names of the table ``knowledge.answers.ANSWERS``; a key is present only when
the message gives it. Heuristics, not a grammar: see the report of each helper for what it reads.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Callable, Dict, List, Optional, Tuple

# normalize is imported from here by the other actions and bot/nlu/.
from actions.words_fr import (  # noqa: F401
    APPROX_RE,
    COUNTRY_RE,
    digitize,
    find_countries,
    normalize,
    parse_int_fr,
)

HOME_COUNTRY = "FR"

# ------------------------------------------------------------------------------- applicant

_APPLICANT_PATTERNS: Tuple[Tuple[str, str], ...] = (
    (r"comites? (?:de |du )?jumelage|comite de jum|cdj|asso(?:ciation|c)? (?:de |du )?jumelage", "comite_jumelage"),
    (
        r"associations? (?:d'elus|de communes|des maires|de collectivites|representant (?:des |les )?(?:communes|collectivites))",
        "association_non_lucrative_representant_communes",
    ),
    (r"reseaux? (?:de |des )?(?:villes|communes)", "reseau_communes"),
    (
        r"communaute (?:de communes|d'agglomeration|urbaine)|agglo(?:meration)?|intercommunalite|interco|epci"
        r"|metropole|conseil (?:departemental|regional)|departement|region|syndicat intercommunal",
        "collectivite",
    ),
    (r"mairie|communes?|municipalite|conseil municipal|notre ville|ma ville|le maire", "commune"),
    (r"groupe (?:de jeunes|informel|d'amis|de citoyens|d'habitants)|groupement informel|collectif", "groupe_informel"),
    (r"centre de formation|universite|institut de recherche|laboratoire", "organisme_formation"),
    (r"economie sociale|entreprise sociale|scop|scic", "economie_sociale"),
    (r"associations?|assos?|assoc|associatif|associative|club", "association"),
    (r"ecoles?|colleges?|lycees?|etablissement scolaire|groupe scolaire", "etablissement_scolaire"),
    (r"fondation", "fondation"),
    (r"entreprises?|sarl|pme|startup", "entreprise"),
    (r"particuliers?|a titre (?:personnel|individuel|prive)|en mon nom|simple citoyen", "particulier"),
)
_APPLICANT_RES = tuple((re.compile(rf"\b(?:{p})\b"), kind) for p, kind in _APPLICANT_PATTERNS)


def parse_applicant_type(text: str) -> Optional[str]:
    """Return the applicant type named first in the text ("la mairie" -> "commune"), else None.

    When several are named, the earliest mention wins ("on est une asso, la mairie nous aide" ->
    association); at the same position the longest form wins ("asso de jumelage" -> comite_jumelage).
    """
    text = normalize(text)
    best: Optional[Tuple[int, int, str]] = None
    for pattern, kind in _APPLICANT_RES:
        match = pattern.search(text)
        if match and (best is None or (match.start(), -len(match.group(0))) < (best[0], -best[1])):
            best = (match.start(), len(match.group(0)), kind)
    return best[2] if best else None


def parse_meeting_format(text: str) -> Optional[str]:
    """Read a bare reply to the OFAJ meeting-format question ("chez eux" -> "visite"), else None."""
    lowered = text.lower()
    if "tiers" in lowered:
        return "lieu_tiers"
    if "partenaire" in lowered or "chez eux" in lowered or "visite" in lowered:
        return "visite"
    return None


# Readers of a bare reply to a choice question, by answer name (numbers and yes/no are read by kind).
BARE_ANSWER_READERS: Dict[str, Callable[[str], Optional[str]]] = {
    "applicant_type": parse_applicant_type,
    "meeting_format": parse_meeting_format,
}


# ----------------------------------------------------------------------------- dates, ages

_MONTHS = {
    "janvier": 1, "janv": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3, "avril": 4, "avr": 4,
    "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8, "septembre": 9, "octobre": 10, "oct": 10,
    "novembre": 11, "nov": 11, "decembre": 12, "dec": 12,
}
_MONTH = "(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"


def days_between(day1: int, month1: Optional[int], day2: int, month2: Optional[int]) -> Optional[int]:
    """Number of days of a range, both ends included ("du 12 au 15 mai" -> 4); None if impossible."""
    month2 = month2 or month1
    month1 = month1 or month2
    if month1 is None or month2 is None:  # "du 12 au 15": same month
        return day2 - day1 + 1 if day2 >= day1 else None
    try:
        start = date(2001, month1, day1)  # a non-leap year: the user rarely says which year
        end = date(2001 if month2 >= month1 else 2002, month2, day2)
    except ValueError:
        return None
    days = (end - start).days + 1
    return days if days > 0 else None


def _blank(text: str, match: re.Match) -> str:
    """Replace a consumed span by spaces so later patterns do not read it again."""
    return text[: match.start()] + " " * (match.end() - match.start()) + text[match.end():]


def _take(pattern: str, text: str) -> Tuple[Optional[re.Match], str]:
    match = re.search(pattern, text)
    return (match, _blank(text, match)) if match else (None, text)


def _parse_ages(text: str, found: Dict[str, object]) -> str:
    """Read participants' ages; returns the text with the age phrases blanked."""
    text = re.sub(r"\b(?:depuis|il y a|ca fait|cela fait)\s+\d+\s*ans\b", " ", text)  # not ages
    match, text = _take(
        r"\b(?:de|entre|des|les|ages de)?\s*(\d{1,2})\s*(?:ans\s*)?(?:a|et|-|/|au)\s*(\d{1,2})\s*ans\b", text
    )
    if match:
        low, high = sorted((int(match.group(1)), int(match.group(2))))
        found.update(min_age=low, max_age=high)
        return text
    match, text = _take(r"(?:\bmoins de|-)\s*(\d{1,2})\s*ans\b", text)
    if match:
        found["max_age"] = int(match.group(1)) - 1  # "moins de 30 ans": 29 at most
    match, text = _take(r"\b(?:jusqu'a|au plus|max(?:imum)?)\s*(\d{1,2})\s*ans\b", text)
    if match:
        found["max_age"] = int(match.group(1))
    # Colloquially "plus de 18 ans" means adults, 18 included.
    match, text = _take(r"(?:\bplus de|\+ de|\+|\ba partir de|\bdes|\bau moins|\bmin(?:imum)?)\s*(\d{1,2})\s*ans\b", text)
    if match:
        found["min_age"] = int(match.group(1))
    if "min_age" not in found and "max_age" not in found:
        match, text = _take(
            r"\b(?:jeunes|ados?|adolescents?|enfants|eleves|lyceens|collegiens|participants|gamins|ages?|agees?)"
            r"\s+(?:de\s+|d')?(\d{1,2})\s*ans\b",
            text,
        )
        if match:
            found["min_age"] = found["max_age"] = int(match.group(1))
    if "min_age" not in found and re.search(r"\b(?:tous |toutes )?majeur(?:e)?s?\b", text) and not re.search(
        r"\b(?:accompagnateurs?|animateurs?|encadrants?)\b[^.]{0,30}\bmajeur", text
    ):
        found["min_age"] = 18
    if "max_age" not in found and re.search(r"\bmineur(?:e)?s\b", text):
        found["max_age"] = 17
    return text


def _parse_durations(text: str, found: Dict[str, object]) -> str:
    """Read the start delay, the event length (days) and the project length (months)."""
    match, text = _take(r"\bdans\s+(\d+)\s*(semaines?|sem|mois|jours?|j)\b", text)
    if match:
        value, unit = int(match.group(1)), match.group(2)
        if unit.startswith("sem"):
            found["weeks_until_start"] = value
        elif unit == "mois":
            found["weeks_until_start"] = value * 52 // 12
        else:
            found["weeks_until_start"] = value // 7

    match, text = _take(
        rf"\bdu\s+(\d{{1,2}})(?:er)?(?:\s+({_MONTH}))?\s+(?:au|a)\s+(\d{{1,2}})(?:er)?(?:\s+({_MONTH}))?", text
    )
    if match is None:
        match, text = _take(rf"\b(\d{{1,2}})(?:er)?(?:\s+({_MONTH}))?\s*(?:-|au|a)\s*(\d{{1,2}})(?:er)?\s+({_MONTH})", text)
    if match:
        month1 = _MONTHS[match.group(2).rstrip(".")] if match.group(2) else None
        month2 = _MONTHS[match.group(4).rstrip(".")] if match.group(4) else None
        days = days_between(int(match.group(1)), month1, int(match.group(3)), month2)
        if days:
            found["duration_days"] = days
    match, text = _take(r"\bdu\s+(\d{1,2})/(\d{1,2})\s+au\s+(\d{1,2})/(\d{1,2})\b", text)
    if match and "duration_days" not in found:
        days = days_between(int(match.group(1)), int(match.group(2)), int(match.group(3)), int(match.group(4)))
        if days:
            found["duration_days"] = days

    if "duration_days" not in found:
        match = re.search(r"\b(\d+)\s*(?:jours?|jrs?|j)\b", text)
        if match:
            found["duration_days"] = int(match.group(1))
        elif weeks := re.search(r"\b(\d+)\s*(?:semaines?|sem)\b", text):
            found["duration_days"] = 7 * int(weeks.group(1))
        elif nights := re.search(r"\b(\d+)\s*nuits?\b", text):
            found["duration_days"] = int(nights.group(1)) + 1
        elif re.search(r"\bweek-?end\b", text):
            found["duration_days"] = 2

    match = re.search(r"\b(\d+)\s*mois\b", text)
    if match:
        found["duration_months"] = int(match.group(1))
    else:
        match = re.search(r"\b(?:sur|pendant|durant|duree de|en|(?:projet|partenariat|programme|cooperation) de)\s+(\d+)"
                          r"\s*(?:ans?|annees?)\b", text)
        if match:
            found["duration_months"] = 12 * int(match.group(1))
    return text


# ----------------------------------------------------------------------------- participants

_PEOPLE = (
    r"(?:personnes?|pers|participants?|participantes?|gens|jeunes|ados?|adolescents?|enfants|eleves"
    r"|habitants|citoyens|membres|benevoles|seniors|adultes|retraites|ppl)"
)
_INVITED_WORDS = r"(?:invites?|etrangers?|internationaux|de l'etranger|venus? de l'etranger|venant de l'etranger)"
_APPROX_PREFIX = r"(?:(?:environ|a peu pres|autour de|pres de|genre|dans les|au moins|~)\s*)?"


def _parse_participants(
    text: str, countries: List[Tuple[int, str]], found: Dict[str, object], country_re: re.Pattern
) -> None:
    """Read the total number of participants and how many come from abroad."""
    # Counts attached to a nationality or to "invités": "dont 30 Polonais", "30 jeunes allemands".
    group_re = re.compile(
        rf"\b(\d+)\s+(?:{_PEOPLE}\s+)?(?:(?:de\s+|d'|du\s+|venus?\s+(?:de\s+|d'|du\s+))?{country_re.pattern}|{_INVITED_WORDS})"
    )
    invited = local = 0
    group_starts = set()
    for match in group_re.finditer(text):
        group_starts.add(match.start())
        tail = text[match.end(1):match.end()]
        codes = [code for pos, code in countries if match.start() <= pos < match.end()]
        if codes and all(code == HOME_COUNTRY for code in codes) and not re.search(_INVITED_WORDS, tail):
            local += int(match.group(1))
        else:
            invited += int(match.group(1))
    if invited:
        found["invited_participants"] = invited

    patterns = (
        rf"\b(?:on|nous)\s+(?:sera|serons|seront|serait|est|sommes)\s+{_APPROX_PREFIX}(\d+)",
        r"\b(\d+)\s+(?:au total|en tout|dont)\b",
        rf"\b(?:total|en tout|au total)\s*(?:de|:|=)?\s*{_APPROX_PREFIX}(\d+)",
        r"\b(?:groupe|delegation)\s+de\s+(\d+)",
        r"\b(?:participants?|personnes?|nb de participants|nombre de participants)\s*(?::|=)\s*(\d+)",
    )
    for pattern in patterns:
        for match in re.finditer(pattern, text):
            if int(match.group(1)) >= 2:  # "on est une asso" reads as "on est 1 asso"
                found["participants"] = int(match.group(1))
                return
    for match in re.finditer(rf"\b(\d+)\s+{_PEOPLE}\b", text):
        if match.start() in group_starts or int(match.group(1)) < 2:
            continue  # a nationality count, or an article read as "1"
        found["participants"] = int(match.group(1))
        return
    if invited and local:
        found["participants"] = invited + local


# ----------------------------------------------------------------------------------- flags


def _parse_flags(text: str, found: Dict[str, object]) -> None:
    """Youth-only project, adult group leaders and the OFAJ meeting format."""
    youth = r"(?:jeunes|enfants|ados|adolescents|eleves|scolaires|mineurs|gamins)"
    if re.search(rf"\bpas (?:que|seulement|uniquement|juste) (?:des |les |pour les |aux )?{youth}", text) or re.search(
        r"\b(?:tout public|tous publics|tous ages|toutes generations|toutes les generations|intergenerationnel(?:le)?|familles)\b",
        text,
    ):
        found["is_youth_only"] = False
    elif re.search(
        rf"\b(?:que des|uniquement (?:des|pour des|pour les)|seulement des|exclusivement des|reserve aux|rien que des|juste des)\s+{youth}",
        text,
    ):
        found["is_youth_only"] = True

    leaders = r"\b(?:accompagnateurs?|accompagnatrices?|animateurs?|animatrices?|encadrants?|encadrement|responsables?)\b"
    if re.search(rf"{leaders}[^.;]{{0,30}}\b(?:majeur(?:e)?s?|adultes|plus de 18|\+ de 18|18 ans et plus|18\+)", text):
        found["leaders_adult"] = True
    elif re.search(rf"{leaders}[^.;]{{0,30}}\bmineur(?:e)?s?\b", text):
        found["leaders_adult"] = False

    if re.search(r"\blieu (?:tiers|neutre)\b|\bterrain neutre\b", text):
        found["meeting_format"] = "lieu_tiers"
    elif re.search(
        r"\bchez (?:nos|les|le|notre|la) (?:partenaires?|amis|correspondants|jumeaux|ville jumelle)\b"
        r"|\bon (?:va|part|ira|partira) chez\b|\bvisite\b|\b(?:on|nous) (?:recoit|recevons|accueille|accueillons)\b",
        text,
    ):
        found["meeting_format"] = "visite"


# ------------------------------------------------------------------------------------- main


def parse_answers(text: str) -> Dict[str, object]:
    """Extract eligibility answers from a French message.

    Args:
        text: the user's message, e.g. "on sera 60 dont 30 Polonais, sur 4 jours".

    Returns:
        Only the answers found, among ``participants``, ``invited_participants``,
        ``duration_days``, ``duration_months``, ``weeks_until_start``, ``min_age``, ``max_age``,
        ``applicant_type``, ``partner_countries`` (tuple of codes, France left out),
        ``is_youth_only``, ``leaders_adult``, ``meeting_format``. Example:
        ``{"participants": 60, "invited_participants": 30, "duration_days": 4, "partner_countries": ("PL",)}``.
    """
    normalized = normalize(text)
    found: Dict[str, object] = {}
    country_re = COUNTRY_RE[0]

    applicant = parse_applicant_type(normalized)
    if applicant:
        found["applicant_type"] = applicant
    _parse_flags(normalized, found)

    digits = digitize(normalized)
    digits = _parse_ages(digits, found)
    digits = _parse_durations(digits, found)
    countries = find_countries(digits)
    partners = tuple(dict.fromkeys(code for _, code in countries if code != HOME_COUNTRY))
    if partners:
        found["partner_countries"] = partners
    _parse_participants(digits, countries, found, country_re)
    if "participants" not in found:
        # A bare approximation ("on sera une vingtaine") is a head-count unless a unit follows.
        for match in APPROX_RE.finditer(normalized):
            following = normalized[match.end():match.end() + 12]
            if not re.match(r"\s*(?:jours?|semaines?|mois|ans|annees?|km|kilometres?|euros?|€)", following):
                found["participants"] = _parse_int(match.group(0))
                break
    return found


def _parse_int(text: str) -> int:
    value = parse_int_fr(text)
    assert value is not None  # only called on a matched number phrase
    return value
