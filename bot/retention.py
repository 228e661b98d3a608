"""Retention of conversations: purge the tracker store of conversations older than ``RETENTION_DAYS``.

The same command purges the alert subscriptions that lapsed (never confirmed, or stopped: see
:func:`alerts.sendlog.purge`), with their send log.

Usage: ``python -m bot.retention purge [--days N] [--dry-run]`` (``make purge``), meant to run once
a day from cron or a systemd timer, e.g. ``15 3 * * * cd /srv/assistant && make purge``. There is
no scheduler in the assistant itself.

What is deleted, and why
------------------------
Conversations are personal data (a mayor's office describing its project, sometimes names and
phone numbers), kept only as long as needed: ``RETENTION_DAYS`` (90 by default, see
:class:`bot.settings.Settings`). The unit of deletion is the *conversation*, never a single
event, so that no exchange is left cut in half (a user message without its answer, a form
without its start):

* a conversation (all the events of one ``sender_id`` in Rasa's ``events`` table) whose **last
  event** is older than the retention is deleted whole;
* a conversation still in use keeps its current part, but its **earlier sessions** are deleted
  when they ended before the retention window. A Rasa session is one sitting: a new one starts
  after ``session_expiration_time`` (domain.yml, 120 min) of silence. Without this rule a
  Telegram chat or a widget that returns every few weeks would keep its whole history forever,
  which is not what a data protection officer expects from "90 days". Precisely: for a sender
  with at least one event inside the window, every event older than the start of the session
  that holds the sender's first event inside the window is deleted; that session is kept whole,
  its beginning included (at most one session straddles the cut-off date).

Events older than the retention are therefore gone, except the start of a session still going
on at the cut-off. Deleting event by event instead would leave conversations that start with an
answer whose question is gone, or a form without its beginning, and would break Rasa: its SQL
store counts the stored events of the current session to know which ones to append, so removing
some of them makes it write the others twice. The latest session is never touched, so Rasa's
reading of a tracker is unaffected. Events without a timestamp (Rasa always sets one) are never
deleted on their own.

The queries are SQLAlchemy Core (2.0 style) on a minimal definition of Rasa's table, in one short
transaction; they run on SQLite (the default store) and PostgreSQL (production). Nothing else of
the assistant stores conversation text on the server: the staff console reads this same table
(its CSV export is built on demand), the Telegram channel keeps only button payloads in memory,
and the Redis lock store only short-lived locks named after conversation ids. The widget keeps
its transcript in the browser tab (sessionStorage, gone when the tab closes).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import List, Optional

from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    delete,
    func,
    inspect,
    or_,
    select,
)
from sqlalchemy.engine import Engine, create_engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.log_privacy import database_error_detail
from bot.settings import Settings

SECONDS_PER_DAY = 86_400
SESSION_START_ACTION = "action_session_start"
SESSION_STARTED_EVENT = "session_started"

# Only the columns the purge reads, named as rasa.core.tracker_store.SQLTrackerStore.SQLEvent
# (Rasa creates the table; this module never does).
EVENTS = Table(
    "events",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("action_name", String(255)),
)


@dataclass(frozen=True)
class PurgeReport:
    """What a purge deleted (or, with ``dry_run``, would delete)."""

    days: int
    cutoff: float  # Unix time: events before it are past the retention
    conversations: int  # conversations deleted whole
    trimmed: int  # conversations still in use whose earlier sessions were deleted
    events: int  # events deleted, in all
    dry_run: bool = False
    store_found: bool = True  # False: no database or no `events` table yet (nothing was ever kept)

    def summary(self) -> str:
        """One line in French, for the command line and the cron mail."""
        cutoff = datetime.fromtimestamp(self.cutoff, timezone.utc).strftime("%d/%m/%Y %H:%M UTC")
        head = "Simulation, rien n'est supprimé" if self.dry_run else "Purge effectuée"
        verb = "à supprimer" if self.dry_run else "supprimé(s)"
        line = (
            f"{head} (conservation {self.days} jours, avant le {cutoff}) : "
            f"{self.conversations} conversation(s) entière(s) et les sessions anciennes de "
            f"{self.trimmed} conversation(s) en cours, soit {self.events} événement(s) {verb}."
        )
        # Said out loud: a purge pointed at the wrong database must not look like a clean one.
        return line if self.store_found else line[:-1] + " ; aucune table « events » dans cette base."


def validate_days(days: object) -> int:
    """The retention in days, a whole number > 0; ValueError with a French message otherwise."""
    if isinstance(days, bool) or not isinstance(days, int) or days <= 0:
        raise ValueError(
            f"Durée de conservation invalide ({days!r}) : RETENTION_DAYS ou --days doit être un "
            "nombre entier de jours strictement positif (par exemple 90)."
        )
    return days


def _engine(url: str, schema: Optional[str] = None) -> Optional[Engine]:
    """An engine on the tracker store; None for a SQLite file that does not exist (nothing kept)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if not database or database == ":memory:" or not Path(database).exists():
            return None
    if parsed.get_backend_name() == "postgresql" and schema:
        # Rasa's own variable: its tracker store then lives in that schema.
        return create_engine(url, future=True, connect_args={"options": f"-csearch_path={schema}"})
    return create_engine(url, future=True)


