"""What every answer of the REST channel must be, whatever it was sent."""

from __future__ import annotations

import json
from typing import Any, Optional

from tests.robustness.inputs import looks_french

JSON = {"Content-Type": "application/json"}


def body(sender: Any, message: Any, **extra: Any) -> bytes:
    return json.dumps({"sender": sender, "message": message, **extra}).encode()


def check_reply(status: int, reply: Any, sender: Optional[str] = None) -> None:
    """200 with a non-empty list of French messages for ``sender``, or a 4xx with a French JSON error."""
    assert status < 500, (status, reply)
    if status == 200:
        assert isinstance(reply, list) and reply, reply
        for message in reply:
            assert looks_french(message.get("text") or " ".join(b["title"] for b in message.get("buttons", []))), message
            if sender is not None:
                assert message["recipient_id"] == sender
    else:
        assert 400 <= status < 500, status
        assert isinstance(reply, dict) and looks_french(reply.get("message", "")), reply


def check_greeted(status: int, reply: Any, sender: str) -> None:
    """The next message of the conversation ("Bonjour") is answered as usual."""
    assert status == 200, (status, reply)
    check_reply(status, reply, sender)


def hello(sender: str) -> tuple:
    return body(sender, "Bonjour"), JSON
