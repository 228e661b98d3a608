"""Fixtures shared by every test: a knowledge database built once from the real data files."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

from bot.settings import KNOWLEDGE_DATA_DIR
from knowledge.loader import build_database

# `make test` draws the same generated inputs every run, so that it passes or fails for a reason;
# `make fuzz` draws new ones each time, to look for what the fixed draw does not reach.
settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


@pytest.fixture(scope="session")
def knowledge_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """URL of a SQLite database built from knowledge/data into a temporary folder."""
    path = tmp_path_factory.mktemp("knowledge") / "knowledge.sqlite3"
    url = f"sqlite:///{path}"
    build_database(url, KNOWLEDGE_DATA_DIR)
    return url


@pytest.fixture(scope="session", autouse=True)
def alerts_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """No test writes alert subscriptions to var/: the actions and the servers it starts use a scratch file."""
    url = f"sqlite:///{tmp_path_factory.mktemp('alerts') / 'alerts.sqlite3'}"
    os.environ["ALERTS_DATABASE_URL"] = url  # inherited by the action servers the tests start
    return url
