"""Answer questions about one programme: what it is, amounts, deadline, eligibility, how to apply."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import common, formatting
from actions.answer import send, text_answer
from actions.cards import programme_card
from actions.common import (
    KnowledgeAction,
    latest_entity_values,
    latest_intent,
    latest_intent_confidence,
    national_scheme_text,
)
from actions.compare import ActionComparePrograms
from actions.recommend import ActionRecommendProgramme
from actions.words_fr import normalize
from knowledge import api, ranking
from knowledge.views import NeedProfile, StrandView

TOPICS = {
    "ask_programme_info": "info",
    "ask_programme_amount": "amount",
    "ask_programme_deadline": "deadline",
    "ask_programme_eligibility": "eligibility",
    "ask_programme_how_to_apply": "how_to_apply",
}
# Entities that describe a programme without naming it ("les villes jumelles climat").
DESCRIBING_SLOTS = ("audience", "theme", "activity")
# Below this NLU confidence, a programme question with no programme in sight is not trusted.
CONFIDENT = 0.8
WHICH_PROGRAMME_TEXT = "De quel programme parlez-vous ?"
# The EU's scheme for twinning itself, the one a question about "le jumelage" means.
TWINNING_STRAND = "cerv_town_twinning"
_TWINNING = re.compile(r"\b(?:jumelages?|villes jumelees|communes jumelees)\b")
PROGRAMME_CHOICES = [
    ("CERV – Jumelage de villes", "cerv_town_twinning"),
    ("CERV – Réseaux de villes", "cerv_networks_of_towns"),
    ("Erasmus+", "erasmus_plus"),
    ("Mission Villes (Horizon Europe)", "horizon_cities_mission"),
    ("OFAJ", "ofaj"),
    ("Fonds citoyen franco-allemand", "fonds_citoyen"),
]


def _still_fits(strand: StrandView, described: NeedProfile) -> bool:
    """Whether what the message adds leaves the programme in context right for the project."""
    return (
        ranking.suits_public(strand, described.audience)
        and (described.activity is None or described.activity in strand.activities)
        and (described.theme is None or described.theme in strand.themes)
    )


def which_programme_buttons(intent: str) -> List[Dict[str, str]]:
    """Quick replies that repeat the user's question for each programme."""
    return [
        {"title": title, "payload": f'/{intent}{{"programme": "{programme}"}}'}
        for title, programme in PROGRAMME_CHOICES
    ]


class ActionAnswerProgrammeQuestion(KnowledgeAction):
    """Answer about the programme named now, or else the one in the conversation's context."""

    def name(self) -> Text:
        return "action_answer_programme_question"

    def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        national = national_scheme_text(tracker.latest_message)
        if national:
            send(dispatcher, text_answer(national))
            return []
        if len(set(latest_entity_values(tracker, "programme"))) >= 2:
            # "l'OFAJ ou le Fonds citoyen, c'est quoi qui change ?": two programmes named at once
            # make a comparison, whatever the exact wording.
            return ActionComparePrograms().answer(dispatcher, tracker, domain)
        intent = latest_intent(tracker) or ""
        topic = TOPICS.get(intent, "info")
        strand = self._strand_in_question(tracker)
        if strand is None:
            if latest_intent_confidence(tracker) < CONFIDENT:
                # No programme anywhere and an unsure guess: more likely a question we do not
                # cover ("combien coûte un billet de train ?") than one about a programme.
                dispatcher.utter_message(response="utter_default")
                return []
            intent = intent if intent in TOPICS else "ask_programme_info"
            dispatcher.utter_message(text=WHICH_PROGRAMME_TEXT, buttons=which_programme_buttons(intent))
            return []
        partner = (latest_entity_values(tracker, "country") or [tracker.get_slot("country")])[0]
        if partner and not formatting.accepts_country(strand, partner):
            # "et avec nos jumeaux italiens, l'OFAJ marcherait aussi ?": what fits that partner
            # first, then why the scheme asked about does not.
            events = ActionRecommendProgramme().recommend(dispatcher, tracker, None)
            send(dispatcher, text_answer(formatting.not_for_country(
                strand, api.country_name(partner) or partner, lambda code: api.country_name(code) or code)))
            return events
        day = common.today()
        contacts = api.contacts_for(strand.id)
        profile = common.profile_from(tracker, tracker.get_slot("need"))
        # While no call is open, the schemes open all year that fit the project described so far.
        fitting = api.recommend(profile, today=day) if profile.describes_anything else []
        answer = programme_card(
            strand,
            topic,
            next_call=api.next_call(strand.id, today=day),
            today=day,
            country_names=lambda code: api.country_name(code) or code,
            partner_country=tracker.get_slot("country"),
            open_all_year=[rec.strand for rec in fitting if rec.strand.rolling],
            contact=contacts[0] if contacts else None,
        )
        send(dispatcher, answer)
        return [SlotSet("programme", strand.id)]

    @staticmethod
    def _strand_in_question(tracker: Tracker) -> Optional[StrandView]:
        """The programme named now; else the one this message describes; else the one in context.

        "Les Réseaux de villes, c'est combien ?" names no programme but an activity (réseau):
        the best-ranked strand for what the message describes is the one asked about.
        """
        named = latest_entity_values(tracker, "programme")
        if named:
            return api.strand_for(named[0], common.profile_from(tracker, tracker.get_slot("need")))
        context = api.get_strand(tracker.get_slot("programme") or tracker.get_slot("recommended_programme"))
        described = NeedProfile(
            **{slot: next(iter(latest_entity_values(tracker, slot)), None) for slot in DESCRIBING_SLOTS}
        )
        if any(getattr(described, slot) for slot in DESCRIBING_SLOTS):
            if context is not None and _still_fits(context, described):
                return context  # "même sans être une asso ?": a detail added, the programme stays
            if context is None and latest_intent_confidence(tracker) < CONFIDENT:
                return None  # no programme in sight and an unsure reading ("la salle des fêtes, c combien ?")
            recommendations = api.recommend(described, today=common.today())
            if recommendations:
                return recommendations[0].strand
        if context is None:
            # "Le montant ?" after a project was described but no programme named yet (a contact
            # was given, say): the programme that fits that project.
            profile = common.profile_from(tracker, tracker.get_slot("need"))
            if profile.describes_anything:
                recommendations = api.recommend(profile, today=common.today())
                if recommendations:
                    return recommendations[0].strand
            if _TWINNING.search(normalize(tracker.latest_message.get("text") or "")):
                # "L'Europe met combien dans les projets de jumelage ?": the twinning scheme.
                return api.get_strand(TWINNING_STRAND)
        return context
