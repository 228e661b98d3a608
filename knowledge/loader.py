"""Validate ``knowledge/data/*.yml`` and build the database from it.

Every problem is reported as ``<file>: <field path>: <message>``, e.g.
``programmes.yml: programmes[0].strands[1].calls[0].deadline: invalid date '2026-13-01' (expected
YYYY-MM-DD)``. The database is never half-built: SQLite is written to a temporary file that
replaces the target at the end; other databases are rebuilt in one transaction.
"""

from __future__ import annotations

import os
import re
import tempfile
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Type

import yaml
from pydantic import BaseModel, ValidationError
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bot.settings import Settings
from knowledge import db, models, schema, store
from knowledge.store import KnowledgeBundle

DATA_FILES: Dict[str, Type[BaseModel]] = {
    "programmes.yml": schema.ProgrammesFile,
    "contacts.yml": schema.ContactsFile,
    "examples.yml": schema.ExamplesFile,
    "figures.yml": schema.FiguresFile,
    "countries.yml": schema.CountriesFile,
    "europe_direct_centres.yml": schema.EuropeDirectFile,
}

_MAX_REPORTED_ERRORS = 30


class KnowledgeDataError(Exception):
    """The YAML data is invalid; the message lists each problem as ``file: field: message``."""

    def __init__(self, errors: Sequence[str]):
        self.errors = list(errors)
        shown = self.errors[:_MAX_REPORTED_ERRORS]
        more = len(self.errors) - len(shown)
        message = "\n".join(shown) + (f"\n... and {more} more" if more > 0 else "")
        super().__init__(message)


# --------------------------------------------------------------------------------------- YAML


