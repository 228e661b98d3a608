"""Alerts in the conversation: subscribe ("prévenez-moi quand l'appel CERV ouvre"), list, stop.

Subscribing is a form (``alert_form``): which strand or programme, the e-mail address (on Telegram
the chat itself is the address), then the user's consent to one sentence that says what will be
sent and how to stop it. The subscription is recorded as pending when the question is asked and
becomes active on "oui" (:mod:`alerts.store`); ``make notify`` sends the alerts.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.common import (
    KNOWLEDGE_DOWN,
    KnowledgeAction,
    latest_entity_values,
    latest_intent,
    profile_from,
)
from actions.words_fr import parse_int_fr
from alerts import store
from alerts.messages import (
    consent_question,
    subscription_line,
    topic_name,
    what_is_sent,
)
from knowledge import api
from knowledge.text import strip_accents
from knowledge.views import NeedProfile

logger = logging.getLogger(__name__)
TOPIC, ADDRESS, CONSENT = "alert_topic", "alert_address", "alert_consent"
NEW_CALLS, DAYS, SUBSCRIPTION, MISSES = "alert_new_calls", "alert_reminder_days", "alert_subscription", "alert_misses"
ALERT_SLOTS = (TOPIC, NEW_CALLS, DAYS, ADDRESS, CONSENT, SUBSCRIPTION, MISSES)
MAX_MISSES = 3
LEAVING_INTENTS = {"stop", "deny", "goodbye", "stop_alerts"}
TOPIC_CHOICES = (
    ("CERV – Jumelage de villes", "cerv_town_twinning"),
    ("CERV – Réseaux de villes", "cerv_networks_of_towns"),
    ("Erasmus+ – Échanges de jeunes", "erasmus_youth_exchanges"),
    ("OFAJ", "ofaj"),
    ("Fonds citoyen franco-allemand", "fonds_citoyen"),
)
YES_NO = [{"title": "Oui", "payload": "/affirm"}, {"title": "Non", "payload": "/deny"}]
_REMINDER = re.compile(r"\b(rappel\w*|relance\w*|avant (la|sa|leur|chaque) (date|cloture|fin)|date limite|deadline)")
_NEW_CALL = re.compile(r"\b(ouvr\w*|ouverture|nouv\w* appels?|prochain\w* appels?|publi\w*|sort\w*|lance\w*|parution)")
_DELAY = re.compile(r"\b(\d+|un|une|deux|trois|quatre|cinq|six|sept|huit|dix|quinze|vingt|trente)\s+(jours?|semaines?|mois)\b")
UNITS = {"jour": 1, "jours": 1, "semaine": 7, "semaines": 7, "mois": 30}


def read_request(text: str) -> Tuple[bool, Optional[int]]:
    """What the user wants sent: (new calls?, reminder days or None); both, 30 days, when unsaid."""
    folded = strip_accents(text or "").lower()
    delay = _DELAY.search(folded)
    days = None
    if delay:
        count = 1 if delay.group(1) in ("un", "une") else parse_int_fr(delay.group(1))
        days = (count or 1) * UNITS[delay.group(2)]
    wants_reminder = bool(_REMINDER.search(folded) or delay)
    wants_new = bool(_NEW_CALL.search(folded))
    if wants_reminder and not wants_new:
        return False, min(days or store.DEFAULT_REMINDER_DAYS, store.MAX_REMINDER_DAYS)
    if wants_new and not wants_reminder:
        return True, None
    return True, min(days or store.DEFAULT_REMINDER_DAYS, store.MAX_REMINDER_DAYS)


def number(value: Any) -> Optional[int]:
    """A whole number held by a slot, None for anything else (slots can hold any text)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return None
    return int(value)


def on_telegram(tracker: Tracker) -> bool:
    return tracker.get_latest_input_channel() == "telegram"


def known_topic(value: Optional[str], profile: Optional[NeedProfile] = None) -> Optional[str]:
    """A strand or programme id the knowledge base knows: a programme stays a programme, unless
    the message says which of its strands ("Erasmus+ jeunesse": the youth exchanges).
    """
    strand = api.get_strand(value) if value else None
    if strand is None:
        return None
    if value == strand.programme_id and profile is not None and profile.describes_anything:
        chosen = api.strand_for(value, profile)
        return chosen.id if chosen is not None else value
    return value if value in (strand.id, strand.programme_id) else strand.id


