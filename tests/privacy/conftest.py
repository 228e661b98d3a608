"""Privacy fixtures: tracker stores written by Rasa's own SQLTrackerStore, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import uuid
from typing import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

# The server CI and this machine run (trust authentication); override to test another one.
POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The admin URL of the PostgreSQL server; the test is skipped if it is unreachable."""
    engine = create_engine(POSTGRES_ADMIN_URL, future=True, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        pytest.skip(f"PostgreSQL unreachable at {make_url(POSTGRES_ADMIN_URL)!r} "
                    f"(set TEST_POSTGRES_URL): {str(error.orig).strip().splitlines()[0]}")
    finally:
        engine.dispose()
    return POSTGRES_ADMIN_URL


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A scratch database jumelage_test_retention_<random>, dropped afterwards."""
    name = f"jumelage_test_retention_{uuid.uuid4().hex[:8]}"
    admin = create_engine(postgres_server, future=True, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres_server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def tracker_store_url(request, tmp_path) -> str:
    """A tracker store URL on each supported backend (an empty database; Rasa creates the table)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'tracker.sqlite3'}"
    return request.getfixturevalue("postgres_url")
