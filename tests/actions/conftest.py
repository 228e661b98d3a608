"""Action fixtures: a CollectingDispatcher, a Tracker factory, the test database and a fixed clock."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any, Dict, Iterable, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import common


@pytest.fixture(autouse=True)
def knowledge_db(knowledge_url, monkeypatch):
    """Point the actions at the test knowledge base."""
    monkeypatch.setenv("DATABASE_URL", knowledge_url)
    return knowledge_url


@pytest.fixture
def clock(monkeypatch):
    """Fix "today" for the actions: ``clock(date(2026, 9, 1))``."""

    def set_today(day: date) -> None:
        monkeypatch.setattr(common, "today", lambda: day)

    set_today(date(2026, 11, 26))
    return set_today


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture
def make_tracker():
    """Build a tracker whose latest message has ``intent`` and ``entities``; slots as given.

    As in Rasa, entities of the latest message have already filled their slots.
    """

    def build(
        intent: str,
        slots: Optional[Dict[str, Any]] = None,
        entities: Iterable[Dict[str, str]] = (),
        text: str = "",
    ) -> Tracker:
        slots = copy.deepcopy(slots or {})
        entities = [dict(entity) for entity in entities]
        for entity in entities:
            slots[entity["entity"]] = entity["value"]
        return Tracker(
            sender_id="test",
            slots=slots,
            latest_message={"intent": {"name": intent, "confidence": 0.99}, "entities": entities, "text": text},
            events=[],
            paused=False,
            followup_action=None,
            active_loop={},
            latest_action_name="action_listen",
        )

    return build
