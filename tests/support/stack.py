"""The real stack (action server + `rasa run`, REST channel) on free 127.0.0.1 ports.

Used by the tests that need real servers (production set-up, faults, bad input, logs) and by the
benchmark (bench/).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

from bot import run as bot_run
from bot.settings import MODEL_PATH, REPO_ROOT, Settings
from tests.support.ports import HOST, free_port


def _pss_kib(pid: int) -> int:
    """A process's proportional set size: its resident pages, each shared page divided among its sharers."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def memory_kib(pid: int) -> Dict[str, int]:
    """VmRSS, VmHWM (peak RSS) and PSS of a process and of its descendants, from /proc.

    Summed over processes, RSS counts a page shared by several of them (the Rasa server and its
    forked NLU child share their libraries) once per process; PSS counts it once in all.
    """
    result = {"rss_kib": 0, "peak_rss_kib": 0, "pss_kib": 0, "processes": 0}
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
        result["pss_kib"] += _pss_kib(current)
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
        tracker store, none of bot/rasa_server.py's patches (the benchmark's point of comparison).
        """
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
                _, text, error = await post_message(session, stack.base, "test-bench-warmup", "Bonjour")
                if error is None and text:
                    marks["first_answer_s"] = round(time.monotonic() - started, 1)
                    break
            await asyncio.sleep(0.25)
    return marks
