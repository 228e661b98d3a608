"""Recommend the programme that fits the user's project, or ask one clarifying question."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import formatting
from actions import common
from actions.locator import ActionFindEuropeDirect
from actions.common import (
    KnowledgeAction,
    best_guess_intent,
    latest_entity_values,
    latest_intent,
    national_scheme_reply,
    profile_from,
)
from knowledge import api
from knowledge.vocabulary import INTENT_NEEDS, PROFILE_ENTITIES
from knowledge.views import ExampleView, Recommendation

CLARIFY_TEXT = (
    "Pour vous orienter vers le bon programme, quel est votre projet ? "
    "Vous pouvez aussi me préciser le public (jeunes, habitants, élus…) et le pays de la ville partenaire."
)
CLARIFY_BUTTONS = [
    {"title": "Rencontre entre habitants des villes jumelles", "payload": "/ask_funding_twinning"},
    {"title": "Échange de jeunes", "payload": "/ask_funding_youth_exchange"},
    {"title": "Réseau de plusieurs villes", "payload": "/ask_funding_network_of_towns"},
    {"title": "École, formation, éducation des adultes", "payload": "/ask_funding_education_training"},
    {"title": "Coopération sur le climat et l'énergie", "payload": "/ask_funding_climate_cities"},
    {"title": "Projet citoyen franco-allemand", "payload": "/ask_funding_franco_german"},
]
# Partner countries named at once from which a project is a network of towns (CERV asks for 4
# countries in all, the French commune's included).
NETWORK_MIN_PARTNER_COUNTRIES = 3


def _pick_example(examples: List[ExampleView], country: Optional[str]) -> Optional[ExampleView]:
    """Prefer a current (not predecessor-programme) example, with the user's partner country if any."""
    if not examples:
        return None

    def rank(example: ExampleView):
        return (example.historical_note is not None, country not in example.partner_countries)

    return sorted(examples, key=rank)[0]


def _example_for(recommendations: List[Recommendation], country: Optional[str]) -> Optional[ExampleView]:
    """An example of the recommended strand, else of its programme, else of the next best strand."""
    best = recommendations[0].strand
    for key in (best.id, best.programme_id, *(rec.strand.id for rec in recommendations[1:])):
        example = _pick_example(api.examples_for(key), country)
        if example is not None:
            return example
    return None


class ActionRecommendProgramme(KnowledgeAction):
    """Rank the programmes for the project profile and answer with the best one first."""

    def name(self) -> Text:
        return "action_recommend_programme"

    def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        return self.recommend(dispatcher, tracker, latest_intent(tracker))

    def recommend(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, intent: Optional[str]
    ) -> List[Dict[Text, Any]]:
        """Answer as for ``intent`` (which may differ from the NLU's final one, see below)."""
        national = national_scheme_reply(tracker)
        if national:
            dispatcher.utter_message(text=national)
            return []
        need = INTENT_NEEDS.get(intent) or tracker.get_slot("need")
        if (intent not in INTENT_NEEDS and need == "network_of_towns"
                and len(latest_entity_values(tracker, "country")) == 1):
            # "Finalement, juste un week-end de rencontres avec Rovereto" after a network project.
            need = "twinning_meeting"
        if need in (None, "twinning_meeting", "franco_german") and len(
                latest_entity_values(tracker, "country")) >= NETWORK_MIN_PARTNER_COUNTRIES:
            # "On est 4 villes (Roumanie, Bulgarie, Grèce et nous)": several partner countries at
            # once describe a network of towns rather than a bilateral twinning.
            need = "network_of_towns"
        events: List[Dict[Text, Any]] = []
        profile = profile_from(tracker, need)
        if need != tracker.get_slot("need") and not latest_entity_values(tracker, "audience"):
            # A new kind of project: the public of the previous one is not this one's.
            profile = replace(profile, audience=None)

        if not profile.describes_anything:
            if intent == "inform" and api.nearest_europe_direct(tracker.latest_message.get("text")):
                # "je vis à Poitiers", "24000": a place and nothing else is an answer to "where
                # are you?" — give the nearest Europe Direct centre.
                return ActionFindEuropeDirect().answer(dispatcher, tracker, {})
            dispatcher.utter_message(text=CLARIFY_TEXT, buttons=CLARIFY_BUTTONS)
            return events

        day = common.today()
        recommendations = api.recommend(profile, today=day)
        if not recommendations:
            dispatcher.utter_message(
                text=(
                    "Je ne trouve pas de programme européen qui corresponde à ce projet. "
                    "Le réseau Europe Direct peut étudier votre cas : "
                    "https://european-union.europa.eu/contact-eu/meet-us_fr?country=FR"
                )
            )
            return events + [SlotSet("need", need)]

        best = recommendations[0]
        strand = best.strand
        contacts = api.contacts_for(strand.id)
        example = _example_for(recommendations, profile.country)
        text = formatting.recommendation_text(
            best,
            next_call=api.next_call(strand.id, today=day),
            example=example,
            contact=contacts[0] if contacts else None,
            alternatives=recommendations[1:],
            today=day,
            # Only what fits this project: a scheme that does not is no help while waiting.
            open_all_year=[rec.strand for rec in recommendations if rec.strand.rolling],
            partner_country=profile.country,
        )
        dispatcher.utter_message(text=text)
        return events + [
            SlotSet("need", need),
            SlotSet("recommended_programme", strand.id),
            SlotSet("programme", strand.id),
        ]


FUNDING_INTENTS = {*INTENT_NEEDS, "ask_funding", "inform"}


class ActionHandleLowConfidence(ActionRecommendProgramme):
    """A message the NLU is unsure about: recommend anyway when it describes a project.

    Long, rambling messages ("je suis animatrice à Roubaix, j'ai 12 jeunes… une asso en Lituanie
    voudrait les accueillir…") often fall under the confidence threshold although their best
    guess is a funding question and they name the project's details. Anything else gets the
    "please rephrase" answer, which names no programme.
    """

    def name(self) -> Text:
        return "action_handle_low_confidence"

    def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        guess = best_guess_intent(tracker)
        describes_project = any(latest_entity_values(tracker, entity) for entity in PROFILE_ENTITIES)
        if guess in FUNDING_INTENTS and describes_project:
            return self.recommend(dispatcher, tracker, guess)
        dispatcher.utter_message(response="utter_default")
        return []
