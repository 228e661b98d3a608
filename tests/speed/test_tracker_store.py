"""The cached SQL tracker store (bot/tracker_store.py) returns what stock Rasa's store returns.

Each check reads the same database with a fresh stock ``SQLTrackerStore`` and compares the trackers
(every event and the whole state), including with two stores sharing one database (two Rasa
servers), events deleted behind the cache (the retention purge) and a new session.
"""

from __future__ import annotations

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import EventVerbosity
from sqlalchemy import create_engine, text

from bot.settings import REPO_ROOT
from bot.tracker_store import CachedSQLTrackerStore, copy_tracker


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(REPO_ROOT / "domain.yml"))


@pytest.fixture
def url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'tracker.sqlite3'}"


def turn(number: int) -> list:
    return [UserUttered(f"message {number}", {"name": "ask_funding_twinning", "confidence": 0.9},
                        [{"entity": "country", "value": "PL", "start": 0, "end": 2}]),
            SlotSet("country", ["PL", str(number)]),
            ActionExecuted("action_recommend_programme", policy="RulePolicy", confidence=1.0),
            BotUttered(f"réponse {number}", {"buttons": None}),
            ActionExecuted("action_listen")]


def state(tracker) -> dict:
    return tracker.current_state(EventVerbosity.ALL)


async def stock_view(domain, url, sender):
    return await SQLTrackerStore(domain, host=url).retrieve(sender)


async def start(store, sender):
    tracker = await store.get_or_create_tracker(sender, append_action_listen=False)
    for event in [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]:
        tracker.update(event)
    await store.save(tracker)


async def play(store, sender, number):
    tracker = await store.retrieve(sender)
    for event in turn(number):
        tracker.update(event)
    await store.save(tracker)


async def test_reads_what_stock_rasa_reads(domain, url):
    store = CachedSQLTrackerStore(domain, host=url)
    await start(store, "a")
    for number in range(12):
        await play(store, "a", number)
        assert state(await store.retrieve("a")) == state(await stock_view(domain, url, "a"))
    assert store._get("a") is not None  # served from the cache


async def test_writes_each_event_once(domain, url):
    store = CachedSQLTrackerStore(domain, host=url)
    await start(store, "a")
    for number in range(5):
        await play(store, "a", number)
    engine = create_engine(url)
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM events WHERE sender_id = 'a'")).scalar()
    assert count == 3 + 5 * len(turn(0))


async def test_two_servers_on_one_database(domain, url):
    first, second = CachedSQLTrackerStore(domain, host=url), CachedSQLTrackerStore(domain, host=url)
    await start(first, "a")
    for number in range(8):
        await play(first if number % 2 else second, "a", number)
        expected = state(await stock_view(domain, url, "a"))
        assert state(await first.retrieve("a")) == expected
        assert state(await second.retrieve("a")) == expected
    with create_engine(url).connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM events WHERE sender_id = 'a'")).scalar()
    assert count == 3 + 8 * len(turn(0))  # every event once


async def test_events_deleted_behind_the_cache(domain, url):
    store = CachedSQLTrackerStore(domain, host=url)
    await start(store, "a")
    for number in range(3):
        await play(store, "a", number)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM events WHERE sender_id = 'a'"))
    assert await store.retrieve("a") is None
    await start(store, "a")
    await play(store, "a", 7)
    assert state(await store.retrieve("a")) == state(await stock_view(domain, url, "a"))


async def test_a_new_session_is_read_as_stock_rasa_reads_it(domain, url):
    store = CachedSQLTrackerStore(domain, host=url)
    await start(store, "a")
    await play(store, "a", 1)
    tracker = await store.retrieve("a")
    for event in [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]:
        tracker.update(event)
    await store.save(tracker)
    await play(store, "a", 2)
    assert state(await store.retrieve("a")) == state(await stock_view(domain, url, "a"))


async def test_the_tracker_handed_out_is_a_copy(domain, url):
    store = CachedSQLTrackerStore(domain, host=url)
    await start(store, "a")
    await play(store, "a", 1)
    tracker = await store.retrieve("a")
    tracker.update(SlotSet("country", "DE"))  # never saved: a turn that failed half-way
    assert (await store.retrieve("a")).get_slot("country") == ["PL", "1"]


async def test_copy_tracker_equals_rasa_copy(domain, url):
    store = CachedSQLTrackerStore(domain, host=url)
    await start(store, "a")
    for number in range(3):
        await play(store, "a", number)
    tracker = await store.retrieve("a")
    tracker.update(ActiveLoop("eligibility_form"))
    duplicate = copy_tracker(tracker)
    assert state(duplicate) == state(tracker.copy())
    duplicate.reject_action("eligibility_form")  # changes the loop in place: not the original's
    assert not tracker.active_loop.rejected
    await store.save(tracker)
    tracker = await store.retrieve("a")
    assert state(tracker) == state(await stock_view(domain, url, "a"))


def count_full_reads(store, monkeypatch) -> list:
    reads: list = []
    original = store._load

    def load(connection, sender_id):
        reads.append(sender_id)
        return original(connection, sender_id)

    monkeypatch.setattr(store, "_load", load)
    return reads


async def test_a_new_conversation_is_read_whole_once_then_from_the_cache(domain, url, monkeypatch):
    store = CachedSQLTrackerStore(domain, host=url)
    reads = count_full_reads(store, monkeypatch)
    assert await store.retrieve("a") is None  # nothing stored yet, as for stock Rasa
    await start(store, "a")
    for number in range(3):
        await play(store, "a", number)
        assert state(await store.retrieve("a")) == state(await stock_view(domain, url, "a"))
    assert reads == ["a"]


async def test_a_session_started_by_a_save_stays_in_the_cache(domain, url, monkeypatch):
    store = CachedSQLTrackerStore(domain, host=url)
    await start(store, "a")
    await play(store, "a", 1)
    reads = count_full_reads(store, monkeypatch)
    tracker = await store.retrieve("a")
    for event in [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]:
        tracker.update(event)
    for event in turn(2):
        tracker.update(event)
    await store.save(tracker)
    assert state(await store.retrieve("a")) == state(await stock_view(domain, url, "a"))
    assert reads == []


async def test_a_session_started_by_another_server(domain, url):
    first, second = CachedSQLTrackerStore(domain, host=url), CachedSQLTrackerStore(domain, host=url)
    await start(first, "a")
    await play(first, "a", 1)
    assert state(await second.retrieve("a")) == state(await stock_view(domain, url, "a"))
    await start(first, "a")  # a new session, written by the first server
    await play(first, "a", 2)
    assert state(await second.retrieve("a")) == state(await stock_view(domain, url, "a"))
    await play(second, "a", 3)
    assert state(await first.retrieve("a")) == state(await stock_view(domain, url, "a"))


async def test_a_session_start_older_than_stored_events_is_read_whole(domain, url, monkeypatch):
    store = CachedSQLTrackerStore(domain, host=url)
    await start(store, "a")
    await play(store, "a", 1)
    tracker = await store.retrieve("a")
    late = max(event.timestamp for event in tracker.events)
    for event in [ActionExecuted("action_session_start"), SessionStarted(timestamp=late - 0.5),
                  ActionExecuted("action_listen")]:
        tracker.update(event)
    await store.save(tracker)
    reads = count_full_reads(store, monkeypatch)
    assert state(await store.retrieve("a")) == state(await stock_view(domain, url, "a"))
    assert reads == ["a"]  # a clock gone back: read as stock Rasa reads it
