"""French words read from a user's message: normalisation, numbers and country names.

Pure functions, no Rasa import; :mod:`actions.parsing` builds the eligibility answers on them.
"""

from __future__ import annotations

import re
from typing import Dict, List, Mapping, Optional, Tuple

from knowledge.text import strip_accents
from knowledge.vocabulary import COUNTRY_CODES_BY_FORM

# ------------------------------------------------------------------------------- normalising


def normalize(text: str) -> str:
    """Lower-case, strip accents, unify apostrophes/hyphens and collapse spaces."""
    text = (text or "").replace("œ", "oe").replace("Œ", "oe")
    text = strip_accents(text).lower()
    text = re.sub(r"[’‘`´]", "'", text)
    text = re.sub(r"[‐‑‒–—]", "-", text)
    return re.sub(r"\s+", " ", text).strip()


# "Pareil", "la même chose", "le même projet": the project under discussion, whatever else the message
# says (the message reader and the recommendation read it alike).
SAME_PROJECT = re.compile(r"\b(?:pareil|meme chose|meme projet|idem)\b")


# ---------------------------------------------------------------------------------- numbers

_NUMBER_WORDS = {
    "zero": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6,
    "sept": 7, "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13,
    "quatorze": 14, "quinze": 15, "seize": 16, "vingt": 20, "vingts": 20, "trente": 30,
    "quarante": 40, "cinquante": 50, "soixante": 60, "septante": 70, "huitante": 80,
    "octante": 80, "nonante": 90, "cent": 100, "cents": 100, "mille": 1000,
}
_APPROX_WORDS = {
    "dizaine": 10, "douzaine": 12, "quinzaine": 15, "vingtaine": 20, "trentaine": 30,
    "quarantaine": 40, "cinquantaine": 50, "soixantaine": 60, "centaine": 100,
}
_WORD = "(?:" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + ")"
_SEQ = rf"{_WORD}(?:(?:-|\s+)(?:et(?:-|\s+))?{_WORD})*"
_SEQ_RE = re.compile(rf"\b{_SEQ}\b")
APPROX_RE = re.compile(
    rf"\b(?:(?P<mult>{_SEQ})\s+)?(?P<approx>{'|'.join(_APPROX_WORDS)})s?\b(?:\s*(?:de\s+|d'))?"
)
_DIGIT_APPROX_RE = re.compile(r"\b(\d+)\s*aines?\b(?:\s*(?:de\s+|d'))?")


def _words_value(words: str) -> int:
    """Value of a sequence of French number words ("quatre-vingt-dix-sept" -> 97)."""
    total = current = 0
    for word in re.split(r"[\s-]+", words):
        if word == "et" or not word:
            continue
        value = _NUMBER_WORDS[word]
        if value == 1000:
            total += (current or 1) * 1000
            current = 0
        elif value == 100:
            current = (current or 1) * 100  # "cent" -> 100, "deux cents" -> 200
        elif value == 20 and current % 100 == 4:
            current += 76  # quatre-vingt(s): 4 -> 80
        else:
            current += value
    return total + current


def digitize(text: str) -> str:
    """Replace number words and approximations by digits in a normalized text.

    "une cinquantaine de jeunes" -> "50 jeunes"; "soixante-dix personnes" -> "70 personnes";
    "deux semaines" -> "2 semaines"; "50aine" -> "50".
    """

    def approx(match: re.Match) -> str:
        mult = match.group("mult")
        factor = 1 if mult in (None, "un", "une") else _words_value(mult)
        return f"{factor * _APPROX_WORDS[match.group('approx')]} "

    text = APPROX_RE.sub(approx, text)
    text = _DIGIT_APPROX_RE.sub(lambda m: f"{m.group(1)} ", text)
    return _SEQ_RE.sub(lambda m: str(_words_value(m.group(0))), text)


def parse_int_fr(text: str) -> Optional[int]:
    """Return the first whole number of a French text, in digits or words, else None.

    Examples: "60" -> 60, "trente" -> 30, "soixante-dix" -> 70, "quatre-vingts" -> 80,
    "deux cents" -> 200, "une cinquantaine" -> 50, "environ 45 personnes" -> 45.
    """
    match = re.search(r"\d+", digitize(normalize(text)))
    return int(match.group(0)) if match else None


# -------------------------------------------------------------------------------- countries

# The one table of country names (the message reader and knowledge.towns read it).
DEFAULT_COUNTRY_CODES_BY_FORM: Dict[str, str] = COUNTRY_CODES_BY_FORM


def _country_regex(forms: Mapping[str, str]) -> Tuple[re.Pattern, Dict[str, str]]:
    by_form = {normalize(form): code.upper() for form, code in forms.items() if form}
    alternatives = "|".join(re.escape(f) for f in sorted(by_form, key=len, reverse=True))
    return re.compile(rf"\b({alternatives})s?\b"), by_form


COUNTRY_RE = _country_regex(DEFAULT_COUNTRY_CODES_BY_FORM)


def find_countries(text: str) -> List[Tuple[int, str]]:
    """Return ``(position, ISO code)`` of every country form in a normalized text, in order."""
    pattern, by_form = COUNTRY_RE
    return [(m.start(), by_form[m.group(1)]) for m in pattern.finditer(text)]


# ------------------------------------------------------------------ vocabulary values, in words

# How an answer names the canonical values of knowledge/vocabulary.py (never "echange", "elus").
VALUE_WORDS: Dict[str, str] = {
    # publics
    "citoyens": "habitants", "elus": "élus", "benevoles": "bénévoles",
    # themes
    "energie": "énergie", "ville_intelligente": "ville intelligente", "mobilite": "mobilité",
    "memoire": "mémoire", "valeurs_europeennes": "valeurs européennes", "democratie": "démocratie",
    "egalite": "égalité", "solidarite": "solidarité", "education": "éducation", "numerique": "numérique",
    "sante": "santé", "intergenerationnel": "intergénérationnel",
    # activities
    "echange": "échange", "reseau": "réseau", "conference": "conférence",
    "transfrontalier": "coopération transfrontalière", "cocreation": "production commune avec le partenaire",
}


def in_words(value: object) -> str:
    """A vocabulary value as an answer says it: ``echange`` -> ``échange``, ``elus`` -> ``élus``."""
    text = str(value)
    return VALUE_WORDS.get(text, text.replace("_", " "))