# The libyaml parser is several times faster; the strict rules below work with both.
_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_BaseLoader):
    """SafeLoader that keeps dates as strings, only reads true/false as booleans and rejects duplicate keys."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key '{key}'", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


# Dates are parsed by the schema (clear error message); YAML 1.1 would turn "NO" (Norway) into False.
_StrictLoader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _read_yaml(path: Path) -> Any:
    name = path.name
    if not path.is_file():
        raise KnowledgeDataError([f"{name}: file not found in {path.parent}"])
    try:
        with path.open(encoding="utf-8") as handle:
            data = yaml.load(handle, Loader=_StrictLoader)  # noqa: S506 - strict SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise KnowledgeDataError([f"{name}: {where}invalid YAML: {exc.problem or exc}"]) from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise KnowledgeDataError([f"{name}: invalid YAML: {exc}"]) from None
    if not isinstance(data, dict):
        raise KnowledgeDataError([f"{name}: expected a mapping at the top of the file"])
    return data


def _format_loc(loc: Iterable[Any]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part != "__root__":
            path += f".{part}" if path else str(part)
    return path or "(file)"


def _value_at(data: Any, loc: Iterable[Any]) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _validation_messages(name: str, raw: Any, exc: ValidationError) -> List[str]:
    messages = []
    for error in exc.errors():
        message = f"{name}: {_format_loc(error['loc'])}: {error['msg']}"
        value = _value_at(raw, error["loc"])
        if error["type"].startswith("type_error") and isinstance(value, (str, int, float, bool)):
            message += f" (got {value!r})"
        messages.append(message)
    return messages


# --------------------------------------------------------------------------------- validation


def load_data(data_dir: Optional[os.PathLike] = None) -> KnowledgeBundle:
    """Read and validate every YAML file of the data directory.

    Args:
        data_dir: directory holding the ``*.yml`` files; default from the settings.

    Returns:
        The validated bundle.

    Raises:
        KnowledgeDataError: with one ``file: field: message`` line per problem.
    """
    directory = Path(data_dir) if data_dir else Settings.from_env().knowledge_data_dir
    parsed: Dict[str, Any] = {}  # file name -> its validated model
    errors: List[str] = []
    for name, model in DATA_FILES.items():
        try:
            raw = _read_yaml(directory / name)
            parsed[name] = model.parse_obj(raw)
        except KnowledgeDataError as exc:
            errors.extend(exc.errors)
        except ValidationError as exc:
            errors.extend(_validation_messages(name, raw, exc))
    if errors:
        raise KnowledgeDataError(errors)

    bundle = KnowledgeBundle(
        programmes=parsed["programmes.yml"].programmes,
        contacts=parsed["contacts.yml"].contacts,
        examples=parsed["examples.yml"].examples,
        facts=parsed["figures.yml"].facts,
        countries=parsed["countries.yml"],
        europe_direct=parsed["europe_direct_centres.yml"],
    )
    errors = _cross_check(bundle) + _check_centres(bundle)
    if errors:
        raise KnowledgeDataError(errors)
    return bundle


def _duplicates(items: Iterable[Tuple[str, str]], what: str) -> List[str]:
    """Report the second and later occurrences of an id; ``items`` are ``(id, location)`` pairs."""
    first_seen: Dict[str, str] = {}
    errors = []
    for item_id, location in items:
        if item_id in first_seen:
            errors.append(f"{location}: duplicate {what} '{item_id}' (first at {first_seen[item_id]})")
        else:
            first_seen[item_id] = location
    return errors


def _check_centres(bundle: KnowledgeBundle) -> List[str]:
    """Check that centre ids are unique in europe_direct_centres.yml."""
    if bundle.europe_direct is None:
        return []
    return _duplicates(
        [(c.id, f"europe_direct_centres.yml: centres[{i}].id") for i, c in enumerate(bundle.europe_direct.centres)],
        "centre id",
    )


def _cross_check(bundle: KnowledgeBundle) -> List[str]:
    """Check ids that are unique or referenced across files."""
    prog = "programmes.yml: programmes"
    strands = [
        (strand, f"{prog}[{p}].strands[{s}]")
        for p, programme in enumerate(bundle.programmes)
        for s, strand in enumerate(programme.strands)
    ]
    country_codes = {country.code for country in bundle.countries.countries}
    contact_ids = {contact.id for contact in bundle.contacts}
    strand_ids = {strand.id for strand, _ in strands}

    errors = _duplicates(
        [(p.id, f"{prog}[{i}].id") for i, p in enumerate(bundle.programmes)]
        + [(s.id, f"{where}.id") for s, where in strands],
        "programme/strand id",
    )
    errors += _duplicates(
        [(c.id, f"{where}.calls[{i}].id") for s, where in strands for i, c in enumerate(s.calls)],
        "call id",
    )
    errors += _duplicates(
        [(c.id, f"contacts.yml: contacts[{i}].id") for i, c in enumerate(bundle.contacts)],
        "contact id",
    )
    errors += _duplicates(
        [(e.id, f"examples.yml: examples[{i}].id") for i, e in enumerate(bundle.examples)],
        "example id",
    )
    errors += _duplicates(
        [(f.id, f"figures.yml: facts[{i}].id") for i, f in enumerate(bundle.facts)], "fact id"
    )
    errors += _duplicates(
        [(c.code, f"countries.yml: countries[{i}].code") for i, c in enumerate(bundle.countries.countries)],
        "country code",
    )

    for p, programme in enumerate(bundle.programmes):
        if programme.default_strand not in {s.id for s in programme.strands}:
            errors.append(
                f"{prog}[{p}].default_strand: unknown strand id '{programme.default_strand}'"
                f" (not a strand of programme '{programme.id}')"
            )
    for strand, where in strands:
        errors += _duplicates(
            [(r.key, f"{where}.rules[{i}].key") for i, r in enumerate(strand.rules)], "rule key"
        )
        for i, contact_id in enumerate(strand.contact_ids):
            if contact_id not in contact_ids:
                errors.append(
                    f"{where}.contact_ids[{i}]: unknown contact id '{contact_id}' (not in contacts.yml)"
                )
        errors += _duplicates(
            [(c, f"{where}.contact_ids[{i}]") for i, c in enumerate(strand.contact_ids)], "contact id"
        )
        for i, code in enumerate(strand.eligible_countries.countries):
            if code not in country_codes:
                errors.append(
                    f"{where}.eligible_countries.countries[{i}]: unknown country code '{code}'"
                    " (not in countries.yml)"
                )
        if strand.eligible_countries.rule == "list" and not strand.eligible_countries.countries:
            errors.append(f"{where}.eligible_countries.countries: rule 'list' needs at least one country")
    for i, example in enumerate(bundle.examples):
        where = f"examples.yml: examples[{i}]"
        if example.strand_id not in strand_ids:
            errors.append(f"{where}.strand_id: unknown strand id '{example.strand_id}' (not in programmes.yml)")
        for j, code in enumerate(example.partner_countries):
            if code not in country_codes:
                errors.append(
                    f"{where}.partner_countries[{j}]: unknown country code '{code}' (not in countries.yml)"
                )
    for i, contact in enumerate(bundle.contacts):
        for j, alias in enumerate(contact.aliases):
            if alias in contact_ids:
                errors.append(
                    f"contacts.yml: contacts[{i}].aliases[{j}]: alias '{alias}' is already a contact id"
                )
    return errors


# ------------------------------------------------------------------------------------- build


def _counts(bundle: KnowledgeBundle) -> Dict[str, int]:
    strands = [s for p in bundle.programmes for s in p.strands]
    return {
        "programmes": len(bundle.programmes),
        "strands": len(strands),
        "calls": sum(len(s.calls) for s in strands),
        "rules": sum(len(s.rules) for s in strands),
        "amounts": sum(len(s.amounts) for s in strands),
        "contacts": len(bundle.contacts),
        "examples": len(bundle.examples),
        "facts": len(bundle.facts),
        "countries": len(bundle.countries.countries),
        "europe_direct_centres": len(bundle.europe_direct.centres) if bundle.europe_direct else 0,
    }


def _write(engine, bundle: KnowledgeBundle) -> None:
    # One transaction: on PostgreSQL even the DROP/CREATE are rolled back if an insert fails.
    with Session(engine, future=True) as session, session.begin():
        connection = session.connection()
        models.Base.metadata.drop_all(connection)
        models.Base.metadata.create_all(connection)
        session.add_all(store.rows(bundle))
        # A new id per build: the snapshot of knowledge.snapshot is valid until this changes.
        session.add(models.Build(id=1, build_id=uuid.uuid4().hex,
                                 built_at=datetime.now(timezone.utc).isoformat(timespec="seconds")))


def _sqlite_file(url: str) -> Optional[Path]:
    """Return the database file of a file-based SQLite URL, else None."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def build_database(url: Optional[str] = None, data_dir: Optional[os.PathLike] = None) -> Dict[str, int]:
    """Validate the YAML data and (re)build the knowledge database from it.

    Nothing is written when the data is invalid. A SQLite file is built next to the target and
    moved over it atomically; other databases are dropped, created and filled in one transaction.

    Args:
        url: SQLAlchemy database URL; default from the settings.
        data_dir: directory of the YAML files; default from the settings.

    Returns:
        The number of rows per kind, e.g. ``{"programmes": 7, "strands": 12, ...}``.

    Raises:
        KnowledgeDataError: when the data is invalid (the database is left untouched).
    """
    url = url or db.default_url()
    bundle = load_data(data_dir)
    target = _sqlite_file(url)
    if target is None:
        _write(db.get_engine(url), bundle)
        return _counts(bundle)

    target.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(handle)
    try:
        tmp_url = make_url(url).set(database=tmp_name)
        engine = create_engine(tmp_url, future=True)
        try:
            _write(engine, bundle)
        finally:
            engine.dispose()
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    # Pooled connections of a cached engine would still see the replaced file.
    db.dispose_engine(url)
    return _counts(bundle)
