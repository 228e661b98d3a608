"""The blind end-to-end set: realistic conversations scored on the replies a person gets.

tests/conversations/blind/*.yml was written on 30 November 2026 by writers who had not seen the
training data, the other test sets or the code (issue 10). It is never used for training: when a
case fails, the cause is fixed and new training data is written in other words.

A turn passes when the reply names the expected programme (or strand, or contact) first, names no
programme that does not fit the project (one the user named may be named back, to rule it out), and — for a recommendation — gives a contact and an
example. A conversation passes when every turn does. The report (results/blind.txt and .json) gives
each kind of conversation apart.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence

import yaml

from tests.answers import (
    CONTACT_PATTERNS,
    CONTACT_PROGRAMMES,
    PROGRAMME_PATTERNS,
    RELATED_PROGRAMMES,
    STRAND_PATTERNS,
    contacts_in_order,
    programme_of,
    programmes_in_order,
    strands_in_order,
)
from tests.e2e.play import actions_this_turn, play

BLIND_DIR = Path(__file__).resolve().parent.parent / "conversations" / "blind"
RESULTS = Path(__file__).resolve().parents[2] / "results"
# Gates of make test (issue 10 asks for 95 %): this model reaches 98.4 %, 98.6 % and 100 % (30 November
# 2026, fourth session; training is deterministic here, but each retraining on new data moves a few
# conversations either way), so a regression fails the build.
MIN_PASS_RATE = 0.95
MIN_MULTI_TURN_PASS_RATE = 0.93
MIN_OUT_OF_SCOPE_RATE = 1.0
ELIGIBILITY_ACTIONS = {"eligibility_form", "action_check_eligibility"}


def load_conversations(directory: Path = BLIND_DIR) -> List[dict]:
    """Every conversation of the blind set, each with its file's name."""
    conversations = []
    for path in sorted(directory.glob("*.yml")):
        for conversation in yaml.safe_load(path.read_text(encoding="utf-8"))["conversations"]:
            conversations.append({**conversation, "file": path.name})
    return conversations


def _as_list(expect) -> List[str]:
    return [expect] if isinstance(expect, str) else list(expect or [])


def _allowed_programmes(expected: Sequence[str], also_fits: Iterable[str]) -> set:
    allowed = set(also_fits or ())
    for item in expected:
        if item in STRAND_PATTERNS:
            allowed.add(programme_of(item))
        if item in PROGRAMME_PATTERNS:
            allowed.add(item)
        allowed.update(CONTACT_PROGRAMMES.get(item, ()))
    for programme in list(allowed):
        allowed.update(RELATED_PROGRAMMES.get(programme, ()))
    return allowed


def _first_matches(item: str, text: str) -> bool:
    programmes = programmes_in_order(text)
    if item in STRAND_PATTERNS:
        strands = strands_in_order(text)
        if programmes and programmes[0] == programme_of(item) and strands and strands[0] == item:
            return True
    if item in PROGRAMME_PATTERNS and programmes and programmes[0] == item:
        return True
    if item in CONTACT_PATTERNS:
        contacts = contacts_in_order(text)
        if contacts and contacts[0] == item:
            return True
    return False


