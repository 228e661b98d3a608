"""The inbox: messages the assistant did not understand well, read from the tracker store; its CSV export."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from aiohttp import web

from actions.common import PARIS, guessed_intent
from console.pages import in_thread, render, settings, today

logger = logging.getLogger(__name__)

LOW_CONFIDENCE = 0.6
INBOX_SCAN_LIMIT = 50_000  # most recent user events read from the tracker store


def pseudonym(sender_id: Optional[str]) -> str:
    """A short, non-reversible label for a conversation id (personal data is never shown)."""
    digest = hashlib.sha256((sender_id or "").encode("utf-8")).hexdigest()
    return f"conv-{digest[:8]}"


@dataclass
class InboxItem:
    text: str
    count: int = 0
    last_seen: float = 0.0
    intents: Dict[str, int] = field(default_factory=dict)
    min_confidence: float = 1.0
    conversations: set = field(default_factory=set)

    @property
    def last_seen_text(self) -> str:
        return datetime.fromtimestamp(self.last_seen, PARIS).strftime("%d/%m/%Y %H:%M")

    @property
    def conversation_labels(self) -> List[str]:
        return sorted(self.conversations)


def _readonly_engine(url: str):
    """An engine that cannot create nor write the tracker store (None when the SQLite file is missing)."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if not database or database == ":memory:" or not Path(database).exists():
            return None
        path = Path(database).resolve().as_posix()
        return create_engine(f"sqlite:///file:{path}?mode=ro&uri=true", future=True)
    return create_engine(url, future=True)


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def read_inbox(url: str) -> Tuple[List[InboxItem], Optional[str]]:
    """Messages with intent ``nlu_fallback`` or confidence < 0.6, grouped by text; and a note."""
    from sqlalchemy import text as sql
    from sqlalchemy.exc import SQLAlchemyError

    try:
        engine = _readonly_engine(url)
    except (SQLAlchemyError, ValueError, ImportError) as error:
        return [], f"Base des conversations inaccessible ({type(error).__name__})."
    if engine is None:
        return [], "Aucune base de conversations pour l'instant (le fichier n'existe pas) : la boîte est vide."
    query = sql(
        "SELECT sender_id, timestamp, intent_name, data FROM events "
        "WHERE type_name = 'user' ORDER BY timestamp DESC LIMIT :limit"
    )
    try:
        with engine.connect() as connection:
            rows = connection.execute(query, {"limit": INBOX_SCAN_LIMIT}).fetchall()
    except SQLAlchemyError as error:
        message = str(getattr(error, "orig", error)).lower()
        if "no such table" in message or "does not exist" in message or "doesn't exist" in message:
            return [], "La base des conversations ne contient pas encore de table « events » : la boîte est vide."
        logger.warning("console: cannot read the tracker store: %s", type(error).__name__)
        return [], f"Base des conversations illisible ({type(error).__name__}) : la boîte est vide."
    finally:
        engine.dispose()

    groups: Dict[str, InboxItem] = {}
    for sender_id, timestamp, intent_name, raw in rows:
        try:
            data = json.loads(raw) if raw else {}
        except (TypeError, ValueError):
            data = {}
        text = (data.get("text") or (data.get("parse_data") or {}).get("text") or "").strip()
        if not text or text.startswith("/"):  # buttons' payloads are not questions
            continue
        intent = ((data.get("parse_data") or {}).get("intent") or {})
        name = intent.get("name") or intent_name or "?"
        try:
            confidence = float(intent.get("confidence"))
        except (TypeError, ValueError):
            confidence = 0.0
        if name != "nlu_fallback" and confidence >= LOW_CONFIDENCE:
            continue
        if name == "nlu_fallback":
            guess = guessed_intent(data.get("parse_data") or {})
            if guess:
                name = f"nlu_fallback (→ {guess})"
        item = groups.setdefault(_normalise(text), InboxItem(text=text))
        item.count += 1
        if (timestamp or 0) >= item.last_seen:
            item.last_seen = float(timestamp or 0)
            item.text = text
        item.intents[name] = item.intents.get(name, 0) + 1
        item.min_confidence = min(item.min_confidence, confidence)
        item.conversations.add(pseudonym(sender_id))
    items = sorted(groups.values(), key=lambda i: (-i.count, -i.last_seen))
    note = None if items else "Aucun message incompris ou à faible confiance."
    return items, note


def _csv_cell(value: Any) -> str:
    """Neutralise spreadsheet formulas in user text (CSV injection)."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def inbox_csv(items: Sequence[InboxItem]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(["message", "occurrences", "conversations", "derniere_fois", "intentions", "confiance_min"])
    for item in items:
        writer.writerow(
            [
                _csv_cell(item.text),
                item.count,
                len(item.conversations),
                item.last_seen_text,
                _csv_cell(", ".join(f"{k} ×{v}" for k, v in item.intents.items())),
                f"{item.min_confidence:.2f}",
            ]
        )
    return buffer.getvalue()


async def inbox_page(request: web.Request) -> web.Response:
    items, note = await in_thread(read_inbox, settings(request).tracker_store_url)
    return render(request, "inbox.html", items=items, note=note, threshold=LOW_CONFIDENCE)


async def inbox_export(request: web.Request) -> web.Response:
    items, _note = await in_thread(read_inbox, settings(request).tracker_store_url)
    response = web.Response(
        body=("\ufeff" + inbox_csv(items)).encode("utf-8"),  # BOM: French Excel reads UTF-8
        content_type="text/csv",
        charset="utf-8",
    )
    response.headers["Content-Disposition"] = f'attachment; filename="messages-a-revoir-{today(request)}.csv"'
    return response
