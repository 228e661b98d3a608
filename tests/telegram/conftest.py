"""A fake Telegram Bot API server and the Telegram channel served by a real Sanic app, in-process.

Nothing leaves 127.0.0.1: every HTTP request made through aiohttp (aiogram's transport) is recorded
and must go to the fake server (or, for the tests' own requests, to the channel's Sanic app).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

import aiohttp
import pytest
from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic

from bot.channels.telegram import SecureTelegramInput
from tests.support.ports import free_port
from tests.support.telegram import TOKEN, serve_fake_telegram

SECRET = "s3cret-Token_for-tests"
WEBHOOK_URL = "https://assistant.example.org/webhooks/telegram/webhook"
_names = itertools.count()


@pytest.fixture
async def fake_telegram():
    async for fake in serve_fake_telegram():
        yield fake


@pytest.fixture
def outbound(monkeypatch) -> List[str]:
    """Every URL requested through aiohttp during the test."""
    urls: List[str] = []
    original = aiohttp.ClientSession._request

    async def recording(self, method, str_or_url, *args, **kwargs):
        urls.append(str(str_or_url))
        return await original(self, method, str_or_url, *args, **kwargs)

    monkeypatch.setattr(aiohttp.ClientSession, "_request", recording)
    return urls


class StubAgent:
    """Stands in for Rasa's agent: records user messages, answers with the scripted responses.

    It keeps the conversations as Rasa does (in-memory tracker and lock stores), and is its own
    processor, so the channel's once-only handling (bot/idempotency.py) runs as with Rasa.
    """

    def __init__(self) -> None:
        from rasa.core.lock_store import InMemoryLockStore
        from rasa.core.tracker_store import InMemoryTrackerStore
        from rasa.shared.core.domain import Domain

        self.messages: List[UserMessage] = []
        self.responses: List[Dict[str, Any]] = [{"text": "Bonjour !"}]
        self.lock_store = InMemoryLockStore()
        self.tracker_store = InMemoryTrackerStore(Domain.empty())
        self.processor = self

    @staticmethod
    def is_ready() -> bool:
        return True

    async def handle_message(self, message: UserMessage) -> None:
        from rasa.shared.core.events import BotUttered, UserUttered

        self.messages.append(message)
        tracker = await self.tracker_store.get_or_create_tracker(message.sender_id)
        tracker.update(UserUttered(message.text, message_id=message.message_id))
        for bot_message in self.responses:
            await message.output_channel.send_response(message.sender_id, dict(bot_message))
            tracker.update(BotUttered(bot_message.get("text")))
        await self.tracker_store.save(tracker)


@dataclass
class ChannelApp:
    url: str
    agent: StubAgent
    channel: SecureTelegramInput
    session: aiohttp.ClientSession

    async def post_update(self, update: Dict[str, Any], secret: Optional[str] = SECRET) -> aiohttp.ClientResponse:
        headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
        async with self.session.post(f"{self.url}/webhooks/telegram/webhook", json=update, headers=headers) as resp:
            await resp.read()
            return resp


@pytest.fixture
async def channel_app(fake_telegram, outbound, monkeypatch):
    """The channel registered the way Rasa does it, on a Sanic app listening on a free port."""
    channel = SecureTelegramInput.from_credentials(
        {
            "access_token": TOKEN,
            "verify": "europe_des_communes_bot",
            "webhook_url": WEBHOOK_URL,
            "secret_token": SECRET,
            "api_url": fake_telegram.base_url,
        }
    )
    # As sanic_testing does: lets several apps start in one process (TouchUp keeps the originals).
    monkeypatch.setattr(Sanic, "test_mode", True)
    app = Sanic(f"telegram_test_{next(_names)}")
    app.config.ACCESS_LOG = False
    app.config.MOTD = False
    agent = StubAgent()
    app.ctx.agent = agent
    register([channel], app, route="/webhooks/")
    port = free_port()
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
    await server.startup()
    await server.before_start()
    await server.after_start()
    async with aiohttp.ClientSession() as session:
        yield ChannelApp(f"http://127.0.0.1:{port}", agent, channel, session)
    await server.before_stop()
    await server.close()
    await server.after_stop()


_update_ids = itertools.count(1)


def message_update(text: str, chat_id: int = 4242) -> Dict[str, Any]:
    """A real Telegram Update carrying a private text message."""
    return {
        "update_id": next(_update_ids),
        "message": {
            "message_id": 10,
            "date": 1764170000,
            "chat": {"id": chat_id, "type": "private", "first_name": "Marie"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Marie", "language_code": "fr"},
            "text": text,
        },
    }


def callback_update(data: str, chat_id: int = 4242, query_id: str = "4382bfdwdsb323b2d9") -> Dict[str, Any]:
    """A real Telegram Update for a press on an inline keyboard button."""
    return {
        "update_id": next(_update_ids),
        "callback_query": {
            "id": query_id,
            "from": {"id": chat_id, "is_bot": False, "first_name": "Marie", "language_code": "fr"},
            "chat_instance": "-1234567890",
            "data": data,
            "message": {
                "message_id": 1000,
                "date": 1764170000,
                "chat": {"id": chat_id, "type": "private", "first_name": "Marie"},
                "from": {"id": 123456789, "is_bot": True, "first_name": "Europe des communes"},
                "text": "De quel programme parlez-vous ?",
            },
        },
    }
