"""A fake Telegram Bot API server on 127.0.0.1: records the calls and answers like Telegram does.

Used by the Telegram channel's tests and by the alerts' (a chat in ``blocked`` answers as a chat
that blocked the bot).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Dict, List, Set

from aiohttp import web

from tests.support.ports import free_port

TOKEN = "123456789:TEST-fake-token_for-tests"


@dataclass
class FakeTelegram:
    """Records the Bot API calls; answers like Telegram does."""

    base_url: str = ""
    calls: List[Dict[str, Any]] = field(default_factory=list)
    tokens: List[str] = field(default_factory=list)
    blocked: Set[int] = field(default_factory=set)
    _message_ids: Any = field(default_factory=lambda: itertools.count(1000))

    def called(self, method: str) -> List[Dict[str, Any]]:
        return [call["params"] for call in self.calls if call["method"].lower() == method.lower()]

    async def handle(self, request: web.Request) -> web.Response:
        token, method = request.match_info["token"], request.match_info["method"]
        if request.content_type == "application/json":
            params = await request.json()
        else:
            params = dict(await request.post())
        for key in ("reply_markup", "allowed_updates"):
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        self.tokens.append(token)
        self.calls.append({"method": method, "params": params})
        if token != TOKEN:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        if method.lower() == "sendmessage" and int(params.get("chat_id", 0)) in self.blocked:
            return web.json_response({"ok": False, "error_code": 403,
                                      "description": "Forbidden: bot was blocked by the user"}, status=403)
        return web.json_response({"ok": True, "result": self.result(method, params)})

    def result(self, method: str, params: Dict[str, Any]) -> Any:
        method = method.lower()
        if method == "sendmessage":
            return {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "from": {"id": 123456789, "is_bot": True, "first_name": "Europe des communes"},
                "text": params.get("text", ""),
            }
        if method == "getme":
            return {"id": 123456789, "is_bot": True, "first_name": "Europe des communes", "username": "europe_des_communes_bot"}
        return True  # setWebhook, answerCallbackQuery, …


async def serve_fake_telegram() -> AsyncIterator[FakeTelegram]:
    """Start the fake Bot API on a free port; stopped when the generator closes."""
    fake = FakeTelegram()
    app = web.Application()
    app.router.add_route("*", "/bot{token}/{method}", fake.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    fake.base_url = f"http://127.0.0.1:{port}"
    yield fake
    await runner.cleanup()


class FakeTelegramThread:
    """The fake Bot API in a thread of its own, for code that calls it synchronously (the notifier)."""

    def __init__(self) -> None:
        self.fake: FakeTelegram
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: AsyncIterator[FakeTelegram]

    def __enter__(self) -> FakeTelegram:
        self._thread.start()
        self._server = serve_fake_telegram()
        self.fake = asyncio.run_coroutine_threadsafe(self._server.__anext__(), self._loop).result(10)
        return self.fake

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(_finish(self._server), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


async def _finish(server: AsyncIterator[FakeTelegram]) -> None:
    """Run the server generator past its ``yield`` (its clean-up), as pytest does with a fixture."""
    async for _ in server:
        pass
