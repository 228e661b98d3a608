"""Test traffic: the conversations that the project's own trials leave in the tracker store.

A conversation is test traffic when its sender id starts with :data:`TEST_SENDER_PREFIX`
(``test-``). The test suites, the benchmark and the load test, ``make chat`` and the README's
examples all name their conversations so (:func:`trial_sender`); the widget (``web-…``), Telegram
(the chat's number) and socket.io never do. Staff pages (the console's inbox) leave test traffic out.
"""

from __future__ import annotations

import uuid
from typing import Optional

TEST_SENDER_PREFIX = "test-"


def trial_sender(kind: str) -> str:
    """A new conversation id marked as test traffic: ``test-<kind>-<32 hex>``."""
    return f"{TEST_SENDER_PREFIX}{kind}-{uuid.uuid4().hex}"


def is_test_traffic(sender_id: Optional[str]) -> bool:
    """Whether a conversation id is marked as test traffic."""
    return str(sender_id or "").startswith(TEST_SENDER_PREFIX)
