"""Partner towns abroad: "Ratisbonne", "Ravensburg", "Timișoara" name a town, hence a country.

A twinning committee often names its partner town and never its country: "nos amis de Ravensburg",
"la délégation de Varsovie". :func:`foreign_towns` finds such towns in a message, and says where
they are; the place finder (:func:`knowledge.geo.locate`) is then given the text without them, so a
town the message places abroad is never read as a French commune.

The table (``data/geo/partner_towns.csv.gz``, built by :mod:`knowledge.towns_build` from GeoNames)
holds about 38,000 names of European towns of 5,000 inhabitants or more, with the French names of
the larger ones. A name that is also a French commune ("Valence", "Cologne") counts as the foreign
town only when the message places it abroad: right after "jumelée avec", "ville jumelle",
"partenaire", "amis de"…, or followed by its country ("Valence en Espagne").
"""

from __future__ import annotations

import csv
import functools
import gzip
from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

from knowledge import geo
from knowledge.vocabulary import COUNTRY_FORMS

TOWNS_FILE = geo.GEO_DIR / "partner_towns.csv.gz"
MAX_NAME_WORDS = 4
# Words just before a name that place it abroad, as a partner of the user's commune.
_PARTNER_CUES = frozenset(
    """
    jumelle jumelles jumelee jumelees jumele jumeles jumelage jumelages partenaire partenaires amie amies amis
    homologue homologues avec
    """.split()
)
@dataclass(frozen=True)
class Town:
    """A town abroad found in a message: its name there, its country, and the words it spans."""

    name: str
    country: str
    start: int
    end: int


@functools.lru_cache(maxsize=1)
def _table() -> Dict[str, Tuple[str, str]]:
    """Name key -> (country code, town name), read once per process."""
    with gzip.open(TOWNS_FILE, "rt", encoding="utf-8", newline="") as handle:
        return {row["key"]: (row["country"], row["name"]) for row in csv.DictReader(handle)}


def _placed_abroad(words: Sequence[str], start: int, end: int, country: str) -> bool:
    before = words[max(0, start - 3):start]
    if any(word in _PARTNER_CUES for word in before):
        return True
    after = " ".join(words[end:end + 3])
    return bool(after) and any(
        after.startswith(f"{link} {form}") for link in ("en", "au", "aux", "in") for form in COUNTRY_FORMS.get(country, ())
    )


def foreign_towns(text: str) -> List[Town]:
    """The towns abroad a message names, in order (see the module's docstring for the rules)."""
    original = geo._tokens(text or "")
    words = [geo.normalise(token) for token in original]
    table = _table()
    index = geo._index()
    communes = index.by_name
    found: List[Town] = []
    taken = [False] * len(words)
    for length in range(min(MAX_NAME_WORDS, len(words)), 0, -1):
        for start in range(0, len(words) - length + 1):
            end = start + length
            if any(taken[start:end]):
                continue
            entry = table.get(" ".join(words[start:end]))
            if entry is None:
                continue
            country, name = entry
            abroad = _placed_abroad(words, start, end, country)
            key = " ".join(words[start:end])
            if (key in communes or key in index.departement_by_name) and not abroad:
                continue  # a French commune or département too, and nothing says it is the foreign one
            if not (original[start][:1].isupper() or abroad):
                continue  # lower-case common word ("roman", "eger") not placed as a partner
            found.append(Town(name=name, country=country, start=start, end=end))
            taken[start:end] = [True] * length
    return sorted(found, key=lambda town: town.start)


def without_foreign_towns(text: str) -> str:
    """The text without the towns it places abroad, for the French place finder."""
    towns = foreign_towns(text)
    if not towns:
        return text
    tokens = geo._tokens(text)
    drop = {i for town in towns for i in range(town.start, town.end)}
    return " ".join(token for i, token in enumerate(tokens) if i not in drop)
