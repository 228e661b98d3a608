"""How long each stage of a turn takes inside the Rasa server: ``GET /stage-timings``.

A turn (``MessageProcessor.handle_message``, from the moment the conversation's lock is held to the
last event saved) is timed as a whole and split into its stages:

* ``nlu``: the NLU graph run of the message (``MessageProcessor._parse_message_with_graph``);
* ``prediction``: each policy prediction (``MessageProcessor._predict_next_with_tracker``);
* ``action``: each call of a custom action to the action server (``RemoteAction.run``: the request,
  the wait for its answer and the check of its response; under load, also the wait for Rasa's
  event loop to resume the turn);
* ``tracker_read`` / ``tracker_write``: each read and save of the tracker store
  (bot/tracker_store.py times them);
* ``other``: the rest of the turn (sessions, events, responses, slots).

Only calls made during a turn are counted (not ``/model/parse`` nor the HTTP API's tracker reads),
so "calls per turn" is exact. The figures are durations only: no text, no conversation id. The
latest :data:`SAMPLES` turns are kept in memory.

``GET /stage-timings`` returns, per stage, the calls per turn and the p50/p95 of each call and of a
turn's total, since the server started or since the last ``DELETE /stage-timings`` (which starts a
new window: the benchmark measures each of its phases apart). Both routes belong to Rasa's HTTP
API: on only with it, behind the same token or JWT (an admin's; a user's JWT is refused).

:func:`install` wraps Rasa 3.6.21's methods above (``bot.speedups.require_rasa_version``: another
version is refused) and adds the routes to the app Rasa creates; ``python -m bot.rasa_server``
calls it before Rasa starts.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import threading
import time
from collections import deque
from contextlib import contextmanager
from typing import Any, Deque, Dict, Iterator, List, Optional

# The stages of a turn, in the order of the report; "other" is the turn minus all of them.
STAGES = ("nlu", "prediction", "action", "tracker_read", "tracker_write")
SAMPLES = 10_000  # turns kept (each with its calls): a few hundred kilobytes
ROUTE = "/stage-timings"

_installed = False


def percentiles(values: List[float]) -> Dict[str, Optional[float]]:
    """Nearest-rank p50/p95/p99 and the maximum of durations in milliseconds (rounded to 0.1 ms)."""
    if not values:
        return {"n": 0, "p50_ms": None, "p95_ms": None, "p99_ms": None, "max_ms": None}
    ordered = sorted(values)

    def pick(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, max(0, int(-(-q * len(ordered) // 1)) - 1))], 1)

    return {"n": len(ordered), "p50_ms": pick(0.50), "p95_ms": pick(0.95), "p99_ms": pick(0.99),
            "max_ms": round(ordered[-1], 1)}


class _Turn:
    """The calls of one turn in progress: per stage, the duration of each call (ms)."""

    __slots__ = ("calls",)

    def __init__(self) -> None:
        self.calls: Dict[str, List[float]] = {stage: [] for stage in STAGES}


_current_turn: contextvars.ContextVar[Optional[_Turn]] = contextvars.ContextVar("stage_timings_turn", default=None)


class StageTimings:
    """The timed turns of this process since the start or the last :meth:`reset` (the latest ``size``)."""

    def __init__(self, size: int = SAMPLES) -> None:
        self._lock = threading.Lock()
        self._size = size
        self.reset()

    def reset(self) -> None:
        """Start a new window: the turns timed so far are forgotten."""
        with self._lock:
            self._turns: Deque[tuple] = deque(maxlen=self._size)
            self._since = time.time()

    def add_turn(self, total_ms: float, turn: _Turn) -> None:
        with self._lock:
            self._turns.append((total_ms, turn.calls))

    def summary(self) -> Dict[str, Any]:
        """Per stage: calls per turn, p50/p95 of each call and of the stage's total in a turn."""
        with self._lock:
            turns, since = list(self._turns), self._since
        stages: Dict[str, Any] = {}
        for stage in STAGES:
            calls = [ms for _, spent in turns for ms in spent[stage]]
            stages[stage] = {"calls_per_turn": round(len(calls) / len(turns), 2) if turns else None,
                             "per_call": percentiles(calls),
                             "per_turn": percentiles([sum(spent[stage]) for _, spent in turns])}
        stages["other"] = {"per_turn": percentiles(
            [max(0.0, total - sum(sum(spent[stage]) for stage in STAGES)) for total, spent in turns])}
        stages["turn"] = {"per_turn": percentiles([total for total, _ in turns])}
        return {"since": round(since, 3), "turns": len(turns), "stages": stages}


