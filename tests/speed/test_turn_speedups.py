"""Patches 11 to 14 of bot/speedups/ (bot/speedups/turn.py) give Rasa's own result."""

from __future__ import annotations

import copy
import gc
import itertools
import json
import logging

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActiveLoop, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

from bot import speedups
from bot.settings import REPO_ROOT
from bot.speedups import turn
from tests.speed.test_speedups import conversation


@pytest.fixture(scope="module")
def domain() -> Domain:
    speedups.install()
    return Domain.load(str(REPO_ROOT / "domain.yml"))


RESPONSES = [
    {"events": [{"event": "slot", "name": "country", "value": ["PL"], "timestamp": None},
                {"event": "action", "name": "action_listen"}, {"event": "active_loop", "name": None}],
     "responses": [{"text": "Bonjour", "buttons": []}]},
    {"events": [], "responses": []},
    {},
    {"extra": 1},
]
WRONG = [
    [],
    {"events": {"event": "slot"}},
    {"events": [{"name": "country"}]},  # no event name
    {"events": [{"event": "slot", "name": 3}]},  # a slot's name is a string
    {"events": [{"event": "no such event"}]},
    {"events": [{"event": 5}]},
    {"events": [{"event": "slot", "name": "x", "timestamp": "now"}]},
    {"responses": ["text"]},
    {"events": [{"event": "user", "text": 12}]},
]


@pytest.mark.parametrize("result", RESPONSES)
def test_a_valid_action_result_passes_the_short_check(domain, result):
    assert turn.valid_by_event_name(result)
    assert RemoteAction._validate_action_result(None, result)


@pytest.mark.parametrize("result", WRONG)
def test_a_wrong_action_result_gets_rasas_error(domain, result):
    assert not turn.valid_by_event_name(result)
    from jsonschema import validate

    with pytest.raises(ValidationError) as stock:
        validate(result, RemoteAction.action_response_format_spec())
    with pytest.raises(ValidationError) as ours:
        RemoteAction._validate_action_result(None, result)
    assert ours.value.message.startswith(stock.value.message + ". Failed to validate Action server response")


def _fields(tracker: DialogueStateTracker) -> dict:
    fields = dict(vars(tracker))
    fields["events"] = list(tracker.events)
    fields["slots"] = {name: vars(slot) for name, slot in tracker.slots.items()}
    return fields


def test_a_tracker_copy_is_rasas_replay(domain):
    stock = DialogueStateTracker.copy.__wrapped__
    tracker = DialogueStateTracker.from_events("speed-test", conversation(5), domain.slots)
    tracker.model_id, tracker.assistant_id, tracker.sender_source = "m", "a", "s"
    tracker.update(ActiveLoop("eligibility_form"))
    duplicate = tracker.copy()
    assert _fields(duplicate) == _fields(stock(tracker))
    duplicate.update(SlotSet("country", "IT"))
    duplicate.reject_action("eligibility_form")
    assert tracker.get_slot("country") == "PL" and not tracker.active_loop.rejected


def test_a_capped_history_is_copied_by_rasa(domain, monkeypatch):
    tracker = DialogueStateTracker.from_events("speed-test", conversation(5), domain.slots, max_event_history=4)
    replayed = DialogueStateTracker.copy.__wrapped__(tracker)
    assert _fields(tracker.copy()) == _fields(replayed)  # the replay of the last 4 events, as Rasa does


def test_a_new_trackers_slots_are_copied_as_copy_copies_them(domain):
    from rasa.shared.core import trackers

    for slot in domain.slots:
        slot.value = ["PL"]
        duplicate = trackers.copy.copy(slot)
        assert duplicate is not slot and type(duplicate) is type(slot)
        assert vars(duplicate) == vars(copy.copy(slot))
        slot.reset()

    class Special:
        def __copy__(self):
            return "copied by its own __copy__"

    assert trackers.copy.copy(Special()) == "copied by its own __copy__"
    assert trackers.copy.deepcopy is copy.deepcopy


