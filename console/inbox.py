"""The inbox: messages the assistant did not understand well, what it answered, and which staff handled.

Read from the tracker store (read-only); test traffic (:mod:`bot.traffic`: conversation ids
starting with ``test-``) is left out. A message marked "traité" (:mod:`console.handled`) leaves the
list until someone asks it again. The CSV export lists the messages still to review.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from aiohttp import web

from actions.common import PARIS, guessed_intent
from bot.traffic import TEST_SENDER_PREFIX, is_test_traffic
from console import handled
from console.email_reply import messages_text
from console.pages import PREFIX, checked_form, in_thread, render, settings, today

logger = logging.getLogger(__name__)

LOW_CONFIDENCE = 0.6
INBOX_SCAN_LIMIT = 50_000  # most recent user events read from the tracker store


def pseudonym(sender_id: Optional[str]) -> str:
    """A short, non-reversible label for a conversation id (personal data is never shown)."""
    digest = hashlib.sha256((sender_id or "").encode("utf-8")).hexdigest()
    return f"conv-{digest[:8]}"


ANSWER_SUMMARY_CHARS = 160


@dataclass
class InboxItem:
    text: str
    count: int = 0
    last_seen: float = 0.0
    intents: Dict[str, int] = field(default_factory=dict)
    min_confidence: float = 1.0
    conversations: set = field(default_factory=set)
    answer: str = ""  # what the assistant answered the latest time, as plain text
    handled_at: Optional[float] = None  # when staff marked it "traité" (None: to review)

    @property
    def key(self) -> str:
        return handled.message_key(self.text)

    @property
    def answer_summary(self) -> str:
        """The first line of the answer, cut at a word."""
        first = self.answer.strip().split("\n", 1)[0]
        if len(first) <= ANSWER_SUMMARY_CHARS:
            return first
        return first[:ANSWER_SUMMARY_CHARS].rsplit(" ", 1)[0] + "…"

    @property
    def answer_is_longer(self) -> bool:
        return self.answer.strip() != self.answer_summary

    @property
    def handled_text(self) -> str:
        return datetime.fromtimestamp(self.handled_at or 0, PARIS).strftime("%d/%m/%Y %H:%M")

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


def _bot_message(data: Dict[str, Any]) -> Dict[str, Any]:
    """A bot event of the tracker store in the dispatcher's shape (text, buttons, custom…)."""
    return {**(data.get("data") or {}), "text": data.get("text")}


def read_inbox(url: str) -> Tuple[List[InboxItem], Optional[str]]:
    """Messages with intent ``nlu_fallback`` or confidence < 0.6, grouped by text, with the latest answer; a note.

    Test traffic (conversation ids starting with ``test-``) is left out.
    """
    from sqlalchemy import text as sql
    from sqlalchemy.exc import SQLAlchemyError

    try:
        engine = _readonly_engine(url)
    except (SQLAlchemyError, ValueError, ImportError) as error:
        return [], f"Base des conversations inaccessible ({type(error).__name__})."
    if engine is None:
        return [], "Aucune base de conversations pour l'instant (le fichier n'existe pas) : la boîte est vide."
    query = sql(
        "SELECT sender_id, timestamp, type_name, intent_name, data FROM events "
        "WHERE type_name IN ('user', 'bot') AND sender_id NOT LIKE :test_traffic "
        "ORDER BY timestamp DESC, id DESC LIMIT :limit"
    )
    try:
        with engine.connect() as connection:
            rows = connection.execute(query, {"limit": INBOX_SCAN_LIMIT,
                                              "test_traffic": TEST_SENDER_PREFIX + "%"}).fetchall()
    except SQLAlchemyError as error:
        message = str(getattr(error, "orig", error)).lower()
        if "no such table" in message or "does not exist" in message or "doesn't exist" in message:
            return [], "La base des conversations ne contient pas encore de table « events » : la boîte est vide."
        logger.warning("console: cannot read the tracker store: %s", type(error).__name__)
        return [], f"Base des conversations illisible ({type(error).__name__}) : la boîte est vide."
    finally:
        engine.dispose()

    groups: Dict[str, InboxItem] = {}
    # Oldest first, so that each user message is followed by the answers it got.
    answering: Dict[str, Optional[Tuple[InboxItem, List[Dict[str, Any]], bool]]] = {}
    for sender_id, timestamp, type_name, intent_name, raw in reversed(rows):
        if is_test_traffic(sender_id):
            continue
        try:
            data = json.loads(raw) if raw else {}
        except (TypeError, ValueError):
            data = {}
        if type_name == "bot":
            current = answering.get(sender_id)
            if current is not None:
                item, messages, latest = current
                messages.append(_bot_message(data))
                if latest:
                    item.answer = messages_text(messages)
            continue
        answering[sender_id] = None
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
        item = groups.setdefault(handled.normalise(text), InboxItem(text=text))
        item.count += 1
        latest = (timestamp or 0) >= item.last_seen
        if latest:
            item.last_seen = float(timestamp or 0)
            item.text = text
            item.answer = ""
        answering[sender_id] = (item, [], latest)
        item.intents[name] = item.intents.get(name, 0) + 1
        item.min_confidence = min(item.min_confidence, confidence)
        item.conversations.add(pseudonym(sender_id))
    items = sorted(groups.values(), key=lambda i: (-i.count, -i.last_seen))
    note = None if items else "Aucun message incompris ou à faible confiance."
    return items, note


