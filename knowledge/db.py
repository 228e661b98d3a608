"""Engine and session helpers.

No engine exists at import time: :func:`get_engine` creates one per URL on first use and caches
it. Each API call opens its own short-lived session with :func:`session_scope`.
"""

from __future__ import annotations

import functools
from contextlib import contextmanager
from typing import Iterator, Optional

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.settings import Settings


def default_url() -> str:
    """Return the database URL from the settings (``DATABASE_URL`` or the local SQLite file)."""
    return Settings.from_env().database_url


def get_engine(url: Optional[str] = None) -> Engine:
    """Return the engine for ``url`` (default: the settings' URL), created once per URL.

    Args:
        url: SQLAlchemy database URL; ``None`` means :func:`default_url`.

    Returns:
        A 2.0-style (``future=True``) engine; SQLite engines enforce foreign keys.
    """
    return _cached_engine(url or default_url())


@functools.lru_cache(maxsize=None)
def _cached_engine(url: str) -> Engine:
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _enable_sqlite_foreign_keys)
    return engine


def _enable_sqlite_foreign_keys(dbapi_connection, _record) -> None:
    # SQLite ignores FOREIGN KEY clauses unless asked on every connection.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def dispose_engine(url: Optional[str] = None) -> None:
    """Close the pooled connections of the cached engine, e.g. after the database file was replaced."""
    get_engine(url).dispose()


@contextmanager
def session_scope(url: Optional[str] = None) -> Iterator[Session]:
    """Open a short-lived read session on ``url``.

    Args:
        url: SQLAlchemy database URL; ``None`` means :func:`default_url`.

    Yields:
        A ``Session`` closed on exit (the knowledge API only reads).
    """
    with Session(get_engine(url), future=True) as session:
        yield session
