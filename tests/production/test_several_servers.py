"""Several Rasa servers behind a load balancer: one conversation, whichever server gets each message.

The two servers share the PostgreSQL tracker store and the Redis lock store; what each test checks in
the tracker store is read straight from PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
import uuid

from tests.answers import contacts_in_order, programmes_in_order

YOUTH = "Nous voulons organiser un échange de jeunes avec notre ville jumelle."
GERMANY = "et avec l'Allemagne ?"
AMOUNT = "c'est combien ?"
CONTACT = "qui contacter ?"
EXAMPLE = "un exemple ?"


def first_programme(answer: str) -> str | None:
    named = programmes_in_order(answer)
    return named[0] if named else None


async def test_one_conversation_alternates_between_two_servers_and_keeps_its_context(running):
    sender = running.new_sender()
    assert first_programme(await running.say("rasa_a", sender, YOUTH)) == "erasmus_plus"
    # Youth (told to A) and Germany (told to B): the Franco-German Youth Office.
    assert first_programme(await running.say("rasa_b", sender, GERMANY)) == "ofaj"
    assert first_programme(await running.say("rasa_a", sender, AMOUNT)) == "ofaj"
    assert contacts_in_order(await running.say("rasa_b", sender, CONTACT))[0] == "ofaj"
    running.assert_recorded(sender, [YOUTH, GERMANY, AMOUNT, CONTACT])

    # Without the first message the same question gets another answer: the context did the work.
    assert first_programme(await running.say("rasa_b", running.new_sender(), GERMANY)) != "ofaj"


async def test_messages_of_one_conversation_sent_at_once_to_both_servers_are_all_kept(running):
    # A user who double-sends while the load balancer splits the messages: the Redis lock store
    # makes the servers take them one at a time, so none overwrites the other's events.
    sender = running.new_sender()
    await running.say("rasa_a", sender, YOUTH)
    burst = [AMOUNT, CONTACT] * 3
    answers = await asyncio.gather(*(running.say(("rasa_a", "rasa_b")[i % 2], sender, text)
                                     for i, text in enumerate(burst)))
    assert all(first_programme(answer) == "erasmus_plus" for answer in answers)

    turns = running.turns(sender)
    assert [text for text, _ in turns][0] == YOUTH
    assert sorted(text for text, _ in turns[1:]) == sorted(burst)
    for text, replies in turns:
        assert replies, f"« {text} » has no answer in the tracker store"
        if text == AMOUNT:
            assert "Montant" in replies[0]  # each answer follows its own question
        elif text == CONTACT:
            assert replies[0].startswith("Pour ")


async def test_a_server_killed_mid_conversation_loses_nothing_and_a_restarted_one_resumes_it(running):
    sender = running.new_sender()
    sent = [YOUTH, GERMANY]
    await running.say("rasa_a", sender, YOUTH)
    await running.say("rasa_b", sender, GERMANY)

    running.stop("rasa_a", signal.SIGKILL)  # a crash: no clean shutdown
    # The load balancer sends the rest to B, which knows the whole conversation.
    assert first_programme(await running.say("rasa_b", sender, AMOUNT)) == "ofaj"
    assert contacts_in_order(await running.say("rasa_b", sender, CONTACT))[0] == "ofaj"
    sent += [AMOUNT, CONTACT]
    running.assert_recorded(sender, sent)

    # A starts again on the same port with the same stores and takes the conversation up where it
    # was, its slots included (the programme recommended on B).
    await running.start("rasa_a")
    assert first_programme(await running.say("rasa_a", sender, EXAMPLE)) == "ofaj"
    running.assert_recorded(sender, sent + [EXAMPLE])


async def test_a_server_killed_mid_turn_the_retried_message_is_answered_once_within_seconds(running):
    # The widget sends each message with an idempotency key and sends it again, with the same key,
    # when it gets no answer; the load balancer passes the retry to the other server.
    sender, key = running.new_sender(), f"m-{uuid.uuid4().hex}"
    await running.say("rasa_a", sender, YOUTH)
    running.send_signal("actions", signal.SIGSTOP)  # keeps A's turn in progress, its lock held
    try:
        in_flight = asyncio.ensure_future(running.say("rasa_a", sender, GERMANY, key))
        await asyncio.sleep(1.5)
        running.stop("rasa_a", signal.SIGKILL)
    finally:
        running.send_signal("actions", signal.SIGCONT)
    with contextlib.suppress(AssertionError):  # the client saw the connection drop
        await in_flight

    started = time.monotonic()
    assert first_programme(await running.say("rasa_b", sender, GERMANY, key)) == "ofaj"
    waited = time.monotonic() - started
    assert waited < 5, f"the conversation stayed locked {waited:.1f} s after its server died"
    running.assert_recorded(sender, [YOUTH, GERMANY])
    await running.start("rasa_a")


async def test_a_message_sent_again_after_its_answer_was_lost_gets_the_same_answer_once(running):
    sender, key = running.new_sender(), f"m-{uuid.uuid4().hex}"
    await running.say("rasa_a", sender, YOUTH)
    first = await running.say("rasa_a", sender, GERMANY, key)
    # The answer never reached the user: the retry, on the other server, gets it again, unprocessed.
    assert await running.say("rasa_b", sender, GERMANY, key) == first
    assert await running.say("rasa_a", sender, GERMANY, key) == first
    assert programmes_in_order(await running.say("rasa_b", sender, GERMANY))[:1] == ["ofaj"]  # a new key
    running.assert_recorded(sender, [YOUTH, GERMANY, GERMANY])
