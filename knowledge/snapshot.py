"""One frozen, in-memory snapshot of the knowledge base per build.

The knowledge base changes only when ``python -m knowledge build`` runs, and each build writes a new
id in the one-row table ``knowledge_build``. :func:`current` reads that id (one indexed query) and,
when it changed, reads the whole database once (:func:`knowledge.store.read`) and derives the
views of :mod:`knowledge.views` from it; every read of :mod:`knowledge.api` is then a lookup in
memory. So:

* a rebuild is seen at the very next request (no time-to-live, nothing stale);
* an unreachable database still raises ``SQLAlchemyError`` (the actions answer with an apology) and
  recovery needs no restart;
* inside :func:`pinned` (one request), the id is read once for all the reads of the request.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Dict, Iterator, Mapping, Optional, Tuple
from zoneinfo import ZoneInfo

from sqlalchemy import select

from knowledge import models, schema, store
from knowledge.db import default_url, session_scope
from knowledge.views import (
    CallView,
    CentreView,
    ContactView,
    ExampleView,
    FactView,
    StrandView,
)

# Snapshots kept, one per database URL (tests use several databases; a server, one).
MAX_DATABASES = 4


def _call_view(call: schema.Call, strand_id: str) -> CallView:
    deadline = None
    if call.deadline is not None:
        # Without an hour, keep the whole day open rather than closing at midnight.
        hour = time.fromisoformat(call.deadline_time) if call.deadline_time else time(23, 59)
        deadline = datetime.combine(call.deadline, hour, tzinfo=ZoneInfo(call.timezone))
    return CallView.construct(**{**dict(call), "strand_id": strand_id, "deadline": deadline})


@dataclass(frozen=True)
class Snapshot:
    """Everything the assistant may say, as read from one build of the database."""

    build_id: Optional[str]
    strands: Tuple[StrandView, ...]  # in the order of programmes.yml
    default_strands: Mapping[str, str]  # programme id -> its default strand id
    contacts: Tuple[ContactView, ...]
    examples: Tuple[ExampleView, ...]
    facts: Tuple[FactView, ...]
    countries: Mapping[str, Tuple[str, str]]  # ISO code -> (French name, member|candidate|other)
    centres: Tuple[CentreView, ...]  # every EUROPE DIRECT centre, inactive ones included
    locator: Optional[schema.Locator]
    strands_by_id: Mapping[str, StrandView] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "strands_by_id", {strand.id: strand for strand in self.strands})

    @classmethod
    def from_bundle(cls, bundle: store.KnowledgeBundle, build_id: Optional[str] = None) -> "Snapshot":
        """Derive the views from validated content (:func:`knowledge.loader.load_data` or a database)."""
        names = {s.id: s.short_name for p in bundle.programmes for s in p.strands}
        programme_of = {s.id: p.id for p in bundle.programmes for s in p.strands}
        examples = tuple(
            ExampleView.construct(**{**dict(example), "strand_short_name": names[example.strand_id],
                                     "programme_id": programme_of[example.strand_id]})
            for example in bundle.examples
        )
        strands = tuple(
            StrandView.construct(**{
                **dict(strand),
                "programme_id": programme.id,
                "programme_name": programme.name_fr,
                "programme_short_name": programme.short_name,
                "is_default": programme.default_strand == strand.id,
                "calls": tuple(_call_view(call, strand.id) for call in strand.calls),
                "example_ids": tuple(example.id for example in examples if example.strand_id == strand.id),
            })
            for programme in bundle.programmes
            for strand in programme.strands
        )
        europe_direct = bundle.europe_direct
        return cls(
            build_id=build_id,
            strands=strands,
            default_strands={programme.id: programme.default_strand for programme in bundle.programmes},
            contacts=tuple(bundle.contacts),
            examples=examples,
            facts=tuple(bundle.facts),
            countries={c.code: (c.name_fr, c.status) for c in bundle.countries.countries},
            centres=tuple(europe_direct.centres) if europe_direct else (),
            locator=europe_direct.locator if europe_direct else None,
        )

    def strand_id(self, value: Optional[str]) -> Optional[str]:
        """The strand a ``programme`` entity value means: a strand id, or a programme's default strand."""
        if not value:
            return None
        key = value.strip().lower()
        return key if key in self.strands_by_id else self.default_strands.get(key)


_BUILD_ID = select(models.Build.build_id).where(models.Build.id == 1)
_lock = threading.Lock()
_latest: Dict[str, Snapshot] = {}  # database URL -> the snapshot of its latest build seen
_request = threading.local()  # the snapshot pinned for the request this thread is answering


def current() -> Snapshot:
    """The snapshot of the current build of the settings' database (inside :func:`pinned`, the request's).

    Raises:
        sqlalchemy.exc.SQLAlchemyError: the database cannot be read.
    """
    pinning = getattr(_request, "pinning", False)
    snapshot: Optional[Snapshot] = getattr(_request, "snapshot", None)
    if pinning and snapshot is not None:
        return snapshot
    snapshot = _read(default_url())
    if pinning:
        _request.snapshot = snapshot
    return snapshot


def _read(url: str) -> Snapshot:
    with session_scope(url) as session:
        build_id = session.scalar(_BUILD_ID)
        snapshot = _latest.get(url)
        if snapshot is not None and build_id is not None and snapshot.build_id == build_id:
            return snapshot
        with _lock:  # one thread reads a new build; the others wait for it
            snapshot = _latest.get(url)
            if snapshot is None or build_id is None or snapshot.build_id != build_id:
                # Read in the session that read the id: on a rebuild, the content of that very build.
                snapshot = Snapshot.from_bundle(store.read(session), build_id)
                _latest.pop(url, None)
                _latest[url] = snapshot
                while len(_latest) > MAX_DATABASES:
                    del _latest[next(iter(_latest))]
            return snapshot


@contextmanager
def pinned() -> Iterator[None]:
    """Answer one request from one snapshot (in this thread).

    The first read of the block reads the build id; the others reuse its snapshot. A request that
    reads nothing queries nothing.
    """
    previous = (getattr(_request, "pinning", False), getattr(_request, "snapshot", None))
    _request.pinning, _request.snapshot = True, None
    try:
        yield
    finally:
        _request.pinning, _request.snapshot = previous


def clear() -> None:
    """Forget every snapshot (tests; never needed after a build)."""
    with _lock:
        _latest.clear()
