"""The knowledge snapshot (knowledge/snapshot.py): read from memory, but never stale."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.exc import SQLAlchemyError

from knowledge import api, snapshot, store
from knowledge.db import dispose_engine
from knowledge.loader import build_database

TWINNING_TITLE = "CERV – Jumelage de villes (Town-Twinning)"


@pytest.fixture
def own_database(tmp_path: Path, data_dir: Path, use_database) -> str:
    url = f"sqlite:///{tmp_path / 'knowledge.sqlite3'}"
    build_database(url, data_dir)
    use_database(url)
    return url


def test_a_rebuild_is_seen_on_the_next_call(own_database: str, data_dir: Path) -> None:
    assert api.get_strand("cerv").name_fr == TWINNING_TITLE
    programmes = data_dir / "programmes.yml"
    programmes.write_text(
        programmes.read_text(encoding="utf-8").replace(TWINNING_TITLE, "CERV – Jumelage (titre corrigé)"),
        encoding="utf-8",
    )
    build_database(own_database, data_dir)
    assert api.get_strand("cerv").name_fr == "CERV – Jumelage (titre corrigé)"


def test_repeated_calls_are_served_from_memory(own_database: str, monkeypatch) -> None:
    first = api.recommend(api.NeedProfile(need="youth_exchange"), today=date(2026, 11, 26))
    reads = []
    original = store.read
    monkeypatch.setattr(store, "read", lambda session: reads.append(session) or original(session))
    again = api.recommend(api.NeedProfile(need="youth_exchange"), today=date(2026, 11, 26))
    assert again == first and reads == []
    # A list handed out is the caller's: changing it changes nothing for the next one.
    again.clear()
    assert api.recommend(api.NeedProfile(need="youth_exchange"), today=date(2026, 11, 26)) == first


def test_what_the_database_holds_is_what_the_yaml_says(own_database: str, data_dir: Path) -> None:
    from knowledge.loader import load_data

    assert snapshot.current() == snapshot.Snapshot.from_bundle(load_data(data_dir), snapshot.current().build_id)


def test_one_request_reads_the_build_id_once(own_database: str, monkeypatch) -> None:
    with snapshot.pinned():
        strand = api.get_strand("cerv")
        monkeypatch.setenv("DATABASE_URL", "sqlite:////nonexistent/directory/kb.sqlite3")
        assert api.get_strand("cerv") is strand
    with pytest.raises(SQLAlchemyError):
        api.get_strand("cerv")


def test_an_unreachable_database_still_fails_and_recovers(own_database: str, tmp_path: Path) -> None:
    expected = api.get_strand("cerv")
    database = Path(own_database.removeprefix("sqlite:///"))
    moved = tmp_path / "elsewhere.sqlite3"
    database.rename(moved)
    database.mkdir()  # a directory where the file was: SQLite cannot open it
    dispose_engine(own_database)
    with pytest.raises(SQLAlchemyError):
        api.get_strand("cerv")
    database.rmdir()
    moved.rename(database)
    assert api.get_strand("cerv") == expected


def test_the_date_of_a_default_today_is_part_of_the_answer(own_database: str, monkeypatch) -> None:
    class Tomorrow(date):
        @classmethod
        def today(cls) -> date:
            return date(2099, 1, 1)

    api.next_call("cerv")  # asked today first: its answer must not be kept for 2099
    monkeypatch.setattr(api, "date", Tomorrow)
    # In 2099 no known deadline is still ahead: a "next deadline" kept from today would be wrong.
    assert api.next_call("cerv") is None
