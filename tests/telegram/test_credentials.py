"""bot/run.py writes the credentials Rasa runs with: Telegram only when its token is set."""

from __future__ import annotations

import rasa.shared.utils.io
import yaml
from rasa.core.run import create_http_input_channels

from bot.channels.telegram import SecureTelegramInput
from bot.run import (
    TELEGRAM_CHANNEL,
    _rasa_server,
    telegram_environment,
    write_credentials,
)
from bot.settings import Settings


def test_without_token_only_the_static_channels(tmp_path):
    settings = Settings.from_env({})
    target = write_credentials(settings, target=tmp_path / "credentials.yml")
    channels = yaml.safe_load(target.read_text())
    assert set(channels) == {"bot.channels.rest.CheckedRestInput", "bot.channels.socketio.CheckedSocketIOInput"}
    assert telegram_environment(settings) == {}
    assert "${" not in target.read_text()


def test_with_token_the_telegram_channel_is_configured_from_env(tmp_path, monkeypatch):
    env = {
        "TELEGRAM_TOKEN": "123456789:TEST-fake-token",
        "TELEGRAM_WEBHOOK_URL": "https://assistant.example.org/webhooks/telegram/webhook",
        "TELEGRAM_SECRET": "un-secret_123",
        "TELEGRAM_API_URL": "http://127.0.0.1:8081",
    }
    settings = Settings.from_env(env)
    target = write_credentials(settings, target=tmp_path / "credentials.yml")
    text = target.read_text()
    assert TELEGRAM_CHANNEL in yaml.safe_load(text)
    assert "TEST-fake-token" not in text and "un-secret_123" not in text  # secrets stay in the environment

    for name, value in telegram_environment(settings).items():
        monkeypatch.setenv(name, value)
    resolved = rasa.shared.utils.io.read_config_file(str(target))[TELEGRAM_CHANNEL]
    assert resolved == {
        "access_token": env["TELEGRAM_TOKEN"],
        "verify": "europe_des_communes_bot",
        "webhook_url": env["TELEGRAM_WEBHOOK_URL"],
        "secret_token": env["TELEGRAM_SECRET"],
        "api_url": env["TELEGRAM_API_URL"],
    }
    channels = create_http_input_channels(None, str(target))
    [telegram] = [c for c in channels if isinstance(c, SecureTelegramInput)]
    assert telegram.secret_token == env["TELEGRAM_SECRET"]
    assert telegram.api_url == env["TELEGRAM_API_URL"]
    assert telegram.url_prefix() == "telegram"  # served at /webhooks/telegram/webhook


def test_rasa_runs_with_the_written_file(tmp_path):
    command = _rasa_server(Settings.from_env({}), "serve", tmp_path / "credentials.yml")
    assert f"--credentials={tmp_path / 'credentials.yml'}" in command