def extract(tracker: Tracker, dispatcher: CollectingDispatcher) -> Dict[str, Any]:
    """The slots the latest message fills (see the module's docstring); says why an address is refused."""
    intent, requested = latest_intent(tracker), tracker.get_slot(REQUESTED_SLOT)
    text = tracker.latest_message.get("text") or ""
    values: Dict[str, Any] = {}
    if intent == "subscribe_alerts" and not text.startswith("/"):
        values[NEW_CALLS], values[DAYS] = read_request(text)
    profile = profile_from(tracker, None)
    topic = next(filter(None, (known_topic(value, profile) for value in latest_entity_values(tracker, "programme"))), None)
    if topic is None and tracker.get_slot(TOPIC) is None:
        # "Prévenez-moi quand il ouvre": the programme the conversation is about.
        topic = known_topic(tracker.get_slot("programme") or tracker.get_slot("recommended_programme"))
    if topic:
        values[TOPIC] = topic
    if on_telegram(tracker) and tracker.get_slot(ADDRESS) is None:
        values[ADDRESS] = tracker.sender_id
    if intent in LEAVING_INTENTS and requested in (TOPIC, ADDRESS):
        values[CONSENT] = False
    elif requested == ADDRESS:
        candidate = store.find_address(text)
        try:
            values[ADDRESS] = store.normalise_address(candidate or "")
        except store.InvalidAddress as error:
            dispatcher.utter_message(text=str(error) if candidate else "Je n'ai pas trouvé d'adresse e-mail dans votre message.")
    elif requested == CONSENT and intent in ("affirm", "deny"):
        values[CONSENT] = intent == "affirm"
    if requested and not values.keys() & {TOPIC, ADDRESS, CONSENT}:
        misses = (number(tracker.get_slot(MISSES)) or 0) + 1
        values[MISSES] = misses
        if misses >= MAX_MISSES:
            values[CONSENT] = False  # three answers not understood: give up rather than loop
    return values


