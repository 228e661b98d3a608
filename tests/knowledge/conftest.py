"""Fixtures for the knowledge tests (the shared `knowledge_url` is in tests/conftest.py)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Iterator

import pytest

from bot.settings import KNOWLEDGE_DATA_DIR


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A writable copy of the real data directory, for tests that break the data."""
    target = tmp_path / "data"
    shutil.copytree(KNOWLEDGE_DATA_DIR, target)
    return target


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A scratch PostgreSQL database (127.0.0.1:5432, which `.ci/run` makes sure is up), dropped afterwards."""
    from knowledge.db import dispose_engine
    from tests.support.databases import scratch_database

    with scratch_database("test_knowledge") as url:
        yield url
        dispose_engine(url)  # the knowledge API's cached engine holds connections to it


@pytest.fixture(autouse=True)
def knowledge_db(knowledge_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point the knowledge API at the test knowledge base (as the settings would in production)."""
    monkeypatch.setenv("DATABASE_URL", knowledge_url)
    return knowledge_url


@pytest.fixture
def use_database(monkeypatch: pytest.MonkeyPatch):
    """Point the knowledge API at another database: ``use_database(url)``."""
    return lambda url: monkeypatch.setenv("DATABASE_URL", url)
