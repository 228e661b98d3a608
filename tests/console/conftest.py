"""Console fixtures: settings with a token, a tmp tracker store shaped like Rasa 3.6's, a client factory."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.settings import Settings
from bot.web import create_app
from console.pages import CONSOLE_PARSER, CONSOLE_TODAY, CSRF_COOKIE

TOKEN = "jeton-de-test-9f2c7a1e-assez-long"
TODAY = date(2026, 11, 26)

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

SENDER_A = "mairie-de-brive-4711"
SENDER_B = "comite-jumelage-st-yrieix-0042"
SCRIPT_TEXT = "<script>alert('x')</script> vous financez quoi ?"


def _user_event(text: str, intent: str, confidence: float, ts: float, ranking: Optional[List] = None) -> Dict[str, Any]:
    intent_data = {"name": intent, "confidence": confidence}
    return {
        "event": "user",
        "timestamp": ts,
        "metadata": {"model_id": "x", "assistant_id": "jumelage-assistant"},
        "text": text,
        "parse_data": {
            "intent": intent_data,
            "entities": [],
            "text": text,
            "message_id": "m",
            "metadata": {},
            "intent_ranking": ranking or [intent_data],
        },
        "input_channel": "rest",
        "message_id": "m",
    }


# (sender, text, intent, confidence, timestamp)
USER_ROWS = [
    (SENDER_A, "Bonjour", "greet", 0.97, 1_790_000_000.0),
    (SENDER_A, "on veut faire un truc avec les jeunes de la ville soeur", "nlu_fallback", 0.3, 1_790_000_010.0),
    (SENDER_B, "On veut faire un truc avec les jeunes de la ville  soeur", "nlu_fallback", 0.3, 1_790_100_000.0),
    (SENDER_B, "Quel financement pour une rencontre avec notre ville jumelle polonaise ?", "ask_funding_twinning", 0.99, 1_790_100_010.0),
    (SENDER_B, "c'est pour la fête du cidre", "inform", 0.42, 1_790_100_020.0),
    (SENDER_A, SCRIPT_TEXT, "out_of_scope", 0.21, 1_790_200_000.0),
    (SENDER_A, "=HYPERLINK(\"http://evil\")", "nlu_fallback", 0.1, 1_790_200_010.0),
    (SENDER_A, "/ask_funding_twinning", "ask_funding_twinning", 0.2, 1_790_200_020.0),  # a button payload
]


def build_tracker_db(path: Path) -> str:
    """A SQLite tracker store with Rasa-shaped rows; returns its URL."""
    connection = sqlite3.connect(path)
    connection.execute(EVENTS_DDL)
    rows = []
    for sender, text, intent, confidence, ts in USER_ROWS:
        ranking = [{"name": intent, "confidence": confidence}]
        if intent == "nlu_fallback":
            ranking.append({"name": "ask_funding_youth_exchange", "confidence": 0.28})
        data = _user_event(text, intent, confidence, ts, ranking)
        rows.append((sender, "user", ts, intent, None, json.dumps(data)))
        rows.append(
            (sender, "action", ts + 1, None, "action_listen",
             json.dumps({"event": "action", "timestamp": ts + 1, "name": "action_listen"}))
        )
        rows.append(
            (sender, "bot", ts + 2, None, None,
             json.dumps({"event": "bot", "timestamp": ts + 2, "text": "Réponse du bot"}))
        )
    connection.executemany(
        "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )
    connection.commit()
    connection.close()
    return f"sqlite:///{path}"


@pytest.fixture(autouse=True)
def knowledge_db(knowledge_url, monkeypatch):
    """The console reads the knowledge base as the actions do: from ``DATABASE_URL``."""
    monkeypatch.setenv("DATABASE_URL", knowledge_url)
    return knowledge_url


@pytest.fixture
def tracker_url(tmp_path: Path) -> str:
    return build_tracker_db(tmp_path / "tracker.sqlite3")


def make_settings(knowledge_url: str, tracker_url: str, token: Optional[str] = TOKEN) -> Settings:
    env = {"DATABASE_URL": knowledge_url, "TRACKER_STORE_URL": tracker_url}
    if token:
        env["CONSOLE_TOKEN"] = token
    return Settings.from_env(env)


class StubParser:
    """Stands for the Rasa model: returns the parse data it was given, records the texts."""

    def __init__(self, parse: Optional[Dict[str, Any]] = None, status: str = "") -> None:
        self.parse = parse
        self.status = status
        self.texts: List[str] = []

    async def __call__(self, text: str) -> Optional[Dict[str, Any]]:
        self.texts.append(text)
        if self.parse is None:
            return None
        return {**self.parse, "text": text}


TWINNING_POLAND = {
    "intent": {"name": "ask_funding_twinning", "confidence": 0.97},
    "entities": [{"entity": "country", "value": "PL", "start": 0, "end": 0, "extractor": "RegexEntityExtractor"}],
    "intent_ranking": [{"name": "ask_funding_twinning", "confidence": 0.97}, {"name": "inform", "confidence": 0.02}],
}


@pytest.fixture
async def make_client(knowledge_url, tracker_url):
    """``await make_client(parser=..., today=..., token=..., tracker=...)`` -> a started TestClient."""
    clients: List[TestClient] = []

    async def build(parser=None, today: date = TODAY, token: Optional[str] = TOKEN, tracker: Optional[str] = None):
        app = create_app(make_settings(knowledge_url, tracker or tracker_url, token))
        app[CONSOLE_PARSER] = parser or StubParser(TWINNING_POLAND)
        app[CONSOLE_TODAY] = lambda: today
        client = TestClient(TestServer(app))
        await client.start_server()
        clients.append(client)
        return client

    yield build
    for started in clients:
        await started.close()


@pytest.fixture
async def client(make_client):
    return await make_client()


async def form_token(client: TestClient) -> str:
    """The anti-forgery value a browser gets with the console's pages (the login form sets it)."""
    for cookie in client.session.cookie_jar:
        if cookie.key == CSRF_COOKIE:
            return cookie.value
    await client.get("/console/login")
    return next(cookie.value for cookie in client.session.cookie_jar if cookie.key == CSRF_COOKIE)


async def login(client: TestClient, token: str = TOKEN):
    data = {"token": token, "csrf": await form_token(client)}
    response = await client.post("/console/login", data=data, allow_redirects=False)
    return response
