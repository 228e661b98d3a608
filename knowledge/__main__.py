"""Command line: ``python -m knowledge check`` validates the YAML, ``build`` (re)builds the database.

Exit codes: 0 success, 1 invalid data, 2 database error. Errors are printed, never tracebacks.
"""

from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence

from sqlalchemy.exc import SQLAlchemyError

from knowledge.db import default_url
from knowledge.loader import KnowledgeDataError, build_database, load_data


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line and return the exit code."""
    parser = argparse.ArgumentParser(prog="python -m knowledge", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="validate knowledge/data/*.yml without writing anything")
    check.add_argument("--data-dir", help="directory of the YAML files (default: settings)")
    build = commands.add_parser("build", help="validate the YAML files and rebuild the database")
    build.add_argument("--data-dir", help="directory of the YAML files (default: settings)")
    build.add_argument("--database-url", help="SQLAlchemy URL (default: DATABASE_URL or var/knowledge.sqlite3)")
    args = parser.parse_args(argv)

    try:
        if args.command == "check":
            bundle = load_data(args.data_dir)
            strands = sum(len(p.strands) for p in bundle.programmes)
            print(f"OK: {len(bundle.programmes)} programmes, {strands} strands, "
                  f"{len(bundle.contacts)} contacts, {len(bundle.examples)} examples.")
        else:
            url = args.database_url or default_url()
            counts = build_database(url, args.data_dir)
            summary = ", ".join(f"{count} {kind}" for kind, count in counts.items())
            print(f"Built {_redact(url)}: {summary}.")
    except KnowledgeDataError as exc:
        print(f"Invalid knowledge data:\n{exc}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        print(f"Database error: {exc.__class__.__name__}: {exc}", file=sys.stderr)
        return 2
    return 0


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    sys.exit(main())
