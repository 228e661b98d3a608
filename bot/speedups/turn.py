"""Patches 11 to 14 of :mod:`bot.speedups`: what every turn paid for nothing, and the action check.

Each keeps Rasa 3.6.21's results identical; the package's docstring describes them and ``install``
applies them. Also here: the fast path of patch 1 (an action's result checked event by event).
"""

from __future__ import annotations

import copy
import functools
import gc
from typing import Any, Dict, List, Optional, Set, Text

# --- 1. the action server's result, checked event by event -------------------------------------


@functools.lru_cache(maxsize=1)
def _event_validators() -> tuple:
    """Validators of the response without its events' ``oneOf``, and of each ``oneOf`` branch by event name."""
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.utils.schemas.events import EVENT_SCHEMA

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    events = schema["properties"]["events"]
    if events.get("items") is not EVENT_SCHEMA or set(events) != {"type", "items"}:
        return None, None, None  # another schema than Rasa 3.6.21's: only the full check
    response = {**schema, "properties": {**schema["properties"], "events": {"type": "array"}}}
    common = {key: value for key, value in EVENT_SCHEMA.items() if key != "oneOf"}
    branches: Dict[Text, List[Any]] = {}
    for branch in EVENT_SCHEMA["oneOf"]:
        name = branch.get("properties", {}).get("event", {}).get("const")
        if not isinstance(name, str):
            return None, None, None  # a branch not told apart by its event name
        branches.setdefault(name, []).append(validator_class(branch))
    return validator_class(response), validator_class(common), branches


def valid_by_event_name(result: Any) -> bool:
    """True when ``result`` certainly satisfies Rasa's action response schema; False: check it whole.

    Rasa's schema checks each event against ``oneOf`` 23 branches, which differ by the constant
    event name: an event can only satisfy the branches of its own name, so exactly one of those
    must hold, which is checked alone (ten times faster). Anything else goes to the full check,
    which gives Rasa's error.
    """
    response, common, branches = _event_validators()
    if response is None or not response.is_valid(result):
        return False
    for event in result.get("events") or ():
        if not common.is_valid(event):
            return False
        candidates = branches.get(event["event"], ())
        if sum(1 for branch in candidates if branch.is_valid(event)) != 1:
            return False
    return True


# --- 11. a tracker copied without replaying its events -----------------------------------------

def _fast_tracker_copy(original: Any) -> Any:
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.tracker_store import copy_tracker

    @functools.wraps(original)
    def copy_(self: Any) -> Any:
        """Rasa's ``tracker.copy()`` (a replay of every event) for the same result in O(events) C time."""
        if type(self) is not DialogueStateTracker or self.events.maxlen is not None:
            return original(self)  # a capped history replays to another state: Rasa's own copy
        duplicate = copy_tracker(self)
        # What Rasa's copy (init_copy, then the replay) does not carry over.
        duplicate.model_id = duplicate.assistant_id = duplicate.sender_source = None
        return duplicate

    return copy_


class _SlotCopies:
    """The ``copy`` module as ``rasa.shared.core.trackers`` sees it: the same ``copy.copy``, faster.

    Its one use there copies each slot of every new tracker (``init_copy``, ``from_events``).
    """

    def __init__(self, shallow_copy: Any) -> None:
        self.copy = shallow_copy

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


# --- 12. rule keys filtered over the turns a rule can reach, once per distinct ending ---------------

RULE_KEYS_MEMO_SIZE = 20_000  # distinct conversation endings remembered per loaded rule policy


