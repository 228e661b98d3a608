"""Each patch of bot/speedups/ gives Rasa's own result (the patches are installed in this process)."""

from __future__ import annotations

import copy

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.utils.common import all_subclasses

from bot import speedups
from bot.settings import REPO_ROOT


@pytest.fixture(scope="module")
def domain() -> Domain:
    speedups.install()
    return Domain.load(str(REPO_ROOT / "domain.yml"))


def test_refuses_another_rasa_version(monkeypatch):
    import rasa

    monkeypatch.setattr(speedups, "_installed", False)
    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    with pytest.raises(RuntimeError):
        speedups.install()


def test_event_classes_resolved_as_rasa_does(domain):
    for cls in all_subclasses(Event):
        expected = next(c for c in all_subclasses(Event) if c.type_name == cls.type_name)
        assert Event.resolve_by_type(cls.type_name) is expected
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("no such event", default=SlotSet) is SlotSet
    with pytest.raises(ValueError):
        Event.resolve_by_type("no such event")


def conversation(turns: int) -> list:
    events = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]
    for number in range(turns):
        events += [UserUttered(f"m{number}", {"name": "ask_funding_twinning", "confidence": 1.0}),
                   SlotSet("country", "PL"),
                   ActionExecuted("action_recommend_programme", hide_rule_turn=number % 2 == 0),
                   BotUttered("r"), ActionExecuted("action_listen")]
        if number == 3:
            events += [UserUttered("oops", {"name": "greet", "confidence": 1.0}), UserUtteranceReverted()]
    return events


@pytest.mark.parametrize("ignore_rule_only_turns", [False, True])
def test_incremental_states_equal_rasa_states(domain, ignore_rule_only_turns):
    stock = DialogueStateTracker.past_states.__wrapped__
    events = conversation(8)
    tracker = DialogueStateTracker("speed-test", domain.slots)
    for number, event in enumerate(events):
        tracker.update(event)
        # Sometimes the same conversation comes back with equal events read back from a store.
        if number % 7 == 0:
            tracker = DialogueStateTracker.from_dict("speed-test", [e.as_dict() for e in tracker.events],
                                                     domain.slots)
        options = dict(ignore_rule_only_turns=ignore_rule_only_turns,
                       rule_only_data={"slots": ["country"], "loops": []})
        expected = stock(copy.deepcopy(tracker), domain, **options)
        assert tracker.past_states(domain, **options) == expected
        assert tracker.past_states(domain, **options) == expected  # from the cache


def test_last_state_is_a_copy(domain):
    tracker = DialogueStateTracker("speed-copy", domain.slots)
    for event in conversation(2):
        tracker.update(event)
    tracker.past_states(domain)[-1].clear()
    assert tracker.past_states(domain)[-1]


def test_the_action_server_gets_what_the_actions_read_of_the_whole_conversation(domain):
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.trackers import EventVerbosity
    from rasa.utils.endpoints import EndpointConfig
    from rasa_sdk import Tracker

    events = conversation(6) + [
        UserUttered("on sera 40", {"name": "inform", "confidence": 1.0},
                    [{"entity": "country", "value": "IT", "start": 0, "end": 2}]),
        ActionExecuted("validate_eligibility_form"), SlotSet("participants", 40), SlotSet("requested_slot", "max_age"),
    ]
    tracker = DialogueStateTracker.from_events("someone", events, domain.slots)
    sent = RemoteAction("action_recommend_programme", EndpointConfig("http://localhost"))._action_call_format(
        tracker, domain)
    full = tracker.current_state(EventVerbosity.ALL)

    assert [e["event"] for e in sent["tracker"]["events"]] == ["user", "action", "slot", "slot"]
    assert {k: v for k, v in sent["tracker"].items() if k != "events"} == {k: v for k, v in full.items() if k != "events"}
    lean, whole = Tracker.from_dict(sent["tracker"]), Tracker.from_dict(full)
    assert lean.slots == whole.slots and lean.latest_message == whole.latest_message
    assert lean.slots_to_validate() == whole.slots_to_validate() == {"participants": 40, "requested_slot": "max_age"}
    assert list(lean.get_latest_entity_values("country")) == ["IT"]


