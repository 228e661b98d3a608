"""A message retried with its idempotency key is answered once and stored once.

A client that got no answer (its server died mid-turn, the network dropped the response) sends the
same message again with the same key: the widget's ``message_id``, Telegram's ``update_id``. The key
becomes the ``message_id`` of Rasa's ``UserUttered`` event, so the tracker store itself says whether
the message was already handled:

* not in the conversation (the server died before saving the turn): it is handled now, as new;
* already there (the server saved the turn, the answer was lost on the way): it is not handled
  again, and the answers stored after it are returned, as Rasa's REST channel would have sent them.

The check runs under the conversation's lock, so a retry that arrives while the first attempt is
still being handled waits for it and then gets its answers.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.events import BotUttered, UserUttered

# Letters, digits and hyphens only: a key is matched inside the stored JSON, without escaping.
KEY_PATTERN = re.compile(r"^[A-Za-z0-9-]{8,64}$")
# What Rasa's CollectingOutputChannel puts in a REST answer, besides the text.
_ANSWER_PARTS = ("image", "buttons", "attachment", "custom")


def valid_key(key: Any) -> bool:
    """Whether ``key`` can serve as an idempotency key (8 to 64 letters, digits or hyphens)."""
    return isinstance(key, str) and bool(KEY_PATTERN.match(key))


def _seen_in_sql(store: SQLTrackerStore, sender_id: Text, key: Text) -> bool:
    # One indexed query instead of reading (and deserialising) the whole conversation: most
    # messages are new, and this runs for every one of them.
    import sqlalchemy as sa

    events = SQLTrackerStore.SQLEvent
    pattern = f'%"message_id": "{key}"%'
    query = (sa.select(events.id)
             .where(events.sender_id == sender_id, events.type_name == UserUttered.type_name,
                    events.data.like(pattern))
             .limit(1))
    with store.session_scope() as session:
        return session.execute(query).first() is not None


def primary_store(store: TrackerStore) -> TrackerStore:
    """The tracker store the agent wraps in its ``FailSafeTrackerStore`` (itself if not wrapped)."""
    # Rasa keeps it in a private attribute: without it, the check below only gets slower.
    return getattr(store, "_tracker_store", store)


async def previous_answers(store: TrackerStore, sender_id: Text, key: Text) -> Optional[List[Dict[Text, Any]]]:
    """The answers already given to the message with idempotency ``key``; ``None`` if it is new."""
    primary = primary_store(store)
    if isinstance(primary, SQLTrackerStore) and not _seen_in_sql(primary, sender_id, key):
        return None
    tracker = await store.retrieve(sender_id)
    if tracker is None:
        return None
    answers: Optional[List[Dict[Text, Any]]] = None
    for event in tracker.events:
        if isinstance(event, UserUttered):
            if answers is not None:
                break  # the next message: its answers are not ours
            if event.message_id == key:
                answers = []
        elif answers is not None and isinstance(event, BotUttered):
            answer: Dict[Text, Any] = {"recipient_id": sender_id}
            if event.text is not None:
                answer["text"] = event.text
            answer.update({part: event.data[part] for part in _ANSWER_PARTS if event.data.get(part) is not None})
            answers.append(answer)
    return answers


async def handle_once(agent: Any, message: UserMessage) -> Optional[List[Dict[Text, Any]]]:
    """``Agent.handle_message``, unless the message was already handled: then its earlier answers.

    ``message.message_id`` is the idempotency key. Returns ``None`` when the message was handled now
    (its answers went to ``message.output_channel``, as with Rasa), the earlier answers otherwise.
    """
    if not agent.is_ready():
        return await agent.handle_message(message)  # Rasa's own answer to a server without a model
    async with agent.lock_store.lock(message.sender_id):
        earlier = await previous_answers(agent.tracker_store, message.sender_id, message.message_id)
        if earlier is not None:
            return earlier
        await agent.processor.handle_message(message)
        return None

