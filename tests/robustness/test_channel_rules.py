"""The channel's input rules and the server's security flags, without starting a server."""

from __future__ import annotations

import argparse
import json
from types import SimpleNamespace

import pytest

from bot.channels.rest import (
    MAX_MESSAGE_CHARS,
    InputError,
    check_payload,
    clean_text,
    parse_body,
)
from bot.channels.socketio import origin_allowed
from bot.run import _action_server, _rasa_server, api_arguments
from bot.settings import Settings


def _request(payload, content_type="application/json"):
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return SimpleNamespace(body=data, headers={"content-type": content_type} if content_type else {})


def test_clean_text_removes_control_characters_and_surrogates():
    assert clean_text("bon\x00jour\x1b[0m \ud800ça va\r\n") == "bon jour [0m ça va"
    assert clean_text("ligne 1\nligne 2\tfin") == "ligne 1\nligne 2\tfin"
    assert clean_text("😀 e\u0301") == "😀 é"  # NFC: one character


def test_clean_text_cuts_a_long_message_at_a_word():
    text = clean_text("jumelage " * 1000)

    assert len(text) <= MAX_MESSAGE_CHARS and text.endswith("jumelage")
    assert len(clean_text("a" * 100_000)) == MAX_MESSAGE_CHARS


def test_parse_body_accepts_what_the_widget_sends():
    request = _request({"sender": "w-123", "message": "  Bonjour  ", "metadata": {"page": "/"},
                        "message_id": "m-0a1b2c3d4e5f"})

    assert parse_body(request) == ("w-123", "Bonjour", {"page": "/"}, "m-0a1b2c3d4e5f")
    assert parse_body(_request({"sender": "w", "message": "x"}))[3] is None
    assert parse_body(_request({"sender": "w", "message": "x"}, "application/json; charset=utf-8"))[1] == "x"


@pytest.mark.parametrize(
    "payload, content_type, status",
    [
        ({"sender": "a", "message": "x"}, "text/plain", 415),
        ({"sender": "a", "message": "x"}, None, 415),
        (b"\xff{", "application/json", 400),
        ([1], "application/json", 400),
        ({"sender": "", "message": "x"}, "application/json", 400),
        ({"sender": "   ", "message": "x"}, "application/json", 400),
        ({"sender": "a\x00", "message": "x"}, "application/json", 400),
        ({"sender": "a", "message": 1}, "application/json", 400),
        ({"sender": "a", "message": "x", "metadata": [1]}, "application/json", 400),
        ({"sender": "a", "message": "x", "message_id": "court"}, "application/json", 400),
        ({"sender": "a", "message": "x", "message_id": "m_%_joker%%"}, "application/json", 400),
        ({"sender": "a", "message": "x", "message_id": 12345678}, "application/json", 400),
    ],
)
def test_parse_body_refuses_bad_requests_in_french(payload, content_type, status):
    with pytest.raises(InputError) as refused:
        parse_body(_request(payload, content_type))

    assert refused.value.status == status
    assert any(word in refused.value.message for word in ("doit", "Envoyez"))


@pytest.mark.parametrize(
    "text",
    ['/inform{"country": {"a": 1}}', '/inform{"country": 3}', '/inform{"country": ""}', '/inform{"theme": "' + "x" * 300 + '"}'],
)
def test_payloads_with_odd_values_are_refused(text):
    with pytest.raises(InputError):
        check_payload(text)


@pytest.mark.parametrize(
    "text",
    ['/inform{"programme": "cerv"}', '/inform{"country": ["DE", "PL"]}', "/greet", "/greet@0.4", "/inform{pas du json}", "bonjour {x}"],
)
def test_button_payloads_and_plain_text_pass(text):
    check_payload(text)


def test_without_a_token_the_http_api_stays_off():
    command = _rasa_server(Settings.from_env({}), "serve")

    assert "--enable-api" not in command and "--auth-token" not in command
    assert command[command.index("--cors") + 1 :][:2] == ["http://localhost:8000", "http://127.0.0.1:8000"]
    assert "*" not in command


def test_with_a_token_the_api_requires_it():
    settings = Settings.from_env({"RASA_API_TOKEN": "t0k3n", "RASA_JWT_SECRET": "s3cr3t"})
    command = _rasa_server(settings, "serve")
    flags = api_arguments(settings)

    # The secrets are added inside bot.rasa_server from the environment, not shown in `ps`.
    assert "t0k3n" not in command and "s3cr3t" not in command
    assert "--enable-api" in flags
    assert "--auth-token=t0k3n" in flags and "--jwt-secret=s3cr3t" in flags


@pytest.mark.parametrize("secret", ["-abc", "--help", "-t", "--jwt-method=RS256"])
def test_a_secret_starting_with_a_dash_is_read_as_a_value(secret):
    """Rasa's own parser reads each secret back unchanged, whatever it starts with."""
    from rasa.cli.arguments.run import add_server_arguments

    parser = argparse.ArgumentParser()
    add_server_arguments(parser)
    settings = Settings.from_env({"RASA_API_TOKEN": secret, "RASA_JWT_SECRET": secret})

    parsed = parser.parse_args(api_arguments(settings))

    assert (parsed.auth_token, parsed.jwt_secret, parsed.jwt_method) == (secret, secret, "HS256")


def test_every_value_on_the_command_lines_is_attached_to_its_flag():
    settings = Settings.from_env({})
    for command in (_rasa_server(settings, "serve"), _action_server(settings)):
        flags = command[command.index("-m") + 2 :]
        after_cors = flags[flags.index("--cors") + 1 :] if "--cors" in flags else []
        assert all(flag.startswith("--") and "=" in flag for flag in flags if flag not in ("run", "--cors")
                   and flag not in after_cors), flags


def test_a_cors_origin_that_is_not_a_web_address_is_refused():
    with pytest.raises(ValueError, match="CORS_ORIGINS"):
        Settings.from_env({"CORS_ORIGINS": "https://www.brive.fr, -x"})


def test_cors_origins_come_from_the_settings():
    settings = Settings.from_env({"CORS_ORIGINS": "https://www.brive.fr/, https://mairie-tulle.fr", "WEB_PORT": "9000"})
    command = _rasa_server(settings, "serve")

    assert settings.cors_origins == ("https://www.brive.fr", "https://mairie-tulle.fr")
    assert command[command.index("--cors") + 1 : command.index("--cors") + 3] == list(settings.cors_origins)
    assert Settings.from_env({"WEB_PORT": "9000"}).cors_origins == ("http://localhost:9000", "http://127.0.0.1:9000")


def test_socketio_origin_rule():
    allowed = ("https://www.brive.fr",)

    assert origin_allowed("https://www.brive.fr", allowed)
    assert origin_allowed(None, allowed)  # not a browser
    assert not origin_allowed("http://evil.example", allowed)
    assert not origin_allowed("https://www.brive.fr.evil.example", allowed)
