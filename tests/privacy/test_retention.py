"""Retention: `python -m bot.retention purge` deletes the conversations older than RETENTION_DAYS.

The trackers are written by Rasa's own SQLTrackerStore (the one `rasa run` uses), on SQLite and on
PostgreSQL, with events dated in the past; the purge is then checked through Rasa's `retrieve`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import List, Sequence, Tuple

import pytest
from sqlalchemy import create_engine, text

from bot import retention
from bot.settings import REPO_ROOT

DAY = 86_400.0
NOW = time.time()
RETENTION = 90


@pytest.fixture(scope="module")
def domain():
    from rasa.shared.core.domain import Domain

    return Domain.load(str(REPO_ROOT / "domain.yml"))


def session(start_days_ago: float, messages: Sequence[Tuple[float, str]], markers: bool = True) -> List:
    """A Rasa session as `rasa run` records it: its start, then (days ago, user text) turns and answers."""
    from rasa.shared.core.events import (
        ActionExecuted,
        BotUttered,
        SessionStarted,
        UserUttered,
    )

    start = NOW - start_days_ago * DAY
    events: List = []
    if markers:
        events += [ActionExecuted("action_session_start", timestamp=start),
                   SessionStarted(timestamp=start + 0.01)]
    events.append(ActionExecuted("action_listen", timestamp=start + 0.02))
    for days_ago, user_text in messages:
        at = NOW - days_ago * DAY
        # A low confidence puts the message in the staff console's inbox.
        events += [
            UserUttered(user_text, intent={"name": "ask_funding", "confidence": 0.41}, timestamp=at),
            ActionExecuted("action_recommend_programme", timestamp=at + 0.5),
            BotUttered("Le programme le plus adapté à votre projet : CERV.", timestamp=at + 0.6),
            ActionExecuted("action_listen", timestamp=at + 0.7),
        ]
    return events


class Store:
    """Rasa's SQLTrackerStore on `url`, with the helpers the tests need."""

    def __init__(self, url: str, domain) -> None:
        from rasa.core.tracker_store import SQLTrackerStore

        self.url = url
        self.domain = domain
        self.rasa = SQLTrackerStore(domain, host=url)

    async def save(self, sender_id: str, *sessions: List) -> int:
        from rasa.shared.core.trackers import DialogueStateTracker

        events = [event for part in sessions for event in part]
        await self.rasa.save(DialogueStateTracker.from_events(sender_id, events, self.domain.slots))
        return len(events)

    async def all_events(self, sender_id: str) -> List[dict]:
        tracker = await self.rasa.retrieve_full_tracker(sender_id)
        return [] if tracker is None else [event.as_dict() for event in tracker.events]

    def rows(self) -> int:
        return self._scalar("SELECT count(*) FROM events")

    def rows_containing(self, needle: str) -> int:
        return self._scalar("SELECT count(*) FROM events WHERE data LIKE :pattern", pattern=f"%{needle}%")

    def _scalar(self, query: str, **params) -> int:
        engine = create_engine(self.url, future=True)
        try:
            with engine.connect() as connection:
                return connection.execute(text(query), params).scalar_one()
        finally:
            engine.dispose()

    def close(self) -> None:
        self.rasa.engine.dispose()


@pytest.fixture
def store(tracker_store_url, domain):
    created = Store(tracker_store_url, domain)
    yield created
    created.close()


def user_texts(events: List[dict]) -> List[str]:
    return [event["text"] for event in events if event["event"] == "user"]


async def test_purge_deletes_old_conversations_and_keeps_recent_ones_whole(store):
    from console.inbox import read_inbox

    old = await store.save("mairie-ancienne", session(200, [(200, "Ancienne demande zqxold1 pour la Pologne")]))
    await store.save("mairie-recente", session(5, [(5, "Échange de jeunes avec l'Allemagne")]))
    # Exactly on the edge: its last message is one hour inside the 90 days.
    await store.save("mairie-limite", session(RETENTION + 1, [(RETENTION + 1, "premier message"),
                                                               (RETENTION - 1 / 24, "dernier message")]))
    # One session running since 100 days (no new session started): recent activity keeps it all.
    ongoing = await store.save("comite-en-cours", session(100, [(100, "Début zqxkept2 du projet"),
                                                                 (50, "Suite du projet"), (2, "Relance")]))
    # A user coming back: an old session 200 days ago, a new one 3 days ago.
    old_session = session(200, [(200, "Première visite zqxold3, mes coordonnées")])
    new_session = session(3, [(3, "Je reviens pour le CERV")])
    await store.save("telegram-123456", old_session, new_session)
    latest_before = await store.rasa.retrieve("telegram-123456")
    assert any("zqxold1" in item.text for item in read_inbox(store.url)[0])
    rows_before = store.rows()

    report = retention.purge(store.url, RETENTION, now=NOW)

    assert (report.conversations, report.trimmed, report.events) == (1, 1, old + len(old_session))
    assert store.rows() == rows_before - report.events
    # The old conversation is gone, for Rasa and for the staff console.
    assert await store.rasa.retrieve("mairie-ancienne") is None
    assert await store.all_events("mairie-ancienne") == []
    assert store.rows_containing("zqxold1") == 0
    assert not any("zqxold1" in item.text for item in read_inbox(store.url)[0])
    # Recent conversations are untouched, the one running for 100 days included.
    assert user_texts(await store.all_events("mairie-recente")) == ["Échange de jeunes avec l'Allemagne"]
    assert user_texts(await store.all_events("mairie-limite")) == ["premier message", "dernier message"]
    kept = await store.all_events("comite-en-cours")
    assert len(kept) == ongoing and user_texts(kept)[0] == "Début zqxkept2 du projet"
    # The returning user keeps the current session, from its very first event; the old one is gone.
    remaining = await store.all_events("telegram-123456")
    assert len(remaining) == len(new_session)
    assert remaining[0] == {**remaining[0], "event": "action", "name": "action_session_start"}
    assert store.rows_containing("zqxold3") == 0
    latest_after = await store.rasa.retrieve("telegram-123456")
    assert [e.as_dict() for e in latest_after.events] == [e.as_dict() for e in latest_before.events]

    # A second run finds nothing more; the purged user can start again.
    again = retention.purge(store.url, RETENTION, now=NOW)
    assert (again.conversations, again.trimmed, again.events) == (0, 0, 0)
    await store.save("mairie-ancienne", session(0, [(0, "Bonjour, c'est encore nous")]))
    assert user_texts(await store.all_events("mairie-ancienne")) == ["Bonjour, c'est encore nous"]


