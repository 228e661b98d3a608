"""The production configuration comes from environment variables only (fast: no server, no model)."""

from __future__ import annotations

import pytest
import yaml

from bot import run
from bot.settings import Settings

POSTGRES = "postgresql://rasa:s3cret@db.internal:5432/rasa"


def effective_endpoints(tmp_path, monkeypatch, **environ):
    """What Rasa reads: the file bot/run.py writes, with the variables bot/run.py passes on."""
    from rasa.core.utils import AvailableEndpoints

    settings = Settings.from_env(environ)
    path = run.write_endpoints(settings, target=tmp_path / "endpoints.yml")
    for name, value in {**settings.rasa_environment(), **run.endpoints_environment(settings)}.items():
        monkeypatch.setenv(name, value)
    return path, AvailableEndpoints.read_endpoints(str(path))


def test_one_server_by_default_keeps_rasa_in_memory_lock_store(tmp_path, monkeypatch):
    from rasa.core.lock_store import InMemoryLockStore, LockStore

    path, endpoints = effective_endpoints(tmp_path, monkeypatch)
    assert "lock_store" not in yaml.safe_load(path.read_text())
    assert isinstance(LockStore.create(endpoints.lock_store), InMemoryLockStore)
    assert endpoints.tracker_store.url.startswith("sqlite:///")


def test_several_servers_share_postgresql_and_redis_without_writing_a_password(tmp_path, monkeypatch):
    from rasa.core.lock_store import LockStore
    from rasa.core.tracker_store import SQLTrackerStore

    from bot.lock_store import AtomicRedisLockStore

    path, endpoints = effective_endpoints(tmp_path, monkeypatch, TRACKER_STORE_URL=POSTGRES,
                                          LOCK_STORE_URL="redis://:p%40ss@cache.internal:6380/3")
    assert "s3cret" not in path.read_text() and "p@ss" not in path.read_text()
    # Rasa's SQL tracker store takes the whole URL as its host.
    assert SQLTrackerStore.get_db_url(host=endpoints.tracker_store.url) == POSTGRES
    lock_store = LockStore.create(endpoints.lock_store)  # connects lazily: no Redis needed here
    assert isinstance(lock_store, AtomicRedisLockStore)
    options = lock_store.red.connection_pool.connection_kwargs
    assert (options["host"], options["port"], options["db"], options["password"]) == ("cache.internal", 6380, 3, "p@ss")


@pytest.mark.parametrize("url, expected", [
    ("redis://localhost", {"type": run.LOCK_STORE_CLASS, "url": "localhost", "port": 6379, "db": 0}),
    ("rediss://user:pw@cache:6390/2", {"type": run.LOCK_STORE_CLASS, "url": "cache", "port": 6390, "db": 2,
                                       "username": "user", "password": "${LOCK_STORE_PASSWORD}", "use_ssl": True}),
])
def test_lock_store_url(url, expected):
    assert run.lock_store_config(url) == expected


@pytest.mark.parametrize("url", ["localhost:6379", "http://cache:6379", "redis://cache:6379/locks"])
def test_a_wrong_lock_store_url_is_refused_with_a_clear_message(url):
    with pytest.raises(ValueError, match="LOCK_STORE_URL"):
        run.lock_store_config(url)


def test_rasa_runs_with_the_effective_endpoints_and_polite_actions():
    command = run._rasa_server(Settings.from_env({}), "serve")
    assert command[1:3] == ["-m", "bot.rasa_server"]
    assert f"--endpoints={run.EFFECTIVE_ENDPOINTS}" in command
