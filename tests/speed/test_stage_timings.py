"""bot/stage_timings.py counts each stage of a turn, once per call, and only during a turn."""

from __future__ import annotations

import json

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import stage_timings
from bot.settings import REPO_ROOT
from bot.stage_timings import STAGES, StageTimings, timed
from bot.tracker_store import CachedSQLTrackerStore

SECRET_TEXT = "Notre commune de Saint-Exemple veut inviter Gdańsk"


def test_refuses_another_rasa_version(monkeypatch):
    import rasa

    monkeypatch.setattr(stage_timings, "_installed", False)
    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    with pytest.raises(RuntimeError):
        stage_timings.install()


@pytest.fixture
def recorder(monkeypatch) -> StageTimings:
    fresh = StageTimings()
    monkeypatch.setattr(stage_timings, "RECORDER", fresh)
    return fresh


@pytest.fixture
def store(tmp_path) -> CachedSQLTrackerStore:
    return CachedSQLTrackerStore(Domain.load(str(REPO_ROOT / "domain.yml")),
                                 host=f"sqlite:///{tmp_path / 'tracker.sqlite3'}")


async def a_turn(store: CachedSQLTrackerStore, sender: str) -> None:
    """What Rasa does in a turn, in miniature: read, understand, two predictions, an action, save."""
    tracker = await store.retrieve(sender) or DialogueStateTracker(sender, store.domain.slots)
    with timed("nlu"):
        tracker.update(UserUttered(SECRET_TEXT, {"name": "ask_funding_twinning", "confidence": 1.0}))
    for action in ("action_recommend_programme", "action_listen"):
        with timed("prediction"):
            pass
        if action != "action_listen":
            with timed("action"):
                pass
        tracker.update(ActionExecuted(action))
    await store.save(tracker)


async def test_each_stage_of_a_turn_is_counted_once_per_call(recorder, store):
    turn = stage_timings._timed_turn(lambda processor, sender: a_turn(store, sender))
    for _ in range(3):
        await turn(None, "alice")

    summary = recorder.summary()

    assert summary["turns"] == 3
    calls = {stage: summary["stages"][stage]["calls_per_turn"] for stage in STAGES}
    assert calls == {"nlu": 1, "prediction": 2, "action": 1, "tracker_read": 1, "tracker_write": 1}
    for stage in (*STAGES, "other", "turn"):
        assert summary["stages"][stage]["per_turn"]["n"] == 3
        assert summary["stages"][stage]["per_turn"]["p95_ms"] >= summary["stages"][stage]["per_turn"]["p50_ms"] >= 0


async def test_what_happens_outside_a_turn_is_not_counted(recorder, store):
    turn = stage_timings._timed_turn(lambda processor, sender: a_turn(store, sender))
    await turn(None, "bob")
    await store.retrieve("bob")  # the HTTP API reading a tracker, /model/parse: no turn
    with timed("nlu"):
        pass

    stages = recorder.summary()["stages"]

    assert stages["tracker_read"]["per_call"]["n"] == 1
    assert stages["nlu"]["per_call"]["n"] == 1


async def test_a_reset_starts_a_new_window_and_the_figures_hold_no_text(recorder, store):
    turn = stage_timings._timed_turn(lambda processor, sender: a_turn(store, sender))
    await turn(None, "carol")
    assert SECRET_TEXT not in json.dumps(recorder.summary()) and "carol" not in json.dumps(recorder.summary())

    recorder.reset()

    assert recorder.summary()["turns"] == 0
    assert recorder.summary()["stages"]["nlu"]["per_call"]["p50_ms"] is None


async def test_a_failed_turn_is_still_timed(recorder):
    async def failing(processor, message):
        with timed("nlu"):
            raise ValueError("boom")

    with pytest.raises(ValueError):
        await stage_timings._timed_turn(failing)(None, "dave")

    assert recorder.summary()["stages"]["nlu"]["calls_per_turn"] == 1


def test_the_recorder_keeps_the_latest_turns_only():
    recorder = StageTimings(size=5)
    for number in range(8):
        recorder.add_turn(float(number), stage_timings._Turn())

    assert recorder.summary()["stages"]["turn"]["per_turn"] == {"n": 5, "p50_ms": 5.0, "p95_ms": 7.0,
                                                                "p99_ms": 7.0, "max_ms": 7.0}
