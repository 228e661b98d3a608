"""`make load-test`: the production set-up under load, 127.0.0.1 only.

Two Rasa servers share a PostgreSQL tracker store and a Redis lock store, one action server reads the
knowledge base from PostgreSQL. The client plays the held-out scenarios
(tests/conversations/heldout_scenarios.yml) as many conversations at once, sending each message to
the next server in turn, as a round-robin load balancer would. Afterwards every message sent is
looked up in the tracker store: it must be there exactly once, followed by the assistant's answer.

First, one conversation of 120 turns alternating between the two servers: the median latency of
turns 100–119 against turns 0–19 (issue 11: a turn costs the same late in a conversation). Then
three phases of the same load, each reported on its own:

* ``steady``: nothing goes wrong;
* ``slow_query``: the knowledge database stalls: the table every answer reads its build id from
  (the knowledge is served from memory, checked against that id: knowledge/snapshot.py) is locked
  for ``SLOW_QUERY_S`` seconds while one more conversation asks for a Europe Direct centre. The
  answers that read the knowledge wait for the lock; none may fail or be lost;
* ``redis_down``: the Redis lock store (a private redis-server, so nothing else on the machine is
  disturbed) is stopped a third of the way through and started again at two thirds: no error, no
  lost or duplicated message (bot/lock_store.py falls back to each server's own locks).

Bounded: a fixed number of conversations, a deadline, and at most `--max-turns` messages each.
Scratch databases get unique names and are dropped at the end. Writes bench/load_results.json.

Usage: python -m bench.load [--users 50] [--seconds 60] [--phase-seconds 30] [--max-turns 120]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import json
import os
import platform
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

os.environ["RASA_TELEMETRY_ENABLED"] = "false"  # before Rasa is imported: no call to outside hosts

from bench import stack  # noqa: E402
from bot.settings import KNOWLEDGE_DATA_DIR, MODEL_PATH, REPO_ROOT  # noqa: E402
from bot.traffic import TEST_SENDER_PREFIX, trial_sender
from tests.support.databases import scratch_database  # noqa: E402
from tests.support.ports import HOST  # noqa: E402
from tests.support.redis_server import PrivateRedis, private_redis  # noqa: E402
from tests.support.stack import Stack, post_message  # noqa: E402

RESULTS = REPO_ROOT / "bench" / "load_results.json"
# The real Redis of these machines (.ci/run starts it); override to point elsewhere on 127.0.0.1.
REDIS_URL = os.environ.get("LOAD_REDIS_URL") or "redis://127.0.0.1:6379/0"
STARTUP_TIMEOUT = 300.0

# How long the knowledge database stalls in the slow_query phase, and what the extra conversation asks.
SLOW_QUERY_S = 6.0
SLOW_QUESTION = "Je suis à Aurillac, dans le Cantal : où est le centre Europe Direct le plus proche ?"
SLOW_TABLE = "knowledge_build"

# The answers that mean a service failed (the assistant apologised instead of answering).
FAILURE_MARKERS = ("un de mes services est indisponible", "je ne peux pas consulter ma base de connaissances")


def log(message: str) -> None:
    print(f"[load {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- a slow table -----------------------------------------------------------------------------------

@contextmanager
def table_locked(database_url: str, table: str) -> Iterator[None]:
    """Hold an exclusive lock on one table: every query that reads it waits until the block ends."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url, future=True)
    try:
        with engine.connect() as connection, connection.begin():
            connection.execute(text(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE'))
            yield
    finally:
        engine.dispose()


# --- what the tracker store recorded ---------------------------------------------------------------

def recorded_turns(tracker_url: str, senders: Sequence[str]) -> Dict[str, List[Tuple[str, List[str]]]]:
    """Per conversation, read from Rasa's ``events`` table: each user message with the bot answers after it."""
    from sqlalchemy import MetaData, Table, create_engine, select

    engine = create_engine(tracker_url, future=True)
    try:
        events = Table("events", MetaData(), autoload_with=engine)
        query = (select(events.c.sender_id, events.c.type_name, events.c.data)
                 .where(events.c.sender_id.in_(list(senders)))
                 .where(events.c.type_name.in_(["user", "bot"]))
                 .order_by(events.c.id))
        turns: Dict[str, List[Tuple[str, List[str]]]] = {sender: [] for sender in senders}
        with engine.connect() as connection:
            for sender, kind, data in connection.execute(query):
                text = json.loads(data).get("text") or ""
                if kind == "user":
                    turns[sender].append((text, []))
                elif turns[sender]:
                    turns[sender][-1][1].append(text)
        return turns
    finally:
        engine.dispose()


def lost_turns(sent: Dict[str, List[str]], recorded: Dict[str, List[Tuple[str, List[str]]]]) -> List[str]:
    """What a person would miss: a message not recorded exactly once and in order, or one left unanswered."""
    problems = []
    for sender, messages in sent.items():
        turns = recorded.get(sender, [])
        if [text for text, _ in turns] != messages:
            problems.append(f"{sender}: sent {len(messages)} messages, the tracker store has "
                            f"{[text[:40] for text, _ in turns]}")
        problems.extend(f"{sender}: no answer recorded after « {text[:40]} »" for text, answers in turns if not answers)
    return problems


# --- the servers -------------------------------------------------------------------------------------

def production_environ(tracker_url: str, redis_url: str = REDIS_URL) -> Dict[str, str]:
    """The variables of the production set-up (bot/settings.py reads them; DATABASE_URL goes to Stack)."""
    return {"TRACKER_STORE_URL": tracker_url, "LOCK_STORE_URL": redis_url}


async def wait_until_answering(server: Stack, base: str, timeout: float = STARTUP_TIMEOUT) -> float:
    """Poll a Rasa server (and the action server) until it answers a greeting; the seconds it took."""
    import aiohttp

    started = time.monotonic()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        while True:
            server.check_alive()
            if time.monotonic() - started > timeout:
                raise RuntimeError(f"{base} gave no answer within {timeout:.0f} s; see {server.workdir}/*.log")
            try:
                async with session.get(f"http://{HOST}:{server.action_port}/health") as resp:
                    healthy = resp.status == 200
            except (aiohttp.ClientError, asyncio.TimeoutError):
                healthy = False
            if healthy:
                _, text, error = await post_message(session, base, trial_sender("warmup"), "Bonjour")
                if error is None and text:
                    return round(time.monotonic() - started, 1)
            await asyncio.sleep(0.5)


# --- the load ---------------------------------------------------------------------------------------

async def run_load(bases: List[str], scenarios: List[dict], users: int, seconds: float, max_turns: int,
                   prefix: str) -> Dict[str, object]:
    """`users` conversations at once for `seconds`, each message to the next server (round-robin).

    Returns the figures and, under ``sent``, every message sent per conversation (for the check
    against the tracker store).
    """
    import aiohttp

    latencies: List[float] = []
    errors: List[str] = []
    failed_answers: List[str] = []
    per_server: Dict[str, int] = {base: 0 for base in bases}
    sent: Dict[str, List[str]] = {}
    next_server = itertools.cycle(bases)
    deadline = time.monotonic() + seconds
    stride = max(1, len(scenarios) // users)

    async def user(number: int, session) -> None:
        done = 0
        for conversation, scenario in enumerate(stack.conversations(scenarios, number * stride)):
            sender = f"{prefix}-{number}-{conversation}"
            for turn in scenario["turns"]:
                if done >= max_turns or time.monotonic() > deadline:
                    return
                base = next(next_server)
                per_server[base] += 1
                sent.setdefault(sender, []).append(turn["user"])
                elapsed, text, error = await post_message(session, base, sender, turn["user"])
                done += 1
                latencies.append(elapsed)
                if error:
                    errors.append(error)
                elif not text or any(marker in text for marker in FAILURE_MARKERS):
                    failed_answers.append(f"{sender}: « {turn['user'][:40]} » -> {(text or '(rien)')[:80]!r}")

    connector = aiohttp.TCPConnector(limit=users)
    async with aiohttp.ClientSession(connector=connector,
                                     timeout=aiohttp.ClientTimeout(total=stack.REQUEST_TIMEOUT)) as session:
        started = time.monotonic()
        await asyncio.gather(*(user(n, session) for n in range(users)))
        wall = time.monotonic() - started
    return {
        "users": users,
        "servers": len(bases),
        "seconds": seconds,
        "turns": len(latencies),
        "conversations": len(sent),
        "wall_seconds": round(wall, 1),
        "throughput_msg_per_s": round(len(latencies) / wall, 2) if wall else None,
        "errors": len(errors),
        "error_samples": errors[:5],
        "failed_answers": len(failed_answers),
        "failed_answer_samples": failed_answers[:5],
        "turns_per_server": list(per_server.values()),
        "latency": stack.percentiles(latencies),
        "sent": sent,
    }


def check_tracker_store(result: Dict[str, object], tracker_url: str) -> Dict[str, object]:
    """Add what the tracker store shows: messages recorded, lost turns (with samples)."""
    sent: Dict[str, List[str]] = result.pop("sent")  # type: ignore[assignment]
    problems = lost_turns(sent, recorded_turns(tracker_url, list(sent)))
    result["recorded_turns"] = sum(len(messages) for messages in sent.values()) - len(problems)
    result["lost_turns"] = len(problems)
    result["lost_turn_samples"] = problems[:5]
    return result


async def slow_query_phase(bases: List[str], users: int, seconds: float, max_turns: int,
                           knowledge_url: str) -> Dict[str, object]:
    """The load while one conversation's knowledge query waits ``SLOW_QUERY_S`` seconds on a locked table."""
    import aiohttp

    async def slow_conversation() -> Dict[str, object]:
        await asyncio.sleep(min(2.0, seconds / 4))  # the load is under way
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=stack.REQUEST_TIMEOUT)) as session:
            with table_locked(knowledge_url, SLOW_TABLE):
                asked = asyncio.ensure_future(post_message(session, bases[0], f"{TEST_SENDER_PREFIX}slow-{uuid.uuid4().hex[:8]}",
                                                                 SLOW_QUESTION))
                await asyncio.sleep(SLOW_QUERY_S)
            elapsed, text, error = await asked
        return {"latency_ms": round(elapsed), "error": error,
                "answered_with_a_centre": bool(text and "europe direct" in text.lower() and "Cantal" in text),
                "answer_start": (text or "")[:160]}

    slow, result = await asyncio.gather(slow_conversation(), run_load(bases, load_scenarios(), users, seconds,
                                                                      max_turns, f"{TEST_SENDER_PREFIX}slow-{uuid.uuid4().hex[:8]}"))
    result["slow_conversation"] = slow
    return result


async def redis_down_phase(bases: List[str], users: int, seconds: float, max_turns: int,
                           redis: PrivateRedis) -> Dict[str, object]:
    """The load while the Redis lock store stops for the middle third of the phase."""
    async def outage() -> Dict[str, float]:
        await asyncio.sleep(seconds / 3)
        redis.stop()
        stopped = time.monotonic()
        await asyncio.sleep(seconds / 3)
        redis.start()
        return {"redis_down_s": round(time.monotonic() - stopped, 1)}

    outage_result, result = await asyncio.gather(outage(), run_load(bases, load_scenarios(), users, seconds,
                                                                    max_turns, f"{TEST_SENDER_PREFIX}redis-{uuid.uuid4().hex[:8]}"))
    result.update(outage_result)
    return result


def load_scenarios() -> List[dict]:
    from tests.e2e.test_scenarios import load_scenarios as scenarios

    return scenarios()


async def measure(users: int, seconds: float, max_turns: int, phase_seconds: float) -> Dict[str, object]:
    from knowledge.loader import build_database

    with tempfile.TemporaryDirectory(prefix="jumelage-load-") as tmp, private_redis() as redis, \
            scratch_database("load_kb") as knowledge_url, scratch_database("load_tracker") as tracker_url:
        workdir = Path(tmp)
        build_database(knowledge_url, KNOWLEDGE_DATA_DIR)
        server = Stack(workdir, knowledge_url, production_environ(tracker_url, redis.url))
        try:
            started = time.monotonic()
            server.start_actions()
            bases = [server.start_rasa("rasa_a"), server.start_rasa("rasa_b")]
            ready = [await wait_until_answering(server, base) for base in bases]
            log(f"2 Rasa servers answering after {max(ready):.0f} s")
            # Issue 11: a turn costs the same at turn 100 as at turn 1, the turns alternating between servers.
            long_started = time.monotonic()
            long = await stack.long_conversation_run(server, turns=120, bases=bases)
            long_seconds = time.monotonic() - long_started
            log(f"one conversation of 120 turns over both servers: median by turns {long['median_ms_by_turns']}; "
                f"{users} conversations for {seconds:.0f} s")
            result = await run_load(bases, load_scenarios(), users, seconds, max_turns, f"{TEST_SENDER_PREFIX}load-{uuid.uuid4().hex[:8]}")
            result["long_conversation"] = long
            result["startup_s"] = round(time.monotonic() - started - result["wall_seconds"] - long_seconds, 1)
            result["memory_kib"] = server.memory()
            log(f"slow query: {SLOW_TABLE} locked {SLOW_QUERY_S:.0f} s during {phase_seconds:.0f} s of load")
            slow = await slow_query_phase(bases, users, phase_seconds, max_turns, knowledge_url)
            log(f"Redis stopped for the middle third of {phase_seconds:.0f} s of load")
            down = await redis_down_phase(bases, users, phase_seconds, max_turns, redis)
            server.check_alive()
        finally:
            server.stop()
        result = check_tracker_store(result, tracker_url)
        result["phases"] = {"slow_query": check_tracker_store(slow, tracker_url),
                            "redis_down": check_tracker_store(down, tracker_url)}
        steady_p95 = result["latency"]["p95_ms"]
        if steady_p95:
            slow["others_p95_vs_steady"] = round(slow["latency"]["p95_ms"] / steady_p95, 2)
        return result


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50, help="conversations at once (default 50)")
    parser.add_argument("--seconds", type=float, default=60, help="duration of the load (default 60)")
    parser.add_argument("--phase-seconds", type=float, default=30,
                        help="duration of the slow-query and Redis-down phases (default 30)")
    parser.add_argument("--max-turns", type=int, default=120, help="at most this many messages per conversation")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if not MODEL_PATH.exists():
        print(f"Pas de modèle entraîné ({MODEL_PATH}) : lancez `make train`.", file=sys.stderr)
        return 1
    load_before = os.getloadavg()[0]
    result = asyncio.run(measure(args.users, args.seconds, args.max_turns, args.phase_seconds))
    result = {"date": dt.date.today().isoformat(),
              # Other jobs on the same cores slow everything down: the load average says how much.
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                          "load_average_1min": {"before": round(load_before, 2),
                                                "after": round(os.getloadavg()[0], 2)}},
              "set_up": "2 Rasa servers (round-robin), 1 action server, PostgreSQL tracker store and "
                        "knowledge base, Redis lock store, all on 127.0.0.1",
              **result}
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    latency = result["latency"]
    log(f"{result['turns']} messages in {result['wall_seconds']} s ({result['throughput_msg_per_s']}/s), "
        f"p50 {latency['p50_ms']} ms, p95 {latency['p95_ms']} ms, max {latency['max_ms']} ms; "
        f"errors {result['errors']}, failed answers {result['failed_answers']}, lost turns {result['lost_turns']}")
    slow, down = result["phases"]["slow_query"], result["phases"]["redis_down"]
    log(f"slow query: the slow conversation answered in {slow['slow_conversation']['latency_ms']} ms "
        f"(a centre: {slow['slow_conversation']['answered_with_a_centre']}); the others' p95 "
        f"{slow['latency']['p95_ms']} ms ({slow.get('others_p95_vs_steady')} x steady); errors {slow['errors']}, "
        f"lost turns {slow['lost_turns']}")
    log(f"Redis down {down.get('redis_down_s')} s: {down['turns']} messages, p95 {down['latency']['p95_ms']} ms; "
        f"errors {down['errors']}, failed answers {down['failed_answers']}, lost turns {down['lost_turns']}")
    log(f"written to {args.out.relative_to(REPO_ROOT) if args.out.is_relative_to(REPO_ROOT) else args.out}")
    failures = [phase[key] for phase in (result, slow, down) for key in ("errors", "failed_answers", "lost_turns")]
    return 0 if not any(failures) and not slow["slow_conversation"]["error"] else 1


if __name__ == "__main__":
    sys.exit(main())
