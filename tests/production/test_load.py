"""Short load test of the production set-up (the long one is `make load-test`, bench/load.py)."""

from __future__ import annotations

import uuid

from bench import load
from bot.traffic import TEST_SENDER_PREFIX
from tests.e2e.test_scenarios import load_scenarios

USERS, SECONDS, MAX_TURNS = 20, 15, 40  # at most 800 messages, all to 127.0.0.1


async def test_twenty_conversations_at_once_on_two_servers_lose_no_turn(running, capsys):
    result = await load.run_load(list(running.bases.values()), load_scenarios(), USERS, SECONDS, MAX_TURNS,
                                 f"{TEST_SENDER_PREFIX}production-load-{uuid.uuid4().hex[:8]}")
    result = load.check_tracker_store(result, running.tracker_url)
    latency = result["latency"]
    with capsys.disabled():
        print(f"\nload: {USERS} conversations for {SECONDS} s on 2 Rasa servers: {result['turns']} messages "
              f"({result['throughput_msg_per_s']}/s), p50 {latency['p50_ms']} ms, p95 {latency['p95_ms']} ms, "
              f"max {latency['max_ms']} ms; errors {result['errors']}, failed answers {result['failed_answers']}, "
              f"lost turns {result['lost_turns']}")
    assert result["turns"] >= USERS  # every conversation got going
    assert result["errors"] == 0, result["error_samples"]
    assert result["failed_answers"] == 0, result["failed_answer_samples"]
    assert result["lost_turns"] == 0, result["lost_turn_samples"]
    assert min(result["turns_per_server"]) > 0
