"""Patches 5 to 7 of :mod:`bot.speedups`: the conversation's history read once, not at every turn.

Dialogue states and applied events are kept per conversation and extended with the new events; the
action server gets the current turn's events only. See the package's docstring for each patch.
"""

from __future__ import annotations

import copy
import functools
import json
from collections import OrderedDict
from typing import Any, Dict, Optional, Text

# --- 5. dialogue states, incrementally -------------------------------------------------------------

HISTORY_CACHE_SIZE = 1000


class _History:
    """The states of a conversation's prior trackers, up to (not including) the tracker's present."""

    __slots__ = ("events", "tracker", "states", "last_ml_action", "turn_was_hidden")

    def __init__(self, tracker: Any) -> None:
        self.events: list = []
        self.tracker = tracker  # the replay tracker after `events`
        self.states: list = []
        self.last_ml_action: Any = None
        self.turn_was_hidden = False


_histories: "OrderedDict[Any, _History]" = OrderedDict()


def _remember(cache: "OrderedDict[Any, Any]", key: Any, value: Any, size: int) -> None:
    """Keep ``value`` as the newest entry of ``cache``, dropping the least recently used beyond ``size``."""
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > size:
        cache.popitem(last=False)


def _same_prefix(known: list, applied: list) -> bool:
    if len(applied) < len(known):
        return False
    for old, new in zip(known, applied):
        if old is not new and old != new:
            return False
    return True


def _state_step(domain: Any, history: _History, tracker: Any, hide_rule_turn: bool, omit_unset_slots: bool,
                ignore_rule_only_turns: bool, rule_only_data: Any, states: list) -> None:
    """One prior tracker of ``Domain.states_for_tracker_history``, with the same carried values."""
    from rasa.shared.core.domain import Domain

    if ignore_rule_only_turns:
        if not history.turn_was_hidden:
            history.last_ml_action = Domain._get_prev_action_sub_state(tracker)
        if not tracker.followup_action and not tracker.latest_action_name == tracker.active_loop_name:
            history.turn_was_hidden = hide_rule_turn
        if history.turn_was_hidden:
            return
    state = domain.get_active_state(tracker, omit_unset_slots=omit_unset_slots)
    if ignore_rule_only_turns:
        Domain._remove_rule_only_features(state, rule_only_data)
        if states:
            Domain._substitute_rule_only_user_input(state, states[-1])
        if history.last_ml_action:
            state["prev_action"] = history.last_ml_action
    states.append(domain._clean_state(state))


def _incremental_past_states(original: Any) -> Any:
    from rasa.shared.core.events import ActionExecuted
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.tracker_store import copy_tracker

    @functools.wraps(original)
    def past_states(self: Any, domain: Any, omit_unset_slots: bool = False, ignore_rule_only_turns: bool = False,
                    rule_only_data: Optional[Dict[Text, Any]] = None) -> list:
        if type(self) is not DialogueStateTracker or self.is_rule_tracker:
            return original(self, domain, omit_unset_slots, ignore_rule_only_turns, rule_only_data)
        key = (self.sender_id, id(domain), omit_unset_slots, ignore_rule_only_turns,
               json.dumps(rule_only_data, sort_keys=True, default=str))
        applied = self.applied_events()
        known = _histories.get(key)
        if known is not None and _same_prefix(known.events, applied):
            history = _History(copy_tracker(known.tracker))
            # The tracker's own events from now on: the next call compares them by identity.
            history.events, history.states = applied[:len(known.events)], list(known.states)
            history.last_ml_action, history.turn_was_hidden = known.last_ml_action, known.turn_was_hidden
        else:
            history = _History(self.init_copy())
        replay = history.tracker
        for event in applied[len(history.events):]:
            if isinstance(event, ActionExecuted):
                _state_step(domain, history, replay, event.hide_rule_turn, omit_unset_slots,
                            ignore_rule_only_turns, rule_only_data, history.states)
            replay.update(event)
            history.events.append(event)
        _remember(_histories, key, history, HISTORY_CACHE_SIZE)
        # The present (generate_all_prior_trackers' last yield), on a copy of the carried values.
        present = _History(replay)
        present.last_ml_action, present.turn_was_hidden = history.last_ml_action, history.turn_was_hidden
        states = list(history.states)
        _state_step(domain, present, replay, False, omit_unset_slots, ignore_rule_only_turns, rule_only_data, states)
        if states:
            states[-1] = copy.deepcopy(states[-1])
        return states

    return past_states


