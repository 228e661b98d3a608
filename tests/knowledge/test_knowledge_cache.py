"""The knowledge API's in-memory answers (knowledge/cache.py): fast, but never stale."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.exc import SQLAlchemyError

from knowledge import api, cache
from knowledge.loader import build_database

TWINNING_TITLE = "CERV – Jumelage de villes (Town-Twinning)"


@pytest.fixture
def own_database(tmp_path: Path, data_dir: Path) -> str:
    url = f"sqlite:///{tmp_path / 'knowledge.sqlite3'}"
    build_database(url, data_dir)
    return url


def test_a_rebuild_is_seen_on_the_next_call(own_database: str, data_dir: Path) -> None:
    assert api.get_strand("cerv", url=own_database).name_fr == TWINNING_TITLE
    programmes = data_dir / "programmes.yml"
    programmes.write_text(
        programmes.read_text(encoding="utf-8").replace(TWINNING_TITLE, "CERV – Jumelage (titre corrigé)"),
        encoding="utf-8",
    )
    build_database(own_database, data_dir)
    assert api.get_strand("cerv", url=own_database).name_fr == "CERV – Jumelage (titre corrigé)"


def test_repeated_calls_are_served_from_memory(own_database: str, monkeypatch) -> None:
    first = api.recommend(api.NeedProfile(need="youth_exchange"), today=date(2026, 11, 26), url=own_database)
    calls = []
    original = api._load_strands
    monkeypatch.setattr(api, "_load_strands", lambda *a, **k: calls.append(a) or original(*a, **k))
    again = api.recommend(api.NeedProfile(need="youth_exchange"), today=date(2026, 11, 26), url=own_database)
    assert again == first and calls == []
    # A list handed out is a copy: a caller changing it changes nothing for the next one.
    again.clear()
    assert api.recommend(api.NeedProfile(need="youth_exchange"), today=date(2026, 11, 26), url=own_database) == first


def test_an_unreachable_database_still_fails_and_recovers(own_database: str, tmp_path: Path) -> None:
    expected = api.get_strand("cerv", url=own_database)
    database = Path(own_database.removeprefix("sqlite:///"))
    moved = tmp_path / "elsewhere.sqlite3"
    database.rename(moved)
    database.mkdir()  # a directory where the file was: SQLite cannot open it
    from knowledge.db import dispose_engine

    dispose_engine(own_database)
    with pytest.raises(SQLAlchemyError):
        api.get_strand("cerv", url=own_database)
    database.rmdir()
    moved.rename(database)
    assert api.get_strand("cerv", url=own_database) == expected


def test_the_date_of_a_default_today_is_part_of_the_answer(own_database: str, monkeypatch) -> None:
    class Tomorrow(date):
        @classmethod
        def today(cls) -> date:
            return date(2099, 1, 1)

    api.next_call("cerv", url=own_database)
    monkeypatch.setattr(cache, "date", Tomorrow)
    monkeypatch.setattr(api, "date", Tomorrow)
    # In 2099 no known deadline is still ahead: a cached "next deadline" from today would be wrong.
    assert api.next_call("cerv", url=own_database) is None
