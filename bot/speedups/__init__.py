"""Fourteen measured speed-ups of the Rasa server that change none of its answers (the one place that patches Rasa).

Patches 5 to 7 (the conversation's history) are written in :mod:`bot.speedups.history`, patches 11 to
14 (costs every turn paid for nothing) in :mod:`bot.speedups.turn`; this module applies them all,
once, after checking the Rasa version.

Found by profiling the Rasa server under 20 concurrent conversations (py-spy; figures in the
README's benchmark section). Each patch keeps Rasa's behaviour and output identical:

1. **Action results validated with a compiled schema.** For every custom action Rasa calls
   ``jsonschema.validate(result, schema)``, which first checks the *schema* against the JSON-Schema
   meta-schema: a quarter of the server's CPU time. The schema never changes, so it is checked once
   and its validator reused; the instance check and the error raised are the same. And each event
   is checked against the ``oneOf`` branches of its own event name only (the others differ by that
   constant name): 4.4 ms → 0.4 ms for a recommendation; a result that fails goes to the full check.
2. **spaCy's named-entity recogniser switched off, and the spaCy model loaded once.** ``SpacyNLP``
   loads ``fr_core_news_sm`` with every component but the parser; the pipeline only reads tokens,
   lemmas and tags (entities come from the lookup tables), so the NER - about half of spaCy's time
   per message - computed nothing that was used. And the model graph has two ``SpacyNLP`` nodes,
   ``provide_SpacyNLP`` (whose model every spaCy component receives) and ``run_SpacyNLP`` (which
   processes the message *with the provided model*); Rasa builds each node's component with
   ``SpacyNLP.load``, so each loaded the spaCy model: 1.5 s of start-up and a second copy in memory
   for a model nobody reads. A model is now loaded once per name and process and shared.
3. **SQLite tracker store in WAL mode** (``synchronous=NORMAL``) with pooled connections: no fsync
   per turn (35 ms here) - a crash of the process loses nothing, a power cut may lose the last turns.
   This is the local default store only; production uses PostgreSQL (README).
4. **Event classes resolved once by name.** Reading an event from the tracker store looks its class
   up with ``Event.resolve_by_type``, which walks every subclass of ``Event`` (and asks
   ``inspect.isabstract`` of each) for every event: 16 % of the server's time under load. The class
   found for a name is remembered; an unknown name still gets Rasa's own answer (None for the
   old "topic", the default, or the same ValueError).
5. **Dialogue states computed once per turn of a conversation.** Before every prediction each
   policy turns the whole conversation into a list of states (``tracker.past_states``): it replays
   every event from the start and builds a state per action, so a turn cost O(length of the
   conversation) and more than half of a late turn's time. The states of a conversation are kept
   (per conversation and per option set, least recently used dropped) with the replayed tracker,
   and a later call only replays the events added since, after checking that the earlier events
   are the same (the same objects, or equal events once read back from the tracker store). The
   list returned is Rasa's: the states are shared with the cache except the last one, which is a
   copy (the featurizer changes it; its other change, dropping a user text next to an intent,
   is the same on every call). Training trackers are left alone.
6. **The action server gets the current turn, not the whole conversation.** For every custom action
   Rasa sends the tracker with every event since the conversation began (``EventVerbosity.ALL``),
   serialised here and parsed again by the action server: a cost that grows with each turn. The
   actions read the slots, the latest message and, for the form, the events since the last user
   message (rasa_sdk's ``slots_to_validate``): the request keeps exactly those events, from the last
   ``user`` event on; slots, latest message, active loop and the rest of the state are unchanged.
7. **Applied events computed once per event.** ``tracker.applied_events()`` (the events minus the
   reverted ones) folds over every event of the conversation, with several ``isinstance`` checks
   each, and Rasa calls it several times a turn on copies of the same tracker: 18 % of a late
   turn. The result is kept per conversation; a later call checks that the earlier events are the
   same (identity, or equality once read back from the tracker store) and that no new form name
   appears (the fold depends on every form name of the conversation), then folds only the new
   events with Rasa's own steps; otherwise Rasa computes it whole.
8. **The NLU graph runs in a worker thread.** Rasa runs the message's NLU graph (spaCy, the
   featurizers, DIET) synchronously on its event loop: while it runs, no other conversation's
   action reply, tracker read or write progresses, and the second core stays idle. It now runs in
   one dedicated thread (one message at a time, as before), so the event loop goes on with the
   other conversations meanwhile and the parts that release the GIL (TensorFlow, numpy) use the
   other core. The graph's NLU nodes read only the message (not the tracker) and keep no state
   between messages; the result and what Rasa does with it are unchanged. ``/model/parse`` goes
   the same way. In the served assistant that thread hands the message to the NLU child process
   and waits for its parse without holding the GIL (:mod:`bot.nlu_process`).
9. **The model's graphs run without dask.** Each message runs the NLU graph and each prediction
   the policy graph through ``dask.get``, which builds a task graph, orders it and schedules it
   for every run, and Rasa recomputes the graph's minimal schema each time: about 1.3 ms per turn
   under load, spent on nothing the answer depends on. The nodes now run directly, each once, in
   an order where every node follows the nodes it needs (computed once per set of targets), with
   the same inputs and the same results (a node whose input was not provided gets its name, as
   from dask). Only runners without hooks, i.e. serving a trained model: training keeps dask.
10. **No deep copy for a debug log that is off.** Rasa's processor, rule policy and memoization
    policy deep-copy events, states and entities for their structlog debug events
    (``structlogger.debug(..., rasa_events=copy.deepcopy(events))``): the copies are made before
    the logger drops the event, at every turn, about 1 ms of the event loop per turn. In these
    three modules (where ``copy`` serves only these debug events) ``copy.deepcopy`` now copies only
    when the module's debug log is on, so a debug log shows what it showed before. Likewise the rule
    policy formats every state of the conversation into a text for a debug event at each prediction
    (``format_tracker_states``, a cost growing with the conversation): only when that log is on.
11. **A tracker copied without replaying its events.** Rasa runs every action on
    ``tracker.copy()``, which replays every event of the conversation into a new tracker: O(length)
    twice a turn. The copy now shares the events and copies what they set (slots, loop, latest
    action), with what Rasa's copy leaves out (model and assistant ids, source) left out too. A
    tracker with a capped history (whose replay gives another state) keeps Rasa's copy.
12. **Rule keys filtered over the turns a rule can reach.** ``RulePolicy._get_possible_keys``
    filters every rule at every past turn, though a rule longer than ``i`` turns accepts every state
    before them: it stops past the longest rule. The keys then depend only on the last states,
    which conversations share: a policy loaded to serve (``RulePolicy.load``; never while training,
    when the rules change) remembers the keys of each distinct ending (compared by equality, as Rasa
    compares them).
13. **The empty domain built once.** ``Domain.is_empty`` (asked at every message) built an empty
    ``Domain`` to compare with; its dictionary is built once.
14. **The loaded model out of the garbage collector's way.** The model's 1.4 million objects
    (TensorFlow, spaCy, Rasa) were walked by every full collection: a 360 ms pause of every
    conversation. ``gc.freeze()`` after the model is loaded leaves them out of the collections.

Each patch is written against Rasa 3.6.21 (:data:`RASA_VERSION`): :func:`install` refuses to patch
another version, whose internals may differ.

:func:`install` applies them; ``python -m bot.rasa_server`` (the Rasa command line of this project)
calls it before Rasa starts.
"""

