"""Browsers may use the channels only from the configured commune sites (CORS_ORIGINS).

Stock set-up (``--cors "*"``): any site got ``Access-Control-Allow-Origin`` (with credentials), and
Rasa's socket.io channel accepted WebSocket connections from any page.
"""

from __future__ import annotations

import asyncio
import json

import pytest
import requests
import socketio

from tests.robustness.conftest import ALLOWED_ORIGIN
from tests.robustness.inputs import looks_french

pytestmark = pytest.mark.robustness

EVIL = "http://evil.example"


def _preflight(stack, origin: str) -> requests.Response:
    return requests.options(
        f"{stack.base}/webhooks/rest/webhook",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
        timeout=10,
    )


def test_a_commune_site_may_call_the_rest_channel(stack):
    response = _preflight(stack, ALLOWED_ORIGIN)

    assert response.headers.get("Access-Control-Allow-Origin") == ALLOWED_ORIGIN
    assert "content-type" in response.headers.get("Access-Control-Allow-Headers", "").lower()
    answer = requests.post(
        f"{stack.base}/webhooks/rest/webhook",
        json={"sender": "cors-ok", "message": "Bonjour"},
        headers={"Origin": ALLOWED_ORIGIN},
        timeout=30,
    )
    assert answer.headers.get("Access-Control-Allow-Origin") == ALLOWED_ORIGIN


def test_another_site_gets_no_cors_header(stack):
    assert "Access-Control-Allow-Origin" not in _preflight(stack, EVIL).headers
    answer = requests.post(
        f"{stack.base}/webhooks/rest/webhook",
        json={"sender": "cors-evil", "message": "Bonjour"},
        headers={"Origin": EVIL},
        timeout=30,
    )
    assert "Access-Control-Allow-Origin" not in answer.headers


def test_a_simple_cross_site_request_is_refused(stack):
    # text/plain needs no preflight: the channel itself refuses it, so a foreign page cannot post.
    answer = requests.post(
        f"{stack.base}/webhooks/rest/webhook",
        data='{"sender": "cors-simple", "message": "Bonjour"}',
        headers={"Origin": EVIL, "Content-Type": "text/plain"},
        timeout=30,
    )
    assert answer.status_code == 415


def _socketio_connect_reply(stack, origin: str) -> str:
    """Open a socket.io session by hand (Engine.IO long-polling) from ``origin``; the server's reply
    to the namespace CONNECT packet: ``40…`` accepted, ``44…`` refused.
    """
    url = f"{stack.base}/socket.io/"
    headers = {"Origin": origin}
    with requests.Session() as session:
        handshake = session.get(url, params={"EIO": "4", "transport": "polling"}, headers=headers, timeout=10)
        sid = json.loads(handshake.text[1:])["sid"]  # "0{...}": the Engine.IO OPEN packet
        params = {"EIO": "4", "transport": "polling", "sid": sid}
        session.post(url, params=params, data="40", headers=headers, timeout=10)
        return session.get(url, params=params, headers=headers, timeout=10).text


def test_socketio_refuses_another_site(stack):
    assert _socketio_connect_reply(stack, EVIL).startswith("44")
    assert _socketio_connect_reply(stack, ALLOWED_ORIGIN).startswith("40")


async def _socketio_exchange(stack, origin: str, messages):
    """Connect from ``origin``, ask for a session, send ``messages``; the bot's answers in order."""
    client = socketio.AsyncClient(reconnection=False)
    answers: list = []
    confirmed = asyncio.Event()
    client.on("session_confirm", lambda *_: confirmed.set())
    client.on("bot_uttered", lambda data: answers.append(data))
    # Long-polling: python-engineio's WebSocket transport needs a newer aiohttp than Rasa's. Both
    # transports go through the same connect handler, where the origin is checked.
    await client.connect(stack.base, headers={"Origin": origin}, transports=["polling"], wait_timeout=10)
    try:
        await client.emit("session_request", {"session_id": "socketio-test"})
        await asyncio.wait_for(confirmed.wait(), 10)
        for message in messages:
            count = len(answers)
            await client.emit("user_uttered", message)
            for _ in range(300):
                if len(answers) > count:
                    break
                await asyncio.sleep(0.1)
        return answers
    finally:
        try:  # a polite disconnect waits for the pending long poll (up to 25 s): do not wait for it
            await asyncio.wait_for(client.disconnect(), 2)
        except asyncio.TimeoutError:
            pass


def test_socketio_answers_a_commune_site_and_checks_the_messages(stack):
    answers = asyncio.run(
        _socketio_exchange(
            stack,
            ALLOWED_ORIGIN,
            [
                "pas un objet",
                {"session_id": "socketio-test", "message": {"a": 1}},
                {"session_id": "socketio-test", "message": "   "},
                {"session_id": "socketio-test", "message": "Bonjour\x00 " + "a" * 50_000},
                {"session_id": "socketio-test", "message": "Bonjour"},
            ],
        )
    )

    assert len(answers) == 5, answers
    assert all(looks_french(answer.get("text", "")) for answer in answers), answers
    assert answers[-1]["text"].startswith("Bonjour")  # Rasa's channel never delivered an answer here
