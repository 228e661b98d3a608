"""Multi-turn scenarios through the trained model and the real action server.

The scenarios (tests/conversations/heldout_scenarios.yml) were written apart from the training data.
A turn passes when the programme the user needs is the first one the answer names (and the one the
assistant recorded as recommended), when the expected contact appears, and when out-of-scope and
small-talk answers name no programme at all. No answer writes out an address: links show their
names ("page officielle", "CIDEM").
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import List

import yaml

from actions.answer import raw_urls
from tests.answers import (
    CONTACT_PATTERNS,
    PROGRAMME_PATTERNS,
    programme_of,
    programmes_in_order,
)
from tests.e2e.play import play

SCENARIOS = Path(__file__).resolve().parent.parent / "conversations" / "heldout_scenarios.yml"
MIN_PASS_RATE = 0.90
REPORT = Path(__file__).resolve().parents[2] / "results" / "scenarios.txt"


def check_turn(turn: dict, text: str, recommended: str | None) -> List[str]:
    """The reasons a turn fails (empty when it passes)."""
    problems = []
    named = programmes_in_order(text)
    first = named[0] if named else None
    if "expect_first" in turn:
        expected = turn["expect_first"]
        if expected == "none":
            if named:
                problems.append(f"named {named} where no programme was expected")
        elif expected in PROGRAMME_PATTERNS:
            if first != expected:
                problems.append(f"first programme named {first}, expected {expected}")
        elif expected in CONTACT_PATTERNS:
            if not re.search(CONTACT_PATTERNS[expected], text):
                problems.append(f"contact {expected} not given")
        else:  # a strand id
            if first != programme_of(expected):
                problems.append(f"first programme named {first}, expected {programme_of(expected)}")
            if recommended != expected:
                problems.append(f"recommended {recommended}, expected {expected}")
    if "expect_programme" in turn and first != turn["expect_programme"]:
        problems.append(f"first programme named {first}, expected {turn['expect_programme']}")
    if "expect_programme_any" in turn and first not in turn["expect_programme_any"]:
        problems.append(f"first programme named {first}, expected one of {turn['expect_programme_any']}")
    if "expect_contact" in turn and not re.search(CONTACT_PATTERNS[turn["expect_contact"]], text):
        problems.append(f"contact {turn['expect_contact']} not given")
    return problems


def load_scenarios() -> List[dict]:
    return yaml.safe_load(SCENARIOS.read_text(encoding="utf-8"))["scenarios"]


async def run_scenario(agent, scenario: dict, urls_seen: List[str]) -> List[str]:
    """The failed turns of a scenario; the turns whose answer writes out an address go to ``urls_seen``."""
    failures = []
    async for index, turn, text, tracker in play(agent, scenario["turns"], "scenario"):
        recommended = tracker.get_slot("recommended_programme") if tracker else None
        for problem in check_turn(turn, text, recommended):
            failures.append(f"turn {index + 1} « {turn['user']} »: {problem}\n    answer: {text[:300]!r}")
        if raw_urls(text):
            urls_seen.append(f"{scenario['name']}, turn {index + 1}: {raw_urls(text)}")
    return failures


async def test_scenarios_get_the_right_programme_or_contact_first(agent):
    scenarios = load_scenarios()
    report = []
    passed = 0
    out_of_scope_failures = []
    urls_seen: List[str] = []
    for scenario in scenarios:
        failures = await run_scenario(agent, scenario, urls_seen)
        if failures:
            report.append(f"✗ {scenario['name']}\n  " + "\n  ".join(failures))
            if any("where no programme was expected" in f for f in failures):
                out_of_scope_failures.append(scenario["name"])
        else:
            passed += 1
    rate = passed / len(scenarios)
    summary = f"scenarios: {passed}/{len(scenarios)} passed ({rate:.1%})"
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(summary + "\n" + "\n".join(report) + "\n", encoding="utf-8")
    assert not out_of_scope_failures, f"programmes named in out-of-scope answers: {out_of_scope_failures}"
    assert not urls_seen, "addresses written out in answers:\n" + "\n".join(urls_seen)
    assert rate >= MIN_PASS_RATE, f"{rate:.1%} of scenarios passed (< {MIN_PASS_RATE:.0%}):\n" + "\n".join(report)
