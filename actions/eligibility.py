"""Is my project eligible? A guided check (a Rasa form) rule by rule, for the programme in play.

The form asks only what the programme's rules need (``knowledge.api.required_answers``). One
message may answer several questions ("on sera 60 dont 30 Polonais, sur 4 jours"), a later
answer corrects an earlier one, and the user may leave ("stop") and come back with the answers kept.
A message that answers nothing gets the question rephrased; from the second miss on, a person to
talk to is offered as well.
"""

from __future__ import annotations

import asyncio

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import KnowledgeAction, latest_entity_values, latest_intent
from actions.parsing import parse_answers, parse_applicant_type, parse_int_fr
from knowledge import api
from knowledge.eligibility import ANSWER_ORDER
from knowledge.schema import CHECK_CHOICE_ANSWERS
from knowledge.views import EligibilityReport, ProjectAnswers

FORM = "eligibility_form"
STRAND_SLOT = "eligibility_strand"
FAILURES_SLOT = "eligibility_failures"
ANSWER_SLOTS = ANSWER_ORDER  # one slot per answer, in asking order
NUMERIC_SLOTS = {
    "participants",
    "invited_participants",
    "min_age",
    "max_age",
    "duration_days",
    "duration_months",
    "weeks_until_start",
}
YES_NO_SLOTS = {"leaders_adult", "is_youth_only"}
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
STRAND_CHOICES = [
    ("CERV – Jumelage de villes", "cerv_town_twinning"),
    ("CERV – Réseaux de villes", "cerv_networks_of_towns"),
    ("Erasmus+ – Échanges de jeunes", "erasmus_youth_exchanges"),
    ("OFAJ – Rencontres de jeunes", "ofaj_youth_meetings"),
    ("Fonds citoyen franco-allemand", "fonds_citoyen_projects"),
]
# How to answer, shown when a reply was not understood.
ANSWER_HINTS = {
    "applicant_type": "Par exemple : « la commune », « le comité de jumelage » ou « une association ».",
    "partner_countries": "Par exemple : « avec la Pologne » ou « Allemagne et Italie ».",
    "meeting_format": "Répondez « chez le partenaire » ou « dans un lieu tiers ».",
    "participants": "Répondez par un nombre, par exemple « 60 personnes ».",
    "invited_participants": "Répondez par un nombre, par exemple « 30 invités ».",
    "min_age": "Répondez par un âge, par exemple « 15 ans ».",
    "max_age": "Répondez par un âge, par exemple « 25 ans ».",
    "leaders_adult": "Répondez par oui ou par non.",
    "is_youth_only": "Répondez par oui ou par non.",
    "duration_days": "Répondez par un nombre de jours, par exemple « 5 jours ».",
    "duration_months": "Répondez par un nombre de mois, par exemple « 18 mois ».",
    "weeks_until_start": "Répondez par un nombre de semaines, par exemple « dans 8 semaines ».",
}
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
    answers: Dict[str, Any] = {}
    for slot in ANSWER_SLOTS:
        value = tracker.get_slot(slot)
        if slot in NUMERIC_SLOTS:
            valid = isinstance(value, (int, float)) and not isinstance(value, bool)
        elif slot in YES_NO_SLOTS:
            valid = isinstance(value, bool)
        elif slot == "partner_countries":
            valid = isinstance(value, list) and all(isinstance(code, str) for code in value)
        else:
            valid = value in CHECK_CHOICE_ANSWERS.get(slot, ())
        if valid:
            answers[slot] = value
    return answers


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
        extraction = await self.get_extraction_events(dispatcher, tracker, domain)
        tracker.add_slots(extraction)
        validation = await self._extract_validation_events(dispatcher, tracker, domain)
        # rasa_sdk keeps only the slots of the questions asked for this programme: also keep the
        # miss counter and answers to other questions ("sur 4 jours" stays useful if the user
        # switches programme).
        validated = {event["name"] for event in validation}
        return validation + [event for event in extraction if event["name"] not in validated]

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
    countries = list(dict.fromkeys([*parsed.pop("partner_countries", ()), *latest_entity_values(tracker, "country")]))
    if not countries and tracker.get_slot("partner_countries") is None and tracker.get_slot("country"):
        countries = [tracker.get_slot("country")]  # the partner named earlier in the conversation
    countries = [code.upper() for code in countries if code and code.upper() != "FR"]
    if countries:
        values["partner_countries"] = countries
    values.update({slot: value for slot, value in parsed.items() if slot in ANSWER_SLOTS})

    # A bare answer to the question just asked: "60", "oui", "la mairie".
    if requested in NUMERIC_SLOTS and requested not in values:
        number = parse_int_fr(text)
        if number is not None:
            values[requested] = number
    elif requested in YES_NO_SLOTS and requested not in values:
        if latest_intent(tracker) in ("affirm", "deny"):
            values[requested] = latest_intent(tracker) == "affirm"
    elif requested == "applicant_type" and "applicant_type" not in values:
        applicant = parse_applicant_type(text)
        if applicant:
            values["applicant_type"] = applicant
    elif requested == "meeting_format" and "meeting_format" not in values:
        lowered = text.lower()
        if "tiers" in lowered:
            values["meeting_format"] = "lieu_tiers"
        elif "partenaire" in lowered or "chez eux" in lowered or "visite" in lowered:
            values["meeting_format"] = "visite"
    # Repeating a known answer counts as an answer (so the form does not step aside).
    return values


