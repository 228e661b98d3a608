"""Alert subscriptions, the calls already seen and the log of what was sent, in SQLAlchemy tables.

The tables live beside the knowledge base, in a database of their own (``ALERTS_DATABASE_URL``:
``var/alerts.sqlite3`` by default; in production a PostgreSQL database, possibly the knowledge
base's: the tables are separate and ``make knowledge`` never touches them, whereas it replaces the
knowledge base's SQLite file at each build). A subscription names a strand or a programme (its id
in the knowledge base, checked when subscribing).

Nothing is sent twice: each alert is a row of the send log (:mod:`alerts.sendlog`) under a unique key (subscription, event);
a run claims a row before sending, so two runs at once cannot both send it. Times are naive UTC.
"""

from __future__ import annotations

import functools
import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    delete,
    select,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, declarative_base

from bot.settings import Settings
from knowledge import api
from knowledge.db import get_engine

AlertBase: Any = declarative_base()  # untyped in SQLAlchemy 1.4

EMAIL, TELEGRAM = "email", "telegram"
PENDING, ACTIVE, STOPPED = "pending", "active", "stopped"
SENDING, SENT, FAILED = "sending", "sent", "failed"
DEFAULT_REMINDER_DAYS = 30
MAX_REMINDER_DAYS = 365
# Failed sends in a row (runs) that are the recipient's doing (address refused, bot blocked) before
# the subscription is stopped; a server that is down does not count.
MAX_FAILURES = 3
# A claim older than this is a run that died while sending: the alert is tried again.
STALE_CLAIM = timedelta(minutes=15)
# Retention (README "What is kept"): an address never confirmed is deleted after PENDING_DAYS; a
# stopped subscription (unsubscribed, or stopped after failures) and its log after STOPPED_DAYS.
PENDING_DAYS = 2
STOPPED_DAYS = 30


class InvalidAddress(ValueError):
    """An e-mail address that cannot be used; the message says why, in French, for the user."""


class UnknownTopic(ValueError):
    """A strand or programme the knowledge base does not know."""


class Subscription(AlertBase):
    """Who wants what: a strand or a programme, new calls and/or a reminder N days before a deadline."""

    __tablename__ = "alert_subscriptions"

    id = Column(Integer, primary_key=True)
    # The secret of the unsubscribe link (token_urlsafe: 43 characters).
    token = Column(String(64), nullable=False, unique=True)
    channel = Column(String(16), nullable=False)
    # An e-mail address, or a Telegram chat id.
    address = Column(String(254), nullable=False)
    # The conversation that subscribed ("mes alertes", "arrêtez les alertes" act on its subscriptions).
    conversation = Column(String(128), nullable=False, index=True)
    topic = Column(String(64), nullable=False, index=True)
    new_calls = Column(Boolean, nullable=False)
    reminder_days = Column(Integer)
    status = Column(String(16), nullable=False, index=True)
    created_at = Column(DateTime, nullable=False)
    confirmed_at = Column(DateTime)
    stopped_at = Column(DateTime)
    stop_reason = Column(String(16))
    failures = Column(Integer, nullable=False, default=0)


class KnownCall(AlertBase):
    """A call of the knowledge base and when the notifier (or a subscription) first saw it."""

    __tablename__ = "alert_known_calls"

    call_id = Column(String(100), primary_key=True)
    strand_id = Column(String(64), nullable=False)
    first_seen_at = Column(DateTime, nullable=False)


class Delivery(AlertBase):
    """One alert for one subscription: claimed, sent or failed (then retried at the next run)."""

    __tablename__ = "alert_deliveries"

    id = Column(Integer, primary_key=True)
    subscription_id = Column(ForeignKey("alert_subscriptions.id", ondelete="CASCADE"), nullable=False, index=True)
    # "new_call:<call id>" or "reminder:<call id>"
    event_key = Column(String(200), nullable=False)
    strand_id = Column(String(64), nullable=False)
    status = Column(String(16), nullable=False)
    attempts = Column(Integer, nullable=False, default=0)
    claimed_at = Column(DateTime)
    sent_at = Column(DateTime)
    # The error's kind only (e.g. "SMTPRecipientsRefused"): never an address.
    last_error = Column(String(200))

    __table_args__ = (UniqueConstraint("subscription_id", "event_key"),)