def _rule_policy(tmp_path, lookup):
    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource

    policy = RulePolicy(RulePolicy.get_default_config(), LocalModelStorage(tmp_path), Resource("rules"),
                        ExecutionContext(GraphSchema({})), lookup=lookup)
    return policy


STATES = [
    {},
    {"prev_action": {"action_name": "action_listen"}, "user": {"intent": "greet"}},
    {"prev_action": {"action_name": "action_listen"}, "user": {"intent": "ask_funding_twinning"},
     "slots": {"country": (1.0,)}},
    {"prev_action": {"action_name": "action_recommend_programme"}, "user": {"intent": "greet"}},
    {"prev_action": {"action_name": "action_listen"}, "user": {"intent": "greet"},
     "active_loop": {"name": "eligibility_form"}},
]


def test_rule_keys_are_rasas_served_or_trained(domain, tmp_path):
    from rasa.core.policies.rule_policy import RulePolicy

    rules = [
        [STATES[0], STATES[1]],
        [STATES[1]],
        [STATES[2]],
        [STATES[3], STATES[2]],
        [{"prev_action": {"action_name": "action_listen"}, "slots": {"country": "should_not_be_set"}}],
        [STATES[1], STATES[3], STATES[1]],
    ]
    lookup = {json.dumps(rule, sort_keys=True): f"utter_{n}" for n, rule in enumerate(rules)}
    trained = _rule_policy(tmp_path, {"rules": lookup})
    served = _rule_policy(tmp_path, {"rules": lookup})
    served._rule_keys_memo = {}  # as RulePolicy.load leaves it
    stock = RulePolicy._get_possible_keys.__wrapped__
    for length in range(0, 5):
        for states in itertools.product(STATES, repeat=length):
            states = [copy.deepcopy(state) for state in states]
            expected = stock(trained, lookup, states)
            assert trained._get_possible_keys(lookup, states) == expected
            assert served._get_possible_keys(lookup, states) == expected
            assert served._get_possible_keys(lookup, states) == expected  # remembered
    assert served._rule_keys_memo and "_rule_keys_memo" not in vars(trained)


def test_the_patched_methods_pass_rasas_graph_validation(domain):
    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.engine.validation import _get_parameter_information

    params, _ = _get_parameter_information(RulePolicy, "load")  # what `rasa train` checks first
    assert {"config", "model_storage", "resource", "execution_context"} <= set(params)


def test_a_list_and_a_tuple_are_told_apart():
    assert turn._freeze({"a": (1.0,)}) != turn._freeze({"a": [1.0]})
    assert turn._freeze({"a": {"b": 1}, "c": None}) == turn._freeze({"c": None, "a": {"b": 1}})


def test_the_empty_domain_is_told_as_rasa_tells_it(domain):
    assert Domain.empty().is_empty()
    assert not domain.is_empty()


def test_the_states_are_formatted_only_for_a_debug_log(domain):
    from rasa.core.policies.policy import Policy
    from rasa.core.policies.rule_policy import RulePolicy

    states = [STATES[2], STATES[3]]
    logger = logging.getLogger("rasa.core.policies.rule_policy")
    level = logger.level
    try:
        logger.setLevel(logging.INFO)
        assert RulePolicy.format_tracker_states(states) == ""
        logger.setLevel(logging.DEBUG)
        assert RulePolicy.format_tracker_states(states) == Policy.format_tracker_states(states)
    finally:
        logger.setLevel(level)


def test_the_loaded_model_is_left_out_of_the_collections(monkeypatch):
    calls = []
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    load_model = turn._frozen_after_load(lambda self, path, fingerprint=None: calls.append("load"))
    load_model(None, "model.tar.gz")
    assert calls == ["load", "freeze"]  # what the model loaded is never walked by a collection
