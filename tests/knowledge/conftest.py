"""Fixtures for the knowledge tests (the shared `knowledge_url` is in tests/conftest.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.settings import KNOWLEDGE_DATA_DIR


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A writable copy of the real data directory, for tests that break the data."""
    target = tmp_path / "data"
    shutil.copytree(KNOWLEDGE_DATA_DIR, target)
    return target
