"""The benchmark's runs over the real stack (tests/support/stack.py: action server + `rasa run`, REST channel)."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Dict, Iterator, List, Optional

# The same percentiles as the server's stage figures.
from bot.stage_timings import ROUTE as STAGE_TIMINGS_ROUTE
from bot.stage_timings import percentiles
from bot.traffic import trial_sender

# The servers and the REST turn are the tests' (bench already reads the tests' scenarios and judge).
from tests.support.stack import (  # noqa: F401 - bench.run starts with it
    Stack,
    post_message,
    wait_until_ready,
)

REQUEST_TIMEOUT = 30.0
GREETING = re.compile(r"^\W*(bonjour|bonsoir|salut|slt|coucou|hello)\W*$", re.IGNORECASE)


def turn_kind(index: int, turn: dict) -> str:
    from tests.answers import CONTACT_PATTERNS

    if GREETING.match(turn["user"]):
        return "greeting"
    if turn.get("expect_first") == "none":
        return "out_of_scope"
    if "expect_contact" in turn or turn.get("expect_first") in CONTACT_PATTERNS:
        return "contact"
    return "recommendation" if index == 0 else "follow_up"


class Tally:
    """What a run records of each turn: its latency, its error if any, and its kind."""

    def __init__(self) -> None:
        self.latencies: List[float] = []
        self.errors: List[str] = []
        self.mix: Dict[str, int] = {}

    def record(self, index: int, turn: dict, elapsed: float, error: Optional[str]) -> None:
        """Count one turn of a scenario (``index`` in its conversation)."""
        self.latencies.append(elapsed)
        kind = turn_kind(index, turn)
        self.mix[kind] = self.mix.get(kind, 0) + 1
        if error:
            self.errors.append(error)


def conversations(scenarios: List[dict], offset: int) -> Iterator[dict]:
    """The held-out scenarios, endlessly, from `offset`; each is a new conversation."""
    i = offset
    while True:
        yield scenarios[i % len(scenarios)]
        i += 1


async def stage_timings(stack: Stack, reset: bool = False) -> Optional[Dict[str, object]]:
    """The Rasa server's per-stage figures since the last reset (bot/stage_timings.py); ``reset``:
    start a new window instead. None if the server gives none (stock Rasa has no such route).
    """
    import aiohttp

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)) as session:
        async with session.request("DELETE" if reset else "GET", stack.base + STAGE_TIMINGS_ROUTE,
                                   params={"token": stack.api_token}) as resp:
            return await resp.json() if resp.status == 200 else None


async def blind_run(stack: Stack, time_limit: float) -> Dict[str, object]:
    """The blind end-to-end set (tests/conversations/blind) over REST, scored as `make test` scores it."""
    import aiohttp

    from tests.e2e.play import actions_this_turn
    from tests.e2e.test_blind_conversations import (
        judge_turn,
        load_conversations,
        summarise,
    )

    outcomes: List[dict] = []
    deadline = time.monotonic() + time_limit
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)) as session:
        for conversation in load_conversations():
            if time.monotonic() > deadline:
                break
            sender = trial_sender("bench-blind")
            failures: List[str] = []
            for turn in conversation["turns"]:
                _, text, error = await post_message(session, stack.base, sender, turn["user"])
                if error:
                    failures.append(error)
                    continue
                async with session.get(f"{stack.base}/conversations/{sender}/tracker",
                                       params={"include_events": "AFTER_RESTART", "token": stack.api_token}) as resp:
                    tracker = await resp.json() if resp.status == 200 else {}
                loop = (tracker.get("active_loop") or {}).get("name")
                failures.extend(judge_turn(turn, text, actions_this_turn(tracker.get("events") or []), loop))
            outcomes.append({"id": conversation["id"], "kind": conversation["kind"], "turns": len(conversation["turns"]),
                             "passed": not failures})
    return summarise(outcomes)


async def sequential_run(stack: Stack, scenarios: List[dict], turns: int, time_limit: float) -> Dict[str, object]:
    """One conversation at a time over REST. The first pass over all scenarios is also scored:
    right programme or contact first (tests/e2e/test_scenarios.py's check).
    """
    import aiohttp

    from tests.e2e.test_scenarios import check_turn

    tally = Tally()
    passed = scored = 0
    failed_names: List[str] = []
    deadline = time.monotonic() + time_limit
    done = 0
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)) as session:
        for number, scenario in enumerate(conversations(scenarios, 0)):
            if done >= turns or time.monotonic() > deadline:
                break
            score = number < len(scenarios)
            sender = trial_sender("bench-seq")
            problems: List[str] = []
            for index, turn in enumerate(scenario["turns"]):
                if not score and (done >= turns or time.monotonic() > deadline):
                    break
                elapsed, text, error = await post_message(session, stack.base, sender, turn["user"])
                done += 1
                tally.record(index, turn, elapsed, error)
                if error:
                    problems.append(error)
                    continue
                if score:  # outside the timed request: read the recommended programme from the tracker
                    async with session.get(f"{stack.base}/conversations/{sender}/tracker",
                                           params={"include_events": "NONE", "token": stack.api_token}) as resp:
                        slots = (await resp.json()).get("slots", {}) if resp.status == 200 else {}
                    problems.extend(check_turn(turn, text, slots.get("recommended_programme")))
            if score:
                scored += 1
                if problems:
                    failed_names.append(scenario["name"])
                else:
                    passed += 1
    return {
        "concurrency": 1,
        "turns": done,
        "errors": len(tally.errors),
        "error_samples": tally.errors[:5],
        "latency": percentiles(tally.latencies),
        "mix": tally.mix,
        "scenarios": {"passed": passed, "scored": scored,
                      "rate": round(passed / scored, 4) if scored else None, "failed": failed_names},
    }


async def concurrent_run(stack: Stack, scenarios: List[dict], users: int, turns_per_user: int,
                         time_limit: float) -> Dict[str, object]:
    """`users` conversations at once, each playing held-out scenarios for `turns_per_user` turns."""
    import aiohttp

    tally = Tally()
    deadline = time.monotonic() + time_limit
    stride = max(1, len(scenarios) // users)

    async def user(number: int, session) -> None:
        done = 0
        for scenario in conversations(scenarios, number * stride):
            sender = trial_sender(f"bench-conc-{number}")
            for index, turn in enumerate(scenario["turns"]):
                if done >= turns_per_user or time.monotonic() > deadline:
                    return
                elapsed, _, error = await post_message(session, stack.base, sender, turn["user"])
                done += 1
                tally.record(index, turn, elapsed, error)

    connector = aiohttp.TCPConnector(limit=users)
    async with aiohttp.ClientSession(connector=connector,
                                     timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)) as session:
        started = time.monotonic()
        await asyncio.gather(*(user(n, session) for n in range(users)))
        wall = time.monotonic() - started
    return {
        "concurrency": users,
        "turns": len(tally.latencies),
        "planned_turns": users * turns_per_user,
        "wall_seconds": round(wall, 1),
        "throughput_msg_per_s": round(len(tally.latencies) / wall, 2) if wall else None,
        "errors": len(tally.errors),
        "error_samples": tally.errors[:5],
        "latency": percentiles(tally.latencies),
        "mix": tally.mix,
    }


async def parse_run(stack: Stack, texts: List[str], time_limit: float) -> Dict[str, object]:
    """POST /model/parse (HTTP API), one request at a time."""
    import aiohttp

    latencies: List[float] = []
    errors: List[str] = []
    deadline = time.monotonic() + time_limit
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)) as session:
        for text in texts:
            if time.monotonic() > deadline:
                break
            started = time.perf_counter()
            try:
                async with session.post(f"{stack.base}/model/parse", json={"text": text},
                                        params={"token": stack.api_token}) as resp:
                    await resp.read()
                    if resp.status != 200:
                        errors.append(f"HTTP {resp.status}")
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                errors.append(f"{type(error).__name__}: {error}")
            latencies.append((time.perf_counter() - started) * 1000)
    return {"requests": len(latencies), "errors": len(errors), "error_samples": errors[:5],
            "latency": percentiles(latencies)}


# One long conversation (issue 11): the same five messages again and again, so that a turn's cost can
# be compared at the start and after 100 turns. Realistic messages of the held-out scenarios' kind.
LONG_CONVERSATION = (
    "Notre comité veut recevoir une délégation de notre ville jumelle polonaise pour des rencontres "
    "entre habitants, quelles aides ?",
    "c'est combien ?",
    "et qui contacter ?",
    "un exemple ?",
    "et pour l'Italie ?",
)
LONG_WINDOWS = ((0, 20), (20, 40), (40, 80), (80, 100), (100, 120))


def median(values: List[float]) -> Optional[float]:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    value = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return round(value, 1)


async def long_conversation_run(stack: Stack, turns: int = 120, time_limit: float = 240,
                                bases: Optional[List[str]] = None) -> Dict[str, object]:
    """One conversation of `turns` turns over REST: the median latency per window of turns.

    The figure of issue 11 is ``ratio_100_119_vs_0_19``: 1.0 means a turn costs the same at turn
    100 as at turn 1. With several ``bases`` (Rasa servers), the turns go to each in turn, as
    from a round-robin load balancer.
    """
    import aiohttp

    latencies: List[float] = []
    errors: List[str] = []
    sender = trial_sender("bench-long")
    deadline = time.monotonic() + time_limit
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)) as session:
        for number in range(turns):
            if time.monotonic() > deadline:
                break
            text = LONG_CONVERSATION[number % len(LONG_CONVERSATION)]
            base = bases[number % len(bases)] if bases else stack.base
            elapsed, _, error = await post_message(session, base, sender, text)
            latencies.append(elapsed)
            if error:
                errors.append(error)
    windows = {f"{start}-{end - 1}": median(latencies[start:end]) for start, end in LONG_WINDOWS
               if len(latencies) >= end}
    first, last = windows.get("0-19"), windows.get("100-119")
    return {"turns": len(latencies), "errors": len(errors), "error_samples": errors[:5],
            "median_ms_by_turns": windows,
            "ratio_100_119_vs_0_19": round(last / first, 2) if first and last else None}
