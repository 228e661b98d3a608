"""Generated input at the REST channel of a real Rasa server (hypothesis).

Whatever is posted, the answer is a 200 with a list of French messages or a 4xx with a French JSON
error, never a 5xx, and "Bonjour" in the same conversation is then answered as usual. Each example
sends a small batch at once (different conversations), so that a thousand inputs take about a
minute on 2 cores; shrinking is off: a failure shows the batch as generated.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bot.traffic import trial_sender
from tests.robustness.checks import JSON, body, check_greeted, check_reply, hello
from tests.robustness.inputs import json_values, texts

pytestmark = pytest.mark.robustness

BATCH = 5
# Examples per property, times BATCH inputs each: 350 messages, 300 JSON bodies and 350 raw requests,
# 1,000 generated inputs at the channel (and 600 trackers at the actions, test_actions_fuzz.py).
# Messages cost a full turn each; refused requests cost almost nothing.
TEXT_EXAMPLES, BODY_EXAMPLES, RAW_EXAMPLES = 70, 60, 70
CONFIG = dict(
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking: each example is two round trips
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _sender() -> str:
    return trial_sender("hypothesis")


def _check_then_greet(client, senders, replies):
    """Check each reply, then say "Bonjour" in each conversation the channel accepted.

    A refused request (4xx) started no conversation: one fresh conversation is greeted for all of
    them, to show the server still answers.
    """
    for sender, (status, reply) in zip(senders, replies):
        check_reply(status, reply, sender if status == 200 else None)
    accepted = [sender for sender, (status, _) in zip(senders, replies) if status == 200]
    greeted = accepted + ([_sender()] if len(accepted) < len(senders) else [])
    for sender, (status, reply) in zip(greeted, client.post_many([hello(sender) for sender in greeted])):
        check_greeted(status, reply, sender)


@settings(max_examples=TEXT_EXAMPLES, **CONFIG)
@given(messages=st.lists(texts, min_size=BATCH, max_size=BATCH))
def test_any_message_text(client, messages):
    senders = [_sender() for _ in messages]
    replies = client.post_many([(body(sender, text), JSON) for sender, text in zip(senders, messages)])
    _check_then_greet(client, senders, replies)


bodies = st.one_of(
    json_values,  # not even an object
    st.fixed_dictionaries({"sender": json_values, "message": json_values}),
    st.fixed_dictionaries({"sender": st.just(None), "message": texts}, optional={"metadata": json_values}),
    st.dictionaries(st.sampled_from(["sender", "message", "metadata", "input_channel", "stream"]), json_values),
)


@settings(max_examples=BODY_EXAMPLES, **CONFIG)
@given(payloads=st.lists(bodies, min_size=BATCH, max_size=BATCH))
def test_any_json_body(client, payloads):
    for index, payload in enumerate(payloads):
        if isinstance(payload, dict) and payload.get("sender") is None:
            payloads[index] = {**payload, "sender": _sender()}  # a real conversation, odd fields
    senders = [payload.get("sender") if isinstance(payload, dict) else None for payload in payloads]
    replies = client.post_many([(json.dumps(payload).encode(), JSON) for payload in payloads])
    _check_then_greet(client, senders, replies)


content_types = st.sampled_from(
    ["application/json", "application/json; charset=utf-8", "application/ld+json", "text/plain",
     "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml", ""]
)


@settings(max_examples=RAW_EXAMPLES, **CONFIG)
@given(raw=st.lists(st.tuples(st.binary(max_size=300), content_types), min_size=BATCH, max_size=BATCH))
def test_any_bytes_with_any_content_type(client, raw):
    replies = client.post_many([(data, {"Content-Type": ctype} if ctype else {}) for data, ctype in raw])
    _check_then_greet(client, [None] * len(raw), replies)
