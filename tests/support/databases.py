"""Scratch PostgreSQL databases for the tests (and the load benchmark), and making one unreachable."""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from typing import Iterator

# The real PostgreSQL of these machines (.ci/run starts it); override to point elsewhere on 127.0.0.1.
POSTGRES_ADMIN_URL = os.environ.get("LOAD_POSTGRES_URL") or "postgresql://postgres@127.0.0.1:5432/postgres"


def _admin_engine(admin_url: str):
    from sqlalchemy import create_engine

    return create_engine(admin_url, future=True, isolation_level="AUTOCOMMIT")


@contextmanager
def scratch_database(label: str, admin_url: str = POSTGRES_ADMIN_URL) -> Iterator[str]:
    """A new, empty PostgreSQL database with a unique name; dropped (connections and all) on exit."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    name = f"jumelage_{label}_{uuid.uuid4().hex[:10]}"
    engine = _admin_engine(admin_url)
    try:
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def set_connections_allowed(database_url: str, allowed: bool, admin_url: str = POSTGRES_ADMIN_URL) -> None:
    """Make a database unreachable (refuse new connections, close the open ones) or reachable again."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    name = make_url(database_url).database
    engine = _admin_engine(admin_url)
    try:
        with engine.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(allowed).lower()}'))
            if not allowed:
                connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                        "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name})
    finally:
        engine.dispose()