from __future__ import annotations

import asyncio
import contextvars
import copy
import functools
import importlib
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, Optional, Text

from bot.speedups import turn
from bot.speedups.history import (
    _current_turn_action_call,
    _incremental_applied_events,
    _incremental_past_states,
)
from bot.speedups.turn import valid_by_event_name

_installed = False
RASA_VERSION = "3.6.21"


@functools.lru_cache(maxsize=1)
def _action_result_validator() -> Any:
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)  # what jsonschema.validate did on every call
    return validator_class(schema)


def _validate_action_result(self: Any, result: Dict[Text, Any]) -> bool:
    """``RemoteAction._validate_action_result`` with the compiled validator (same error, same text)."""
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    if valid_by_event_name(result):
        return True
    error = best_match(_action_result_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        ". Failed to validate Action server response from API, make sure your response from the "
        f"Action endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
    )
    raise error


def _lean_spacy_loader(original: Any) -> Any:
    models: Dict[Text, Any] = {}  # spaCy's Language is only read by Rasa's components: shared

    def load_model(spacy_model_name: Text) -> Any:
        model = models.get(spacy_model_name)
        if model is None:
            model = original(spacy_model_name)
            if "ner" in model.model.pipe_names:
                model.model.disable_pipe("ner")
            models[spacy_model_name] = model
        return model

    return staticmethod(load_model)


