"""The real stack (action server + `rasa run`, REST channel) on free 127.0.0.1 ports, and its load tests."""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Dict, Iterator, List, Optional

from bot import run as bot_run
from bot.settings import MODEL_PATH, REPO_ROOT, Settings

HOST = "127.0.0.1"  # every request of the benchmark goes here, and nowhere else
REQUEST_TIMEOUT = 30.0
GREETING = re.compile(r"^\W*(bonjour|bonsoir|salut|slt|coucou|hello)\W*$", re.IGNORECASE)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def percentiles(values: List[float]) -> Dict[str, Optional[float]]:
    if not values:
        return {"n": 0, "p50_ms": None, "p95_ms": None, "p99_ms": None, "max_ms": None}
    ordered = sorted(values)

    def pick(q: float) -> float:  # nearest rank
        return round(ordered[min(len(ordered) - 1, max(0, int(-(-q * len(ordered) // 1)) - 1))], 1)

    return {"n": len(ordered), "p50_ms": pick(0.50), "p95_ms": pick(0.95), "p99_ms": pick(0.99),
            "max_ms": round(ordered[-1], 1)}


def memory_kib(pid: int) -> Dict[str, int]:
    """VmRSS and VmHWM (peak RSS) of a process and of its descendants, from /proc."""
    result = {"rss_kib": 0, "peak_rss_kib": 0, "processes": 0}
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        result["rss_kib"] += int(fields.get("VmRSS", "0 kB").split()[0])
        result["peak_rss_kib"] += int(fields.get("VmHWM", "0 kB").split()[0])
        result["processes"] += 1
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                pending.extend(int(child) for child in task.read_text().split())
            except OSError:
                pass
    return result


class Stack:
    """Action server + Rasa server started like `python -m bot.run serve`, on free ports.

    Used by the benchmark and by the tests that need real servers (production set-up, faults,
    bad input). `environ` overrides the environment (e.g. a PostgreSQL tracker store); several
    Rasa servers can be started with `start_rasa(name)` and share the same stores.
    """

    def __init__(self, workdir: Path, database_url: str, environ: Optional[Dict[str, str]] = None):
        self.workdir = workdir
        self.rasa_port = free_port()
        self.action_port = free_port()
        self.environ = {
            "RASA_PORT": str(self.rasa_port),
            "ACTION_PORT": str(self.action_port),
            "ACTION_ENDPOINT_URL": f"http://{HOST}:{self.action_port}/webhook",
            "TRACKER_STORE_URL": f"sqlite:///{workdir / 'tracker.sqlite3'}",
            "DATABASE_URL": database_url,
            # Rasa's HTTP API (/model/parse, trackers) is on only with a token: a new one per stack.
            "RASA_API_TOKEN": secrets.token_urlsafe(32),
            **(environ or {}),
        }
        self.api_token = self.environ["RASA_API_TOKEN"]
        # No Telegram variable is passed on: the Telegram channel would call api.telegram.org.
        self.base_environ = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
        self.settings = Settings.from_env({**self.base_environ, **self.environ})
        self.base = f"http://{HOST}:{self.rasa_port}"
        self.ports: Dict[str, int] = {"rasa": self.rasa_port, "actions": self.action_port}
        self.processes: Dict[str, subprocess.Popen] = {}
        self.logs: List = []

    def _start(self, name: str, command: List[str], env: Dict[str, str]) -> None:
        log = (self.workdir / f"{name}.log").open("a")
        self.logs.append(log)
        self.processes[name] = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log,
                                                stderr=subprocess.STDOUT, start_new_session=True)

    def _env(self) -> Dict[str, str]:
        return {**self.base_environ, **self.environ, **self.settings.rasa_environment(),
                **bot_run.endpoints_environment(self.settings)}

    def start_actions(self) -> None:
        self._start("actions", bot_run._action_server(self.settings),
                    {**self._env(), **bot_run.action_server_environment(self.settings)})

    def start_rasa(self, name: str = "rasa", port: Optional[int] = None) -> str:
        """Start a Rasa server (the same command as bot/run.py, bound to 127.0.0.1); its base URL."""
        port = port or self.ports.get(name) or free_port()
        self.ports[name] = port
        settings = Settings.from_env({**self.base_environ, **self.environ, "RASA_PORT": str(port)})
        credentials = bot_run.write_credentials(settings, target=self.workdir / "credentials.yml")
        # The effective endpoints of bot/run.py: the Redis lock store when LOCK_STORE_URL is set.
        endpoints = bot_run.write_endpoints(settings, target=self.workdir / "endpoints.yml")
        self._start(name, bot_run._rasa_server(settings, "serve", credentials, endpoints)
                    + [bot_run.option("--interface", HOST)], self._env())
        return f"http://{HOST}:{port}"

    def start_stock_rasa(self, name: str = "stock", port: Optional[int] = None) -> str:
        """Stock Rasa 3.6.21 serving the same model: plain `rasa run`, Rasa's REST channel and SQL
        tracker store, none of bot/rasa_server.py's patches (the benchmark's point of comparison)."""
        port = port or self.ports.get(name) or free_port()
        self.ports[name] = port
        credentials = self.workdir / "stock_credentials.yml"
        credentials.write_text("rest:\n", encoding="utf-8")
        endpoints = self.workdir / "stock_endpoints.yml"
        endpoints.write_text(f"action_endpoint:\n  url: {self.environ['ACTION_ENDPOINT_URL']}\n"
                             f"tracker_store:\n  type: SQL\n  url: sqlite:///{self.workdir / 'stock_tracker.sqlite3'}\n",
                             encoding="utf-8")
        self._start(name, [sys.executable, "-m", "rasa", "run", bot_run.option("--model", MODEL_PATH),
                           bot_run.option("--endpoints", endpoints), bot_run.option("--credentials", credentials),
                           bot_run.option("--port", port), bot_run.option("--interface", HOST)], self._env())
        return f"http://{HOST}:{port}"

    def start(self) -> None:
        self.start_actions()
        self.start_rasa()

    def stop_process(self, name: str, sig: int = signal.SIGTERM, timeout: float = 15) -> None:
        """Stop one server (SIGKILL to simulate a crash); its port is kept for a restart."""
        proc = self.processes.get(name)
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def check_alive(self) -> None:
        for name, proc in self.processes.items():
            if proc.poll() is not None:
                raise RuntimeError(f"the {name} server stopped (exit {proc.returncode}); see {self.workdir / name}.log")

    def memory(self) -> Dict[str, Dict[str, int]]:
        return {name: memory_kib(proc.pid) for name, proc in self.processes.items() if proc.poll() is None}

    def stop(self, timeout: float = 15) -> None:
        # Every server is asked to stop first, then waited for: the slowest sets the pace, not the sum.
        running = [proc for proc in self.processes.values() if proc.poll() is None]
        for proc in running:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + timeout
        for proc in running:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
        for log in self.logs:
            log.close()


async def post_message(session, base: str, sender: str, text: str, message_id: Optional[str] = None) -> tuple:
    """One REST turn: (latency ms, answer texts or None on error, error message).

    ``message_id``: the message's idempotency key, as the widget sends it.
    """
    import aiohttp

    body = {"sender": sender, "message": text, **({"message_id": message_id} if message_id else {})}
    started = time.perf_counter()
    try:
        async with session.post(f"{base}/webhooks/rest/webhook", json=body) as resp:
            body = await resp.json(content_type=None)
            elapsed = (time.perf_counter() - started) * 1000
            if resp.status != 200:
                return elapsed, None, f"HTTP {resp.status}"
            return elapsed, "\n".join((m.get("text") or "") for m in body or []), None
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
        return (time.perf_counter() - started) * 1000, None, f"{type(error).__name__}: {error}"


async def wait_until_ready(stack: Stack, started: float, timeout: float) -> Dict[str, float]:
    """Poll 127.0.0.1 until the action server is healthy and Rasa gives its first answer."""
    import aiohttp

    marks: Dict[str, float] = {}
    deadline = started + timeout
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
        while "first_answer_s" not in marks:
            stack.check_alive()
            if time.monotonic() > deadline:
                raise RuntimeError(f"the stack gave no answer within {timeout:.0f} s; see {stack.workdir}/*.log")
            if "action_server_s" not in marks:
                try:
                    async with session.get(f"http://{HOST}:{stack.action_port}/health") as resp:
                        if resp.status == 200:
                            marks["action_server_s"] = round(time.monotonic() - started, 1)
                except (aiohttp.ClientError, asyncio.TimeoutError):
                    pass
            if "action_server_s" in marks:
                _, text, error = await post_message(session, stack.base, "bench-warmup", "Bonjour")
                if error is None and text:
                    marks["first_answer_s"] = round(time.monotonic() - started, 1)
                    break
            await asyncio.sleep(0.25)
    return marks


def turn_kind(index: int, turn: dict) -> str:
    from tests.answers import CONTACT_PATTERNS

    if GREETING.match(turn["user"]):
        return "greeting"
    if turn.get("expect_first") == "none":
        return "out_of_scope"
    if "expect_contact" in turn or turn.get("expect_first") in CONTACT_PATTERNS:
        return "contact"
    return "recommendation" if index == 0 else "follow_up"


def conversations(scenarios: List[dict], offset: int) -> Iterator[dict]:
    """The held-out scenarios, endlessly, from `offset`; each is a new conversation."""
    i = offset
    while True:
        yield scenarios[i % len(scenarios)]
        i += 1


async def blind_run(stack: Stack, time_limit: float) -> Dict[str, object]:
    """The blind end-to-end set (tests/conversations/blind) over REST, scored as `make test` scores it."""
    import aiohttp

    from tests.e2e.play import actions_this_turn
    from tests.e2e.test_blind_conversations import judge_turn, load_conversations, summarise

    outcomes: List[dict] = []
    deadline = time.monotonic() + time_limit
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)) as session:
        for conversation in load_conversations():
            if time.monotonic() > deadline:
                break
            sender = f"bench-blind-{uuid.uuid4().hex}"
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
    right programme or contact first (tests/e2e/test_scenarios.py's check)."""
    import aiohttp

    from tests.e2e.test_scenarios import check_turn

    latencies: List[float] = []
    errors: List[str] = []
    mix: Dict[str, int] = {}
    passed = scored = 0
    failed_names: List[str] = []
    deadline = time.monotonic() + time_limit
    done = 0
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)) as session:
        for number, scenario in enumerate(conversations(scenarios, 0)):
            if done >= turns or time.monotonic() > deadline:
                break
            score = number < len(scenarios)
            sender = f"bench-seq-{uuid.uuid4().hex}"
            problems: List[str] = []
            for index, turn in enumerate(scenario["turns"]):
                if not score and (done >= turns or time.monotonic() > deadline):
                    break
                elapsed, text, error = await post_message(session, stack.base, sender, turn["user"])
                done += 1
                latencies.append(elapsed)
                kind = turn_kind(index, turn)
                mix[kind] = mix.get(kind, 0) + 1
                if error:
                    errors.append(error)
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
        "errors": len(errors),
        "error_samples": errors[:5],
        "latency": percentiles(latencies),
        "mix": mix,
        "scenarios": {"passed": passed, "scored": scored,
                      "rate": round(passed / scored, 4) if scored else None, "failed": failed_names},
    }


async def concurrent_run(stack: Stack, scenarios: List[dict], users: int, turns_per_user: int,
                         time_limit: float) -> Dict[str, object]:
    """`users` conversations at once, each playing held-out scenarios for `turns_per_user` turns."""
    import aiohttp

    latencies: List[float] = []
    errors: List[str] = []
    mix: Dict[str, int] = {}
    deadline = time.monotonic() + time_limit
    stride = max(1, len(scenarios) // users)

    async def user(number: int, session) -> None:
        done = 0
        for scenario in conversations(scenarios, number * stride):
            sender = f"bench-conc-{number}-{uuid.uuid4().hex}"
            for index, turn in enumerate(scenario["turns"]):
                if done >= turns_per_user or time.monotonic() > deadline:
                    return
                elapsed, _, error = await post_message(session, stack.base, sender, turn["user"])
                done += 1
                latencies.append(elapsed)
                kind = turn_kind(index, turn)
                mix[kind] = mix.get(kind, 0) + 1
                if error:
                    errors.append(error)

    connector = aiohttp.TCPConnector(limit=users)
    async with aiohttp.ClientSession(connector=connector,
                                     timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)) as session:
        started = time.monotonic()
        await asyncio.gather(*(user(n, session) for n in range(users)))
        wall = time.monotonic() - started
    return {
        "concurrency": users,
        "turns": len(latencies),
        "planned_turns": users * turns_per_user,
        "wall_seconds": round(wall, 1),
        "throughput_msg_per_s": round(len(latencies) / wall, 2) if wall else None,
        "errors": len(errors),
        "error_samples": errors[:5],
        "latency": percentiles(latencies),
        "mix": mix,
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
                                base: Optional[str] = None) -> Dict[str, object]:
    """One conversation of `turns` turns over REST: the median latency per window of turns.

    The figure of issue 11 is ``ratio_100_119_vs_0_19``: 1.0 means a turn costs the same at turn
    100 as at turn 1.
    """
    import aiohttp

    latencies: List[float] = []
    errors: List[str] = []
    sender = f"bench-long-{uuid.uuid4().hex}"
    deadline = time.monotonic() + time_limit
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)) as session:
        for number in range(turns):
            if time.monotonic() > deadline:
                break
            text = LONG_CONVERSATION[number % len(LONG_CONVERSATION)]
            elapsed, _, error = await post_message(session, base or stack.base, sender, text)
            latencies.append(elapsed)
            if error:
                errors.append(error)
    windows = {f"{start}-{end - 1}": median(latencies[start:end]) for start, end in LONG_WINDOWS
               if len(latencies) >= end}
    first, last = windows.get("0-19"), windows.get("100-119")
    return {"turns": len(latencies), "errors": len(errors), "error_samples": errors[:5],
            "median_ms_by_turns": windows,
            "ratio_100_119_vs_0_19": round(last / first, 2) if first and last else None}
