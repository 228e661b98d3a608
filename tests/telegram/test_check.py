"""`make telegram-check`: what Telegram says of the bot, and what to fix, against a local fake Bot API."""

from __future__ import annotations

from typing import Any, Dict

import pytest
from aiohttp import web

from bot.settings import Settings
from bot.telegram_check import diagnose, webhook_url_problems
from tests.support.ports import free_port

TOKEN = "123456789:TEST-check-token"
URL = "https://assistant.mairie-exemple.fr/webhooks/telegram/webhook"


@pytest.fixture
async def bot_api():
    """A Bot API answering getMe and getWebhookInfo with ``answers[method]``; ``base`` is its URL."""
    state: Dict[str, Any] = {"answers": {"getMe": {"id": 1, "is_bot": True, "username": "europe_des_communes_bot"},
                                         "getWebhookInfo": {"url": URL, "has_custom_certificate": False,
                                                            "pending_update_count": 0}}}

    async def handle(request: web.Request) -> web.Response:
        if request.match_info["token"] != TOKEN:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        return web.json_response({"ok": True, "result": state["answers"][request.match_info["method"]]})

    app = web.Application()
    app.router.add_get("/bot{token}/{method}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    state["base"] = f"http://127.0.0.1:{port}"
    yield state
    await runner.cleanup()


def settings(api: str, token: str = TOKEN, url: str = URL) -> Settings:
    return Settings.from_env({"TELEGRAM_TOKEN": token, "TELEGRAM_WEBHOOK_URL": url, "TELEGRAM_API_URL": api})


async def _diagnose(config: Settings):
    import asyncio

    return await asyncio.get_running_loop().run_in_executor(None, diagnose, config)


async def test_a_working_bot_has_nothing_to_fix(bot_api):
    facts, problems = await _diagnose(settings(bot_api["base"]))
    assert problems == []
    assert "Bot : @europe_des_communes_bot" in facts and f"Adresse déclarée à Telegram : {URL}" in facts
    assert not any(TOKEN in line for line in facts)


async def test_no_webhook_declared_and_a_failing_delivery_are_explained(bot_api):
    bot_api["answers"]["getWebhookInfo"] = {"url": "", "pending_update_count": 0}
    _, problems = await _diagnose(settings(bot_api["base"]))
    assert any("Aucun webhook n'est déclaré" in p for p in problems)
    bot_api["answers"]["getWebhookInfo"] = {"url": URL, "pending_update_count": 7, "last_error_date": 1_790_000_000,
                                            "last_error_message": "Connection timed out"}
    facts, problems = await _diagnose(settings(bot_api["base"]))
    assert "Messages en attente de livraison : 7" in facts
    assert any("Connection timed out" in f and "UTC" in f for f in facts)
    assert any("Dépannage" in p for p in problems)


async def test_a_wrong_token_or_another_address_is_explained(bot_api):
    _, problems = await _diagnose(settings(bot_api["base"], token="987:wrong"))
    assert any("Unauthorized (HTTP 401)" in p and "@BotFather" in p for p in problems)
    bot_api["answers"]["getWebhookInfo"] = {"url": "https://ancien.example.org/hook", "pending_update_count": 0}
    _, problems = await _diagnose(settings(bot_api["base"]))
    assert any("Telegram livre à https://ancien.example.org/hook" in p for p in problems)


def test_the_webhook_address_must_be_https_on_a_telegram_port():
    assert webhook_url_problems(URL) == []
    assert webhook_url_problems("https://bot.example.org:8443/webhooks/telegram/webhook") == []
    assert len(webhook_url_problems("http://bot.example.org:5005/webhooks/telegram/webhook")) == 2
    assert "TELEGRAM_WEBHOOK_URL n'est pas défini" in webhook_url_problems(None)[0]
    assert "doit se terminer par" in webhook_url_problems("https://bot.example.org/")[0]


def test_without_a_token_telegram_is_off():
    _, problems = diagnose(Settings.from_env({}))
    assert problems == ["TELEGRAM_TOKEN n'est pas défini : le canal Telegram est désactivé."]
