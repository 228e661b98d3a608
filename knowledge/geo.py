"""Offline place lookup: which French département a free-text place designates.

:func:`locate` understands a postal code ("19100"), a département number ("19", "2A", "dép. 29",
"dans le 974"), a département name ("Corrèze", "en Haute-Savoie", "correze") and a commune name
("Brive", "brive-la-gaillarde", "St Yrieix sur Charente", "au Havre"), insensitive to case, accents,
hyphens and apostrophes, with "St"/"Ste" read as "Saint"/"Sainte".

The data is the compact extract of Etalab's ``@etalab/decoupage-administratif`` in
``knowledge/data/geo/`` (see its README for source, version and licence). It is read once, on the
first call, and kept in memory (about 35,000 communes); nothing is read at import time.
"""

from __future__ import annotations

import csv
import functools
import gzip
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from knowledge.places import Location, Place
from knowledge.text import strip_accents

GEO_DIR = Path(__file__).resolve().parent / "data" / "geo"

# How many other communes a name may also designate, at most, in Location.alternatives.
MAX_ALTERNATIVES = 10

# Words that never designate a place on their own in "je suis à ...", "on est en ...".
# Some are commune names too (Y, Ville, Vers): those communes stay reachable in a longer span.
_FILLER = frozenset(
    """
    je j suis sommes on est nous habite habitons habiter vis vit vivons situe situes situee situees
    a au aux en dans le la les l de du des d pres proche cote vers chez sur pour par ici y
    commune communes ville village mairie comite jumelage departement dep dept region
    centre centres europe direct bonjour merci notre nos ma mon mes quel quelle ou c
    """.split()
)
_DEPARTEMENT_WORDS = frozenset({"dep", "dept", "departement", "le", "du", "dans"})
_AT_WORDS = frozenset({"a", "au", "aux"})  # "à Vienne" is the town, "en Vienne" the département
_ARTICLES = ("le", "la", "les", "l")
_POSSESSIVES = frozenset({"notre", "nos", "ma", "mon", "mes", "leur", "leurs", "votre", "vos", "sa", "son", "ses"})
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
_POSTAL_CODE = re.compile(r"^\d{5}$")
_DEPARTEMENT_CODE = re.compile(r"^(\d{1,3}|2a|2b)$")
# A prefix such as "saint" matches thousands of communes and says nothing.
_MIN_PREFIX_CHARS = 4
_GENERIC_PREFIXES = frozenset({"saint", "sainte", "saints", "saintes", "le", "la", "les", "l"})
# No commune or département name is longer (8 words today): bounds the work on long messages.
_MAX_SPAN_WORDS = 10


# ------------------------------------------------------------------------------- text


def _fold(text: str) -> str:
    """Strip accents and ligatures, keep case: "Œuilly-Corrèze" -> "OEuilly-Correze"."""
    text = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    return strip_accents(text)


def _tokens(text: str) -> List[str]:
    """Split folded text on anything but letters and digits (hyphens, apostrophes, dots...)."""
    return [token for token in re.split(r"[^A-Za-z0-9]+", _fold(text)) if token]


def normalise(text: str) -> str:
    """Return the comparison key of a place name: lower case, no accents, single spaces, "st" -> "saint".

    >>> normalise("St-Yrieix-sur-Charente")
    'saint yrieix sur charente'
    """
    return " ".join(_ABBREVIATIONS.get(t, t) for t in (token.lower() for token in _tokens(text)))


def _without_article(key: str) -> Optional[str]:
    first, _, rest = key.partition(" ")
    return rest if first in _ARTICLES and rest else None


# ------------------------------------------------------------------------------- data


@dataclass(frozen=True)
class _Commune:
    insee: str
    name: str
    departement: str
    postal_codes: Tuple[str, ...]
    population: Optional[int]


@dataclass(frozen=True)
class _Departement:
    code: str
    name: str
    region_code: str
    region_name: str


@dataclass(frozen=True)
class _Index:
    communes: Tuple[_Commune, ...]
    departements: Dict[str, _Departement]
    by_postal_code: Dict[str, Tuple[int, ...]]
    by_name: Dict[str, Tuple[int, ...]]  # full key and key without leading article
    by_prefix: Dict[str, Tuple[int, ...]]  # every shorter token prefix of those keys
    departement_by_name: Dict[str, str]


def _read_csv(name: str) -> List[Dict[str, str]]:
    path = GEO_DIR / name
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@functools.lru_cache(maxsize=1)
def _departements() -> Dict[str, _Departement]:
    """The départements with their regions (once per process; small, unlike the communes)."""
    regions = {row["code"]: row["name"] for row in _read_csv("regions.csv")}
    return {
        row["code"]: _Departement(row["code"], row["name"], row["region"], regions[row["region"]])
        for row in _read_csv("departements.csv")
    }


