"""Validation of knowledge/data/*.yml and the all-or-nothing database build."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

import pytest
import yaml

from bot.settings import KNOWLEDGE_DATA_DIR
from knowledge.__main__ import main
from knowledge.loader import (
    KnowledgeDataError,
    _StrictLoader,
    build_database,
    load_data,
)


def _edit(data_dir: Path, name: str, change: Callable[[dict], None]) -> None:
    """Load a data file, apply ``change`` and write it back."""
    path = data_dir / name
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader)
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _set_deadline(data: dict) -> None:
    data["programmes"][0]["strands"][1]["calls"][0]["deadline"] = "2026-13-01"


def _set_min_eur(data: dict) -> None:
    data["programmes"][0]["strands"][0]["amounts"][0]["min_eur"] = "beaucoup"


def _empty_sources(data: dict) -> None:
    data["contacts"][0]["sources"] = []


def _drop_sources(data: dict) -> None:
    del data["examples"][0]["sources"]


def _unknown_contact(data: dict) -> None:
    data["programmes"][0]["strands"][0]["contact_ids"].append("nobody")


def _unknown_strand(data: dict) -> None:
    data["examples"][0]["strand_id"] = "no_such_strand"


def _unknown_country(data: dict) -> None:
    data["examples"][0]["partner_countries"] = ["ZZ"]


def _duplicate_contact(data: dict) -> None:
    data["contacts"][1]["id"] = data["contacts"][0]["id"]


def _duplicate_strand(data: dict) -> None:
    data["programmes"][1]["strands"][0]["id"] = "cerv_town_twinning"


def _bad_audience(data: dict) -> None:
    data["programmes"][0]["strands"][0]["audiences"].append("martiens")


def _misspelt_key(data: dict) -> None:
    data["programmes"][0]["strands"][0]["sumary"] = "typo"


def _bad_default_strand(data: dict) -> None:
    data["programmes"][0]["default_strand"] = "erasmus_youth_exchanges"


def _bad_verified(data: dict) -> None:
    data["figures" if "figures" in data else "facts"][0]["verified"] = "peut-être"


def _bad_checked_on(data: dict) -> None:
    data["contacts"][0]["details"][0]["sources"][0]["checked_on"] = "hier"


BAD_DATA = [
    pytest.param(
        "programmes.yml", _set_deadline,
        "programmes.yml: programmes[0].strands[1].calls[0].deadline: invalid date '2026-13-01' (expected YYYY-MM-DD)",
        id="bad-date",
    ),
    pytest.param(
        "programmes.yml", _set_min_eur,
        "programmes.yml: programmes[0].strands[0].amounts[0].min_eur: value is not a valid integer (got 'beaucoup')",
        id="wrong-type",
    ),
    pytest.param(
        "contacts.yml", _empty_sources,
        "contacts.yml: contacts[0].sources: at least one source is required", id="empty-sources",
    ),
    pytest.param("examples.yml", _drop_sources, "examples.yml: examples[0].sources: field required", id="missing-sources"),
    pytest.param(
        "programmes.yml", _unknown_contact,
        "programmes.yml: programmes[0].strands[0].contact_ids[5]: unknown contact id 'nobody'", id="unknown-contact",
    ),
    pytest.param(
        "examples.yml", _unknown_strand,
        "examples.yml: examples[0].strand_id: unknown strand id 'no_such_strand'", id="unknown-strand",
    ),
    pytest.param(
        "examples.yml", _unknown_country,
        "examples.yml: examples[0].partner_countries[0]: unknown country code 'ZZ'", id="unknown-country",
    ),
    pytest.param(
        "contacts.yml", _duplicate_contact, "contacts.yml: contacts[1].id: duplicate contact id 'cidem'",
        id="duplicate-contact",
    ),
    pytest.param(
        "programmes.yml", _duplicate_strand,
        "programmes.yml: programmes[1].strands[0].id: duplicate programme/strand id 'cerv_town_twinning'",
        id="duplicate-strand",
    ),
    pytest.param(
        "programmes.yml", _bad_audience,
        "programmes.yml: programmes[0].strands[0].audiences: unknown audience 'martiens'", id="unknown-audience",
    ),
    pytest.param(
        "programmes.yml", _misspelt_key,
        "programmes.yml: programmes[0].strands[0].sumary: extra fields not permitted", id="misspelt-key",
    ),
    pytest.param(
        "programmes.yml", _bad_default_strand,
        "programmes.yml: programmes[0].default_strand: unknown strand id 'erasmus_youth_exchanges'",
        id="bad-default-strand",
    ),
    pytest.param(
        "figures.yml", _bad_verified, "figures.yml: facts[0].verified: value is not a valid boolean",
        id="bad-boolean",
    ),
    pytest.param(
        "contacts.yml", _bad_checked_on,
        "contacts.yml: contacts[0].details[0].sources[0].checked_on: invalid date 'hier'", id="bad-checked-on",
    ),
]


def test_real_data_is_valid() -> None:
    bundle = load_data(KNOWLEDGE_DATA_DIR)
    assert {p.id for p in bundle.programmes} >= {"cerv", "erasmus_plus", "horizon_cities_mission", "ofaj", "fonds_citoyen"}


def test_build_returns_counts(tmp_path: Path) -> None:
    counts = build_database(f"sqlite:///{tmp_path / 'kb.sqlite3'}", KNOWLEDGE_DATA_DIR)
    assert counts["strands"] >= 10
    assert counts["countries"] == 42


@pytest.mark.parametrize("name, change, expected", BAD_DATA)
def test_bad_data_names_file_and_field(data_dir: Path, name: str, change, expected: str) -> None:
    _edit(data_dir, name, change)
    with pytest.raises(KnowledgeDataError) as excinfo:
        load_data(data_dir)
    assert expected in str(excinfo.value)


@pytest.mark.parametrize("name, change, expected", BAD_DATA)
def test_bad_data_leaves_existing_database_untouched(
    tmp_path: Path, data_dir: Path, name: str, change, expected: str
) -> None:
    db_path = tmp_path / "kb.sqlite3"
    build_database(f"sqlite:///{db_path}", data_dir)
    before = db_path.read_bytes()
    _edit(data_dir, name, change)
    with pytest.raises(KnowledgeDataError):
        build_database(f"sqlite:///{db_path}", data_dir)
    assert db_path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "kb.sqlite3"]  # no temp file left


def test_malformed_yaml_reports_line(data_dir: Path) -> None:
    path = data_dir / "contacts.yml"
    path.write_text("contacts:\n  - id: cidem\n    name: [unclosed\n", encoding="utf-8")
    with pytest.raises(KnowledgeDataError, match=r"contacts\.yml: line \d+, column \d+: invalid YAML"):
        load_data(data_dir)


def test_duplicate_yaml_key_reports_line(data_dir: Path) -> None:
    path = data_dir / "countries.yml"
    path.write_text(path.read_text(encoding="utf-8") + "verified: true\n", encoding="utf-8")
    with pytest.raises(KnowledgeDataError, match=r"countries\.yml: line \d+, column 1: invalid YAML: duplicate key 'verified'"):
        load_data(data_dir)


def test_missing_file(data_dir: Path) -> None:
    (data_dir / "figures.yml").unlink()
    with pytest.raises(KnowledgeDataError, match="figures.yml: file not found"):
        load_data(data_dir)


def test_norway_code_is_not_a_boolean() -> None:
    codes = {c.code for c in load_data(KNOWLEDGE_DATA_DIR).countries.countries}
    assert "NO" in codes


def test_rebuild_replaces_database_seen_by_cached_engine(tmp_path: Path, data_dir: Path, use_database) -> None:
    from knowledge import api

    url = f"sqlite:///{tmp_path / 'kb.sqlite3'}"
    build_database(url, data_dir)
    use_database(url)
    assert api.country_name("FR") == "France"
    _edit(data_dir, "countries.yml", lambda d: d["countries"][9].update(name_fr="République française"))
    build_database(url, data_dir)
    assert api.country_name("FR") == "République française"


def test_cli_check_ok(capsys: pytest.CaptureFixture) -> None:
    assert main(["check", "--data-dir", str(KNOWLEDGE_DATA_DIR)]) == 0
    assert capsys.readouterr().out.startswith("OK:")


def test_cli_build_bad_data_exits_1_without_traceback(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture
) -> None:
    _edit(data_dir, "programmes.yml", _set_deadline)
    code = main(["build", "--database-url", f"sqlite:///{tmp_path / 'kb.sqlite3'}", "--data-dir", str(data_dir)])
    err = capsys.readouterr().err
    assert code == 1
    assert "programmes.yml: programmes[0].strands[1].calls[0].deadline: invalid date" in err
    assert "Traceback" not in err
    assert not (tmp_path / "kb.sqlite3").exists()


def test_non_file_url_is_rebuilt_in_one_transaction(use_database) -> None:
    from knowledge import api

    url = "sqlite://"  # in-memory: takes the drop/create/insert-in-one-transaction path
    use_database(url)
    assert build_database(url, KNOWLEDGE_DATA_DIR)["strands"] == build_database(url, KNOWLEDGE_DATA_DIR)["strands"]
    assert api.get_strand("cerv").id == "cerv_town_twinning"


def test_bad_data_leaves_an_existing_postgresql_database_untouched(data_dir: Path, postgres_url: str) -> None:
    """The production knowledge base: every kind of bad data is refused before anything is written."""
    from sqlalchemy import create_engine, select

    from knowledge import models

    def snapshot() -> tuple:
        engine = create_engine(postgres_url, future=True)
        try:
            with engine.connect() as connection:
                return (
                    connection.execute(select(models.Build.build_id)).scalar_one(),
                    sorted(connection.execute(select(models.Strand.id, models.Strand.name_fr)).all()),
                    connection.execute(select(models.Call.id).order_by(models.Call.id)).scalars().all(),
                )
        finally:
            engine.dispose()

    build_database(postgres_url, data_dir)
    before = snapshot()
    for name, change, expected in (case.values for case in BAD_DATA):
        original = (data_dir / name).read_text(encoding="utf-8")
        _edit(data_dir, name, change)
        with pytest.raises(KnowledgeDataError, match=re.escape(expected)):
            build_database(postgres_url, data_dir)
        (data_dir / name).write_text(original, encoding="utf-8")
        assert snapshot() == before
