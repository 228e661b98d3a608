"""The Europe Direct centre(s) near the user, from a commune, a postal code or a département."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import formatting
from actions.answer import link, send, text_answer
from actions.common import KnowledgeAction
from knowledge import api
from knowledge.views import LocatorAnswer

ASK_LOCATION = (
    "Dans quelle commune ou quel département êtes-vous ? Donnez-moi le nom de la commune, "
    "son code postal ou le numéro du département, et je vous indique le centre EUROPE DIRECT le plus proche."
)


class ActionFindEuropeDirect(KnowledgeAction):
    """Find the Europe Direct centres covering the place the user gives (or gave earlier)."""

    def name(self) -> Text:
        return "action_find_europe_direct"

    def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        text = tracker.latest_message.get("text") or ""
        answer = api.nearest_europe_direct(text)
        if answer is None and tracker.get_slot("departement"):
            try:
                answer = api.europe_direct_for(tracker.get_slot("departement"))
            except ValueError:
                answer = None  # not a département code: ask where the user is
        if answer is None:
            network = api.get_contacts("europe_direct")
            intro = [formatting.contact_line(network[0])] if network else []
            send(dispatcher, text_answer("\n".join(intro + [ASK_LOCATION])))
            return []
        send(dispatcher, text_answer(locator_text(answer)))
        location = answer.location
        return [
            SlotSet("departement", answer.departement_code),
            SlotSet("commune", location.commune if location else None),
        ]


def locator_text(answer: LocatorAnswer) -> str:
    """Centres near a place, saying how sure the coverage is, always with the official locator."""
    location = answer.location
    place = (
        f"{location.commune} ({answer.departement_name})"
        if location is not None and location.commune
        else f"{answer.departement_name} ({answer.departement_code})"
    )
    lines: List[str] = []
    if not answer.centres:
        lines.append(
            f"Je ne connais pas de centre EUROPE DIRECT pour {place}, ni dans la région "
            f"{answer.region_name}. Voir la {link('liste officielle et à jour des centres', answer.locator_url)}."
        )
        return "\n".join(lines)
    if answer.regional_fallback:
        lines.append(
            f"Je ne sais pas quel centre EUROPE DIRECT couvre {place}. Voici ceux que je connais "
            f"dans la région {answer.region_name} (à confirmer) :"
        )
    else:
        lines.append(f"Centre(s) EUROPE DIRECT pour {place} :")
    for centre in answer.centres:
        lines.append("• " + _centre_text(centre))
    if answer.coverage_known and not answer.coverage_verified:
        lines.append("La zone couverte par ce centre est déduite de son nom : vérifiez-la sur le localisateur officiel.")
    # "À confirmer" once: a regional list is already so as a whole.
    if not answer.regional_fallback and any(formatting.unverified_channels(c) for c in answer.centres):
        lines.append("À confirmer : certaines coordonnées, sur la liste officielle.")
    lines.append(f"Voir aussi la {link('liste officielle et à jour des centres', answer.locator_url)}.")
    if location is not None and location.ambiguous:
        others = ", ".join(f"{p.commune} ({p.departement_code})" for p in location.alternatives[:3])
        lines.append(f"Si vous parliez d'une autre commune ({others}), précisez le département.")
    first_sources = answer.centres[0].sources
    if first_sources:
        lines.append(formatting.source_line(first_sources))
    return "\n".join(lines)


def _centre_text(centre) -> str:
    where = f" ({centre.town})" if centre.town else ""
    host = f", porté par {centre.host}" if centre.host else ""
    text = f"{centre.name}{where}{host}."
    channels = formatting.channels_text(centre, marks=False)
    if channels:
        text += " " + channels
    else:
        text += " Coordonnées : voir le localisateur officiel."
    return text