def _current_turn_action_call(original: Any) -> Any:
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import EventVerbosity

    @functools.wraps(original)
    def _action_call_format(self: Any, tracker: Any, domain: Any) -> Dict[Text, Any]:
        result = original(self, _WithoutEvents(tracker), domain)
        turn = []
        for event in reversed(tracker.events):
            turn.append(event)
            if isinstance(event, UserUttered):
                break
        result["tracker"]["events"] = [event.as_dict() for event in reversed(turn)]
        return result

    class _WithoutEvents:
        """The tracker, whose ``current_state`` leaves the events out (they are added above)."""

        def __init__(self, tracker: Any) -> None:
            self._tracker = tracker

        def __getattr__(self, name: str) -> Any:
            return getattr(self._tracker, name)

        def current_state(self, _verbosity: Any = None) -> Dict[Text, Any]:
            return self._tracker.current_state(EventVerbosity.NONE)

    return _action_call_format


# --- 7. applied events, incrementally ------------------------------------------------------------

APPLIED_CACHE_SIZE = 1000


class _Applied:
    __slots__ = ("events", "loop_names", "applied")

    def __init__(self, events: list, loop_names: set, applied: list) -> None:
        self.events, self.loop_names, self.applied = events, loop_names, applied


_applied: "OrderedDict[Any, _Applied]" = OrderedDict()


def _fold_applied(tracker: Any, events: Any, loop_names: set, applied: list) -> None:
    """The loop of Rasa 3.6.21's ``DialogueStateTracker.applied_events``, over ``events``."""
    from rasa.shared.core.events import (
        ActionExecuted,
        ActionReverted,
        Restarted,
        SessionStarted,
        UserUtteranceReverted,
        UserUttered,
    )

    for event in events:
        if isinstance(event, (Restarted, SessionStarted)):
            applied.clear()
        elif isinstance(event, ActionReverted):
            tracker._undo_till_previous(ActionExecuted, applied)
        elif isinstance(event, UserUtteranceReverted):
            tracker._undo_till_previous(UserUttered, applied)
            tracker._undo_till_previous(ActionExecuted, applied)
        elif (isinstance(event, ActionExecuted) and event.action_name in loop_names
              and not tracker._first_loop_execution_or_unhappy_path(event.action_name, applied)):
            tracker._undo_till_previous_loop_execution(event.action_name, applied)
        else:
            applied.append(event)


def _incremental_applied_events(original: Any) -> Any:
    from rasa.shared.core.events import ActiveLoop
    from rasa.shared.core.trackers import DialogueStateTracker

    def loop_names_of(events: Any) -> set:
        return {event.name for event in events if isinstance(event, ActiveLoop) and event.name}

    @functools.wraps(original)
    def applied_events(self: Any) -> list:
        if type(self) is not DialogueStateTracker or self.is_rule_tracker:
            return original(self)
        events = list(self.events)
        known = _applied.get(self.sender_id)
        if known is not None and _same_prefix(known.events, events):
            new = events[len(known.events):]
            if loop_names_of(new) <= known.loop_names:
                applied = list(known.applied)
                _fold_applied(self, new, known.loop_names, applied)
                _remember(_applied, self.sender_id, _Applied(events, known.loop_names, applied), APPLIED_CACHE_SIZE)
                return list(applied)
        applied = original(self)
        _remember(_applied, self.sender_id, _Applied(events, loop_names_of(events), list(applied)), APPLIED_CACHE_SIZE)
        return applied

    return applied_events