@functools.lru_cache(maxsize=1)
def _index() -> _Index:
    """Read the geo files and build the lookup tables (once per process)."""
    departements = _departements()
    communes = tuple(
        _Commune(
            insee=row["insee"],
            name=row["name"],
            departement=row["departement"],
            postal_codes=tuple(row["postal_codes"].split()),
            population=int(row["population"]) if row["population"] else None,
        )
        for row in _read_csv("communes.csv.gz")
    )
    by_postal: Dict[str, List[int]] = {}
    by_name: Dict[str, List[int]] = {}
    by_prefix: Dict[str, List[int]] = {}
    for i, commune in enumerate(communes):
        for code in commune.postal_codes:
            by_postal.setdefault(code, []).append(i)
        key = normalise(commune.name)
        bare = _without_article(key)
        keys = {key} | ({bare} if bare and bare not in _GENERIC_PREFIXES else set())
        prefixes: Set[str] = set()
        for k in keys:
            by_name.setdefault(k, []).append(i)
            parts = k.split(" ")
            prefixes.update(" ".join(parts[:n]) for n in range(1, len(parts)))
        for prefix in prefixes - keys:
            if len(prefix) >= _MIN_PREFIX_CHARS and prefix not in _GENERIC_PREFIXES:
                by_prefix.setdefault(prefix, []).append(i)
    departement_by_name = {}
    for dep in departements.values():
        key = normalise(dep.name)
        departement_by_name[key] = dep.code
        departement_by_name.setdefault(_without_article(key) or key, dep.code)  # "Réunion"
    return _Index(
        communes=communes,
        departements=departements,
        by_postal_code={k: tuple(v) for k, v in by_postal.items()},
        by_name={k: tuple(v) for k, v in by_name.items()},
        by_prefix={k: tuple(v) for k, v in by_prefix.items()},
        departement_by_name=departement_by_name,
    )


# ----------------------------------------------------------------------------- public


def departement_code(value: Optional[str]) -> Optional[str]:
    """Return the canonical INSEE code of a département number, or None when it does not exist.

    Accepts "19", "9" (-> "09"), "2a" (-> "2A"), "974"; "20" (Corsica before 1976) is not a code.
    """
    if not value:
        return None
    code = value.strip().upper()
    if code.isdigit() and len(code) == 1:
        code = "0" + code
    return code if code in _departements() else None


def departements() -> Dict[str, str]:
    """Return ``{code: name}`` of every département and overseas collectivity, in code order."""
    return {code: dep.name for code, dep in sorted(_departements().items())}


def region_of(code: str) -> Optional[Tuple[str, str]]:
    """Return ``(region_code, region_name)`` of a département code, or None when unknown."""
    dep = _departements().get(code)
    return (dep.region_code, dep.region_name) if dep else None


def regions() -> Dict[str, str]:
    """Return ``{code: name}`` of every region (and overseas collectivity)."""
    return {dep.region_code: dep.region_name for dep in _departements().values()}


def departement_location(code: str, matched_by: str = "departement_code") -> Optional[Location]:
    """Return a département-level :class:`Location` for a (canonical or loose) département code."""
    canonical = departement_code(code)
    if canonical is None:
        return None
    return _location(_departements()[canonical], matched_by=matched_by)


def locate(text: Optional[str]) -> Optional[Location]:
    """Resolve a free-text place to a département (and commune when the text names one).

    Tried in this order: a 5-digit postal code; a département number ("29", "2A", "dép. 29",
    "dans le 974"); then the longest run of words naming a département or a commune, exact names
    before name beginnings ("Brive" -> Brive-la-Gaillarde). When a name fits communes of several
    départements the most populated wins and the others are in ``alternatives`` (so the assistant
    can ask); ``Location.ambiguous`` tells whether they lie in another département.

    Args:
        text: what the user wrote, e.g. "je suis à Brive", "19100", "en Corrèze".

    Returns:
        The location, or None when nothing in the text is a known place.
    """
    if not text or not text.strip():
        return None
    original = _tokens(text)
    words = [_ABBREVIATIONS.get(t.lower(), t.lower()) for t in original]
    return (
        _by_postal_code(words)
        or _by_departement_code(words)
        or _by_name(original, words)
    )


# ---------------------------------------------------------------------------- matching


