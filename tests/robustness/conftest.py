"""A real action server and Rasa server (tests.support.stack.Stack), started once for the tests marked ``robustness``.

They run the trained model with the channels of credentials.yml, the HTTP API behind a token and a
JWT secret, and CORS for one commune site; everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from typing import Any, Dict, List, Optional, Sequence, Tuple

import aiohttp
import pytest

from bot.settings import MODEL_PATH
from tests.support.stack import Stack, wait_until_ready

ALLOWED_ORIGIN = "https://www.ville-exemple.fr"
# Both secrets start with "-", as secrets.token_urlsafe's do once in 64: Rasa must still read them
# as values (issue 16), and every API test below runs against a server started with them.
JWT_SECRET = "-un-secret-jwt-de-test-de-plus-de-32-octets"
API_TOKEN = "--" + secrets.token_urlsafe(24)
START_TIMEOUT_S = 300  # loading the model takes most of it on 2 busy cores
REQUEST_TIMEOUT_S = 60


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "robustness: needs the trained model; starts a real action server and Rasa server (make test-robustness)",
    )


@pytest.fixture(scope="package")
def stack(knowledge_url, tmp_path_factory) -> Stack:
    """The running stack; its logs stay in the fixture's temporary folder."""
    if not MODEL_PATH.exists():
        pytest.fail(f"no trained model at {MODEL_PATH}: run `make train` first")
    stack = Stack(
        tmp_path_factory.mktemp("stack"),
        knowledge_url,
        environ={"CORS_ORIGINS": ALLOWED_ORIGIN, "RASA_JWT_SECRET": JWT_SECRET, "RASA_API_TOKEN": API_TOKEN},
    )
    try:
        stack.start()
        asyncio.run(wait_until_ready(stack, time.monotonic(), START_TIMEOUT_S))
        yield stack
        stack.check_alive()  # no input made a server crash
    finally:
        stack.stop()


Request = Tuple[bytes, Dict[str, str]]
Reply = Tuple[int, Any]


class Client:
    """Sends requests to the stack from synchronous tests (hypothesis drives them), several at a time."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.webhook = f"{stack.base}/webhooks/rest/webhook"
        self.loop = asyncio.new_event_loop()
        self.session: Optional[aiohttp.ClientSession] = None

    async def _post(self, body: bytes, headers: Dict[str, str]) -> Reply:
        if self.session is None:
            self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S))
        async with self.session.post(self.webhook, data=body, headers=headers) as response:
            raw = await response.read()
        try:
            return response.status, json.loads(raw)
        except ValueError:
            return response.status, raw

    def post_many(self, requests: Sequence[Request]) -> List[Reply]:
        """POST every (body, headers) to the REST channel at once; (status, parsed JSON or bytes) each."""

        async def run() -> List[Reply]:
            return list(await asyncio.gather(*(self._post(body, headers) for body, headers in requests)))

        return self.loop.run_until_complete(run())

    def close(self) -> None:
        if self.session is not None:
            self.loop.run_until_complete(self.session.close())
        self.loop.close()


@pytest.fixture(scope="package")
def client(stack) -> Client:
    client = Client(stack)
    yield client
    client.close()
