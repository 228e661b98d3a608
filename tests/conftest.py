"""Fixtures shared by every test: a knowledge database built once from the real data files."""

from __future__ import annotations

import pytest

from bot.settings import KNOWLEDGE_DATA_DIR
from knowledge.loader import build_database


@pytest.fixture(scope="session")
def knowledge_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """URL of a SQLite database built from knowledge/data into a temporary folder."""
    path = tmp_path_factory.mktemp("knowledge") / "knowledge.sqlite3"
    url = f"sqlite:///{path}"
    build_database(url, KNOWLEDGE_DATA_DIR)
    return url
