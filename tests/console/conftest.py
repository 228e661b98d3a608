"""Console fixtures: settings with a token, a tmp tracker store shaped like Rasa 3.6's, a client factory."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.settings import Settings
from bot.web import create_app
from console.pages import CONSOLE_PARSER, CONSOLE_TODAY, CSRF_COOKIE
from tests.support.console_stand_ins import Turn, build_tracker_db

TOKEN = "jeton-de-test-9f2c7a1e-assez-long"
TODAY = date(2026, 11, 26)

SENDER_A = "mairie-de-brive-4711"
SENDER_B = "comite-jumelage-st-yrieix-0042"
SCRIPT_TEXT = "<script>alert('x')</script> vous financez quoi ?"
REPHRASE = "Je n'ai pas bien compris votre demande. Pouvez-vous la reformuler ?"
CLARIFY = {"text": "Pour vous orienter vers le bon programme, quel est votre projet ?",
           "buttons": [{"title": "Échange de jeunes", "payload": "/ask_funding_youth_exchange"}]}
# An answer with only a structured payload (as a channel-specific rendering may send).
STRUCTURED = {"custom": {"type": "answer", "title": "Erasmus+ – Échanges de jeunes",
                         "facts": [{"label": "Montant", "value": "forfaits par participant"}],
                         "links": [{"label": "page officielle", "url": "https://erasmus-plus.ec.europa.eu/fr"}]}}
# Test traffic (bot.traffic): a load test's and `make chat`'s conversations; never in the inbox.
TEST_TRAFFIC_TEXT = "message de charge incompréhensible"

TURNS = [
    Turn(SENDER_A, "Bonjour", "greet", 0.97, 1_790_000_000.0),
    Turn(SENDER_A, "on veut faire un truc avec les jeunes de la ville soeur", "nlu_fallback", 0.3, 1_790_000_010.0,
         ({"text": REPHRASE},)),
    Turn(SENDER_B, "On veut faire un truc avec les jeunes de la ville  soeur", "nlu_fallback", 0.3, 1_790_100_000.0,
         (CLARIFY,)),
    Turn(SENDER_B, "Quel financement pour une rencontre avec notre ville jumelle polonaise ?", "ask_funding_twinning",
         0.99, 1_790_100_010.0),
    Turn(SENDER_B, "c'est pour la fête du cidre", "inform", 0.42, 1_790_100_020.0, (STRUCTURED,)),
    Turn(SENDER_A, SCRIPT_TEXT, "out_of_scope", 0.21, 1_790_200_000.0),
    Turn(SENDER_A, "=HYPERLINK(\"http://evil\")", "nlu_fallback", 0.1, 1_790_200_010.0),
    Turn(SENDER_A, "/ask_funding_twinning", "ask_funding_twinning", 0.2, 1_790_200_020.0),  # a button payload
    Turn("test-load-3f2a9c1d-7", TEST_TRAFFIC_TEXT, "nlu_fallback", 0.1, 1_790_300_000.0),
    Turn("test-chat-5e0b", TEST_TRAFFIC_TEXT + " (terminal)", "nlu_fallback", 0.2, 1_790_300_010.0, channel="cmdline"),
]


@pytest.fixture(autouse=True)
def knowledge_db(knowledge_url, monkeypatch):
    """The console reads the knowledge base as the actions do: from ``DATABASE_URL``."""
    monkeypatch.setenv("DATABASE_URL", knowledge_url)
    return knowledge_url


@pytest.fixture
def tracker_url(tmp_path: Path) -> str:
    return build_tracker_db(tmp_path / "tracker.sqlite3", TURNS)


@pytest.fixture
def console_db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'console.sqlite3'}"


def make_settings(knowledge_url: str, tracker_url: str, token: Optional[str] = TOKEN,
                  console_db: Optional[str] = None) -> Settings:
    env = {"DATABASE_URL": knowledge_url, "TRACKER_STORE_URL": tracker_url}
    if console_db:
        env["CONSOLE_DATABASE_URL"] = console_db
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
async def make_client(knowledge_url, tracker_url, console_db_url):
    """A factory of started TestClients, each with its own parser, day, token and tracker store."""
    clients: List[TestClient] = []

    async def build(parser=None, today: date = TODAY, token: Optional[str] = TOKEN, tracker: Optional[str] = None):
        app = create_app(make_settings(knowledge_url, tracker or tracker_url, token, console_db_url))
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