@dataclass(frozen=True)
class SubscriptionView:
    """A subscription as the actions, the notifier and the web pages read it."""

    id: int
    token: str
    channel: str
    address: str
    conversation: str
    topic: str
    new_calls: bool
    reminder_days: Optional[int]
    status: str
    created_at: datetime


def _view(row: Subscription) -> SubscriptionView:
    return SubscriptionView(row.id, row.token, row.channel, row.address, row.conversation, row.topic,
                            bool(row.new_calls), row.reminder_days, row.status, row.created_at)


def utcnow() -> datetime:
    """Now, in UTC without a time zone (as the tables store it)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def default_url() -> str:
    """The alerts database of the settings (``ALERTS_DATABASE_URL``)."""
    return Settings.from_env().alerts_database_url


@functools.lru_cache(maxsize=None)
def _created(url: str) -> bool:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)  # var/ on a fresh checkout
    AlertBase.metadata.create_all(get_engine(url))
    return True


@contextmanager
def transaction(url: Optional[str] = None) -> Iterator[Session]:
    """A session in one transaction on the alerts database (its tables created on first use)."""
    url = url or default_url()
    _created(url)
    with Session(get_engine(url), future=True) as session, session.begin():
        yield session


# ------------------------------------------------------------------------------ addresses


def normalise_address(text: str) -> str:
    """The e-mail address in ``text``, normalised; :class:`InvalidAddress` (in French) otherwise.

    Only one bare address is accepted: no display name, no second address, no line break (a
    header injection), nothing a mail server would read as more than one recipient.
    """
    candidate = (text or "").strip()
    if any(ord(char) < 32 or ord(char) == 127 for char in candidate) or any(c in candidate for c in ",;<>\"'"):
        raise InvalidAddress("Une adresse e-mail seule, s'il vous plaît, sans autre texte ni ponctuation.")
    if candidate.count("@") != 1 or len(candidate) > 254:
        raise InvalidAddress("Je n'ai pas reconnu une adresse e-mail (par exemple : mairie@ville.fr).")
    try:
        return validate_email(candidate, check_deliverability=False, allow_smtputf8=False).normalized
    except EmailNotValidError:
        # The library explains in English: the user gets the French gist and an example.
        raise InvalidAddress("Cette adresse e-mail n'est pas valable : pouvez-vous la vérifier ? "
                             "(par exemple : mairie@ville.fr)") from None


def find_address(message: str) -> Optional[str]:
    """The word of a message that looks like an e-mail address ("c'est marie@brive.fr merci")."""
    words = [word.strip(".,;!?()[]«»:") for word in (message or "").split() if "@" in word]
    return words[0] if len(words) == 1 else (message or "").strip() if words else None


# --------------------------------------------------------------------------- subscriptions


def _check_topic(topic: str) -> str:
    key = (topic or "").strip().lower()
    strand = api.get_strand(key) if key else None
    if strand is None:
        raise UnknownTopic(topic)
    return key if key in (strand.id, strand.programme_id) else strand.id


def _all_calls() -> List[Tuple[str, str]]:
    return [(call.id, strand.id) for strand in api.list_strands() for call in strand.calls]


def remember_calls(session: Session, calls: Iterable[Tuple[str, str]], now: datetime) -> List[str]:
    """Record the calls not seen before (call id, strand id) as first seen ``now``; their ids."""
    known = set(session.scalars(select(KnownCall.call_id)))
    new = [(call_id, strand_id) for call_id, strand_id in dict(calls).items() if call_id not in known]
    for call_id, strand_id in new:
        # A savepoint each: another run may record the same call at the same moment.
        try:
            with session.begin_nested():
                session.add(KnownCall(call_id=call_id, strand_id=strand_id, first_seen_at=now))
        except IntegrityError:
            pass  # the other run was first
    return [call_id for call_id, _ in new]


def subscribe(channel: str, address: str, conversation: str, topic: str, new_calls: bool,
              reminder_days: Optional[int], now: Optional[datetime] = None, url: Optional[str] = None) -> SubscriptionView:
    """Record a subscription waiting for the user's consent (:func:`confirm`).

    The calls known now are remembered first, so that only calls published afterwards are "new".

    Raises:
        InvalidAddress: an e-mail address that cannot be used.
        UnknownTopic: a strand or programme the knowledge base does not know.
        ValueError: an unknown channel, nothing to send, or an absurd number of days.
    """
    if channel == EMAIL:
        address = normalise_address(address)
    elif channel == TELEGRAM:
        if not str(address).lstrip("-").isdigit():
            raise ValueError("a Telegram chat id is a number")
        address = str(address)
    else:
        raise ValueError(f"unknown channel {channel!r}")
    if reminder_days is not None and not 1 <= reminder_days <= MAX_REMINDER_DAYS:
        raise ValueError(f"reminder_days must be between 1 and {MAX_REMINDER_DAYS}")
    if not new_calls and reminder_days is None:
        raise ValueError("a subscription sends new calls, reminders or both")
    topic = _check_topic(topic)  # in the knowledge base of DATABASE_URL (knowledge.api)
    calls = _all_calls()
    now = now or utcnow()
    with transaction(url) as session:
        remember_calls(session, calls, now)
        row = Subscription(token=secrets.token_urlsafe(32), channel=channel, address=address,
                           conversation=str(conversation)[:128], topic=topic, new_calls=new_calls,
                           reminder_days=reminder_days, status=PENDING, created_at=now, failures=0)
        session.add(row)
        session.flush()
        return _view(row)


def confirm(subscription_id: int, conversation: str, now: Optional[datetime] = None,
            url: Optional[str] = None) -> Optional[SubscriptionView]:
    """The user said yes: the pending subscription of this conversation becomes active."""
    with transaction(url) as session:
        row = session.get(Subscription, subscription_id)
        if row is None or row.conversation != conversation or row.status != PENDING:
            return None
        row.status, row.confirmed_at = ACTIVE, now or utcnow()
        return _view(row)


def discard(subscription_id: int, conversation: str, url: Optional[str] = None) -> None:
    """The user said no: the pending subscription is deleted at once."""
    with transaction(url) as session:
        session.execute(delete(Subscription).where(Subscription.id == subscription_id,
                                                   Subscription.conversation == conversation,
                                                   Subscription.status == PENDING))


def of_conversation(conversation: str, url: Optional[str] = None) -> List[SubscriptionView]:
    """The active subscriptions made in this conversation (oldest first)."""
    with transaction(url) as session:
        query = select(Subscription).where(Subscription.conversation == conversation,
                                           Subscription.status == ACTIVE).order_by(Subscription.id)
        return [_view(row) for row in session.scalars(query)]


def stop_rows(rows: Sequence[Subscription], reason: str, now: datetime) -> int:
    """Stop these subscriptions (in the caller's session): nothing more is sent to them."""
    for row in rows:
        row.status, row.stopped_at, row.stop_reason = STOPPED, now, reason
    return len(rows)


def stop_conversation(conversation: str, now: Optional[datetime] = None, url: Optional[str] = None) -> int:
    """"Arrêtez les alertes": stop every subscription of this conversation; how many were active."""
    with transaction(url) as session:
        rows = session.scalars(select(Subscription).where(Subscription.conversation == conversation,
                                                          Subscription.status.in_((ACTIVE, PENDING)))).all()
        return stop_rows(rows, "user", now or utcnow())


def by_token(token: str, url: Optional[str] = None) -> Optional[SubscriptionView]:
    """The subscription of an unsubscribe link (None for an unknown or purged one)."""
    if not token or len(token) > 64:
        return None
    with transaction(url) as session:
        row = session.scalars(select(Subscription).where(Subscription.token == token)).one_or_none()
        return _view(row) if row else None


def unsubscribe(token: str, now: Optional[datetime] = None, url: Optional[str] = None) -> Optional[SubscriptionView]:
    """The unsubscribe link: the subscription stops (nothing more is sent); None for an unknown link."""
    if not token or len(token) > 64:
        return None
    with transaction(url) as session:
        row = session.scalars(select(Subscription).where(Subscription.token == token)).one_or_none()
        if row is None:
            return None
        if row.status != STOPPED:
            stop_rows([row], "link", now or utcnow())
        return _view(row)


def active(url: Optional[str] = None) -> List[SubscriptionView]:
    """The subscriptions that receive alerts, oldest first."""
    with transaction(url) as session:
        query = select(Subscription).where(Subscription.status == ACTIVE).order_by(Subscription.id)
        return [_view(row) for row in session.scalars(query)]


def first_seen(url: Optional[str] = None) -> Dict[str, datetime]:
    """When each call was first seen, by call id."""
    with transaction(url) as session:
        return {row.call_id: row.first_seen_at for row in session.scalars(select(KnownCall))}
