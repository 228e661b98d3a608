"""The assistant's real answers, as the REST channel sends them, for the widget's browser tests.

tests/browser/fixtures/answers.json holds them: the fake Rasa server of the browser tests answers
with these, so that the widget is tried on what the assistant says (the card, the follow-up, the
hand-over). tests/actions/test_answer_model.py fails when the file no longer matches; regenerate it:

    DATABASE_URL=sqlite:///var/knowledge.sqlite3 .venv/bin/python -m tests.support.widget_answers
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import common
from actions.contacts import ActionGiveContact
from actions.recommend import recommendation_reply

FIXTURE = Path(__file__).resolve().parents[1] / "browser" / "fixtures" / "answers.json"
DAY = date(2026, 11, 26)


def _rest(messages: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Dispatcher messages as the REST channel sends them (bot/channels/rest.py)."""
    keys = ("text", "buttons", "custom")
    return [{"recipient_id": "web", **{key: m[key] for key in keys if m.get(key)}} for m in messages]


def _reply(entities: List[Dict[str, str]], slots: Dict[str, Any], intent: str) -> Dict[str, Any]:
    reply = recommendation_reply({"text": "", "entities": entities}, slots, intent, DAY)
    dispatcher = CollectingDispatcher()
    from actions.answer import send

    send(dispatcher, reply.answer, reply.buttons)
    return {"reply": reply, "messages": _rest(dispatcher.messages)}


def widget_answers() -> Dict[str, List[Dict[str, Any]]]:
    """The answers the browser tests use, by name."""
    card = _reply([{"entity": "audience", "value": "jeunes"}], {}, "ask_funding_youth_exchange")
    followup = _reply([{"entity": "country", "value": "GB"}],
                      {"recommended_programme": card["reply"].strand_id, "need": card["reply"].need,
                       "audience": "jeunes", "country": "GB"}, "inform")
    clarify = _reply([], {}, "ask_funding")
    tracker = Tracker("web", {"need": "youth_exchange", "audience": "jeunes", "country": "GB",
                              "recommended_programme": card["reply"].strand_id},
                      {"intent": {"name": "ask_human", "confidence": 1.0}, "entities": [], "text": ""},
                      [], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    original = common.today
    common.today = lambda: DAY
    try:
        ActionGiveContact().answer(dispatcher, tracker, {})
    finally:
        common.today = original
    return {"card": card["messages"], "followup": followup["messages"], "clarify": clarify["messages"],
            "handover": _rest(dispatcher.messages)}


def render() -> str:
    return json.dumps(widget_answers(), ensure_ascii=False, indent=1) + "\n"


if __name__ == "__main__":
    FIXTURE.write_text(render(), encoding="utf-8")
    print(f"wrote {FIXTURE}")
