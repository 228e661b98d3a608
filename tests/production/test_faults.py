"""Faults of the production set-up: what the user gets while a service is down, and after.

Whatever fails, the user gets a short French apology with the Europe Direct contact (never silence,
never an HTTP error), and once the service is back the same conversation goes on with its context.
"""

from __future__ import annotations

import signal
import time

from tests.answers import programmes_in_order
from tests.support import databases

YOUTH = "Nous voulons organiser un échange de jeunes avec notre ville jumelle."
GERMANY = "et avec l'Allemagne ?"
EUROPE_DIRECT_PHONE = "00 800 6 7 8 9 10 11"


def assert_apology(answer: str) -> None:
    assert answer.startswith("Désolé"), answer
    assert "Europe Direct" in answer and EUROPE_DIRECT_PHONE in answer, answer
    assert not programmes_in_order(answer), "an apology names no programme"


def assert_answers_with_context(answer: str) -> None:
    # Youth (first message) + Germany: the Franco-German Youth Office, as without any fault.
    assert programmes_in_order(answer)[:1] == ["ofaj"], answer[:300]


async def test_action_server_down_gets_an_apology_and_the_conversation_goes_on_when_it_is_back(running):
    sender = running.new_sender()
    await running.say("rasa_a", sender, YOUTH)
    running.stop("actions", signal.SIGKILL)
    try:
        assert_apology(await running.say("rasa_b", sender, GERMANY))
        assert_apology(await running.say("rasa_a", sender, GERMANY))
    finally:
        await running.start("actions")
    assert_answers_with_context(await running.say("rasa_b", sender, GERMANY))
    running.assert_recorded(sender, [YOUTH, GERMANY, GERMANY, GERMANY])


async def test_slow_action_server_gets_an_apology_after_the_timeout(running):
    sender = running.new_sender()
    await running.say("rasa_a", sender, YOUTH)
    running.send_signal("actions", signal.SIGSTOP)  # it still accepts connections, but never answers
    try:
        started = time.monotonic()
        answer = await running.say("rasa_b", sender, GERMANY)
        waited = time.monotonic() - started
    finally:
        running.send_signal("actions", signal.SIGCONT)
    assert_apology(answer)
    timeout = running.server.settings.action_timeout
    assert timeout <= waited < timeout + 10, f"answered after {waited:.1f} s"
    assert_answers_with_context(await running.say("rasa_a", sender, GERMANY))
    running.assert_recorded(sender, [YOUTH, GERMANY, GERMANY])


async def test_knowledge_database_unreachable_gets_an_apology_and_the_action_server_recovers_alone(running):
    sender = running.new_sender()
    action_server = running.pid("actions")
    await running.say("rasa_a", sender, YOUTH)
    databases.set_connections_allowed(running.knowledge_url, False)  # refused, open connections closed
    try:
        assert_apology(await running.say("rasa_b", sender, GERMANY))
    finally:
        databases.set_connections_allowed(running.knowledge_url, True)
    # The very next message is answered: the same action server process, no restart.
    assert_answers_with_context(await running.say("rasa_a", sender, GERMANY))
    assert running.pid("actions") == action_server and running.server.processes["actions"].poll() is None
    running.assert_recorded(sender, [YOUTH, GERMANY, GERMANY])