def _with_loops_and_reverts() -> list:
    from rasa.shared.core.events import ActionReverted, ActiveLoop, Restarted

    events = conversation(3)
    events += [UserUttered("éligible ?", {"name": "check_eligibility", "confidence": 1.0}),
               ActionExecuted("eligibility_form"), ActiveLoop("eligibility_form"), SlotSet("requested_slot", "x"),
               ActionExecuted("action_listen"), UserUttered("40", {"name": "inform", "confidence": 1.0}),
               ActionExecuted("eligibility_form"), SlotSet("participants", 40), ActionExecuted("action_listen"),
               UserUttered("bof", {"name": "deny", "confidence": 1.0}), UserUtteranceReverted(),
               ActionExecuted("action_listen"), UserUttered("stop", {"name": "stop", "confidence": 1.0}),
               ActionExecuted("eligibility_form"), ActionReverted(), ActiveLoop(None), ActionExecuted("action_listen")]
    events += conversation(2)[3:] + [Restarted(), ActionExecuted("action_listen")] + conversation(2)[3:]
    return events


def test_applied_events_equal_rasa_applied_events_as_a_conversation_grows(domain):
    rasa_applied = DialogueStateTracker.applied_events.__wrapped__
    events = _with_loops_and_reverts()
    for length in range(1, len(events) + 1):
        tracker = DialogueStateTracker.from_events("grows", events[:length], domain.slots)
        assert tracker.applied_events() == rasa_applied(tracker), length
    # Another history under the same name (a shorter one, then one that differs): computed whole.
    for other in (events[:5], conversation(4)):
        tracker = DialogueStateTracker.from_events("grows", other, domain.slots)
        assert tracker.applied_events() == rasa_applied(tracker)


def test_a_form_named_only_later_changes_earlier_events_as_in_rasa(domain):
    from rasa.shared.core.events import ActiveLoop

    rasa_applied = DialogueStateTracker.applied_events.__wrapped__
    events = conversation(2) + [ActionExecuted("late_form"), ActionExecuted("action_listen")]
    tracker = DialogueStateTracker.from_events("late", events, domain.slots)
    assert tracker.applied_events() == rasa_applied(tracker)
    tracker.update(ActiveLoop("late_form"))  # a new form name: the earlier "late_form" runs count differently
    tracker.update(ActionExecuted("late_form"))
    assert tracker.applied_events() == rasa_applied(tracker)


def test_the_spacy_model_is_loaded_once_and_shared_without_its_ner(domain):
    from rasa.nlu.utils.spacy_utils import SpacyNLP

    provided, processing = SpacyNLP.load_model("fr_core_news_sm"), SpacyNLP.load_model("fr_core_news_sm")

    assert provided is processing
    assert "ner" not in provided.model.pipe_names
    assert [token.lemma_ for token in provided.model("nous voulons inviter nos amis")][-1] == "ami"


class _Step:
    """A graph component that records its calls and joins its inputs (order-sensitive output)."""

    calls: list = []

    @classmethod
    def create(cls, config, model_storage, resource, execution_context):
        return cls(execution_context.node_name)

    def __init__(self, name):
        self.name = name

    def run(self, **inputs):
        _Step.calls.append(self.name)
        return self.name + "(" + ",".join(f"{key}={inputs[key]}" for key in sorted(inputs)) + ")"


def _graph_runner(tmp_path, hooks=None):
    from rasa.engine.graph import (
        ExecutionContext,
        GraphComponent,
        GraphSchema,
        SchemaNode,
    )
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.engine.storage.local_model_storage import LocalModelStorage

    step = type("Step", (_Step, GraphComponent), {})

    def node(needs, target=False):
        return SchemaNode(needs=needs, uses=step, constructor_name="create", fn="run", config={},
                          eager=True, is_target=target)

    # A diamond, a node nothing needs and a node fed by an input that may be missing.
    schema = GraphSchema({
        "d": node({"left": "b", "right": "c"}, target=True),
        "b": node({"x": "a"}),
        "c": node({"x": "a", "extra": "__extra__"}),
        "a": node({"message": "__message__"}),
        "unused": node({"x": "a"}),
    })
    return DaskGraphRunner(schema, LocalModelStorage(tmp_path), ExecutionContext(schema), hooks)


