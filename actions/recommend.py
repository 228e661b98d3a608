"""Recommend the programme that fits the user's project, or ask one clarifying question."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Dict, List, Mapping, Optional, Sequence, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import common
from actions.answer import EUROPE_DIRECT_LINK, Answer, send, text_answer
from actions.cards import followup_card, full_card_button, recommendation_card
from actions.common import (
    KnowledgeAction,
    best_guess_intent,
    entity_values,
    latest_entity_values,
    latest_intent,
    national_scheme_text,
    project_profile,
)
from actions.locator import ActionFindEuropeDirect, locator_text
from actions.parsing import parse_answers
from actions.words_fr import SAME_PROJECT, normalize
from knowledge import api, ranking
from knowledge.views import ExampleView, NeedProfile, Recommendation
from knowledge.vocabulary import INTENT_NEEDS, PROFILE_ENTITIES

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
NOTHING_FITS_TEXT = (
    "Je ne trouve pas de programme européen qui corresponde à ce projet. "
    "Le réseau Europe Direct peut étudier votre cas : "
    + EUROPE_DIRECT_LINK + "."
)
# "Et si plutôt ils montaient eux-mêmes un projet ?": the people of the project under discussion.
_SAME_PEOPLE = re.compile(r"\b(?:qu'ils|qu'elles|ils|elles|eux-memes|elles-memes)\b")
# "On pourrait aussi ajouter notre ville jumelle roumaine": a partner added to those of the project.
# ("aussi" alone is not enough: "et pour l'Italie ? on a aussi un jumelage avec Lucca" asks about another one.)
_ADDS_PARTNER = re.compile(r"\b(?:ajout\w*|rajout\w*|en plus|elargi\w*|inclure|associer|s'y joindr\w*|se joindr\w*"
                           r"|(?:avec|et) aussi|a trois|a quatre|a cinq)\b")
# Partner countries named at once from which a project is a network of towns (CERV asks for 4
# countries in all, the French commune's included).
NETWORK_MIN_PARTNER_COUNTRIES = 3


def example_for(keys: Sequence[Optional[str]], country: Optional[str]) -> Optional[ExampleView]:
    """The first example to give for the first strand or programme of ``keys`` that has one."""
    for key in keys:
        examples = ranking.examples_in_order(api.examples_for(key), country)
        if examples:
            return examples[0]
    return None


def _example_for(recommendations: List[Recommendation], country: Optional[str]) -> Optional[ExampleView]:
    """An example of the recommended strand, else of its programme, else of the next best strand."""
    best = recommendations[0].strand
    return example_for((best.id, best.programme_id, *(rec.strand.id for rec in recommendations[1:])), country)


@dataclass(frozen=True)
class RecommendationReply:
    """The assistant's answer to a funding question, before it is sent.

    ``kind`` says which answer it is: ``national`` (a French national scheme, out of scope),
    ``clarify`` (nothing of the project is known: a question, with ``buttons``), ``locate`` (a place
    and nothing else: the nearest Europe Direct centres), ``nothing`` (no programme fits) or
    ``recommend`` (the best programme, ``strand_id``, first).
    """

    kind: str
    answer: Answer
    need: Optional[str] = None
    profile: NeedProfile = NeedProfile()
    buttons: Sequence[Dict[str, str]] = ()
    strand_id: Optional[str] = None
    countries: Sequence[str] = ()  # the project's partner countries, once recommended

    @property
    def text(self) -> str:
        """The answer as plain text (links as ``[name](url)``)."""
        return self.answer.plain_text()


def is_followup(message: Mapping[Text, Any], slots: Mapping[Text, Any], intent: Optional[str]) -> bool:
    """Whether the message only changes the partner country of a project already answered.

    "et avec notre ville jumelle anglaise ?" after a recommendation: a country and nothing else of
    the project, and no other kind of project asked for.
    """
    if not slots.get("recommended_programme") or not entity_values(message, "country"):
        return False
    if any(entity_values(message, entity) for entity in PROFILE_ENTITIES if entity != "country"):
        return False
    return intent not in INTENT_NEEDS or INTENT_NEEDS[intent] == slots.get("need")


def recommendation_reply(message: Mapping[Text, Any], slots: Mapping[Text, Any], intent: Optional[str],
                         today: date) -> RecommendationReply:
    """What the assistant answers to ``message`` taken as ``intent`` (pure but for knowledge reads).

    Args:
        message: Rasa's parse data of the user's message (``text``, ``entities``).
        slots: the conversation's slots (empty for a first message).
        intent: the intent to answer as (the NLU's best guess when it fell back).
        today: the date the deadlines are counted from.
    """
    text = normalize(message.get("text") or "")
    countries = entity_values(message, "country")
    earlier = [code for code in slots.get("partner_countries") or [] if code not in countries]
    if countries and earlier and _ADDS_PARTNER.search(text):
        countries = earlier + countries
    need = INTENT_NEEDS.get(intent or "") or slots.get("need")
    same_project = bool(slots.get("need")) and bool(SAME_PROJECT.search(text))
    if same_project:
        need = slots.get("need")  # "exactement pareil avec nos jumeaux italiens": the same project, elsewhere
    if intent not in INTENT_NEEDS and need == "network_of_towns" and len(countries) == 1:
        # "Finalement, juste un week-end de rencontres avec Rovereto" after a network project.
        need = "twinning_meeting"
    if need in (None, "twinning_meeting", "franco_german") and len(countries) >= NETWORK_MIN_PARTNER_COUNTRIES:
        # "On est 4 villes (Roumanie, Bulgarie, Grèce et nous)": several partner countries at
        # once describe a network of towns rather than a bilateral twinning.
        need = "network_of_towns"
    profile = project_profile(message, slots, need)
    others = [code for code in countries if code.upper() != "DE"]
    if "DE" in {code.upper() for code in countries} and others:
        # "Rencontre trinationale avec Gifhorn et Głogów": partners beyond Germany. The Franco-German
        # schemes are made for a German partner; the project ranks for its other partner (CERV, Erasmus+),
        # and a Franco-German reading gives way to the same kind of project with that partner.
        profile = replace(profile, country=others[0].upper())
    if (need != slots.get("need") and need != "franco_german" and not entity_values(message, "audience")
            and not _SAME_PEOPLE.search(text)):
        # A new kind of project: the public of the previous one is not this one's. (A Franco-German
        # reading only says the partner is German: "nos jumelles sont en Allemagne et en Pologne"; and
        # "qu'ils montent eux-mêmes un projet" is a new project of the same people.)
        profile = replace(profile, audience=None)

    national = national_scheme_text(message)
    if national:
        return RecommendationReply("national", text_answer(national), need, profile)
    if not profile.describes_anything:
        place = api.nearest_europe_direct(message.get("text")) if intent == "inform" else None
        if place:
            # "je vis à Poitiers", "24000": a place and nothing else is an answer to "where
            # are you?" — give the nearest Europe Direct centre.
            return RecommendationReply("locate", text_answer(locator_text(place)), need, profile)
        return RecommendationReply("clarify", text_answer(CLARIFY_TEXT), need, profile, buttons=CLARIFY_BUTTONS)

    # The project's length, when the message gives it: "sur trois ans" is no small partnership.
    shape = {"duration_months": parse_answers(message.get("text") or "").get("duration_months")}
    recommendations = api.recommend(profile, today=today, answers=shape)
    if not recommendations:
        return RecommendationReply("nothing", text_answer(NOTHING_FITS_TEXT), need, profile)
    named = {found.programme_id for value in entity_values(message, "programme") if (found := api.get_strand(value))}
    if recommendations[0].strand.programme_id in named:
        # "L'OFAJ, qu'est-ce qu'ils prennent en charge pour une rencontre de jeunes ?": the programme asked
        # about fits; other programmes' strands are not what was asked.
        recommendations = [rec for rec in recommendations if rec.strand.programme_id in named]
    best = recommendations[0]
    strand = best.strand
    country_name = api.country_name(profile.country)
    country_status = api.country_status(profile.country)
    contacts = api.contacts_for(strand.id)
    example = _example_for(recommendations, profile.country)
    if is_followup(message, slots, intent):
        answer = followup_card(best, slots.get("recommended_programme"), profile, country_name, country_status,
                               contact=contacts[0] if contacts else None, example=example)
        return RecommendationReply("recommend", answer, need, profile, buttons=[full_card_button(strand.id)],
                                   strand_id=strand.id, countries=countries)
    answer = recommendation_card(
        best,
        need=ranking.infer_need(profile)[0],
        profile=profile,
        next_call=api.next_call(strand.id, today=today),
        example=example,
        contact=contacts[0] if contacts else None,
        alternatives=recommendations[1:],
        today=today,
        # Only what fits this project: a scheme that does not is no help while waiting.
        open_all_year=[rec.strand for rec in recommendations if rec.strand.rolling],
        country_name=country_name,
        country_status=country_status,
    )
    return RecommendationReply("recommend", answer, need, profile, strand_id=strand.id, countries=countries)


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
        reply = recommendation_reply(tracker.latest_message, tracker.slots, intent, common.today())
        if reply.kind == "locate":
            return ActionFindEuropeDirect().answer(dispatcher, tracker, {})  # it also keeps the place
        send(dispatcher, reply.answer, reply.buttons)
        if reply.kind == "nothing":
            return [SlotSet("need", reply.need)]
        if reply.kind == "recommend":
            events = [
                SlotSet("need", reply.need),
                SlotSet("recommended_programme", reply.strand_id),
                SlotSet("programme", reply.strand_id),
            ]
            if reply.profile.activity and len(latest_entity_values(tracker, "activity")) > 1:
                # Of several activities, the one that decided ("cocreation" before "formation") is the
                # project's for the next turns.
                events.append(SlotSet("activity", reply.profile.activity))
            return events + ([SlotSet("partner_countries", list(reply.countries))] if reply.countries else [])
        return []


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
