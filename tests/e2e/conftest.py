"""End-to-end fixtures: the trained model and a real action server on a free localhost port."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request

import pytest

from bot.settings import MODEL_PATH, REPO_ROOT
from tests.support.ports import free_port


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def action_server_url(knowledge_url):
    """Start `rasa_sdk` with our actions against the test knowledge base; stop it afterwards."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": knowledge_url}
    proc = subprocess.Popen(
        [sys.executable, "-m", "rasa_sdk", "--actions=actions", f"--port={port}"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    health = f"http://127.0.0.1:{port}/health"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(health, timeout=1).read()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail("the action server did not start")
            time.sleep(0.3)
    yield f"http://127.0.0.1:{port}/webhook"
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="session")
async def agent(action_server_url, tmp_path_factory):
    """The trained assistant, in process, with the real action server; served as `make run` serves it:
    the speed-ups of bot/speedups/, the stage timings of bot/stage_timings.py and the cached SQL
    tracker store (their answers must not change).
    """
    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints
    from rasa.utils.endpoints import EndpointConfig

    from bot import speedups, stage_timings

    speedups.install()
    stage_timings.install()
    tracker_url = f"sqlite:///{tmp_path_factory.mktemp('trackers') / 'tracker.sqlite3'}"

    if not MODEL_PATH.exists():
        pytest.fail(f"no trained model at {MODEL_PATH}: run `make train` first")
    return await load_agent(
        model_path=str(MODEL_PATH),
        endpoints=AvailableEndpoints(action=EndpointConfig(url=action_server_url),
                                     tracker_store=EndpointConfig(url=tracker_url,
                                                                  type="bot.tracker_store.CachedSQLTrackerStore")),
    )