def test_graphs_run_without_dask_give_dask_results(domain, tmp_path):
    from rasa.engine.exceptions import GraphRunError

    runner = _graph_runner(tmp_path)
    stock = type(runner).run.__wrapped__
    for targets in (["d"], ["b", "c"], ["a", "__extra__"], None):
        inputs = {"__message__": "m", "__extra__": "e"}
        _Step.calls = []
        expected = stock(runner, dict(inputs), targets)
        stock_calls = sorted(_Step.calls)
        _Step.calls = []
        assert runner.run(dict(inputs), targets) == expected
        assert runner.run(dict(inputs), targets) == expected  # the order computed once, reused
        assert sorted(_Step.calls) == sorted(stock_calls * 2)  # each node once per run, the same nodes
    with pytest.raises(GraphRunError, match="Missing input to run node 'c'"):
        stock(runner, {"__message__": "m"}, ["d"])
    with pytest.raises(GraphRunError, match="Missing input to run node 'c'"):
        runner.run({"__message__": "m"}, ["d"])  # an input not given: the same error


def test_graphs_with_hooks_keep_dask(domain, tmp_path, monkeypatch):
    from rasa.engine.graph import GraphNodeHook

    class Hook(GraphNodeHook):
        def on_before_node(self, node_name, execution_context, config, received_inputs):
            return {}

        def on_after_node(self, node_name, execution_context, config, output, input_hook_data):
            pass

    runner = _graph_runner(tmp_path, hooks=[Hook()])
    used = []
    import dask

    original_get = dask.get
    monkeypatch.setattr(dask, "get", lambda *args, **kwargs: used.append(1) or original_get(*args, **kwargs))
    runner.run({"__message__": "m", "__extra__": "e"}, ["d"])
    assert used  # training (whose graph nodes have hooks) runs as stock Rasa runs it


async def test_the_nlu_graph_runs_in_its_thread_with_rasa_result(domain):
    import contextvars
    import threading

    from rasa.core.channels.channel import UserMessage
    from rasa.core.processor import MessageProcessor

    marker: contextvars.ContextVar = contextvars.ContextVar("marker", default=None)

    class Processor:
        """What parse_message uses of Rasa's MessageProcessor, the graph run replaced."""

        http_interpreter = None
        _update_full_retrieval_intent = MessageProcessor._update_full_retrieval_intent
        _check_for_unseen_features = MessageProcessor._check_for_unseen_features

        def __init__(self) -> None:
            self.domain, self.threads = domain, []

        def _parse_message_with_graph(self, message, tracker, only_output_properties=True):
            self.threads.append((threading.current_thread().name, marker.get()))
            return {"text": message.text, "intent": {"name": "greet", "confidence": 0.9}, "entities": [],
                    "tracker_events": len(tracker.events)}

    marker.set("turn")
    processor = Processor()
    message = UserMessage("Bonjour", sender_id="speed-test")
    expected = await MessageProcessor.parse_message.__wrapped__(processor, message)
    assert await MessageProcessor.parse_message(processor, message) == expected
    (stock_thread, _), (thread, context) = processor.threads
    assert stock_thread == threading.current_thread().name
    assert thread.startswith("nlu") and context == "turn"  # the turn's context goes along (stage timings)


@pytest.mark.parametrize("name", speedups.DEBUG_COPY_MODULES)
def test_debug_events_are_deep_copied_only_when_the_debug_log_is_on(domain, name):
    import importlib
    import logging

    module = importlib.import_module(name)
    events = [SlotSet("country", ["PL"])]
    logger = logging.getLogger(name)
    level = logger.level
    try:
        logger.setLevel(logging.INFO)
        assert module.copy.deepcopy(events) is events  # no debug log: nothing reads the copy
        logger.setLevel(logging.DEBUG)
        copied = module.copy.deepcopy(events)
        assert copied == events and copied is not events and copied[0] is not events[0]
    finally:
        logger.setLevel(level)
