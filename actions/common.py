"""What every action shares: today's date, the user's project profile, and a safe run.

The base action catches a failing knowledge base so that the user gets a short French apology and a
human contact instead of silence; the next message works again once the database is back.
"""

from __future__ import annotations

import abc
import asyncio
import logging
from datetime import date, datetime
from typing import Any, Dict, List, Mapping, Optional, Text
from zoneinfo import ZoneInfo

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.answer import EUROPE_DIRECT_HELP
from knowledge import api, snapshot
from knowledge.views import NeedProfile
from knowledge.vocabulary import HOME_PROJECT, TRAVEL_ACTIVITIES

logger = logging.getLogger(__name__)

PARIS = ZoneInfo("Europe/Paris")


KNOWLEDGE_DOWN = (
    "Désolé, je ne peux pas consulter ma base de connaissances pour le moment. "
    "Réessayez dans quelques instants, ou posez votre question à " + EUROPE_DIRECT_HELP
)


# National schemes are outside the assistant's scope (see bot/tools/vocabulary.yml).
NATIONAL_SCHEMES = {
    "fonds_vert": "le Fonds vert",
    "detr": "la DETR",
    "dsil": "la DSIL",
    "dsid": "la DSID",
    "fnadt": "le FNADT",
    "anct": "l'ANCT",
    "ademe": "l'ADEME",
    "caf": "la CAF",
    "petites_villes_de_demain": "Petites villes de demain",
    "action_coeur_de_ville": "Action cœur de ville",
}


def national_scheme_text(message: Mapping[Text, Any]) -> Optional[str]:
    """The answer to a question about a French national scheme (and no European programme), if any.

    Args:
        message: Rasa's parse data of the user's message (``entities``...).
    """
    schemes = entity_values(message, "national_scheme")
    if not schemes or entity_values(message, "programme"):
        return None
    name = NATIONAL_SCHEMES.get(schemes[0]) or str(schemes[0]).strip()
    if not name:
        return None
    return (
        f"{name[0].upper()}{name[1:]} est un dispositif national : il sort de mon champ. "
        "Pour les aides de l'État aux communes, adressez-vous à votre préfecture ou à votre "
        "sous-préfecture. Je peux en revanche vous orienter vers les financements européens "
        "d'un projet de jumelage : décrivez-moi ce projet."
    )


def today() -> date:
    """Today's date in France (tests replace this function to fix the clock)."""
    return datetime.now(PARIS).date()


def latest_intent(tracker: Tracker) -> Optional[str]:
    return (tracker.latest_message.get("intent") or {}).get("name")


def guessed_intent(message: Mapping[Text, Any]) -> Optional[str]:
    """The NLU's best intent in parse data, even when the fallback classifier replaced it by ``nlu_fallback``."""
    for candidate in message.get("intent_ranking") or []:
        if candidate.get("name") != "nlu_fallback":
            return candidate.get("name")
    return None


def best_guess_intent(tracker: Tracker) -> Optional[str]:
    """The NLU's best intent for the latest message (see :func:`guessed_intent`)."""
    return guessed_intent(tracker.latest_message)


def latest_intent_confidence(tracker: Tracker) -> float:
    return float((tracker.latest_message.get("intent") or {}).get("confidence") or 0.0)


def entity_values(message: Mapping[Text, Any], entity: str) -> List[str]:
    """Values of ``entity`` (without role nor group, as rasa_sdk reads them) in a parsed message, in order, without repeats."""
    values: List[str] = []
    for found in message.get("entities") or []:
        value = found.get("value")
        if (found.get("entity") == entity and found.get("group") is None and found.get("role") is None
                and value not in values):
            values.append(value)
    return values


def latest_entity_values(tracker: Tracker, entity: str) -> List[str]:
    """Values of ``entity`` in the latest message, in order, without repeats."""
    return entity_values(tracker.latest_message, entity)


# When a message names several publics, the ones who take part come before those who organise.
PARTICIPANTS_FIRST = ("jeunes", "enfants", "scolaires", "citoyens", "seniors", "adultes", "benevoles")
# Among several activities, the ones that decide the scheme come first ("une fête transfrontalière"
# is a cross-border project before it is a festival; building a course together with the partner is
# a partnership before it is training).
DECIDING_ACTIVITIES_FIRST = ("transfrontalier", "reseau", "cocreation", "formation")


def project_profile(message: Mapping[Text, Any], slots: Mapping[Text, Any], need: Optional[str]) -> NeedProfile:
    """The project profile: ``slots`` carry what the user said earlier, the message's entities what they just said.

    Args:
        message: Rasa's parse data of the latest message.
        slots: the conversation's slots (empty for a first message).
        need: the need to rank for, decided by the caller.
    """

    def pick(name: str) -> Optional[str]:
        values = entity_values(message, name)
        order = {"audience": PARTICIPANTS_FIRST, "activity": DECIDING_ACTIVITIES_FIRST}.get(name)
        if order and len(values) > 1:
            # "prof d'allemand, échange de 25 élèves": who travels decides, not who writes.
            values = sorted(values, key=lambda v: order.index(v) if v in order else len(order))
        value = values[0] if values else slots.get(name)
        # Canonical values are lower case (country codes upper case); a message may say "Jeunes".
        return value if not isinstance(value, str) else value.strip().lower()

    country = pick("country")
    activity = pick("activity")
    if message.get(HOME_PROJECT):
        country, activity = None, None if activity in TRAVEL_ACTIVITIES else activity
    return NeedProfile(
        need=need,
        audience=pick("audience"),
        country=country.upper() if country else None,
        theme=pick("theme"),
        activity=activity,
    )


def profile_from(tracker: Tracker, need: Optional[str]) -> NeedProfile:
    """The project profile of the conversation (see :func:`project_profile`)."""
    return project_profile(tracker.latest_message, tracker.slots, need)


def english_notice(events: List[Dict[Text, Any]]) -> str:
    """For a message written in English: the assistant answers in French, and the gist in English."""
    strand_id = next((e.get("value") for e in events if e.get("event") == "slot"
                      and e.get("name") in ("recommended_programme", "programme") and e.get("value")), None)
    strand = api.get_strand(strand_id) if strand_id else None
    gist = (f"the EU scheme for your project is {strand.short_name}; the details, the amount and the contact "
            "follow in French." if strand else "the answer follows in French.")
    return f"Je réponds en français. — This assistant works in French only. In short: {gist}"


class KnowledgeAction(Action, metaclass=abc.ABCMeta):
    """An action that answers from the knowledge base; subclasses implement :meth:`answer`."""

    @abc.abstractmethod
    def name(self) -> Text:
        """Name of the action in the domain."""

    @abc.abstractmethod
    def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        """Send the answer and return the events (runs in a worker thread: blocking is fine)."""

    def _answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        with snapshot.pinned():  # one build of the knowledge base per answer, its id read once
            events = self.answer(dispatcher, tracker, domain)
            if tracker.latest_message.get("language") == "en":
                dispatcher.utter_message(text=english_notice(events))
                dispatcher.messages.insert(0, dispatcher.messages.pop())  # the notice comes first
        return events

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        try:
            # The knowledge queries block (database, up to its 5 s connect timeout): in a worker
            # thread, so that one slow query does not hold up the other conversations' actions.
            return await asyncio.get_running_loop().run_in_executor(
                None, self._answer, dispatcher, tracker, domain)
        except SQLAlchemyError:
            # Logged without the user's text: conversations are personal data.
            logger.exception("knowledge base unavailable in %s", self.name())
            dispatcher.utter_message(text=KNOWLEDGE_DOWN)
            return []
