"""A real turn of the assistant is split into its stages (bot/stage_timings.py), without its text."""

from __future__ import annotations

import json

from bot import stage_timings
from bot.traffic import trial_sender

MESSAGE = "Notre comité veut recevoir une délégation de notre ville jumelle polonaise, quelles aides ?"


async def test_a_recommendation_turn_is_timed_stage_by_stage(agent):
    stage_timings.RECORDER.reset()
    sender = trial_sender("stages")

    await agent.handle_text(MESSAGE, sender_id=sender)
    summary = stage_timings.RECORDER.summary()

    assert summary["turns"] == 1
    stages = summary["stages"]
    assert stages["nlu"]["calls_per_turn"] == 1
    assert stages["prediction"]["calls_per_turn"] >= 2  # the recommendation, then listening
    assert stages["action"]["calls_per_turn"] >= 1  # the recommendation comes from the action server
    # A new conversation is saved twice: once its session has started, then at the end of the turn.
    assert stages["tracker_read"]["calls_per_turn"] == 1 and stages["tracker_write"]["calls_per_turn"] == 2
    spent = sum(stages[stage]["per_turn"]["p50_ms"] for stage in (*stage_timings.STAGES, "other"))
    assert abs(spent - stages["turn"]["per_turn"]["p50_ms"]) <= 0.5  # the stages add up to the turn
    text = json.dumps(summary, ensure_ascii=False)
    assert "polonaise" not in text and sender not in text
