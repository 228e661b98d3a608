"""Is my project eligible? A guided check (a Rasa form) rule by rule, for the programme in play.

The form asks only what the programme's rules need (``knowledge.api.required_answers``). One
message may answer several questions ("on sera 60 dont 30 Polonais, sur 4 jours"), a later
answer corrects an earlier one, and the user may leave ("stop") and come back with the answers kept.
A message that answers nothing gets the question rephrased; from the second miss on, a person to
talk to is offered as well.
"""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from actions.answer import link, send, text_answer
from actions.common import KnowledgeAction, latest_entity_values, latest_intent
from actions.parsing import BARE_ANSWER_READERS, parse_answers
from actions.words_fr import parse_int_fr
from knowledge import api
from knowledge.answers import (
    ANSWER_ORDER,
    ANSWERS_BY_NAME,
    EligibilityReport,
    ProjectAnswers,
)

FORM = "eligibility_form"
STRAND_SLOT = "eligibility_strand"
FAILURES_SLOT = "eligibility_failures"
ANSWER_SLOTS = ANSWER_ORDER  # one slot per answer, in asking order
# The slots the form sets: rasa_sdk would keep only those of the questions this programme needs.
FORM_SLOTS = {STRAND_SLOT, FAILURES_SLOT, *ANSWER_SLOTS}
# Intents that interrupt the check: the form steps aside and a rule (bot/data/rules/eligibility.yml)
# answers them. Any other message is taken as an attempt to answer the question asked.
INTERRUPTING_INTENTS = {
    "stop",
    "goodbye",
    "out_of_scope",
    "ask_contact",
    "ask_twinning_setup",
    "ask_human",
    "ask_programme_info",
    "ask_programme_amount",
    "ask_programme_deadline",
    "ask_programme_eligibility",
    "ask_programme_how_to_apply",
}


def strand_choices() -> List[Tuple[str, str]]:
    """(title, strand id) of each programme whose rules the check knows, in programmes.yml order."""
    strands = (api.get_strand(strand_id) for strand_id in api.eligibility_strands())
    return [(strand.short_name, strand.id) for strand in strands if strand is not None]


VERDICTS = {
    "eligible": "D'après les règles que je peux vérifier, votre projet semble ÉLIGIBLE",
    "not_eligible": "Votre projet ne semble PAS ÉLIGIBLE",
    "unknown": "Je ne peux pas conclure avec certitude",
}
OUTCOME_MARKS = {"ok": "✓", "fails": "✗", "unknown": "?", "to_verify": "⚠"}


def failures_so_far(tracker: Tracker) -> int:
    """How many answers in a row were not understood (0 if the slot holds anything but a number)."""
    value = tracker.get_slot(FAILURES_SLOT)
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0


def project_answers(tracker: Tracker) -> Dict[str, Any]:
    """The answers held by the slots, each of the kind the check expects (others are left out).

    The form sets only well-formed values; a slot set otherwise (e.g. through Rasa's HTTP API)
    must not make the check fail.
    """
    values = {slot: tracker.get_slot(slot) for slot in ANSWER_SLOTS}
    return {slot: value for slot, value in values.items() if ANSWERS_BY_NAME[slot].accepts(value)}


def checkable_strand(value: Optional[str]) -> Optional[str]:
    """The strand id when the eligibility of that programme can be checked, else None."""
    strand = api.get_strand(value) if value else None
    return strand.id if strand is not None and strand.id in api.eligibility_strands() else None


class ValidateEligibilityForm(FormValidationAction):
    """Extract answers from free text and decide which questions the programme needs."""

    def name(self) -> Text:
        return "validate_eligibility_form"

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        strand = await asyncio.to_thread(checkable_strand, tracker.get_slot(STRAND_SLOT))
        if strand is None:
            return [STRAND_SLOT]
        return [STRAND_SLOT, *await asyncio.to_thread(api.required_answers, strand)]

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        events = await super().run(dispatcher, tracker, domain)
        # Ask the next question here rather than in one action_ask_<slot> per answer: the
        # question depends on the misses counted above (rasa_sdk has applied the events to
        # `tracker`), and Rasa asks nothing itself when domain.yml names no ask action.
        requested = next((e["value"] for e in events if e.get("name") == REQUESTED_SLOT), None)
        if requested == STRAND_SLOT:
            ask_strand(dispatcher)
        elif requested:
            ask_question(dispatcher, requested, failures_so_far(tracker))
        return events

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        values = await asyncio.to_thread(extract_answers, tracker)  # reads the knowledge base
        events: List[EventType] = [SlotSet(slot, value) for slot, value in values.items()]
        if values:
            if tracker.get_slot(FAILURES_SLOT):
                events.append(SlotSet(FAILURES_SLOT, 0))
        elif latest_intent(tracker) not in INTERRUPTING_INTENTS and tracker.get_slot("requested_slot"):
            # An answer we could not read: count it, so the question is rephrased (and after
            # two misses a person is offered) instead of looping on the same words.
            events.append(SlotSet(FAILURES_SLOT, failures_so_far(tracker) + 1))
        return events

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        # rasa_sdk keeps only the slots of the questions asked for this programme: also keep the
        # miss counter and answers to other questions ("sur 4 jours" stays useful if the user
        # switches programme). No answer needs validating: extract_answers sets only good values.
        return [SlotSet(slot, value) for slot, value in tracker.slots_to_validate().items() if slot in FORM_SLOTS]


