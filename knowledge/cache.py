"""Answers of the knowledge API kept in memory until the next build of the database.

The knowledge base only changes when ``python -m knowledge build`` runs, and each build writes a new
id in the one-row table ``knowledge_build``. Reading that row is one indexed query; re-reading the
strands with their rules, amounts, calls, contacts and examples took most of an action's time. So
:func:`per_build` memoises an API function per (database URL, build id, arguments):

* a rebuild is seen on the very next call (no time-to-live, nothing stale);
* every call still opens a short-lived session, so an unreachable database still raises
  ``SQLAlchemyError`` (the actions answer with an apology) and recovery needs no restart;
* the cache is bounded (least recently used entries go first) and shared by threads;
* calls whose arguments cannot be hashed (e.g. a dict of answers) are simply not cached.

Cached values are frozen dataclasses; lists are copied on the way out so no caller can change
what the next caller gets.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections import OrderedDict
from datetime import date
from typing import Any, Callable, Dict, Optional, Tuple, TypeVar

from sqlalchemy import select

from knowledge import models
from knowledge.db import default_url, session_scope

MAX_ENTRIES = 4096

F = TypeVar("F", bound=Callable[..., Any])

_lock = threading.Lock()
_entries: "OrderedDict[Tuple, Any]" = OrderedDict()
_builds: Dict[str, str] = {}  # url -> the build id its entries were computed from


def current_build(url: str) -> Optional[str]:
    """Return the id of the build the database at ``url`` holds (None for a database without one)."""
    with session_scope(url) as session:
        return session.scalar(select(models.Build.build_id).where(models.Build.id == 1))


def clear() -> None:
    """Forget every cached answer (tests; never needed after a build)."""
    with _lock:
        _entries.clear()
        _builds.clear()


def _forget_other_builds(url: str, build: str) -> None:
    # Called with the lock held: entries of an older build of this database can never be hit again.
    if _builds.get(url) != build:
        for key in [key for key in _entries if key[0] == url]:
            del _entries[key]
        _builds[url] = build


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


def per_build(func: F) -> F:
    """Memoise a knowledge API function until the database is rebuilt.

    The function must take an optional ``url`` argument (None = the settings' database); an
    optional ``today`` argument left to None is fixed to today's date before it becomes part of the
    key, so an answer computed yesterday is not served today.
    """
    signature = inspect.signature(func)
    takes_today = "today" in signature.parameters

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        arguments = bound.arguments
        arguments["url"] = url = arguments.get("url") or default_url()
        if takes_today and arguments.get("today") is None:
            arguments["today"] = date.today()
        build = current_build(url)
        key = (url, build, func.__qualname__, tuple(arguments.items()))
        try:
            hash(key)
        except TypeError:
            build = None
        if build is None:
            return func(*bound.args, **bound.kwargs)
        with _lock:
            _forget_other_builds(url, build)
            if key in _entries:
                _entries.move_to_end(key)
                return _copy(_entries[key])
        value = func(*bound.args, **bound.kwargs)
        with _lock:
            if _builds.get(url) == build:
                _entries[key] = value
                while len(_entries) > MAX_ENTRIES:
                    _entries.popitem(last=False)
        return _copy(value)

    return wrapper  # type: ignore[return-value]
