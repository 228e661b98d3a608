"""Rasa's SQL tracker store with an in-process cache: ``type: bot.tracker_store.CachedSQLTrackerStore``.

Stock ``SQLTrackerStore`` reads every event of the session and deserialises it again for every
message, and counts the stored events again before each save: a turn costs O(length of the
conversation). This store keeps, per conversation, the tracker as it was *read back* from the
database (each event deserialised once, from the very JSON that was written) and a version marker
of what the database holds for that conversation: the number of its events and the largest event
id. The tables, the rows written and the trackers returned are the same as stock Rasa's.

**Several Rasa servers.** The cache is never trusted blindly. Every read asks the database, in one
statement (one consistent snapshot), for the conversation's event count and the events written
after the cached largest id:

* nothing new, same count: the cached tracker is current (the usual case, and the only query);
* new events appended by another server: they are deserialised and applied to the cached tracker,
  exactly as a full read would have applied them;
* new events that start a session (here or on another server): the cached tracker becomes the new
  session, the new events from its ``SessionStarted`` on, when every stored event is older than
  that start (then stock Rasa's session filter reads exactly those);
* anything else (events deleted by the retention purge, an event timestamped before the session
  start, a clock gone back, a count that does not add up): the conversation is read whole, as stock
  Rasa reads it.

A conversation without events is cached too (empty, read as None like stock Rasa's), so a new
conversation's first events are applied to it rather than read back. A save writes only the events
the database lacks; which ones is taken from the cache when the database still matches it (checked
in the same way), from stock Rasa's count query otherwise. The statements of a turn are built once
and run on a Core connection (an ORM session per read or write cost more than its statements).

The tracker handed to Rasa is a copy: Rasa mutates it while it processes a message, and a message
that fails half-way must leave the cache as the database is.
"""

from __future__ import annotations

import copy
import copyreg
import functools
import json
import logging
import os
import threading
from collections import OrderedDict, deque
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator, List, Optional, Sequence, Text, Tuple

import sqlalchemy as sa
from rasa.core.tracker_store import POSTGRESQL_SCHEMA, SQLTrackerStore
from rasa.shared.core.events import Event, SessionStarted, deserialise_events
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from bot.stage_timings import timed

logger = logging.getLogger(__name__)

# Conversations kept in memory per Rasa server; the least recently used beyond that are dropped
# (about 0.5 MB for a conversation of 120 turns).
DEFAULT_CACHE_SIZE = 500

@dataclass
class _Entry:
    """One cached conversation: its tracker as read from the database, and what the database held."""

    tracker: DialogueStateTracker
    count: int  # events of the conversation in the database (every session)
    max_id: int  # largest event id of the conversation in the database
    session_start: Optional[float]  # timestamp of its latest SessionStarted (None: no session yet)

@functools.lru_cache(maxsize=None)
def _copies_its_dict(cls: type) -> bool:
    """Whether ``copy.copy`` of a ``cls`` instance is a new instance with the same ``__dict__``, nothing else."""
    return (cls.__new__ is object.__new__ and cls.__dictoffset__ != 0
            and cls.__reduce_ex__ is object.__reduce_ex__ and cls.__reduce__ is object.__reduce__
            and not hasattr(cls, "__copy__") and not hasattr(cls, "__getstate__") and not copyreg._slotnames(cls))


def shallow_copy(value: Any) -> Any:
    """``copy.copy(value)``, five times faster for the plain objects a tracker holds (itself, its slots)."""
    cls = type(value)
    if not _copies_its_dict(cls):
        return copy.copy(value)
    duplicate = object.__new__(cls)
    duplicate.__dict__.update(value.__dict__)
    return duplicate


def copy_tracker(tracker: DialogueStateTracker) -> DialogueStateTracker:
    """A tracker equal to ``tracker`` that can be changed without changing it, in O(events) C time.

    The events are shared, as in Rasa's own ``tracker.copy()`` (which replays them one by one);
    everything an event changes when it is applied (slots, loop, latest action) is copied.
    """
    duplicate = shallow_copy(tracker)
    duplicate.events = deque(tracker.events, maxlen=tracker.events.maxlen)
    duplicate.slots = type(tracker.slots)((name, shallow_copy(slot)) for name, slot in tracker.slots.items())
    duplicate.latest_action = dict(tracker.latest_action) if tracker.latest_action is not None else None
    duplicate.active_loop = copy.copy(tracker.active_loop)  # changed in place by later events
    return duplicate

class CachedSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` that reads and writes only what changed since this server last saw it."""

    def __init__(self, *args: Any, cache_size: int = DEFAULT_CACHE_SIZE, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cache_size = int(cache_size)
        self._cache: "OrderedDict[Text, _Entry]" = OrderedDict()
        # Rasa calls the store from its event loop; the HTTP API's handlers may run in threads.
        self._cache_lock = threading.Lock()
        events = self.SQLEvent.__table__
        # The statements of every turn, built once: building one costs ten times its execution.
        sender, max_id = sa.bindparam("sender_id"), sa.bindparam("max_id")
        total = sa.select(sa.func.count(events.c.id).label("total")).where(events.c.sender_id == sender).subquery()
        self._marker_query = (
            sa.select(total.c.total, events.c.id, events.c.type_name, events.c.timestamp, events.c.data)
            .select_from(total.outerjoin(events, sa.and_(events.c.sender_id == sender, events.c.id > max_id)))
            .order_by(events.c.id))
        # Stock Rasa's read of the latest session (SQLTrackerStore._event_query), as one Core statement.
        start = (sa.select(sa.func.max(events.c.timestamp).label("session_start"))
                 .where(events.c.sender_id == sender, events.c.type_name == SessionStarted.type_name).subquery())
        latest = (sa.select(events.c.id, events.c.type_name, events.c.timestamp, events.c.data)
                  .select_from(events.join(start, sa.true()))
                  .where(events.c.sender_id == sender,
                         sa.or_(events.c.timestamp >= start.c.session_start, start.c.session_start.is_(None)))
                  .subquery())
        marker = (sa.select(sa.func.count(events.c.id).label("total"), sa.func.max(events.c.id).label("max_id"))
                  .where(events.c.sender_id == sender).subquery())
        self._load_query = (sa.select(marker.c.total, marker.c.max_id, latest.c.type_name, latest.c.timestamp,
                                      latest.c.data)
                            .select_from(marker.join(latest, sa.true())).order_by(latest.c.id))
        self._count_query = sa.select(sa.func.count()).select_from(latest)
        self._insert = events.insert()

    # --- the cache --------------------------------------------------------------------------------

    def _get(self, sender_id: Text) -> Optional[_Entry]:
        with self._cache_lock:
            entry = self._cache.get(sender_id)
            if entry is not None:
                self._cache.move_to_end(sender_id)
            return entry

    def _put(self, sender_id: Text, entry: Optional[_Entry]) -> None:
        with self._cache_lock:
            if entry is None:
                self._cache.pop(sender_id, None)
                return
            self._cache[sender_id] = entry
            self._cache.move_to_end(sender_id)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)

    def forget(self, sender_id: Optional[Text] = None) -> None:
        """Drop one conversation (or all) from the cache: the next read goes to the database."""
        with self._cache_lock:
            if sender_id is None:
                self._cache.clear()
            else:
                self._cache.pop(sender_id, None)

    @contextmanager
    def _transaction(self) -> Iterator[Any]:
        """One transaction on a Core connection (committed on exit): a turn's statements need no ORM session.

        With ``POSTGRESQL_SCHEMA`` set, Rasa's own session, which checks that the schema exists.
        """
        if os.environ.get(POSTGRESQL_SCHEMA):
            with self.session_scope() as session:
                yield session
                session.commit()
        else:
            with self.engine.begin() as connection:
                yield connection

    # --- reading ------------------------------------------------------------------------------------

    def _marker_and_rows_after(self, connection: Any, sender_id: Text, max_id: int) -> Tuple[int, list]:
        """In one statement: the conversation's event count, and its events with an id above ``max_id``."""
        rows = connection.execute(self._marker_query, {"sender_id": sender_id, "max_id": max_id}).all()
        count = rows[0].total if rows else 0
        return count, [row for row in rows if row.id is not None]

    def _load(self, connection: Any, sender_id: Text) -> Optional[_Entry]:
        """Read the conversation's session as stock Rasa does, with the version marker, in one statement."""
        rows = connection.execute(self._load_query, {"sender_id": sender_id}).all()
        if not rows:
            return None
        dicts = [json.loads(row.data) for row in rows]
        tracker = DialogueStateTracker.from_dict(sender_id, dicts, self.domain.slots)
        starts = [row.timestamp for row in rows if row.type_name == SessionStarted.type_name]
        return _Entry(tracker, rows[0].total, rows[0].max_id, max(starts) if starts else None)

    def _apply(self, entry: _Entry, rows: Sequence[Any], count: int) -> bool:
        """Apply events read from the database to a cached entry; False if a full read is needed."""
        if count != entry.count + len(rows):
            return False  # something was deleted, or rows appeared below the cached largest id
        if any(row.type_name == SessionStarted.type_name for row in rows):
            return self._start_session(entry, rows, count)
        for row in rows:
            if entry.session_start is not None and (row.timestamp is None or row.timestamp < entry.session_start):
                return False  # stock Rasa's session filter would leave it out
        for event in deserialise_events([json.loads(row.data) for row in rows]):
            entry.tracker.update(event)
        entry.count = count
        if rows:
            entry.max_id = rows[-1].id
        return True

    def _start_session(self, entry: _Entry, rows: Sequence[Any], count: int) -> bool:
        """New rows that start a session: the tracker becomes stock Rasa's read of that session.

        Stock Rasa reads the events timestamped at or after the latest ``SessionStarted``. The rows
        already stored are the cached tracker's events (those of the session read last) and events
        timestamped before that session's start; when every one of them is older than the new
        start, the new session is exactly the new rows from its start on. Otherwise (a clock gone
        back, equal timestamps) the conversation is read whole.
        """
        starts = [row.timestamp for row in rows if row.type_name == SessionStarted.type_name]
        if any(start is None for start in starts):
            return False
        start = max(starts)
        if entry.session_start is not None and start < entry.session_start:
            return False
        if any(event.timestamp is None or event.timestamp >= start for event in entry.tracker.events):
            return False
        kept = [json.loads(row.data) for row in rows if row.timestamp is not None and row.timestamp >= start]
        entry.tracker = DialogueStateTracker.from_dict(entry.tracker.sender_id, kept, self.domain.slots)
        entry.count, entry.max_id, entry.session_start = count, rows[-1].id, start
        return True

    def _current(self, connection: Any, sender_id: Text) -> Optional[_Entry]:
        entry = self._get(sender_id)
        if entry is not None:
            count, rows = self._marker_and_rows_after(connection, sender_id, entry.max_id)
            if self._apply(entry, rows, count):
                return entry
        entry = self._load(connection, sender_id)
        if entry is None:
            # No event yet (a new conversation): cached as such, its first events are applied to it.
            entry = _Entry(DialogueStateTracker.from_dict(sender_id, [], self.domain.slots), 0, 0, None)
        self._put(sender_id, entry)
        return entry

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        """The tracker of the conversation's latest session (stock Rasa's), from the cache when current."""
        with timed("tracker_read"):  # a stage of the turn (bot/stage_timings.py)
            if not self.domain:
                return await super().retrieve(sender_id)
            with self._transaction() as connection:
                entry = self._current(connection, sender_id)
            # Stock Rasa returns None for a conversation without events.
            return copy_tracker(entry.tracker) if entry is not None and entry.tracker.events else None

    # --- writing ------------------------------------------------------------------------------------

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Append the tracker's new events, as stock Rasa does, without recounting the stored ones."""
        with timed("tracker_write"):  # a stage of the turn (bot/stage_timings.py)
            await self._save(tracker)

    async def _save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        sender_id = tracker.sender_id
        with self._transaction() as connection:
            entry = self._get(sender_id)
            if entry is not None:
                count, rows = self._marker_and_rows_after(connection, sender_id, entry.max_id)
                if rows or count != entry.count:
                    entry = None
            if entry is not None:
                stored = len(entry.tracker.events)
            else:
                stored = connection.execute(self._count_query, {"sender_id": sender_id}).scalar()
            new_events: List[Event] = list(tracker.events)[stored:]
            written = []
            for event in new_events:
                data = event.as_dict()
                intent = data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY)
                # The row stock Rasa's ORM object makes, inserted with Core (no unit of work per turn).
                row = {"sender_id": sender_id, "type_name": event.type_name, "timestamp": data.get("timestamp"),
                       "intent_name": intent, "action_name": data.get("name"), "data": json.dumps(data)}
                inserted = connection.execute(self._insert, row)
                written.append(_Written(inserted.inserted_primary_key[0], row["type_name"], row["timestamp"],
                                        row["data"]))
        if entry is None:
            # Nothing to build on: the next read loads the conversation (and caches it).
            self._put(sender_id, None)
        elif not self._apply(entry, written, entry.count + len(written)):
            self._put(sender_id, None)
        logger.debug(f"Tracker with sender_id '{sender_id}' stored to database")

@dataclass
class _Written:
    """A row just inserted, shaped like the rows read back from the database."""

    id: int
    type_name: Text
    timestamp: Optional[float]
    data: Text
