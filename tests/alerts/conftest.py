"""Fixtures of the alerts' tests: the alerts database (SQLite and PostgreSQL), a knowledge base with a
2027 call added, a local SMTP server and the fake Telegram Bot API.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from bot.settings import Settings
from knowledge.loader import build_database
from tests.support.alerts import add_call, copy_data
from tests.support.smtp_server import SmtpServer
from tests.support.telegram import TOKEN, FakeTelegram, FakeTelegramThread


@pytest.fixture(params=["sqlite", "postgresql"])
def alerts_url(request, tmp_path: Path) -> Iterator[str]:
    """The alerts' database: a SQLite file, then a scratch PostgreSQL database (`.ci/run` starts it)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'alerts.sqlite3'}"
        return
    from knowledge.db import dispose_engine
    from tests.support.databases import scratch_database

    with scratch_database("test_alerts") as url:
        yield url
        dispose_engine(url)


@pytest.fixture
def sqlite_alerts_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'alerts.sqlite3'}"


@pytest.fixture(autouse=True)
def knowledge_env(knowledge_url: str, monkeypatch) -> str:
    """The knowledge API reads DATABASE_URL: the test knowledge base (knowledge_2027 replaces it)."""
    monkeypatch.setenv("DATABASE_URL", knowledge_url)
    return knowledge_url


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return copy_data(tmp_path / "data")


@pytest.fixture
def knowledge_2027(tmp_path: Path, data_dir: Path, knowledge_env: str, monkeypatch) -> str:
    """A knowledge base built from a copy of the data, before the 2027 call (:func:`publish` adds it),
    in DATABASE_URL for the test.
    """
    url = f"sqlite:///{tmp_path / 'knowledge.sqlite3'}"
    build_database(url, data_dir)
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def publish(url: str, data_dir: Path, entry: str = "") -> None:
    """The 2027 call (or ``entry``) appears in the data and the knowledge base is rebuilt."""
    add_call(data_dir, entry=entry)
    build_database(url, data_dir)


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    with SmtpServer(tmp_path) as server:
        yield server


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegramThread() as fake:
        yield fake


def settings_for(alerts_url: str, knowledge_url: str, smtp: SmtpServer = None, telegram: FakeTelegram = None,
                 **extra: str) -> Settings:
    env = {"ALERTS_DATABASE_URL": alerts_url, "DATABASE_URL": knowledge_url,
           "PUBLIC_URL": "https://assistant.example.org", "ALERTS_FROM": "alertes@assistant.example.org"}
    if smtp is not None:
        env.update(SMTP_URL=smtp.url, SMTP_CA_FILE=str(smtp.cert_file))
    if telegram is not None:
        env.update(TELEGRAM_TOKEN=TOKEN, TELEGRAM_API_URL=telegram.base_url)
    return Settings.from_env({**env, **extra})