def inbox(tracker_url: str, console_url: str) -> Tuple[List[InboxItem], List[InboxItem], Optional[str]]:
    """The messages to review, those marked "traité" (and not asked since), and a note (blocking)."""
    items, note = read_inbox(tracker_url)
    try:
        marks = handled.handled_marks(console_url)
    except Exception as error:  # noqa: BLE001 - the inbox is still worth reading without the marks
        logger.warning("console: cannot read the handled marks: %s", type(error).__name__)
        marks = {}
        note = f"Marques « traité » illisibles ({type(error).__name__}) : tous les messages sont affichés."
    to_review, done = [], []
    for item in items:
        at = marks.get(item.key)
        if at is not None and at >= item.last_seen:
            item.handled_at = at
            done.append(item)
        else:
            to_review.append(item)
    done.sort(key=lambda i: -(i.handled_at or 0))
    return to_review, done, note


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
    config = settings(request)
    to_review, done, note = await in_thread(inbox, config.tracker_store_url, config.console_database_url)
    return render(request, "inbox.html", items=to_review, done=done, note=note, threshold=LOW_CONFIDENCE,
                  test_prefix=TEST_SENDER_PREFIX)


async def inbox_mark(request: web.Request) -> web.Response:
    """Mark a message "traité" (``action=traite``) or put it back to review (``action=a-revoir``)."""
    form, refused = await checked_form(request)
    if refused is not None:
        return refused
    key, action = str(form.get("key") or ""), str(form.get("action") or "")
    if not handled.KEY_PATTERN.fullmatch(key) or action not in ("traite", "a-revoir"):
        return render(request, "base.html", status=400, title="Demande incomplète",
                      message="Ce message n'a pas pu être marqué : rechargez la boîte et recommencez.")
    config = settings(request)
    url = config.console_database_url
    if action == "traite":
        now = time.time()
        await in_thread(handled.mark_handled, url, key, now, now - config.retention_days * 86400)
    else:
        await in_thread(handled.reopen, url, key)
    raise web.HTTPSeeOther(f"{PREFIX}/inbox")


async def inbox_export(request: web.Request) -> web.Response:
    config = settings(request)
    items, _done, _note = await in_thread(inbox, config.tracker_store_url, config.console_database_url)
    response = web.Response(
        body=("\ufeff" + inbox_csv(items)).encode("utf-8"),  # BOM: French Excel reads UTF-8
        content_type="text/csv",
        charset="utf-8",
    )
    response.headers["Content-Disposition"] = f'attachment; filename="messages-a-revoir-{today(request)}.csv"'
    return response