def _freeze(value: Any) -> Any:
    """A hashable value equal to another's exactly when the two are equal (lists and tuples kept apart)."""
    if isinstance(value, dict):
        return dict, frozenset((key, _freeze(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return type(value), tuple(_freeze(item) for item in value)
    return value


def _rule_keys_within_reach(original: Any) -> Any:
    @functools.wraps(original)
    def _get_possible_keys(self: Any, lookup: Dict[Text, Text], states: List[Dict]) -> Set[Text]:
        """``RulePolicy._get_possible_keys`` over the turns a rule can reach, remembered when served.

        Rasa filters every rule key at every past turn of the conversation, but a rule says
        nothing of the turns before its first state (``_is_rule_applicable`` is True there): once
        past the longest rule, the set no longer changes. So the keys depend only on the states
        within that reach, which conversations share: a loaded (never retrained) policy remembers
        the keys of each distinct ending. The comparisons are by equality, as Rasa's.
        """
        memo = self.__dict__.get("_rule_keys_memo")
        reach = None if memo is None else memo.get(id(lookup))
        if reach is None:
            reach = max((len(self._rule_key_to_state(key)) for key in lookup), default=0)
            if memo is not None:
                memo[id(lookup)] = reach
        recent = states[-reach:] if reach else []
        key = None
        if memo is not None:
            key = (id(lookup), _freeze(recent))
            found = memo.get(key)
            if found is not None:
                return set(found)
        possible_keys = set(lookup.keys())
        for i, state in enumerate(reversed(recent)):
            possible_keys = {rule for rule in possible_keys if self._is_rule_applicable(rule, i, state)}
        if memo is not None:
            if len(memo) > RULE_KEYS_MEMO_SIZE:
                memo.clear()
            memo[key] = frozenset(possible_keys)
        return possible_keys

    return _get_possible_keys


def _remembering_rule_keys(original: Any) -> Any:
    function = original.__func__  # wrapped as a function: Rasa's graph validation reads its signature

    @functools.wraps(function)
    def load(cls: Any, *args: Any, **kwargs: Any) -> Any:
        """``RulePolicy.load``: a policy loaded to serve, whose rules no longer change, remembers its keys."""
        policy = function(cls, *args, **kwargs)
        policy._rule_keys_memo = {}
        return policy

    return classmethod(load)


# --- 13. the empty domain built once ------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _empty_domain_dict() -> Dict[Text, Any]:
    from rasa.shared.core.domain import Domain

    return Domain.empty().as_dict()


def _domain_is_empty(self: Any) -> bool:
    """``Domain.is_empty`` against the empty domain's dictionary built once (it builds a Domain per call)."""
    return self.as_dict() == _empty_domain_dict()


# --- 10 (continued). the states formatted only for a debug log that is on --------------------------

def _states_formatted_for_debug(original: Any) -> Any:
    import logging

    logger = logging.getLogger("rasa.core.policies.rule_policy")  # the one module that calls it

    def format_tracker_states(states: List[Dict]) -> Text:
        """``Policy.format_tracker_states`` for the rule policy's debug event; "" when no debug log reads it.

        The rule policy formats every state of the conversation at each prediction, only to pass
        the text to a debug event: a cost that grew with the conversation.
        """
        return original(states) if logger.isEnabledFor(logging.DEBUG) else ""

    return staticmethod(format_tracker_states)


# --- 14. the loaded model out of the garbage collector's way -----------------------------------

def out_of_collections() -> None:
    """Collect the garbage, then leave every object still alive out of the collector's generations.

    For what lives as long as the process (an imported library, a loaded model): a collection no
    longer walks it, nor writes to its pages (which a forked process shares until either side writes).
    """
    gc.collect()
    gc.freeze()


def _frozen_after_load(original: Any) -> Any:
    @functools.wraps(original)
    def load_model(self: Any, model_path: Any, fingerprint: Optional[Text] = None) -> None:
        """``Agent.load_model``, then what is loaded moved out of the collector's generations."""
        original(self, model_path, fingerprint)
        # 1.4 million objects (TensorFlow, spaCy, Rasa) live as long as the model: a full
        # collection walked them all, a 360 ms pause of every conversation each time.
        out_of_collections()

    return load_model


def install() -> None:
    """Apply patches 11 to 14 and the rest of 1 and 10 (``bot.speedups.install`` checks the Rasa version first)."""
    from rasa.core.agent import Agent
    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.shared.core import trackers
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.tracker_store import shallow_copy

    DialogueStateTracker.copy = _fast_tracker_copy(DialogueStateTracker.copy)
    trackers.copy = _SlotCopies(shallow_copy)  # type: ignore[attr-defined]
    RulePolicy._get_possible_keys = _rule_keys_within_reach(RulePolicy._get_possible_keys)
    RulePolicy.load = _remembering_rule_keys(RulePolicy.load)
    RulePolicy.format_tracker_states = _states_formatted_for_debug(RulePolicy.format_tracker_states)
    Domain.is_empty = _domain_is_empty
    Agent.load_model = _frozen_after_load(Agent.load_model)

