"""Rasa's Redis lock store, made safe for several Rasa servers: ``type: bot.lock_store.AtomicRedisLockStore``.

Rasa 3.6's ``RedisLockStore`` updates a conversation's ticket queue by reading it, changing it in
Python and writing it back. Two servers that receive messages of the same conversation at the same
moment (a user who double-sends behind a round-robin load balancer) can both read the same queue, take
the same ticket and process the conversation at once: the second save then drops the first one's
events (Rasa issue #9213; Rasa's ConcurrentRedisLockStore was taken out of the open-source code
again, pull request #11428). Here every such read-change-write holds a short per-conversation Redis
mutex (redis-py's ``Lock``: ``SET NX PX`` and a Lua release), so tickets are issued and returned one
at a time across all servers.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, Optional, Text

import redis.exceptions
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

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
        super().__init__(**kwargs)

    @contextmanager
    def _mutex(self, conversation_id: Text) -> Iterator[None]:
        mutex = self.red.lock(f"{self.key_prefix}{conversation_id}:mutex", timeout=MUTEX_LIFETIME_S,
                              blocking_timeout=MUTEX_WAIT_S, sleep=0.005)
        if not mutex.acquire():
            raise LockError(f"Could not update the lock of conversation '{conversation_id}' in time.")
        try:
            yield
        finally:
            try:
                mutex.release()
            except redis.exceptions.LockError:
                pass  # expired meanwhile: nothing left to release

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
