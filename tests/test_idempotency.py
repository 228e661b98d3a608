"""A message sent again with its idempotency key gets its earlier answers, read from the tracker store."""

from __future__ import annotations

import pytest
from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

from bot import idempotency

KEY = "m-5f1c0ffee0ddba11"


@pytest.fixture
async def store(tmp_path):
    sql = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "tracker.sqlite3"))
    tracker = await sql.get_or_create_tracker("web-1")
    for event in (
        UserUttered("Un échange de jeunes avec l'Allemagne ?", message_id="m-earlier-message"),
        BotUttered("Première réponse"),
        UserUttered("Qui contacter ?", message_id=KEY),
        ActionExecuted("action_contact"),
        BotUttered("L'OFAJ.", {"buttons": [{"title": "Un exemple", "payload": "/ask_example"}]}),
        BotUttered("Autre chose ?"),
        UserUttered("Merci", message_id="m-later-message"),
        BotUttered("Avec plaisir."),
    ):
        tracker.update(event)
    await sql.save(tracker)
    return FailSafeTrackerStore(sql)  # as Rasa's agent holds it


async def test_the_answers_to_the_keyed_message_are_given_back_as_the_rest_channel_sends_them(store):
    assert await idempotency.previous_answers(store, "web-1", KEY) == [
        {"recipient_id": "web-1", "text": "L'OFAJ.", "buttons": [{"title": "Un exemple", "payload": "/ask_example"}]},
        {"recipient_id": "web-1", "text": "Autre chose ?"},
    ]


async def test_a_new_key_or_another_conversation_is_a_new_message(store, monkeypatch):
    async def never(*_args, **_kwargs):  # the new message is recognised without reading the conversation
        raise AssertionError("the whole conversation was read")

    monkeypatch.setattr(idempotency.primary_store(store), "retrieve", never)
    assert await idempotency.previous_answers(store, "web-1", "m-never-sent-before") is None
    assert await idempotency.previous_answers(store, "web-2", KEY) is None


@pytest.mark.parametrize("key", ["m-0a1b2c3d", "telegram-123456789", "a" * 64])
def test_keys_the_clients_send_are_valid(key):
    assert idempotency.valid_key(key)


@pytest.mark.parametrize("key", [None, 12345678, "court", "a" * 65, "m_%%%%%%%", 'm-"quote"x'])
def test_keys_that_could_match_another_message_are_refused(key):
    assert not idempotency.valid_key(key)
