"""Play a conversation through the in-process assistant, turn by turn (shared by the e2e tests)."""

from __future__ import annotations

from typing import Any, AsyncIterator, Dict, List, Sequence, Tuple

from bot.traffic import trial_sender


async def play(agent: Any, turns: Sequence[dict], prefix: str) -> AsyncIterator[Tuple[int, dict, str, Any]]:
    """Send each turn's ``user`` message in a new conversation; yield ``(index, turn, reply text, tracker)``."""
    sender = trial_sender(prefix)
    for index, turn in enumerate(turns):
        responses = await agent.handle_text(turn["user"], sender_id=sender)
        text = "\n".join(r.get("text") or "" for r in responses or [])
        yield index, turn, text, await agent.tracker_store.retrieve(sender)


def actions_this_turn(events: Sequence[Dict[str, Any]]) -> List[str]:
    """The actions run since the latest user message, latest first, from the tracker's events as JSON."""
    actions: List[str] = []
    for event in reversed(events):
        if event.get("event") == "user":
            break
        if event.get("event") == "action":
            actions.append(event.get("name"))
    return actions
