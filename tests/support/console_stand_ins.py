"""Stand-ins for the console's surroundings: a tracker store shaped like Rasa 3.6's, a keyword NLU.

Shared by the console's tests (tests/console) and the console server of the browser tests
(:mod:`tests.support.console_server`).
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any, Dict, List, NamedTuple, Optional, Sequence

# Same columns as rasa.core.tracker_store.SQLTrackerStore.SQLEvent (Rasa 3.6).
EVENTS_DDL = """
CREATE TABLE events (
    id INTEGER NOT NULL PRIMARY KEY,
    sender_id VARCHAR(255) NOT NULL,
    type_name VARCHAR(255) NOT NULL,
    timestamp FLOAT,
    intent_name VARCHAR(255),
    action_name VARCHAR(255),
    data TEXT
)
"""


class Turn(NamedTuple):
    """A user message as the tracker store keeps it, and the assistant's answer to it."""

    sender: str
    text: str
    intent: str
    confidence: float
    timestamp: float
    answer: Sequence[Dict[str, Any]] = ({"text": "Réponse du bot"},)
    channel: str = "rest"


def _user_event(turn: Turn) -> Dict[str, Any]:
    intent_data = {"name": turn.intent, "confidence": turn.confidence}
    ranking = [intent_data]
    if turn.intent == "nlu_fallback":
        ranking.append({"name": "ask_funding_youth_exchange", "confidence": 0.28})
    return {
        "event": "user",
        "timestamp": turn.timestamp,
        "metadata": {"model_id": "x", "assistant_id": "jumelage-assistant"},
        "text": turn.text,
        "parse_data": {"intent": intent_data, "entities": [], "text": turn.text, "message_id": "m",
                       "metadata": {}, "intent_ranking": ranking},
        "input_channel": turn.channel,
        "message_id": "m",
    }


def _bot_event(message: Dict[str, Any], timestamp: float) -> Dict[str, Any]:
    """A bot event as Rasa 3.6 stores it: the text, and the rest of the message under ``data``."""
    data = {key: message.get(key) for key in ("elements", "quick_replies", "buttons", "attachment", "image",
                                              "custom")}
    return {"event": "bot", "timestamp": timestamp, "metadata": {}, "text": message.get("text"), "data": data}


def build_tracker_db(path: Path, turns: Sequence[Turn]) -> str:
    """A SQLite tracker store holding ``turns`` (user event, action_listen, bot events); returns its URL."""
    connection = sqlite3.connect(path)
    connection.execute(EVENTS_DDL)
    rows = []
    for turn in turns:
        ts = turn.timestamp
        rows.append((turn.sender, "user", ts, turn.intent, None, json.dumps(_user_event(turn))))
        for offset, message in enumerate(turn.answer, 1):
            rows.append((turn.sender, "bot", ts + offset, None, None, json.dumps(_bot_event(dict(message), ts + offset))))
        rows.append((turn.sender, "action", ts + 0.5, None, "action_listen",
                     json.dumps({"event": "action", "timestamp": ts + 0.5, "name": "action_listen"})))
    connection.executemany(
        "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )
    connection.commit()
    connection.close()
    return f"sqlite:///{path}"


class KeywordParser:
    """Stands for the Rasa model: an intent and entities (with their spans) found by keywords.

    Enough to tell apart the projects of an inquiry in tests; records the texts it was given.
    """

    INTENTS = (  # the first that matches wins
        (r"\bjeunes?\b", "ask_funding_youth_exchange"),
        (r"\bréseau\b", "ask_funding_network_of_towns"),
        (r"\b(rencontre|habitants|jumelage)\b", "ask_funding_twinning"),
        (r"^\s*(bonjour|madame|monsieur)\b", "greet"),
        (r"\b(merci|cordialement)\b", "thank"),
    )
    ENTITIES = (
        (r"\b(pologne|polonaise?s?)\b", "country", "PL"),
        (r"\b(allemagne|allemande?s?)\b", "country", "DE"),
        (r"\b(italie|italienne?s?)\b", "country", "IT"),
        (r"\bjeunes?\b", "audience", "jeunes"),
        (r"\bhabitants\b", "audience", "citoyens"),
        (r"\bclimat\b", "theme", "climat"),
        (r"\brencontre\b", "activity", "rencontre"),
    )

    def __init__(self) -> None:
        self.texts: List[str] = []

    async def __call__(self, text: str) -> Optional[Dict[str, Any]]:
        self.texts.append(text)
        lowered = text.lower()
        intent = next((name for pattern, name in self.INTENTS if re.search(pattern, lowered)), "inform")
        entities = [
            {"entity": entity, "value": value, "start": m.start(), "end": m.end(), "extractor": "KeywordParser"}
            for pattern, entity, value in self.ENTITIES
            for m in [re.search(pattern, lowered)] if m
        ]
        ranked = {"name": intent, "confidence": 0.9}
        return {"text": text, "intent": ranked, "entities": entities, "intent_ranking": [ranked]}