RECORDER = StageTimings()


@contextmanager
def timed(stage: str) -> Iterator[None]:
    """Time the block as one call of ``stage`` of the turn in progress (nothing outside a turn)."""
    turn = _current_turn.get()
    if turn is None:
        yield
        return
    started = time.perf_counter()
    try:
        yield
    finally:
        turn.calls[stage].append((time.perf_counter() - started) * 1000)


def _timed_sync(stage: str, original: Any) -> Any:
    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with timed(stage):
            return original(*args, **kwargs)

    return wrapper


def _timed_async(stage: str, original: Any) -> Any:
    @functools.wraps(original)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        with timed(stage):
            return await original(*args, **kwargs)

    return wrapper


def _timed_turn(original: Any) -> Any:
    @functools.wraps(original)
    async def handle_message(self: Any, message: Any) -> Any:
        turn = _Turn()
        token = _current_turn.set(turn)
        started = time.perf_counter()
        try:
            return await original(self, message)
        finally:
            _current_turn.reset(token)
            RECORDER.add_turn((time.perf_counter() - started) * 1000, turn)

    return handle_message


def add_routes(app: Any, auth_token: Optional[str]) -> None:
    """``GET`` and ``DELETE /stage-timings`` on Rasa's app, behind its token or JWT (``requires_auth``)."""
    from rasa.server import requires_auth
    from sanic import response

    @app.get(ROUTE)
    @requires_auth(app, auth_token)
    async def stage_timings(request: Any) -> Any:
        return response.json(RECORDER.summary())

    @app.delete(ROUTE)
    @requires_auth(app, auth_token)
    async def reset_stage_timings(request: Any) -> Any:
        RECORDER.reset()
        return response.json(RECORDER.summary())


def _with_routes(original: Any) -> Any:
    signature = inspect.signature(original)

    @functools.wraps(original)
    def create_app(*args: Any, **kwargs: Any) -> Any:
        app = original(*args, **kwargs)
        add_routes(app, signature.bind(*args, **kwargs).arguments.get("auth_token"))
        return app

    return create_app


def _rasa_remote_action() -> type:
    """Rasa's own ``RemoteAction`` (bot/rasa_server.py puts a subclass under its name)."""
    from rasa.core.actions import action

    return next(cls for cls in action.RemoteAction.__mro__
                if cls.__name__ == "RemoteAction" and cls.__module__ == action.__name__)


def install() -> None:
    """Time the stages of every turn and serve the figures (idempotent); only on Rasa 3.6.21."""
    global _installed
    if _installed:
        return
    import rasa.server
    from rasa.core.processor import MessageProcessor

    from bot.speedups import require_rasa_version

    require_rasa_version("bot/stage_timings.py")
    remote_action = _rasa_remote_action()
    MessageProcessor.handle_message = _timed_turn(MessageProcessor.handle_message)
    MessageProcessor._parse_message_with_graph = _timed_sync("nlu", MessageProcessor._parse_message_with_graph)
    MessageProcessor._predict_next_with_tracker = _timed_sync("prediction",
                                                              MessageProcessor._predict_next_with_tracker)
    remote_action.run = _timed_async("action", remote_action.run)
    rasa.server.create_app = _with_routes(rasa.server.create_app)
    _installed = True
