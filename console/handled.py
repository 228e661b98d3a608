"""Inbox messages that staff marked "traité", in the console's own database (``CONSOLE_DATABASE_URL``).

A mark keeps no text: only a digest of the normalised message (:func:`message_key`) and when it was
marked. A message asked again after its mark is back in the inbox.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path
from typing import Dict

from sqlalchemy import (
    Column,
    Float,
    MetaData,
    String,
    Table,
    create_engine,
    delete,
    insert,
    select,
)
from sqlalchemy.engine import Engine, make_url

METADATA = MetaData()
HANDLED = Table(
    "console_handled_messages",
    METADATA,
    Column("message_key", String(64), primary_key=True),
    Column("handled_at", Float, nullable=False),  # seconds since the epoch, as the tracker store's timestamps
)
KEY_PATTERN = re.compile(r"[0-9a-f]{64}")


def normalise(text: str) -> str:
    """The form under which the inbox groups messages: spaces collapsed, case folded."""
    return re.sub(r"\s+", " ", text).strip().casefold()


def message_key(text: str) -> str:
    """The digest that stands for a message (its group) in the marks."""
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()


@lru_cache(maxsize=8)
def _engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, future=True, hide_parameters=True, pool_pre_ping=True)
    METADATA.create_all(engine)
    return engine


def handled_marks(url: str) -> Dict[str, float]:
    """Every mark: message key → when it was marked."""
    with _engine(url).connect() as connection:
        return {key: at for key, at in connection.execute(select(HANDLED.c.message_key, HANDLED.c.handled_at))}


def mark_handled(url: str, key: str, at: float, forget_before: float = 0.0) -> None:
    """Mark a message as handled at ``at`` (again: the mark moves to ``at``).

    Marks older than ``forget_before`` are deleted at the same time: they stand for conversations
    that the retention purge (``make purge``) has deleted already.
    """
    with _engine(url).begin() as connection:
        connection.execute(delete(HANDLED).where((HANDLED.c.message_key == key)
                                                 | (HANDLED.c.handled_at < forget_before)))
        connection.execute(insert(HANDLED).values(message_key=key, handled_at=at))


def reopen(url: str, key: str) -> None:
    """Put a message back among those to review."""
    with _engine(url).begin() as connection:
        connection.execute(delete(HANDLED).where(HANDLED.c.message_key == key))