async def test_conversation_without_sessions_is_kept_whole_while_active(store):
    """Trackers without session markers (sessions disabled): only the last event decides."""
    await store.save("sans-session", session(150, [(150, "il y a longtemps"), (1, "hier")], markers=False))
    await store.save("sans-session-ancienne", session(150, [(150, "il y a longtemps")], markers=False))

    report = retention.purge(store.url, RETENTION, now=NOW)

    assert (report.conversations, report.trimmed) == (1, 0)
    assert user_texts(await store.all_events("sans-session")) == ["il y a longtemps", "hier"]
    assert await store.all_events("sans-session-ancienne") == []


async def test_dry_run_counts_and_deletes_nothing(store):
    await store.save("mairie-ancienne", session(120, [(120, "ancienne")]))
    await store.save("mairie-recente", session(1, [(1, "récente")]))
    await store.save("retour", session(400, [(400, "très ancienne")]), session(10, [(10, "retour")]))
    rows_before = store.rows()

    simulated = retention.purge(store.url, RETENTION, dry_run=True, now=NOW)

    assert store.rows() == rows_before
    assert user_texts(await store.all_events("mairie-ancienne")) == ["ancienne"]
    assert (simulated.conversations, simulated.trimmed) == (1, 1) and simulated.events > 0
    assert simulated.summary().startswith("Simulation, rien n'est supprimé")
    done = retention.purge(store.url, RETENTION, now=NOW)
    assert (done.conversations, done.trimmed, done.events) == (simulated.conversations, simulated.trimmed,
                                                               simulated.events)
    assert store.rows() == rows_before - simulated.events


def run_cli(*args: str, **environ: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", **environ}
    return subprocess.run([sys.executable, "-m", "bot.retention", *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("days", [0, -1])
async def test_retention_of_zero_or_negative_days_is_refused(days, tmp_path, domain):
    url = f"sqlite:///{tmp_path / 'tracker.sqlite3'}"
    store = Store(url, domain)
    await store.save("mairie-ancienne", session(400, [(400, "ancienne")]))
    rows = store.rows()

    with pytest.raises(ValueError, match="strictement positif"):
        retention.purge(url, days)
    by_option = run_cli("purge", "--days", str(days), TRACKER_STORE_URL=url)
    by_setting = run_cli("purge", TRACKER_STORE_URL=url, RETENTION_DAYS=str(days))

    for result in (by_option, by_setting):
        assert result.returncode == 2, result.stderr
        assert "RETENTION_DAYS ou --days doit être un nombre entier de jours strictement positif" in result.stderr
        assert result.stdout == ""
    assert store.rows() == rows
    store.close()


async def test_command_line_prints_a_one_line_summary(tmp_path, domain):
    url = f"sqlite:///{tmp_path / 'tracker.sqlite3'}"
    store = Store(url, domain)
    await store.save("mairie-ancienne", session(40, [(40, "ancienne")]))
    await store.save("mairie-recente", session(1, [(1, "récente")]))
    rows = store.rows()

    dry = run_cli("purge", "--dry-run", TRACKER_STORE_URL=url, RETENTION_DAYS="30")
    assert dry.returncode == 0, dry.stderr
    assert store.rows() == rows
    real = run_cli("purge", TRACKER_STORE_URL=url, RETENTION_DAYS="30")
    assert real.returncode == 0, real.stderr
    kept = run_cli("purge", "--days", "60", TRACKER_STORE_URL=url, RETENTION_DAYS="30")

    for result in (dry, real, kept):
        assert len(result.stdout.strip().splitlines()) == 1
    assert dry.stdout.startswith("Simulation, rien n'est supprimé (conservation 30 jours, avant le ")
    assert "1 conversation(s) entière(s)" in dry.stdout and "à supprimer" in dry.stdout
    assert real.stdout.startswith("Purge effectuée (conservation 30 jours")
    assert f"soit {rows - store.rows()} événement(s) supprimé(s)" in real.stdout
    assert user_texts(await store.all_events("mairie-recente")) == ["récente"]
    assert "0 conversation(s) entière(s)" in kept.stdout
    store.close()


def test_missing_store_has_nothing_to_purge_and_is_not_created(tmp_path):
    path = tmp_path / "absent.sqlite3"
    result = run_cli("purge", TRACKER_STORE_URL=f"sqlite:///{path}")
    assert result.returncode == 0, result.stderr
    assert "0 conversation(s) entière(s)" in result.stdout
    assert "aucune table « events » dans cette base" in result.stdout
    assert not path.exists()


def test_unreachable_store_is_reported_without_its_password():
    result = run_cli("purge", TRACKER_STORE_URL="postgresql://rasa:s3cr3t-pw@127.0.0.1:1/tracker")
    assert result.returncode == 1
    assert result.stderr.startswith("Purge impossible, base des conversations inaccessible")
    assert "s3cr3t-pw" not in result.stderr and "Traceback" not in result.stderr