def _location(
    dep: _Departement,
    matched_by: str,
    commune: Optional[_Commune] = None,
    postal_code: Optional[str] = None,
    alternatives: Sequence[_Commune] = (),
) -> Location:
    index = _index()
    return Location(
        departement_code=dep.code,
        departement_name=dep.name,
        region_code=dep.region_code,
        region_name=dep.region_name,
        matched_by=matched_by,
        commune=commune.name if commune else None,
        insee=commune.insee if commune else None,
        postal_code=postal_code or (commune.postal_codes[0] if commune and commune.postal_codes else None),
        alternatives=tuple(
            Place(
                commune=c.name,
                insee=c.insee,
                departement_code=c.departement,
                departement_name=index.departements[c.departement].name,
                population=c.population,
            )
            for c in alternatives[:MAX_ALTERNATIVES]
        ),
    )


def _by_population(indices: Iterable[int]) -> List[_Commune]:
    communes = _index().communes
    return sorted((communes[i] for i in indices), key=lambda c: (-(c.population or 0), c.insee))


def _commune_location(indices: Iterable[int], matched_by: str, postal_code: Optional[str] = None) -> Location:
    ranked = _by_population(indices)
    best = ranked[0]
    return _location(
        _index().departements[best.departement], matched_by, best, postal_code, ranked[1:]
    )


def _by_postal_code(words: Sequence[str]) -> Optional[Location]:
    index = _index()
    for word in words:
        if not _POSTAL_CODE.match(word):
            continue
        if word in index.by_postal_code:
            return _commune_location(index.by_postal_code[word], "postal_code", postal_code=word)
        # Unknown code (CEDEX, typo): in mainland France its first two digits are the département.
        head = word[:3] if word.startswith("97") else word[:2]
        if head != "20" and head in index.departements:
            return _location(index.departements[head], "postal_code", postal_code=word)
    return None


def _by_departement_code(words: Sequence[str]) -> Optional[Location]:
    meaningful = [w for w in words if w not in _FILLER]
    for i, word in enumerate(words):
        if not _DEPARTEMENT_CODE.match(word):
            continue
        # A bare number counts only when it is all the user said ("29") or follows "dép."/"le".
        alone = meaningful == [word]
        after_keyword = i > 0 and words[i - 1] in _DEPARTEMENT_WORDS
        code = departement_code(word)
        if code and (alone or after_keyword):
            return _location(_index().departements[code], "departement_code")
    return None


def _spans(words: Sequence[str]) -> Iterable[Tuple[int, int]]:
    """Yield ``(start, end)`` word spans, longest first, skipping spans made only of filler words."""
    for length in range(min(len(words), _MAX_SPAN_WORDS), 0, -1):
        for start in range(0, len(words) - length + 1):
            span = words[start:start + length]
            # A span may start with an article ("Le Havre", "La Rochelle") but not with other filler.
            if (span[0] in _FILLER and span[0] not in _ARTICLES) or span[-1] in _FILLER:
                continue
            yield start, start + length


def _plausible(original: Sequence[str], words: Sequence[str], start: int, end: int) -> bool:
    """A one-word name ("Mer", "Nord", "la Réunion") counts if capitalised or if it is all the user said.

    "à la réunion des maires" is a meeting, "à La Réunion" the island: an article does not make a
    lower-case word a name. A name followed by "européen(ne)" never is a place.
    """
    if end < len(words) and words[end].startswith("europeen"):
        return False  # "l'Union européenne" is not the commune of L'Union (Haute-Garonne)
    if start > 0 and words[start - 1] in _POSSESSIVES and not original[start][:1].isupper():
        return False  # "nos deux villes" are the twin towns, not the commune of Les Deux-Villes
    if words[start] in _ARTICLES and end - start == 2:
        start += 1
    elif end - start > 1:
        return True
    meaningful = [w for w in words if w not in _FILLER]
    return original[start][:1].isupper() or meaningful == [words[start]]


def _by_name(original: Sequence[str], words: Sequence[str]) -> Optional[Location]:
    index = _index()
    spans = [s for s in _spans(words) if _plausible(original, words, *s)]
    # Longest span first, so "Saint-Yrieix" (beginning of several names) beats the commune "Le Saint".
    for start, end in spans:
        key = " ".join(words[start:end])
        code = index.departement_by_name.get(key)
        communes = index.by_name.get(key, ())
        at_town = start > 0 and words[start - 1] in _AT_WORDS
        if code and not (communes and at_town):
            # "en Vienne": the département; same-named communes elsewhere are offered as alternatives.
            others = [c for c in _by_population(communes) if c.departement != code]
            return _location(index.departements[code], "departement_name", alternatives=others)
        if communes:
            return _commune_location(communes, "commune")
        if key in index.by_prefix:
            return _commune_location(index.by_prefix[key], "commune")
    return None

