"""Engine and session helpers.

No engine exists at import time: :func:`get_engine` creates one per URL on first use and caches
it. Each API call opens its own short-lived session with :func:`session_scope`.
"""

from __future__ import annotations

import functools
from contextlib import contextmanager
from typing import Iterator, Optional

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from bot.settings import Settings

# Seconds before a connection attempt to a database server gives up (libpq's connect_timeout).
CONNECT_TIMEOUT_S = 5


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
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        engine = create_engine(url, future=True, hide_parameters=True)
        event.listen(engine, "connect", _enable_sqlite_foreign_keys)
        return engine
    # A database server can restart or be unreachable for a while (issue 6): each checkout tests its
    # pooled connection first, so the first query after an outage reconnects instead of failing, and
    # a connection attempt gives up after a few seconds instead of hanging the action.
    connect_args = {"connect_timeout": CONNECT_TIMEOUT_S} if backend == "postgresql" else {}
    return create_engine(url, future=True, pool_pre_ping=True, connect_args=connect_args, hide_parameters=True)


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
