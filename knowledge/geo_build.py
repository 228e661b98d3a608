"""Rebuild the compact files of ``knowledge/data/geo/`` from the Etalab npm package.

Source: ``@etalab/decoupage-administratif`` (Etalab, data under Licence Ouverte 2.0, built from
INSEE's Code officiel géographique and La Poste's base officielle des codes postaux). Usage::

    cd /tmp && npm pack @etalab/decoupage-administratif@6.0.0
    python -m knowledge.geo_build /tmp/etalab-decoupage-administratif-6.0.0.tgz

The package (a ``.tgz`` or its extracted folder) is only needed to rebuild: at run time
:mod:`knowledge.geo` reads the files written here. Only current communes are kept (type
``commune-actuelle``: no municipal arrondissements, no delegated or associated communes).
The output is deterministic (sorted rows, gzip without timestamp) so a rebuild with the same
package gives byte-identical files.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import os
import sys
import tarfile
from pathlib import Path
from typing import Any, Dict, Optional, Sequence

GEO_DIR = Path(__file__).resolve().parent / "data" / "geo"
PACKAGE = "@etalab/decoupage-administratif"


def _read_json(source: Path, name: str) -> Any:
    """Read ``data/<name>`` from the package tarball or its extracted folder."""
    if source.is_dir():
        folder = source / "package" if (source / "package").is_dir() else source
        return json.loads((folder / "data" / name).read_text(encoding="utf-8"))
    with tarfile.open(source, "r:gz") as archive:
        member = archive.extractfile(os.path.normpath(f"package/data/{name}"))
        if member is None:
            raise FileNotFoundError(f"package/data/{name} not in {source}")
        return json.load(member)


def _package_version(source: Path) -> str:
    # package.json sits next to data/, so the same reader finds it in both layouts.
    return str(_read_json(source, "../package.json").get("version", "?"))


def _csv_text(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def build(source: Path, target: Path = GEO_DIR) -> Dict[str, int]:
    """Write ``communes.csv.gz``, ``departements.csv`` and ``regions.csv`` into ``target``.

    Args:
        source: the npm tarball of the package, or the folder it was extracted to.
        target: output folder (default: ``knowledge/data/geo``).

    Returns:
        Row counts per file.
    """
    communes = [c for c in _read_json(source, "communes.json") if c["type"] == "commune-actuelle"]
    departements = _read_json(source, "departements.json")
    regions = _read_json(source, "regions.json")

    commune_rows = sorted(
        (
            c["code"],
            c["nom"],
            c["departement"],
            " ".join(c.get("codesPostaux") or ()),
            c.get("population", ""),
        )
        for c in communes
    )
    target.mkdir(parents=True, exist_ok=True)
    text = _csv_text(("insee", "name", "departement", "postal_codes", "population"), commune_rows)
    # mtime=0 and no file name in the header: the same input gives the same bytes.
    with open(target / "communes.csv.gz", "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as handle:
            handle.write(text.encode("utf-8"))
    (target / "departements.csv").write_text(
        _csv_text(
            ("code", "name", "region"),
            sorted((d["code"], d["nom"], d["region"]) for d in departements),
        ),
        encoding="utf-8",
    )
    (target / "regions.csv").write_text(
        _csv_text(("code", "name"), sorted((r["code"], r["nom"]) for r in regions)),
        encoding="utf-8",
    )
    return {"communes": len(commune_rows), "departements": len(departements), "regions": len(regions)}


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Command line: ``python -m knowledge.geo_build PACKAGE.tgz [--target DIR]``."""
    parser = argparse.ArgumentParser(prog="python -m knowledge.geo_build", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path, help=f"npm tarball (or extracted folder) of {PACKAGE}")
    parser.add_argument("--target", type=Path, default=GEO_DIR, help="output folder")
    args = parser.parse_args(argv)
    counts = build(args.source, args.target)
    print(f"{PACKAGE} {_package_version(args.source)}: "
          + ", ".join(f"{n} {kind}" for kind, n in counts.items()) + f" -> {args.target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