def judge_turn(turn: dict, text: str, actions: Sequence[str], active_loop: Optional[str]) -> List[str]:
    """The reasons a turn fails, empty when it passes."""
    if "expect" not in turn:
        return []
    expected = _as_list(turn["expect"])
    named = programmes_in_order(text)
    if expected == ["none"]:
        return [f"named {named} where no programme fits"] if named else []
    checking = active_loop == "eligibility_form" or bool(ELIGIBILITY_ACTIONS & set(actions))
    if "eligibility" in expected and checking:
        return []  # the check is running (or gives its verdict): its questions name no programme yet
    if expected == ["eligibility"]:
        return ["the eligibility check is not running"]
    expected = [item for item in expected if item != "eligibility"]
    problems = []
    if not any(_first_matches(item, text) for item in expected):
        shown = (strands_in_order(text)[:1] or named[:1] or contacts_in_order(text)[:1] or ["nothing"])[0]
        problems.append(f"first named {shown}, expected {' or '.join(expected)}")
    # A programme the user names may be named back, if only to say it does not fit.
    allowed = _allowed_programmes(expected, turn.get("also_fits")) | set(programmes_in_order(turn["user"]))
    unfitting = [p for p in named if p not in allowed]
    if unfitting:
        problems.append(f"also named what does not fit: {unfitting}")
    if turn.get("ask") == "recommendation" and not problems:
        if not contacts_in_order(text):
            problems.append("recommendation without a contact")
        if not re.search(r"\bExemple\b", text):
            problems.append("recommendation without an example")
    return problems


async def run_conversation(agent, conversation: dict) -> List[str]:
    """Play the conversation; one line per failing turn."""
    failures = []
    async for index, turn, text, tracker in play(agent, conversation["turns"], "blind"):
        actions = actions_this_turn([event.as_dict() for event in tracker.events])
        for problem in judge_turn(turn, text, actions, tracker.active_loop_name):
            failures.append(f"turn {index + 1} « {turn['user'][:160]} »: {problem}\n      reply: {text[:240]!r}")
    return failures


def summarise(outcomes: List[dict]) -> Dict[str, object]:
    """Pass rates overall, on several turns, and per kind."""

    def rate(items: List[dict]) -> Dict[str, object]:
        passed = sum(1 for o in items if o["passed"])
        return {"passed": passed, "total": len(items), "rate": round(passed / len(items), 4) if items else None}

    by_kind: Dict[str, List[dict]] = defaultdict(list)
    for outcome in outcomes:
        by_kind[outcome["kind"]].append(outcome)
    return {
        "all": rate(outcomes),
        "several_turns": rate([o for o in outcomes if o["turns"] > 1]),
        "one_turn": rate([o for o in outcomes if o["turns"] == 1]),
        "kinds": {kind: rate(items) for kind, items in sorted(by_kind.items())},
    }


def report_text(summary: Dict[str, object], outcomes: List[dict]) -> str:
    def line(name: str, r: dict) -> str:
        return f"{name:<22} {r['passed']:>4}/{r['total']:<4} {100 * (r['rate'] or 0):5.1f} %"

    lines = ["blind end-to-end set (tests/conversations/blind)", line("all", summary["all"]),
             line("several turns", summary["several_turns"]), line("one turn", summary["one_turn"]), ""]
    lines += [line(kind, r) for kind, r in summary["kinds"].items()]
    lines.append("")
    for outcome in outcomes:
        if not outcome["passed"]:
            lines.append(f"✗ {outcome['id']} [{outcome['kind']}]\n    " + "\n    ".join(outcome["failures"]))
    return "\n".join(lines) + "\n"


async def test_blind_conversations_get_the_right_reply(agent):
    conversations = load_conversations()
    outcomes = []
    for conversation in conversations:
        failures = await run_conversation(agent, conversation)
        outcomes.append({"id": conversation["id"], "kind": conversation["kind"], "turns": len(conversation["turns"]),
                         "passed": not failures, "failures": failures})
    summary = summarise(outcomes)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "blind.json").write_text(json.dumps({"summary": summary, "outcomes": outcomes}, ensure_ascii=False,
                                                   indent=1), encoding="utf-8")
    report = report_text(summary, outcomes)
    (RESULTS / "blind.txt").write_text(report, encoding="utf-8")
    print(report.split("\n\n")[0])

    out_of_scope = summary["kinds"].get("out_of_scope")
    assert out_of_scope is None or out_of_scope["rate"] >= MIN_OUT_OF_SCOPE_RATE, report
    assert summary["all"]["rate"] >= MIN_PASS_RATE, report
    assert summary["several_turns"]["rate"] >= MIN_MULTI_TURN_PASS_RATE, report
