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

**A server that dies mid-turn.** Rasa gives a ticket 60 s of life: a server killed while it holds one
would leave the conversation locked for a minute. Here a ticket lives ``TICKET_LIFETIME_S`` seconds
and the server that holds it (or waits with it) renews it every ``RENEW_EVERY_S`` seconds from a
thread of its own, so that a turn however long keeps its lock while its server lives (a busy event
loop does not stop the renewals), and a dead server's ticket lapses within ``TICKET_LIFETIME_S``:
the conversation is usable again within ~4 s on the other servers. The retried message is then
answered once (bot/idempotency.py).
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import asynccontextmanager, contextmanager
from typing import (
    Any,
    AsyncIterator,
    Callable,
    Dict,
    Iterator,
    Optional,
    Text,
    Tuple,
    TypeVar,
)

import redis.exceptions
from rasa.core.lock import TicketLock
from rasa.core.lock_store import InMemoryLockStore, LockError, RedisLockStore
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

# A ticket's life without renewal, the renewal period, and how often a waiting message looks whether
# its turn came (Rasa: every second, which a double-sent message would wait for needlessly).
TICKET_LIFETIME_S = 3.0
RENEW_EVERY_S = 0.75
WAIT_STEP_S = 0.1


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
        # (conversation, ticket number) -> lifetime, for every ticket this server holds or waits with.
        self._held: Dict[Tuple[Text, int], float] = {}
        self._held_changed = threading.Lock()
        self._renewer: Optional[threading.Thread] = None

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

    @asynccontextmanager
    async def lock(self, conversation_id: Text, lock_lifetime: float = TICKET_LIFETIME_S,
                   wait_time_in_seconds: float = WAIT_STEP_S) -> AsyncIterator[TicketLock]:
        """Rasa's ``LockStore.lock`` with short tickets kept alive while this server lives."""
        ticket = self.issue_ticket(conversation_id, lock_lifetime)
        self._hold(conversation_id, ticket, lock_lifetime)
        try:
            yield await self._acquire_lock(conversation_id, ticket, wait_time_in_seconds)
        finally:
            with self._held_changed:
                self._held.pop((conversation_id, ticket), None)
            self.cleanup(conversation_id, ticket)

    def _hold(self, conversation_id: Text, ticket: int, lifetime: float) -> None:
        with self._held_changed:
            self._held[(conversation_id, ticket)] = lifetime
            if self._renewer is None or not self._renewer.is_alive():
                self._renewer = threading.Thread(target=self._renew_forever, name="lock-renewer", daemon=True)
                self._renewer.start()

    def _renew_forever(self) -> None:
        while True:
            time.sleep(RENEW_EVERY_S)
            with self._held_changed:
                if not self._held:
                    self._renewer = None  # the next ticket starts another renewer
                    return
                held = list(self._held.items())
            for (conversation_id, number), lifetime in held:
                try:
                    self.renew(conversation_id, number, lifetime)
                except Exception:  # noqa: BLE001 - the next round tries again; the ticket may lapse
                    logger.warning("Could not renew a conversation lock", exc_info=True)

    def renew(self, conversation_id: Text, ticket_number: int, lifetime: float) -> None:
        """Push back the expiry of one ticket of a conversation, if it is still there."""
        with self._mutex(conversation_id):
            lock = self.get_lock(conversation_id)
            ticket = next((t for t in lock.tickets if t.number == ticket_number), None) if lock else None
            if ticket is not None:
                ticket.expires = time.time() + lifetime
                self.save_lock(lock)

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = TICKET_LIFETIME_S) -> int:
        with self._mutex(conversation_id):
            return super().issue_ticket(conversation_id, lock_lifetime)

    def update_lock(self, conversation_id: Text) -> None:
        with self._mutex(conversation_id):
            super().update_lock(conversation_id)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        # Return the ticket and delete the lock if nobody waits, with no ticket issued in between.
        with self._mutex(conversation_id):
            super().cleanup(conversation_id, ticket_number)
