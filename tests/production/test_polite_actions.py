"""Custom actions run through bot/rasa_server.py: a failing action server gets the user an apology.

Fast: Rasa's own RemoteAction against small local HTTP servers, no model.
"""

from __future__ import annotations

import asyncio
import http.server
import json
import threading
import time

import pytest
from aiohttp import web

from bot.rasa_server import SERVICE_DOWN, polite_remote_action_class
from tests.support.ports import HOST, free_port

TIMEOUT = 0.5


async def _serve(handler) -> tuple:
    app = web.Application()
    app.router.add_post("/webhook", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, HOST, port).start()
    return runner, f"http://{HOST}:{port}/webhook"


async def _run(url: str, tracker=None):
    from rasa.core.channels.channel import CollectingOutputChannel
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig

    action = polite_remote_action_class(TIMEOUT)("action_recommend_programme", EndpointConfig(url))
    tracker = tracker or DialogueStateTracker.from_events("someone", [UserUttered("bonjour")])
    return await action.run(CollectingOutputChannel(), TemplatedNaturalLanguageGenerator({}), tracker, Domain.empty())


def _texts(events) -> list:
    return [event.text for event in events]


async def test_an_answering_action_server_is_used_as_usual():
    async def ok(request):
        return web.json_response({"events": [], "responses": [{"text": "CERV"}]})

    runner, url = await _serve(ok)
    try:
        assert _texts(await _run(url)) == ["CERV"]
    finally:
        await runner.cleanup()


async def test_successive_actions_keep_one_connection_to_the_action_server():
    peers = []

    async def ok(request):
        peers.append(request.transport.get_extra_info("peername"))
        return web.json_response({"events": [], "responses": [{"text": "CERV"}]})

    runner, url = await _serve(ok)
    try:
        for _ in range(5):
            assert _texts(await _run(url)) == ["CERV"]
    finally:
        await runner.cleanup()
    assert len(peers) == 5 and len(set(peers)) == 1  # keep-alive: no new TCP connection per action


async def test_a_connection_the_action_server_closed_while_idle_is_opened_again():
    peers = []

    async def closing(request):
        peers.append(request.transport.get_extra_info("peername"))
        response = web.json_response({"events": [], "responses": [{"text": "CERV"}]})
        response.force_close()  # the server closes the connection after answering, without saying so
        response.headers["Connection"] = "keep-alive"
        return response

    runner, url = await _serve(closing)
    try:
        for _ in range(3):
            assert _texts(await _run(url)) == ["CERV"]  # never the apology
    finally:
        await runner.cleanup()
    assert len(peers) == 3  # each request answered once: none sent twice


async def test_an_action_server_that_is_down_gets_the_user_an_apology_with_europe_direct():
    events = await _run(f"http://{HOST}:{free_port()}/webhook")
    assert _texts(events) == [SERVICE_DOWN]
    assert "Désolé" in SERVICE_DOWN and "Europe Direct" in SERVICE_DOWN and "00 800 6 7 8 9 10 11" in SERVICE_DOWN


async def test_a_slow_action_server_gets_the_apology_after_the_timeout():
    async def hang(request):
        await asyncio.sleep(30)
        return web.json_response({})

    runner, url = await _serve(hang)
    try:
        started = time.monotonic()
        events = await _run(url)
        assert _texts(events) == [SERVICE_DOWN]
        assert time.monotonic() - started < TIMEOUT + 2
    finally:
        await runner.cleanup()


async def test_a_busy_rasa_server_does_not_apologise_for_an_action_server_that_answered():
    # Rasa runs its models in its event loop: while other conversations keep the loop busy longer
    # than the timeout, an answer already sent by the action server must still be used.
    class Answer(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            body = json.dumps({"events": [], "responses": [{"text": "CERV"}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer((HOST, 0), Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        run = asyncio.ensure_future(_run(f"http://{HOST}:{server.server_port}/webhook"))
        await asyncio.sleep(0.05)  # the request is on its way
        time.sleep(3 * TIMEOUT)  # the loop busy with other conversations' models
        assert _texts(await run) == ["CERV"]
    finally:
        server.shutdown()
        server.server_close()


async def test_an_action_that_crashes_gets_the_apology():
    async def crash(request):
        return web.Response(status=500, text="Internal Server Error")

    runner, url = await _serve(crash)
    try:
        assert _texts(await _run(url)) == [SERVICE_DOWN]
    finally:
        await runner.cleanup()


async def test_one_turn_apologises_once_however_many_actions_fail():
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    url = f"http://{HOST}:{free_port()}/webhook"
    tracker = DialogueStateTracker.from_events("someone", [UserUttered("bonjour")])
    tracker.update_with_events(await _run(url, tracker), None)
    assert await _run(url, tracker) == []
    tracker.update(UserUttered("et maintenant ?"))
    assert _texts(await _run(url, tracker)) == [SERVICE_DOWN]


async def test_a_form_rejecting_an_answer_still_goes_through_rasa():
    from rasa.core.actions.action import ActionExecutionRejection

    async def reject(request):
        return web.json_response({"action_name": "action_recommend_programme", "error": "no"}, status=400)

    runner, url = await _serve(reject)
    try:
        with pytest.raises(ActionExecutionRejection):
            await _run(url)
    finally:
        await runner.cleanup()


def test_rasa_builds_every_custom_action_politely():
    import rasa.core.actions.action as action_module
    import rasa.core.actions.forms as forms_module
    from rasa.shared.core.domain import Domain

    from bot.rasa_server import install
    from bot.settings import Settings

    originals = action_module.RemoteAction, forms_module.RemoteAction
    try:
        install(Settings.from_env({"ACTION_TIMEOUT": "3"}))
        domain = Domain.from_dict({"actions": ["action_recommend_programme"]})
        action = action_module.action_for_name_or_text("action_recommend_programme", domain, None)
        assert type(action).__name__ == "PoliteRemoteAction"
        assert forms_module.RemoteAction is action_module.RemoteAction
    finally:
        action_module.RemoteAction, forms_module.RemoteAction = originals