def extract_answers(tracker: Tracker) -> Dict[str, Any]:
    """Every answer the latest message gives (several at once, corrections included)."""
    text = tracker.latest_message.get("text") or ""
    requested = tracker.get_slot("requested_slot")
    values: Dict[str, Any] = {}

    strand = next(filter(None, map(checkable_strand, latest_entity_values(tracker, "programme"))), None)
    if strand is None and (tracker.get_slot(STRAND_SLOT) is None or latest_intent(tracker) == "check_eligibility"):
        # Starting (or restarting) the check: the programme the conversation is about now, if it
        # can be checked — the user may have moved on from the programme checked last time.
        strand = checkable_strand(tracker.get_slot("programme") or tracker.get_slot("recommended_programme"))
    if strand:
        values[STRAND_SLOT] = strand

    if text.startswith("/"):
        return values  # a button payload carries no free text to read
    parsed = parse_answers(text)
    named = parsed.pop("partner_countries", None)
    countries = list(dict.fromkeys([*(named if isinstance(named, (list, tuple)) else ()), *latest_entity_values(tracker, "country")]))
    if not countries and tracker.get_slot("partner_countries") is None and tracker.get_slot("country"):
        countries = [tracker.get_slot("country")]  # the partner named earlier in the conversation
    countries = [code.upper() for code in countries if code and code.upper() != "FR"]
    if countries:
        values["partner_countries"] = countries
    values.update({slot: value for slot, value in parsed.items() if slot in ANSWER_SLOTS})

    # A bare answer to the question just asked: "60", "oui", "la mairie".
    if requested in ANSWERS_BY_NAME and requested not in values:
        kind = ANSWERS_BY_NAME[requested].kind
        if kind == "number":
            value = parse_int_fr(text)
        elif kind == "bool":
            value = {"affirm": True, "deny": False}.get(latest_intent(tracker) or "")
        else:
            value = BARE_ANSWER_READERS.get(requested, lambda _: None)(text)
        if value is not None:
            values[requested] = value
    # Repeating a known answer counts as an answer (so the form does not step aside).
    return values


def ask_question(dispatcher: CollectingDispatcher, slot: Text, failures: int) -> None:
    """Ask one question of the check: plain first, rephrased with an example after a miss."""
    answer = ANSWERS_BY_NAME[slot]
    lines = []
    if failures:
        lines.append("Je n'ai pas compris votre réponse.")
    lines.append(answer.question)
    if failures:
        lines.append(answer.hint)
    if failures >= 2:
        lines.append(
            "Si vous préférez en parler à une personne, le réseau EUROPE DIRECT répond au "
            "00 800 6 7 8 9 10 11 (appel gratuit) ; pour le CERV, le CIDEM est le point de contact "
            "national. Dites « stop » pour arrêter la vérification."
        )
    buttons = [{"title": title, "payload": payload} for title, payload in answer.buttons]
    dispatcher.utter_message(text="\n".join(line for line in lines if line), buttons=buttons)


def ask_strand(dispatcher: CollectingDispatcher) -> None:
    """Ask which programme to check, with one quick reply per checkable programme."""
    dispatcher.utter_message(
        text=(
            "Je vais vérifier l'éligibilité de votre projet, règle par règle. "
            "Pour quel programme ? (Vous pourrez dire « stop » à tout moment.)"
        ),
        buttons=[
            {"title": title, "payload": f'/inform{{"programme": "{strand}"}}'} for title, strand in strand_choices()
        ],
    )


class ActionCheckEligibility(KnowledgeAction):
    """Give the verdict of the check, rule by rule, each with its source and call year."""

    def name(self) -> Text:
        return "action_check_eligibility"

    def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        strand_id = checkable_strand(tracker.get_slot(STRAND_SLOT))
        if strand_id is None:
            ask_strand(dispatcher)  # no programme whose rules can be checked: ask which one
            return []
        report = api.check_eligibility(strand_id, ProjectAnswers.from_mapping(project_answers(tracker)))
        send(dispatcher, text_answer(report_text(report)))
        return [SlotSet(FAILURES_SLOT, 0), SlotSet("programme", strand_id)]


def report_text(report: EligibilityReport) -> str:
    """The verdict, then one line per rule: mark, explanation, call year and source."""
    strand = api.get_strand(report.strand_id)
    assert strand is not None, report.strand_id  # the check ran on this strand
    lines = [f"{VERDICTS[report.verdict]} pour {strand.short_name}."]
    for result in report.results:
        year = f" [appel {result.call_year}]" if result.call_year else ""
        source = f" ({link('source', result.source_url)})" if result.source_url else ""
        lines.append(f"{OUTCOME_MARKS.get(result.outcome, '?')} {result.explanation_fr.rstrip('.')}.{year}{source}")
    if report.not_checked:
        lines.append(
            "Non vérifié ici : " + " ; ".join(r.text.rstrip(".") for r in report.not_checked) + "."
        )
    lines.append(
        "Vous pouvez corriger une réponse (par exemple « en fait on sera 80 »). "
        f"Règles complètes de l'appel : {link('page officielle', report.official_url or strand.official_url)}."
    )
    return "\n".join(lines)
