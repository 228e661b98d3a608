"""The production set-up, for real: two Rasa servers, one action server, PostgreSQL and Redis.

One set-up serves every test of this folder (starting a Rasa server takes tens of seconds): the two
Rasa servers share a tracker store in a scratch PostgreSQL database and the Redis lock store, and
the action server reads the knowledge base from another scratch PostgreSQL database. Both databases
get unique names and are dropped at the end. A test that stops a server starts it again before it
ends, so the next test finds the whole set-up running.

Needs the trained model (models/assistant.tar.gz), PostgreSQL on 127.0.0.1:5432 and Redis on
127.0.0.1:6379 (`.ci/run` starts them when they are down); run with `make test-production`.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import time
from dataclasses import dataclass, field
from typing import Dict, List
from urllib.parse import urlsplit

import pytest

from bench import load, stack
from bot.settings import KNOWLEDGE_DATA_DIR, MODEL_PATH
from bot.traffic import trial_sender
from tests.support.databases import POSTGRES_ADMIN_URL, scratch_database
from tests.support.ports import HOST
from tests.support.stack import Stack, post_message

SERVERS = ("rasa_a", "rasa_b")


def pytest_collection_modifyitems(items):
    # Only the tests that need the services or the model; the configuration tests stay in `make test-unit`.
    for item in items:
        if "tests/production/" in str(item.fspath) and {"production", "running", "redis_url"} & set(item.fixturenames):
            item.add_marker(pytest.mark.production)


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


@dataclass
class Production:
    """The running set-up and what a test does with it."""

    server: Stack
    knowledge_url: str
    tracker_url: str
    bases: Dict[str, str] = field(default_factory=dict)

    @staticmethod
    def new_sender() -> str:
        return trial_sender("production")

    async def say(self, name: str, sender: str, text: str, message_id: str | None = None) -> str:
        """One user message to one Rasa server; the answer's text. Any HTTP error fails the test."""
        import aiohttp

        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=stack.REQUEST_TIMEOUT)) as session:
            _, answer, error = await post_message(session, self.bases[name], sender, text, message_id)
        assert error is None, f"{name} answered « {text} » with {error}"
        return answer

    def turns(self, sender: str) -> List[tuple]:
        """The conversation as the tracker store (PostgreSQL) has it: (user message, [bot answers])."""
        return load.recorded_turns(self.tracker_url, [sender])[sender]

    def assert_recorded(self, sender: str, sent: List[str]) -> None:
        """Every message sent is in the tracker store exactly once, in order, each one answered."""
        problems = load.lost_turns({sender: sent}, {sender: self.turns(sender)})
        assert not problems, "\n".join(problems)

    def pid(self, name: str) -> int:
        return self.server.processes[name].pid

    def send_signal(self, name: str, sig: int) -> None:
        """Send a signal to a server's process group (SIGSTOP/SIGCONT freeze and thaw it)."""
        os.killpg(self.pid(name), sig)

    def stop(self, name: str, sig: int = signal.SIGTERM) -> None:
        self.server.stop_process(name, sig)

    async def start(self, name: str) -> None:
        """Start a stopped server again, on the same port, and wait until it answers."""
        if name == "actions":
            self.server.start_actions()
            await self._wait_for_actions()
        else:
            assert self.server.start_rasa(name) == self.bases[name]
            await load.wait_until_answering(self.server, self.bases[name])

    async def ensure_running(self) -> None:
        for name in ("actions", *SERVERS):
            if self.server.processes[name].poll() is not None:
                await self.start(name)

    async def _wait_for_actions(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not _port_open(HOST, self.server.action_port):
            self.server.check_alive()
            assert time.monotonic() < deadline, "the action server did not start again"
            await asyncio.sleep(0.2)


@pytest.fixture(scope="session")
async def production(tmp_path_factory):
    """The whole set-up, started once; stopped and its databases dropped after the last test."""
    from knowledge.loader import build_database

    if not MODEL_PATH.exists():
        pytest.fail(f"no trained model at {MODEL_PATH}: run `make train` first")
    for url, port in ((POSTGRES_ADMIN_URL, 5432), (load.REDIS_URL, 6379)):
        parts = urlsplit(url)
        if not _port_open(parts.hostname, parts.port or port):
            pytest.fail(f"{parts.scheme} does not answer at {parts.netloc}: start it (.ci/run shows how)")
    workdir = tmp_path_factory.mktemp("production")
    with scratch_database("test_kb") as knowledge_url, scratch_database("test_tracker") as tracker_url:
        build_database(knowledge_url, KNOWLEDGE_DATA_DIR)
        # The settings' own action timeout (ACTION_TIMEOUT, 10 s by default), as in production.
        server = Stack(workdir, knowledge_url, load.production_environ(tracker_url))
        try:
            server.start_actions()
            production = Production(server, knowledge_url, tracker_url,
                                    {name: server.start_rasa(name) for name in SERVERS})
            await asyncio.gather(*(load.wait_until_answering(server, base) for base in production.bases.values()))
            yield production
        finally:
            server.stop()


@pytest.fixture
async def running(production):
    """The set-up with every server up (a failed test may have left one stopped)."""
    await production.ensure_running()
    return production