def _sqlite_wal(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _wal_tracker_store(original_init: Any) -> Any:
    @functools.wraps(original_init)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        if self.engine.dialect.name == "sqlite" and self.engine.url.database not in (None, "", ":memory:"):
            from sqlalchemy import create_engine, event
            from sqlalchemy.orm import sessionmaker
            from sqlalchemy.pool import QueuePool

            # SQLAlchemy 1.4 opens and closes a SQLite file per session (NullPool), and closing the
            # last connection of a WAL database checkpoints it: keep a few connections open.
            # Only the tracker store's engine: the knowledge base's SQLite file is never touched.
            self.engine.dispose()
            self.engine = create_engine(self.engine.url, poolclass=QueuePool, pool_size=2,
                                        connect_args={"check_same_thread": False})
            event.listen(self.engine, "connect", _sqlite_wal)
            self.sessionmaker = sessionmaker(bind=self.engine)

    return __init__


def _cached_event_resolver(original: Any) -> Any:
    classes: Dict[Text, type] = {}

    def resolve_by_type(type_name: Text, default: Optional[type] = None) -> Optional[type]:
        found = classes.get(type_name)
        if found is None:
            try:
                found = original(type_name)
            except ValueError:
                found = None
            if found is None:  # "topic" or an unknown name: Rasa's own answer, default or error
                return original(type_name, default)
            classes[type_name] = found
        return found

    return staticmethod(resolve_by_type)


# --- 8. the NLU graph in a worker thread -----------------------------------------------------------

# One thread: messages are parsed one at a time, in the order they come, as on the event loop.
_nlu_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nlu")


def _threaded_parse_message(original: Any) -> Any:
    from rasa.core import processor
    from rasa.shared.core.trackers import DialogueStateTracker

    @functools.wraps(original)
    async def parse_message(self: Any, message: Any, tracker: Any = None,
                            only_output_properties: bool = True) -> Dict[Text, Any]:
        """Rasa 3.6.21's ``MessageProcessor.parse_message``, the graph run in the NLU thread."""
        if self.http_interpreter:
            return await original(self, message, tracker, only_output_properties)
        if tracker is None:
            tracker = DialogueStateTracker.from_events(message.sender_id, [])
        # The turn's context (bot/stage_timings.py times the NLU stage in it) goes along.
        context = contextvars.copy_context()
        parse_data = await asyncio.get_running_loop().run_in_executor(
            _nlu_thread, context.run, self._parse_message_with_graph, message, tracker, only_output_properties)
        self._update_full_retrieval_intent(parse_data)
        processor.structlogger.debug(
            "processor.message.parse",
            parse_data_text=processor.copy.deepcopy(parse_data["text"]),  # patch 10: only for a debug log
            parse_data_intent=parse_data["intent"],
            parse_data_entities=processor.copy.deepcopy(parse_data["entities"]),
        )
        self._check_for_unseen_features(parse_data)
        return parse_data

    return parse_message


# --- 9. the graphs run without dask ---------------------------------------------------------------

def _graph_order(runner: Any, targets: tuple) -> list:
    """The nodes to run for ``targets`` (Rasa's minimal schema), each after the nodes it needs."""
    plans = runner.__dict__.setdefault("_direct_plans", {})
    plan = plans.get(targets)
    if plan is None:
        schema = runner._graph_schema.minimal_graph_schema(list(targets))
        plan, placed = [], set()

        def place(name: str) -> None:
            if name in placed or name not in schema.nodes:
                return
            placed.add(name)
            for needed in schema.nodes[name].needs.values():
                place(needed)
            plan.append((name, runner._instantiated_nodes[name], tuple(schema.nodes[name].needs.values())))

        for name in schema.nodes:
            place(name)
        plans[targets] = plan
    return plan


def _direct_graph_run(original: Any) -> Any:
    from rasa.engine.exceptions import GraphRunError

    @functools.wraps(original)
    def run(self: Any, inputs: Optional[Dict[Text, Any]] = None, targets: Optional[list] = None) -> Dict[Text, Any]:
        if "_direct" not in self.__dict__:
            self._direct = all(not node._hooks for node in self._instantiated_nodes.values())
        if not self._direct:
            return original(self, inputs, targets)
        run_targets = tuple(targets if targets else self._graph_schema.target_names)
        plan = _graph_order(self, run_targets)
        results: Dict[Text, Any] = {}
        for name, value in (inputs or {}).items():
            if isinstance(value, str) and value in self._graph_schema.nodes:
                return original(self, inputs, targets)  # Rasa's own error for a clashing input
            results[name] = (name, value)
        try:
            for name, node, needs in plan:
                results[name] = node(*(results.get(needed, needed) for needed in needs))
        except RuntimeError as error:
            raise GraphRunError("Error running runner.") from error
        return dict(results[target] for target in run_targets)

    return run


# --- 10. no deep copy for a debug log that is off -----------------------------------------------

# Rasa 3.6.21's modules whose ``copy`` module serves only structlog debug events.
DEBUG_COPY_MODULES = ("rasa.core.processor", "rasa.core.policies.rule_policy", "rasa.core.policies.memoization")


class _DebugLogCopy:
    """The ``copy`` module as such a Rasa module sees it: ``deepcopy`` only when its debug log is on."""

    def __init__(self, logger_name: str) -> None:
        import logging

        self._logger = logging.getLogger(logger_name)  # the logger structlog's level filter asks

    def deepcopy(self, value: Any, memo: Any = None) -> Any:
        """``copy.deepcopy`` when the module logs at DEBUG; else the value itself, which no log reads."""
        import logging

        return copy.deepcopy(value, memo) if self._logger.isEnabledFor(logging.DEBUG) else value

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


def require_rasa_version(patcher: str) -> None:
    """Refuse to patch another Rasa than :data:`RASA_VERSION`, whose internals may differ."""
    import rasa

    if rasa.__version__ != RASA_VERSION:
        raise RuntimeError(f"{patcher} patches Rasa {RASA_VERSION}, not {rasa.__version__}: "
                           "check each patch against the new version first")


def install() -> None:
    """Apply the fourteen speed-ups to this process (idempotent); only on the Rasa version they were written for."""
    global _installed
    if _installed:
        return
    from rasa.core.actions.action import RemoteAction
    from rasa.core.processor import MessageProcessor
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.nlu.utils.spacy_utils import SpacyNLP
    from rasa.shared.core.events import Event
    from rasa.shared.core.trackers import DialogueStateTracker

    require_rasa_version("bot/speedups/")
    RemoteAction._validate_action_result = _validate_action_result
    RemoteAction._action_call_format = _current_turn_action_call(RemoteAction._action_call_format)
    SpacyNLP.load_model = _lean_spacy_loader(SpacyNLP.load_model)
    SQLTrackerStore.__init__ = _wal_tracker_store(SQLTrackerStore.__init__)
    Event.resolve_by_type = _cached_event_resolver(Event.resolve_by_type)
    DialogueStateTracker.past_states = _incremental_past_states(DialogueStateTracker.past_states)
    DialogueStateTracker.applied_events = _incremental_applied_events(DialogueStateTracker.applied_events)
    MessageProcessor.parse_message = _threaded_parse_message(MessageProcessor.parse_message)
    DaskGraphRunner.run = _direct_graph_run(DaskGraphRunner.run)
    for name in DEBUG_COPY_MODULES:
        module = importlib.import_module(name)
        module.copy = _DebugLogCopy(name)  # type: ignore[attr-defined]
    turn.install()
    _installed = True