def _old_events_clause(cutoff: float):
    """WHERE clause selecting the events to delete (see the module docstring)."""
    events = EVENTS.c
    # Conversations whose last event is before the cut-off.
    conversation = EVENTS.alias("conversation")
    stale_senders = (
        select(conversation.c.sender_id)
        .group_by(conversation.c.sender_id)
        .having(func.max(conversation.c.timestamp) < cutoff)
    )

    def last_marker_before_first_recent(marker) -> object:
        """Timestamp of the latest session-start marker at or before the sender's first recent event."""
        m = EVENTS.alias("marker")
        r = EVENTS.alias("recent")
        # Correlated to the outer row (not to the marker): computed once per event, not per marker.
        first_recent = (
            select(func.min(r.c.timestamp))
            .where(r.c.sender_id == events.sender_id, r.c.timestamp >= cutoff)
            .correlate(EVENTS)
            .scalar_subquery()
        )
        return (
            select(func.max(m.c.timestamp))
            .where(m.c.sender_id == events.sender_id, marker(m.c), m.c.timestamp <= first_recent)
            .correlate(EVENTS)
            .scalar_subquery()
        )

    # A session starts with ActionExecuted(action_session_start), then SessionStarted a moment
    # later: cut before the former so that the kept session keeps its first event; trackers that
    # only have SessionStarted fall back on it.
    session_start = func.coalesce(
        last_marker_before_first_recent(
            lambda c: and_(c.type_name == "action", c.action_name == SESSION_START_ACTION)
        ),
        last_marker_before_first_recent(lambda c: c.type_name == SESSION_STARTED_EVENT),
    )
    earlier_sessions = and_(events.timestamp < cutoff, events.timestamp < session_start)
    return or_(events.sender_id.in_(stale_senders), earlier_sessions), stale_senders


def purge(url: str, days: int, *, dry_run: bool = False, now: Optional[float] = None,
          schema: Optional[str] = None) -> PurgeReport:
    """Delete (or count, with ``dry_run``) the conversations past the retention in the tracker store at ``url``.

    ``days`` must be > 0 (ValueError otherwise). ``now`` (Unix time) is for tests. ``schema``: the
    PostgreSQL schema of Rasa's tracker store (``POSTGRESQL_SCHEMA``), if any. A store that
    does not exist yet, or has no ``events`` table, has nothing to purge. Database errors
    propagate as :class:`sqlalchemy.exc.SQLAlchemyError`.
    """
    days = validate_days(days)
    cutoff = (time.time() if now is None else now) - days * SECONDS_PER_DAY
    nothing = PurgeReport(days=days, cutoff=cutoff, conversations=0, trimmed=0, events=0, dry_run=dry_run,
                          store_found=False)
    engine = _engine(url, schema)
    if engine is None:
        return nothing
    try:
        # One short transaction: the counts and the deletion see the same conversations.
        with engine.begin() as connection:
            if not inspect(connection).has_table(EVENTS.name):
                return nothing
            old, stale_senders = _old_events_clause(cutoff)
            whole = connection.execute(
                select(func.count()).select_from(stale_senders.subquery())
            ).scalar_one()
            count, affected = connection.execute(
                select(func.count(), func.count(func.distinct(EVENTS.c.sender_id))).where(old)
            ).one()
            if not dry_run and count:
                count = connection.execute(delete(EVENTS).where(old)).rowcount
    finally:
        engine.dispose()
    return PurgeReport(days=days, cutoff=cutoff, conversations=whole, trimmed=affected - whole,
                       events=count, dry_run=dry_run)


def main(argv: Optional[List[str]] = None) -> int:
    settings = Settings.from_env()
    parser = argparse.ArgumentParser(
        prog="python -m bot.retention",
        description="Supprime du tracker store les conversations plus anciennes que la durée de conservation.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    purge_parser = commands.add_parser("purge", help="supprimer les conversations anciennes")
    purge_parser.add_argument(
        "--days", type=int, default=settings.retention_days,
        help=f"durée de conservation en jours (RETENTION_DAYS, actuellement {settings.retention_days})",
    )
    purge_parser.add_argument("--dry-run", action="store_true", help="compter seulement, ne rien supprimer")
    args = parser.parse_args(argv)
    try:
        report = purge(settings.tracker_store_url, args.days, dry_run=args.dry_run,
                       schema=settings.postgresql_schema)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    except SQLAlchemyError as error:
        detail = database_error_detail(error)
        print(f"Purge impossible, base des conversations inaccessible : {detail}", file=sys.stderr)
        return 1
    try:
        alerts = purge_alerts(settings.alerts_database_url, args.dry_run)
    except SQLAlchemyError as error:
        detail = database_error_detail(error)
        print(f"{report.summary()} Purge des alertes impossible, base inaccessible : {detail}")
        return 1
    print(f"{report.summary()} {alerts}".rstrip())  # one line, for the cron mail
    return 0


def purge_alerts(url: str, dry_run: bool) -> str:
    """Purge the alert subscriptions past their keeping time (alerts.store: unconfirmed, stopped) with
    their send log; what was done, in one sentence ("" when there is no alerts database yet).
    """
    from alerts import sendlog, store

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and not Path(parsed.database).exists():
        return ""  # no subscription was ever made: nothing to purge, and no file to create
    counts = sendlog.purge(dry_run=dry_run, url=url)
    verb = "à supprimer" if dry_run else "supprimé(s)"
    return (f"Alertes : {counts['unconfirmed subscriptions']} abonnement(s) jamais confirmé(s) depuis plus de "
            f"{store.PENDING_DAYS} jours et {counts['stopped subscriptions']} arrêté(s) depuis plus de "
            f"{store.STOPPED_DAYS} jours, avec leur journal d'envoi, {verb}.")


if __name__ == "__main__":
    sys.exit(main())
