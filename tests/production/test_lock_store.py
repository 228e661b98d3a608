"""The Redis lock store lets one server at a time handle a conversation, however the messages arrive.

Two "servers" (two threads, each with its own event loop and its own lock store, as two Rasa
processes would have) handle messages of the same conversation at once against the real Redis.
Each message reads the conversation, takes a while, and writes it back: a message handled while
another one is in progress would overwrite it, as a Rasa server overwrites another's events.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from urllib.parse import urlsplit

import pytest
import redis

from bench import load
from bot.lock_store import AtomicRedisLockStore

SERVERS, USERS_PER_SERVER, MESSAGES_PER_USER = 2, 8, 3


@pytest.fixture
def redis_url():
    parts = urlsplit(load.REDIS_URL)
    client = redis.Redis(host=parts.hostname, port=parts.port or 6379, db=int(parts.path.strip("/") or 0))
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.fail(f"Redis does not answer at {parts.netloc}: start it (.ci/run shows how)")
    yield parts, client
    client.close()


def test_messages_of_one_conversation_on_two_servers_never_overlap(redis_url):
    parts, client = redis_url
    prefix = f"test{uuid.uuid4().hex}"
    conversation, state = "someone", f"{prefix}:conversation"
    inside, overlaps = [0], []
    guard = threading.Lock()

    async def handle_message(store) -> None:
        async with store.lock(conversation, wait_time_in_seconds=0.01):
            with guard:
                inside[0] += 1
                overlaps.append(inside[0] > 1)
            events = int(client.get(state) or 0)
            await asyncio.sleep(0.005)  # the model and the actions at work
            client.set(state, events + 1)
            with guard:
                inside[0] -= 1

    def server() -> None:
        store = AtomicRedisLockStore(host=parts.hostname, port=parts.port or 6379,
                                     db=int(parts.path.strip("/") or 0), key_prefix=prefix)

        async def user() -> None:
            for _ in range(MESSAGES_PER_USER):
                await handle_message(store)

        async def users() -> None:
            await asyncio.gather(*(user() for _ in range(USERS_PER_SERVER)))

        asyncio.run(users())

    threads = [threading.Thread(target=server) for _ in range(SERVERS)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in threads)
        assert not any(overlaps), f"{sum(overlaps)} messages handled while another one was in progress"
        assert int(client.get(state)) == SERVERS * USERS_PER_SERVER * MESSAGES_PER_USER
        assert not client.keys(f"{prefix}:lock:*"), "a lock was left behind"
    finally:
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)


def _wait_for(client, up: bool) -> None:
    import time

    for _ in range(100):
        try:
            client.ping()
            if up:
                return
        except redis.exceptions.ConnectionError:
            if not up:
                return
        time.sleep(0.05)
    raise AssertionError(f"Redis did not {'start' if up else 'stop'}")


@pytest.mark.production
def test_redis_stopped_then_restarted_the_conversations_go_on(caplog):
    """A private Redis (its own port) is stopped in the middle, then started again."""
    from tests.support.ports import free_port
    from tests.support.redis_server import PrivateRedis

    port = free_port()
    server = PrivateRedis(port)
    server.start()
    client = redis.Redis(host="127.0.0.1", port=port)
    store = AtomicRedisLockStore(host="127.0.0.1", port=port, db=0, key_prefix=f"t{uuid.uuid4().hex}")
    order = []

    async def message(name: str, hold: float = 0.0) -> None:
        async with store.lock("someone", wait_time_in_seconds=0.01):
            order.append(f"{name} in")
            await asyncio.sleep(hold)
            order.append(f"{name} out")

    try:
        asyncio.run(message("before"))
        server.stop()
        _wait_for(client, up=False)
        with caplog.at_level("WARNING", logger="bot.lock_store"):
            # Two messages of one conversation at once, Redis down: both served, one after the other.
            async def both() -> None:
                await asyncio.gather(message("first", hold=0.05), message("second"))

            asyncio.run(both())
        assert store.redis_down and "Redis lock store unreachable" in caplog.text
        assert order[2:] == ["first in", "first out", "second in", "second out"]
        server.start()
        _wait_for(client, up=True)
        asyncio.run(message("after"))
        assert not store.redis_down and order[-2:] == ["after in", "after out"]
    finally:
        server.stop()


def test_a_long_turn_keeps_its_lock_and_a_dead_servers_lock_lapses_within_seconds(redis_url):
    import time

    from bot.lock_store import TICKET_LIFETIME_S

    parts, client = redis_url
    prefix = f"test{uuid.uuid4().hex}"

    def server() -> AtomicRedisLockStore:
        return AtomicRedisLockStore(host=parts.hostname, port=parts.port or 6379,
                                    db=int(parts.path.strip("/") or 0), key_prefix=prefix)

    first, second, order = server(), server(), []

    async def turn(store, name: str, hold: float) -> None:
        async with store.lock("someone"):
            order.append(f"{name} in")
            await asyncio.sleep(hold)
            order.append(f"{name} out")

    async def long_turn_then_another() -> None:
        # The first turn outlives its ticket's lifetime: renewed, it keeps the conversation.
        long = asyncio.ensure_future(turn(first, "long", hold=TICKET_LIFETIME_S + 1.5))
        await asyncio.sleep(0.2)
        await turn(second, "next", hold=0)
        await long

    try:
        asyncio.run(long_turn_then_another())
        assert order == ["long in", "long out", "next in", "next out"]

        # A server that took a ticket and died: nobody renews it, it lapses.
        server().issue_ticket("someone")
        started = time.monotonic()
        asyncio.run(turn(second, "after a crash", hold=0))
        assert time.monotonic() - started < TICKET_LIFETIME_S + 1
        assert not client.keys(f"{prefix}:lock:*"), "a lock was left behind"
    finally:
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