class ValidateAlertForm(FormValidationAction):
    """Fill the alert's slots from the messages and ask the next question."""

    def name(self) -> Text:
        return "validate_alert_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        if tracker.get_slot(CONSENT) is not None:
            return []
        return [TOPIC, CONSENT] if on_telegram(tracker) else [TOPIC, ADDRESS, CONSENT]

    async def next_requested_slot(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> Optional[EventType]:
        # Always chosen here (rasa_sdk leaves it to Rasa when the list equals domain.yml's): the
        # questions are asked by run(), not by responses in the domain.
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        return SlotSet(REQUESTED_SLOT, next((slot for slot in required if tracker.get_slot(slot) is None), None))

    async def get_extraction_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> List[EventType]:
        values = await asyncio.to_thread(extract, tracker, dispatcher)
        return [SlotSet(slot, value) for slot, value in values.items()]

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> List[EventType]:
        return [SlotSet(slot, value) for slot, value in tracker.slots_to_validate().items() if slot in ALERT_SLOTS]

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        try:
            return await self._run(dispatcher, tracker, domain)
        except SQLAlchemyError:
            logger.exception("alerts or knowledge database unavailable in %s", self.name())
            dispatcher.utter_message(text=KNOWLEDGE_DOWN)
            return [SlotSet(CONSENT, False), SlotSet(REQUESTED_SLOT, None)]

    async def _run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        events = await super().run(dispatcher, tracker, domain)
        requested = next((e["value"] for e in events if e.get("name") == REQUESTED_SLOT), None)
        if requested == TOPIC:
            dispatcher.utter_message(
                text="Pour quel programme voulez-vous être alerté ?",
                buttons=[{"title": title, "payload": f'/subscribe_alerts{{"programme": "{topic}"}}'}
                         for title, topic in TOPIC_CHOICES])
        elif requested == ADDRESS:
            dispatcher.utter_message(text="À quelle adresse e-mail voulez-vous recevoir ces alertes ?")
        elif requested == CONSENT:
            events += await asyncio.to_thread(ask_consent, dispatcher, tracker)
        return events


def _request(tracker: Tracker) -> Tuple[bool, Optional[int]]:
    new_calls, days = tracker.get_slot(NEW_CALLS) is True, number(tracker.get_slot(DAYS))
    days = days if days and 1 <= days <= store.MAX_REMINDER_DAYS else None
    return (True, store.DEFAULT_REMINDER_DAYS) if not new_calls and days is None else (new_calls, days)


def ask_consent(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """Record the subscription as pending and ask the user to agree to what will be sent."""
    topic, address = known_topic(tracker.get_slot(TOPIC)), tracker.get_slot(ADDRESS)
    new_calls, days = _request(tracker)
    channel = store.TELEGRAM if on_telegram(tracker) else store.EMAIL
    events: List[EventType] = []
    if number(tracker.get_slot(SUBSCRIPTION)) is None:
        try:
            subscription = store.subscribe(channel, str(address), tracker.sender_id, str(topic), new_calls, days)
        except ValueError:  # InvalidAddress, UnknownTopic: slots set otherwise than by this form
            dispatcher.utter_message(text="Je n'ai pas pu enregistrer cette alerte : recommencez en me disant "
                                          "pour quel programme vous voulez être prévenu.")
            return [SlotSet(CONSENT, False)]
        events.append(SlotSet(SUBSCRIPTION, subscription.id))
    name = topic_name(str(topic))
    dispatcher.utter_message(text=consent_question(channel, address, name, new_calls, days), buttons=YES_NO)
    return events


def _reset() -> List[EventType]:
    return [SlotSet(slot, None) for slot in ALERT_SLOTS]


class ActionSubscribeAlerts(KnowledgeAction):
    """The form is done: the subscription becomes active on "oui", is forgotten on "non"."""

    def name(self) -> Text:
        return "action_subscribe_alerts"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        subscription_id = number(tracker.get_slot(SUBSCRIPTION))
        confirmed = None
        if tracker.get_slot(CONSENT) is True and subscription_id is not None:
            confirmed = store.confirm(subscription_id, tracker.sender_id)
        elif subscription_id is not None:
            store.discard(subscription_id, tracker.sender_id)
        if confirmed is None:
            dispatcher.utter_message(text="D'accord, je n'enregistre aucune alerte.")
            return _reset()
        name = topic_name(confirmed.topic)
        where = "par e-mail" if confirmed.channel == store.EMAIL else "ici"
        dispatcher.utter_message(
            text=f"C'est noté : je vous préviendrai {where} {what_is_sent(confirmed.new_calls, confirmed.reminder_days)} "
                 f"pour {name}. Dites « mes alertes » pour les revoir, « arrêtez les alertes » pour les arrêter.")
        return _reset()


class ActionListAlerts(KnowledgeAction):
    """"Mes alertes": the active subscriptions of this conversation."""

    def name(self) -> Text:
        return "action_list_alerts"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        subscriptions = store.of_conversation(tracker.sender_id)
        if not subscriptions:
            dispatcher.utter_message(
                text="Vous n'avez aucune alerte enregistrée dans cette conversation. Pour en créer une, dites par "
                     "exemple « prévenez-moi quand le prochain appel CERV jumelage ouvre ». Une alerte reçue par "
                     "e-mail se désinscrit avec le lien en bas de chaque message.")
            return []
        lines = ["Vos alertes :"]
        lines += [subscription_line(s, topic_name(s.topic)) for s in subscriptions]
        lines.append("Pour les arrêter, dites « arrêtez les alertes ».")
        dispatcher.utter_message(text="\n".join(lines))
        return []


class ActionStopAlerts(KnowledgeAction):
    """"Arrêtez les alertes": every subscription of this conversation stops."""

    def name(self) -> Text:
        return "action_stop_alerts"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        stopped = store.stop_conversation(tracker.sender_id)
        if stopped:
            dispatcher.utter_message(text=f"C'est fait : {stopped} alerte{'s' if stopped > 1 else ''} "
                                          f"arrêtée{'s' if stopped > 1 else ''}, je ne vous enverrai plus rien.")
        else:
            dispatcher.utter_message(
                text="Vous n'avez aucune alerte en cours dans cette conversation. Une alerte reçue par e-mail "
                     "se désinscrit avec le lien en bas de chaque message.")
        return _reset()
