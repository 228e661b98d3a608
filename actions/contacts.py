"""Whom to contact: the programme's contact point, AFCCRE, Europe Direct, or a person."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import formatting
from actions.answer import Answer, Line, send
from actions.common import (
    KnowledgeAction,
    latest_entity_values,
    latest_intent,
    profile_from,
)
from actions.handover import handover
from actions.recommend import example_for
from actions.twinning import DEFAULT_EXAMPLE_STRAND
from actions.words_fr import normalize
from knowledge import api
from knowledge.views import ContactView, ExampleView

# The topic of contacts.yml each contact question asks for, and how the answer opens.
INTENT_TOPICS = {
    "ask_twinning_setup": ("twinning_setup", "Pour créer ou relancer un jumelage et trouver une commune partenaire :"),
    "ask_europe_direct": ("eu_info", "Pour vous informer sur l'Union européenne près de chez vous :"),
    "ask_human": (
        "human",
        "Je suis un assistant automatique ; voici des personnes qui peuvent vous conseiller :",
    ),
}
MAX_CONTACTS = 3
# "Vous auriez leur adresse mail ?", "on peut les appeler ?": the organisation the conversation just named.
_REFERS_BACK = re.compile(
    r"\b(?:leur|leurs|ils|elles|eux|les (?:appeler|joindre|contacter|ecrire)|l'appeler|l'ecrire|le joindre|la joindre)\b")
_EUROPEAN_LEVEL = re.compile(r"\b(?:bruxelles|niveau europeen|echelle europeenne|commission europeenne|agence executive)\b")


def _unique(contacts: List[ContactView]) -> List[ContactView]:
    seen, result = set(), []
    for contact in contacts:
        if contact.id not in seen:
            seen.add(contact.id)
            result.append(contact)
    return result


# The words of this assistant's field; a contact question of five words or more with none of them,
# and no programme or project in the conversation, is about something else.
_FIELD = re.compile(
    r"jumel|europ|erasmus|cerv|ofaj|franco|citoyen|programme|projet|financ|subvention|echange|rencontre|partenaire"
    r"|international|afccre|cidem|eacea|jeunes|climat|reseau|aide|conseil|dossier de candidature"
)


def _off_topic(text: str) -> bool:
    words = normalize(text)
    return len(words.split()) >= 5 and not _FIELD.search(words)


def _setup_example(tracker: Tracker) -> Optional[ExampleView]:
    """An example for a twinning to create or revive: of the scheme that would fund its meetings."""
    profile = profile_from(tracker, tracker.get_slot("need"))
    recommendations = api.recommend(profile) if profile.describes_anything else []
    keys = [rec.strand.id for rec in recommendations[:1]] + [DEFAULT_EXAMPLE_STRAND]
    return example_for(keys, profile.country)


class ActionGiveContact(KnowledgeAction):
    """Give the right contact point for the question and the conversation's context."""

    def name(self) -> Text:
        return "action_give_contact"

    def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        intent = latest_intent(tracker)
        programme = tracker.get_slot("programme") or tracker.get_slot("recommended_programme")
        named = [c for value in latest_entity_values(tracker, "contact") for c in api.get_contacts(value)]

        # The question decides the topic; a named organisation only matters when the user asks for
        # its details ("le mail de l'AFCCRE ?"), not when it is who is asking ("je suis à Europe Direct").
        if intent in INTENT_TOPICS:
            topic, intro = INTENT_TOPICS[intent]
            contacts = api.contacts_for(topic=topic)
            if intent == "ask_human" and programme:
                # The programme's own contact point first: it knows the file best.
                contacts = api.contacts_for(programme, topic="human")[:1] + contacts
        elif named:
            intro, contacts = "Voici les coordonnées demandées :", named
        elif tracker.get_slot("contact") and _REFERS_BACK.search(normalize(tracker.latest_message.get("text") or "")):
            intro, contacts = "Voici les coordonnées demandées :", api.get_contacts(tracker.get_slot("contact"))
        elif programme:
            # "si elle part sur Erasmus+, qui contacter ?" after a youth exchange: that strand's agency.
            strand = api.strand_for(programme, profile_from(tracker, tracker.get_slot("need")))
            intro = f"Pour {strand.short_name} :" if strand else "Vos interlocuteurs :"
            contacts = api.contacts_for(strand.id if strand else programme)
            if _EUROPEAN_LEVEL.search(normalize(tracker.latest_message.get("text") or "")):
                # "c'est géré par qui à Bruxelles ?": the Commission's executive agency first.
                contacts = api.get_contacts("eacea") + contacts  # _unique() below drops the repeat
        elif _off_topic(tracker.latest_message.get("text") or ""):
            # "Qui contacter pour une concession au cimetière ?": not a question this assistant covers.
            dispatcher.utter_message(response="utter_out_of_scope")
            return []
        else:
            # No project yet: the twinning's own association first, it answers the widest questions.
            intro = (
                "Cela dépend de votre question. Pour tout ce qui touche au jumelage (le créer, le relancer, "
                "trouver une commune partenaire, se former), l'AFCCRE ; pour monter un dossier de "
                "financement européen d'une rencontre entre villes jumelées, le CIDEM ; pour toute "
                "question sur l'Europe près de chez vous, un centre Europe Direct :"
            )
            contacts = [c for cid in ("afccre", "cidem", "europe_direct") for c in api.get_contacts(cid)]

        contacts = _unique(contacts)[:MAX_CONTACTS]
        if not contacts:
            contacts = api.get_contacts("europe_direct")
        facts = [Line("", "• " + formatting.contact_line(contact)) for contact in contacts]
        if intent == "ask_twinning_setup":
            # Who did it before: a twinning that got its meetings funded, with that country when named.
            example = _setup_example(tracker)
            if example is not None:
                facts.append(Line("Exemple", formatting.example_text(example, marks=False)))
        unsure = [contact.short_name for contact in contacts if formatting.unverified_channels(contact)]
        note = formatting.to_confirm([f"les coordonnées ({', '.join(unsure)})"] if unsure else [], None)
        facts += [note] if note else []
        copy = ""
        if intent == "ask_human":
            # One message: the people to ask, then the message to send them, ready to copy.
            offer, copy = handover(tracker, contacts)
            facts.append(offer)
        source = formatting.source_link(contacts[0].sources) if contacts and contacts[0].sources else ""
        details = [Line(contact.short_name, formatting.contact_text(contact, marks=False)) for contact in contacts]
        details += [Line("Source", source)] if source else []
        send(dispatcher, Answer(title=intro, facts=tuple(facts), copy=copy, details=tuple(details)))
        # The first organisation given is the one "leur adresse ?" will mean.
        return [SlotSet("contact", contacts[0].id)] if contacts else []
