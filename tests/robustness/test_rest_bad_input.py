"""Bad input at POST /webhooks/rest/webhook: a clear 4xx or a polite French answer, and the next message works.

Stock Rasa 3.6.21 answered several of these with a 500 (a body that is not a JSON object), an empty
list (a message that is not text, a button payload with odd values), put a message without sender in
a conversation shared by everybody ("default"), or spent 14 s of its only event loop on a
100,000-character message.
"""

from __future__ import annotations

import json
import time

import pytest

from bot.channels.rest import EMPTY_MESSAGE_TEXT, MAX_BODY_BYTES
from bot.traffic import trial_sender
from tests.robustness.checks import JSON, body, check_greeted, check_reply, hello

pytestmark = pytest.mark.robustness

# name -> (body for a sender, headers, expected status, expected error code or None)
CASES = {
    "empty message": (lambda s: body(s, ""), JSON, 200, None),
    "whitespace-only message": (lambda s: body(s, " \t\n\u00a0 "), JSON, 200, None),
    "100,000 characters": (lambda s: body(s, "jumelage avec l'Allemagne " * 3847), JSON, 200, None),
    "100,000 characters, one word": (lambda s: body(s, "a" * 100_000), JSON, 200, None),
    "control characters": (lambda s: body(s, "\x01\x02\x1b[31m bonjour \x7f\r"), JSON, 200, None),
    "NUL character": (lambda s: body(s, "bon\x00jour"), JSON, 200, None),
    "invalid UTF-8": (lambda s: b'{"sender": "' + s.encode() + b'", "message": "\xff\xfe bonjour"}', JSON, 400, "invalid_json"),
    "lone surrogate": (lambda s: ('{"sender": "%s", "message": "\\ud800 bonjour"}' % s).encode(), JSON, 200, None),
    "emoji": (lambda s: body(s, "😀🇫🇷👨‍👩‍👧 jumelage avec l'Allemagne 🤝"), JSON, 200, None),
    "HTML and script": (lambda s: body(s, "<script>alert(1)</script><img src=x onerror=alert(2)>"), JSON, 200, None),
    "SQL": (lambda s: body(s, "'; DROP TABLE events; --"), JSON, 200, None),
    "SQL in a button payload": (lambda s: body(s, '/inform{"country": "\'; DROP TABLE events; --"}'), JSON, 200, None),
    "malformed JSON": (lambda s: b'{"sender": "x", "message": ', JSON, 400, "invalid_json"),
    "JSON array": (lambda s: b"[1, 2]", JSON, 400, "invalid_json"),
    "JSON string": (lambda s: b'"Bonjour"', JSON, 400, "invalid_json"),
    "JSON null": (lambda s: b"null", JSON, 400, "invalid_json"),
    "empty body": (lambda s: b"", JSON, 400, "invalid_json"),
    "no sender": (lambda s: json.dumps({"message": "Bonjour"}).encode(), JSON, 400, "invalid_sender"),
    "sender is a number": (lambda s: body(42, "Bonjour"), JSON, 400, "invalid_sender"),
    "sender is an object": (lambda s: body({"id": s}, "Bonjour"), JSON, 400, "invalid_sender"),
    "sender of 1,000 characters": (lambda s: body("x" * 1000, "Bonjour"), JSON, 400, "invalid_sender"),
    "sender with a line feed": (lambda s: body(s + "\n", "Bonjour"), JSON, 400, "invalid_sender"),
    "no message": (lambda s: json.dumps({"sender": s}).encode(), JSON, 400, "invalid_message"),
    "message is a number": (lambda s: body(s, 42), JSON, 400, "invalid_message"),
    "message is null": (lambda s: body(s, None), JSON, 400, "invalid_message"),
    "message is a list": (lambda s: body(s, ["Bonjour"]), JSON, 400, "invalid_message"),
    "metadata is not an object": (lambda s: body(s, "Bonjour", metadata="x"), JSON, 400, "invalid_metadata"),
    "Content-Type text/plain": (lambda s: body(s, "Bonjour"), {"Content-Type": "text/plain"}, 415, "unsupported_media_type"),
    "form-urlencoded": (lambda s: f"sender={s}&message=Bonjour".encode(), {"Content-Type": "application/x-www-form-urlencoded"}, 415, "unsupported_media_type"),
    "no Content-Type": (lambda s: body(s, "Bonjour"), {}, 415, "unsupported_media_type"),
    "payload value is an object": (lambda s: body(s, '/inform{"country": {"a": 1}}'), JSON, 400, "invalid_payload"),
    "payload value is a list with a number": (lambda s: body(s, '/inform{"country": ["DE", 3]}'), JSON, 400, "invalid_payload"),
    "payload value is empty": (lambda s: body(s, '/ask_funding{"national_scheme": ""}'), JSON, 400, "invalid_payload"),
    "payload with braces that are not JSON": (lambda s: body(s, "/inform{pas du json}"), JSON, 200, None),
    "unknown intent in a payload": (lambda s: body(s, "/intention_inconnue"), JSON, 200, None),
    "odd confidence in a payload": (lambda s: body(s, "/greet@1.2.3"), JSON, 200, None),
    "body over the size limit": (lambda s: body(s, "jumelage " * (MAX_BODY_BYTES // 9 + 10)), JSON, 413, "payload_too_large"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_gets_a_clear_answer_and_the_conversation_goes_on(client, name):
    make, headers, expected_status, expected_error = CASES[name]
    sender = trial_sender("robustesse")

    [(status, reply)] = client.post_many([(make(sender), headers)])

    assert status == expected_status, (status, reply)
    check_reply(status, reply, sender)
    if expected_error:
        assert reply["error"] == expected_error
    [(status, reply)] = client.post_many([hello(sender)])
    check_greeted(status, reply, sender)


def test_an_empty_message_invites_a_question(client):
    [(status, reply)] = client.post_many([(body("test-robustesse-vide", "   "), JSON)])

    assert (status, reply) == (200, [{"recipient_id": "test-robustesse-vide", "text": EMPTY_MESSAGE_TEXT}])


def test_a_long_message_is_cut_and_answered_quickly(client):
    long_text = "Nous voulons organiser un échange de jeunes avec notre ville jumelle en Pologne. " * 1250
    started = time.monotonic()

    [(status, reply)] = client.post_many([(body(trial_sender("robustesse"), long_text), JSON)])

    assert status == 200 and reply
    assert time.monotonic() - started < 10  # stock Rasa: 14 s for 100,000 characters on this machine
    assert "programme le plus adapté" in reply[0]["text"]  # the beginning of the message was understood
