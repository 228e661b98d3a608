"""Rasa's HTTP API requires the token (or a JWT); the channels and the root stay public."""

from __future__ import annotations

import jwt
import pytest
import requests

from tests.robustness.conftest import JWT_SECRET

pytestmark = pytest.mark.robustness

# Routes of Rasa's HTTP API that read or change conversations or the model (none is called with
# the token when it would change something).
PRIVATE = [
    ("GET", "/status"),
    ("GET", "/domain"),
    ("GET", "/conversations/alice/tracker"),
    ("GET", "/conversations/alice/story"),
    ("POST", "/conversations/alice/tracker/events"),
    ("PUT", "/conversations/alice/tracker/events"),
    ("POST", "/conversations/alice/messages"),
    ("POST", "/conversations/alice/trigger_intent"),
    ("POST", "/conversations/alice/predict"),
    ("POST", "/conversations/alice/execute"),
    ("POST", "/model/parse"),
    ("POST", "/model/predict"),
    ("POST", "/model/train"),
    ("POST", "/model/test/intents"),
    ("POST", "/model/test/stories"),
    ("PUT", "/model"),
    ("DELETE", "/model"),
    # The per-stage timings of bot/stage_timings.py (DELETE starts a new window).
    ("GET", "/stage-timings"),
    ("DELETE", "/stage-timings"),
]
READ_ONLY = [("GET", "/status"), ("GET", "/domain"), ("GET", "/conversations/alice/tracker"), ("POST", "/model/parse"),
             ("GET", "/stage-timings")]


def _call(stack, method, path, **kwargs):
    kwargs.setdefault("json", {"text": "Bonjour", "event": "slot", "name": "country", "value": "DE"})
    kwargs["headers"] = {"Accept": "application/json", **kwargs.get("headers", {})}
    return requests.request(method, stack.base + path, timeout=30, **kwargs)


def _jwt(secret: str, role: str = "admin", username: str = "equipe") -> str:
    return jwt.encode({"user": {"username": username, "role": role}}, secret, algorithm="HS256")


@pytest.mark.parametrize("method,path", PRIVATE)
def test_every_api_route_refuses_a_request_without_the_token(stack, method, path):
    response = _call(stack, method, path)

    assert response.status_code == 401, (path, response.text[:200])
    assert "slots" not in response.text and "model_file" not in response.text


@pytest.mark.parametrize("method,path", PRIVATE)
def test_a_wrong_token_or_a_forged_jwt_is_refused(stack, method, path):
    assert _call(stack, method, path, params={"token": stack.api_token + "x"}).status_code == 401
    forged = {"Authorization": f"Bearer {_jwt('pas-le-bon-secret-mais-assez-long-pour-hs256')}"}
    assert _call(stack, method, path, headers=forged).status_code == 401


@pytest.mark.parametrize("method,path", READ_ONLY)
def test_the_token_opens_the_api(stack, method, path):
    response = _call(stack, method, path, params={"token": stack.api_token})

    assert response.status_code == 200, response.text[:200]


@pytest.mark.parametrize("method,path", READ_ONLY)
def test_a_jwt_signed_with_the_secret_opens_the_api(stack, method, path):
    response = _call(stack, method, path, headers={"Authorization": f"Bearer {_jwt(JWT_SECRET)}"})

    assert response.status_code == 200, response.text[:200]


def test_a_user_jwt_reads_only_its_own_conversation(stack):
    headers = {"Authorization": f"Bearer {_jwt(JWT_SECRET, role='user', username='alice')}"}

    assert _call(stack, "GET", "/conversations/alice/tracker", headers=headers).status_code == 200
    assert _call(stack, "GET", "/conversations/bob/tracker", headers=headers).status_code == 403
    assert _call(stack, "GET", "/stage-timings", headers=headers).status_code == 403  # the whole server's figures


def test_the_channels_and_the_root_are_public(stack, client):
    [(status, reply)] = client.post_many([(b'{"sender": "public", "message": "Bonjour"}', {"Content-Type": "application/json"})])

    assert status == 200 and reply
    assert requests.get(f"{stack.base}/", timeout=10).status_code == 200
    assert requests.get(f"{stack.base}/webhooks/rest/", timeout=10).status_code == 200


def test_the_stage_timings_count_the_turns_of_the_server_without_their_text(stack, client):
    client.post_many([(b'{"sender": "carole-robustesse", "message": "Quelles aides pour Cracovie ?"}',
                       {"Content-Type": "application/json"})])

    figures = _call(stack, "GET", "/stage-timings", params={"token": stack.api_token})

    assert figures.json()["turns"] >= 1 and figures.json()["stages"]["nlu"]["per_turn"]["p50_ms"] > 0
    assert "Cracovie" not in figures.text and "carole" not in figures.text
