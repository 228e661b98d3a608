"""Every reply of the scenarios and of the conversation tests, written down to be compared.

Each user message of tests/conversations/heldout_scenarios.yml and of the stories of
tests/test_*.yml is played through the trained model and the real action server. Every message must
get an answer; all the answers are written to results/replies.txt, so that a change meant to keep
the behaviour (a refactoring) is proved by an empty ``diff`` of that file before and after it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator, List, Tuple

import yaml

from tests.e2e.play import play

TESTS = Path(__file__).resolve().parents[1]
SCENARIOS = TESTS / "conversations" / "heldout_scenarios.yml"
REPORT = TESTS.parent / "results" / "replies.txt"
# "[polonaise]{"entity": ...}" in a conversation test is the text "polonaise".
_ANNOTATION = re.compile(r"\[([^\]]*)\]\{[^}]*\}|\[([^\]]*)\]\([^)]*\)")


def conversations() -> Iterator[Tuple[str, List[dict]]]:
    """``(name, turns)`` of each scenario and each conversation-test story, in file order."""
    for scenario in yaml.safe_load(SCENARIOS.read_text(encoding="utf-8"))["scenarios"]:
        yield f"scenario: {scenario['name']}", [{"user": turn["user"]} for turn in scenario["turns"]]
    for path in sorted(TESTS.glob("test_*.yml")):
        for story in yaml.safe_load(path.read_text(encoding="utf-8")).get("stories", []):
            turns = [
                {"user": _ANNOTATION.sub(lambda m: m.group(1) or m.group(2), step["user"]).strip()}
                for step in story["steps"] if "user" in step
            ]
            yield f"{path.name}: {story['story']}", turns


async def test_every_message_gets_an_answer(agent):
    lines: List[str] = []
    silent: List[str] = []
    for name, turns in conversations():
        lines.append(f"=== {name}")
        async for _index, turn, text, _tracker in play(agent, turns, "replies"):
            lines += [f"> {turn['user']}", text, ""]
            if not text.strip():
                silent.append(f"{name}: « {turn['user']} »")
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert not silent, "messages left without an answer:\n" + "\n".join(silent)
