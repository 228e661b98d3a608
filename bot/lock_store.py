"""Rasa's Redis lock store, made safe for several Rasa servers: ``type: bot.lock_store.AtomicRedisLockStore``.

Rasa 3.6's ``RedisLockStore`` updates a conversation's ticket queue by reading it, changing it in
Python and writing it back. Two servers that receive messages of the same conversation at the same
moment (a user who double-sends behind a round-robin load balancer) can both read the same queue, take
the same ticket and process the conversation at once: the second save then drops the first one's
events (Rasa issue #9213; Rasa's ConcurrentRedisLockStore was taken out of the open-source code
again, pull request #11428). Here every such read-change-write holds a short per-conversation Redis
mutex (redis-py's ``Lock``: ``SET NX PX`` and a Lua release), so tickets are issued and returned one
at a time across all servers.

**Redis down.** A lock store that cannot reach Redis would make every message fail (HTTP 500, the
message lost). This one then serves with the server's own in-memory locks and says so once in the
log; it goes back to Redis as soon as Redis answers again. With one Rasa server nothing is lost;
with several, a conversation is still handled by one server at a time as long as the load balancer
keeps each conversation on one server (sticky sessions), which is why the warning asks to restart
Redis quickly.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Optional, Text, TypeVar

import redis.exceptions
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockError, RedisLockStore
from rasa.core.lock import TicketLock
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)
T = TypeVar("T")
# Redis not answering: refused, reset, or silent beyond the socket timeout.
REDIS_DOWN = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
# Seconds a Redis call may stay silent before the server's own locks take over.
SOCKET_TIMEOUT_S = 2.0

# The mutex guards a few Redis round trips: it expires by itself if its holder dies meanwhile.
MUTEX_LIFETIME_S = 5.0
MUTEX_WAIT_S = 5.0


class AtomicRedisLockStore(RedisLockStore):
    """``RedisLockStore`` whose ticket operations are atomic across processes."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any) -> None:
        # Rasa builds a lock store named by module path with `endpoint_config=`; the stock Redis
        # lock store takes the same settings as keyword arguments, `url` being the host.
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url, **endpoint_config.kwargs, **kwargs}
        kwargs.setdefault("socket_timeout", SOCKET_TIMEOUT_S)
        super().__init__(**kwargs)
        self.local = InMemoryLockStore()
        self.redis_down = False

    def _redis(self, call: Callable[[], T], fallback: Callable[[], T]) -> T:
        """``call()`` on Redis; while Redis does not answer, ``fallback()`` on the local locks."""
        try:
            result = call()
        except REDIS_DOWN as error:
            if not self.redis_down:
                logger.warning("Redis lock store unreachable (%s): this server uses its own locks until it "
                               "answers again; restart Redis, several servers need it", type(error).__name__)
            self.redis_down = True
            return fallback()
        if self.redis_down:
            logger.warning("Redis lock store answers again: locks are shared again")
            self.redis_down = False
        return result

    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        return self._redis(lambda: super(AtomicRedisLockStore, self).get_lock(conversation_id),
                           lambda: self.local.get_lock(conversation_id))

    def save_lock(self, lock: TicketLock) -> None:
        self._redis(lambda: super(AtomicRedisLockStore, self).save_lock(lock), lambda: self.local.save_lock(lock))

    def delete_lock(self, conversation_id: Text) -> None:
        if self.local.get_lock(conversation_id) is not None:
            self.local.delete_lock(conversation_id)  # a lock taken while Redis was down
        self._redis(lambda: super(AtomicRedisLockStore, self).delete_lock(conversation_id), lambda: None)

    @contextmanager
    def _mutex(self, conversation_id: Text) -> Iterator[None]:
        mutex = self.red.lock(f"{self.key_prefix}{conversation_id}:mutex", timeout=MUTEX_LIFETIME_S,
                              blocking_timeout=MUTEX_WAIT_S, sleep=0.005)
        # Without Redis, the local locks change within one event loop, one step at a time.
        if not self._redis(mutex.acquire, lambda: None):
            if self.redis_down:
                yield
                return
            raise LockError(f"Could not update the lock of conversation '{conversation_id}' in time.")
        try:
            yield
        finally:
            try:
                mutex.release()
            except (redis.exceptions.LockError, *REDIS_DOWN):
                pass  # expired meanwhile, or Redis gone: nothing left to release

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        with self._mutex(conversation_id):
            return super().issue_ticket(conversation_id, lock_lifetime)

    def update_lock(self, conversation_id: Text) -> None:
        with self._mutex(conversation_id):
            super().update_lock(conversation_id)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        # Return the ticket and delete the lock if nobody waits, with no ticket issued in between.
        with self._mutex(conversation_id):
            super().cleanup(conversation_id, ticket_number)
