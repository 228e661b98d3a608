"""The send log of the alerts: each alert claimed once, then logged as sent or failed; the console's
counts; the retention purge. The tables are in :mod:`alerts.store`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Dict, List, Optional, Tuple

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from alerts.store import (
    ACTIVE,
    EMAIL,
    FAILED,
    MAX_FAILURES,
    PENDING,
    PENDING_DAYS,
    SENDING,
    SENT,
    STALE_CLAIM,
    STOPPED,
    STOPPED_DAYS,
    TELEGRAM,
    Delivery,
    Subscription,
    stop_rows,
    transaction,
    utcnow,
)

# ------------------------------------------------------------------------------ send log


def claim(subscription_id: int, event_key: str, strand_id: str, now: Optional[datetime] = None,
          url: Optional[str] = None) -> bool:
    """Take the right to send one alert: True for this run only if nobody sent or is sending it.

    A new event gets its row (the unique key lets one run only insert it); a failed one, or one
    claimed by a run that died (older than :data:`STALE_CLAIM`), is taken back by a conditional
    update that only one run can win.
    """
    now = now or utcnow()
    try:
        with transaction(url) as session:
            session.add(Delivery(subscription_id=subscription_id, event_key=event_key, strand_id=strand_id,
                                 status=SENDING, attempts=0, claimed_at=now))
        return True
    except IntegrityError:
        pass  # logged already: sent, being sent, or failed (then retried below)
    with transaction(url) as session:
        retry = (
            (Delivery.status == FAILED)
            | ((Delivery.status == SENDING) & (Delivery.claimed_at < now - STALE_CLAIM))
        )
        result = session.execute(
            update(Delivery)
            .where(Delivery.subscription_id == subscription_id, Delivery.event_key == event_key, retry)
            .values(status=SENDING, claimed_at=now)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1


def record_sent(subscription_id: int, event_key: str, now: Optional[datetime] = None, url: Optional[str] = None) -> None:
    """The alert went out: logged as sent, and the subscription's failures forgotten."""
    now = now or utcnow()
    with transaction(url) as session:
        delivery = _delivery(session, subscription_id, event_key)
        delivery.status, delivery.sent_at, delivery.attempts = SENT, now, delivery.attempts + 1
        delivery.last_error = None
        session.get(Subscription, subscription_id).failures = 0


def record_failed(subscription_id: int, event_key: str, error: str, counts: bool,
                  now: Optional[datetime] = None, url: Optional[str] = None) -> bool:
    """The alert did not go out: kept as failed, to be retried by the next run.

    ``counts``: the recipient's doing (refused address, bot blocked). Returns True when the
    subscription is stopped because of it (:data:`MAX_FAILURES` runs in a row).
    """
    now = now or utcnow()
    with transaction(url) as session:
        delivery = _delivery(session, subscription_id, event_key)
        delivery.status, delivery.attempts, delivery.last_error = FAILED, delivery.attempts + 1, error[:200]
        if not counts:
            return False
        subscription = session.get(Subscription, subscription_id)
        subscription.failures += 1
        if subscription.failures >= MAX_FAILURES and subscription.status == ACTIVE:
            stop_rows([subscription], "failures", now)
            return True
        return False


def _delivery(session: Session, subscription_id: int, event_key: str) -> Delivery:
    return session.scalars(select(Delivery).where(Delivery.subscription_id == subscription_id,
                                                  Delivery.event_key == event_key)).one()


# ------------------------------------------------------------------------- console, purge


@dataclass(frozen=True)
class TopicCounts:
    """For the staff console: subscribers of one strand or programme and the last alert sent (no address)."""

    topic: str
    email: int
    telegram: int
    last_sent_at: Optional[datetime]
    last_event: Optional[str]


def counts_by_topic(url: Optional[str] = None) -> List[TopicCounts]:
    """Active subscribers per strand or programme and channel, with the last alert sent for it."""
    with transaction(url) as session:
        counts: Dict[str, Dict[str, int]] = {}
        query = (select(Subscription.topic, Subscription.channel, func.count())
                 .where(Subscription.status == ACTIVE).group_by(Subscription.topic, Subscription.channel))
        for topic, channel, count in session.execute(query):
            counts.setdefault(topic, {})[channel] = count
        last: Dict[str, Tuple[datetime, str]] = {}
        sent = (select(Subscription.topic, Delivery.sent_at, Delivery.event_key)
                .join(Subscription, Subscription.id == Delivery.subscription_id)
                .where(Delivery.status == SENT).order_by(Delivery.sent_at))
        for topic, sent_at, event_key in session.execute(sent):
            last[topic] = (sent_at, event_key)
    return [
        TopicCounts(topic, counts.get(topic, {}).get(EMAIL, 0), counts.get(topic, {}).get(TELEGRAM, 0),
                    *last.get(topic, (None, None)))
        for topic in sorted(set(counts) | set(last))
    ]


def purge(now: Optional[datetime] = None, dry_run: bool = False, url: Optional[str] = None) -> Dict[str, int]:
    """Delete what is kept no longer (see :data:`PENDING_DAYS`, :data:`STOPPED_DAYS`); counts by kind."""
    now = now or utcnow()
    conditions = {
        "unconfirmed subscriptions": (Subscription.status == PENDING)
        & (Subscription.created_at < now - timedelta(days=PENDING_DAYS)),
        "stopped subscriptions": (Subscription.status == STOPPED)
        & (Subscription.stopped_at < now - timedelta(days=STOPPED_DAYS)),
    }
    counts: Dict[str, int] = {}
    with transaction(url) as session:
        for kind, condition in conditions.items():
            ids = session.scalars(select(Subscription.id).where(condition)).all()
            counts[kind] = len(ids)
            if ids and not dry_run:
                # The log goes with its subscription (no ON DELETE CASCADE reliance on SQLite's pragma).
                session.execute(delete(Delivery).where(Delivery.subscription_id.in_(ids)))
                session.execute(delete(Subscription).where(Subscription.id.in_(ids)))
    return counts