class AskEligibilityQuestion(Action):
    """Ask one question of the check: plain first, rephrased with an example after a miss."""

    slot: Text = ""

    def name(self) -> Text:
        return f"action_ask_{self.slot}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        failures = failures_so_far(tracker)
        question = api.answer_labels_fr().get(self.slot, "")
        lines = []
        if failures:
            lines.append("Je n'ai pas compris votre réponse.")
        lines.append(question)
        if failures:
            lines.append(ANSWER_HINTS.get(self.slot, ""))
        if failures >= 2:
            lines.append(
                "Si vous préférez en parler à une personne, le réseau EUROPE DIRECT répond au "
                "00 800 6 7 8 9 10 11 (appel gratuit) ; pour le CERV, le CIDEM est le point de contact "
                "national. Dites « stop » pour arrêter la vérification."
            )
        buttons = []
        if self.slot == "meeting_format":
            buttons = [
                {"title": "Chez le partenaire", "payload": "chez le partenaire"},
                {"title": "Dans un lieu tiers", "payload": "dans un lieu tiers"},
            ]
        elif self.slot in YES_NO_SLOTS:
            buttons = [{"title": "Oui", "payload": "/affirm"}, {"title": "Non", "payload": "/deny"}]
        dispatcher.utter_message(text="\n".join(line for line in lines if line), buttons=buttons)
        return []


class AskEligibilityStrand(Action):
    """Ask which programme to check, with one quick reply per checkable programme."""

    def name(self) -> Text:
        return f"action_ask_{STRAND_SLOT}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        ask_strand(dispatcher)
        return []


def ask_strand(dispatcher: CollectingDispatcher) -> None:
    """Ask which programme to check, with one quick reply per checkable programme."""
    dispatcher.utter_message(
        text=(
            "Je vais vérifier l'éligibilité de votre projet, règle par règle. "
            "Pour quel programme ? (Vous pourrez dire « stop » à tout moment.)"
        ),
        buttons=[
            {"title": title, "payload": f'/inform{{"programme": "{strand}"}}'} for title, strand in STRAND_CHOICES
        ],
    )


# One ask action per answer (action_ask_participants, …): rasa_sdk registers every subclass. The
# dict keeps the classes alive (a class only referenced by __subclasses__ can be garbage-collected).
ASK_ACTIONS = {
    slot: type(f"AskEligibility_{slot}", (AskEligibilityQuestion,), {"slot": slot, "__module__": __name__})
    for slot in ANSWER_SLOTS
}


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
        dispatcher.utter_message(text=report_text(report))
        return [SlotSet(FAILURES_SLOT, 0), SlotSet("programme", strand_id)]


def report_text(report: EligibilityReport) -> str:
    """The verdict, then one line per rule: mark, explanation, call year and source."""
    strand = api.get_strand(report.strand_id)
    lines = [f"{VERDICTS[report.verdict]} pour {strand.short_name}."]
    for result in report.results:
        year = f" [appel {result.call_year}]" if result.call_year else ""
        source = f" — source : {result.source_url}" if result.source_url else ""
        lines.append(f"{OUTCOME_MARKS.get(result.outcome, '?')} {result.explanation_fr.rstrip('.')}.{year}{source}")
    if report.not_checked:
        lines.append(
            "Non vérifié ici : " + " ; ".join(r.text.rstrip(".") for r in report.not_checked) + "."
        )
    lines.append(
        "Vous pouvez corriger une réponse (par exemple « en fait on sera 80 »). "
        f"Règles complètes de l'appel : {report.official_url or strand.official_url}"
    )
    return "\n".join(lines)
