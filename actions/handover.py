"""Hand over to a person: a summary of the conversation, ready to send by e-mail or to copy."""

from __future__ import annotations

from typing import List, Optional
from urllib.parse import quote

from rasa_sdk import Tracker

from knowledge import api
from knowledge.ranking import NEED_LABELS
from knowledge.views import ContactView

SUBJECT = "Demande de conseil : financement européen d'un projet de jumelage"


def project_summary(tracker: Tracker) -> List[str]:
    """What the user told us about the project, one line per fact, in French."""
    lines = []
    need = tracker.get_slot("need")
    if need in NEED_LABELS:
        lines.append(f"Projet : {NEED_LABELS[need]}")
    country = tracker.get_slot("country")
    if country:
        lines.append(f"Pays partenaire : {api.country_name(country) or country}")
    for slot, label in (("audience", "Public"), ("theme", "Thème"), ("activity", "Activité")):
        if tracker.get_slot(slot):
            lines.append(f"{label} : {str(tracker.get_slot(slot)).replace('_', ' ')}")
    discussed = [api.get_strand(tracker.get_slot(slot)) for slot in ("recommended_programme", "programme")]
    names = list(dict.fromkeys(strand.short_name for strand in discussed if strand is not None))
    if names:
        lines.append("Programmes évoqués avec l'assistant : " + ", ".join(names))
    if tracker.get_slot("commune") or tracker.get_slot("departement"):
        where = tracker.get_slot("commune") or f"département {tracker.get_slot('departement')}"
        lines.append(f"Commune : {where}")
    return lines


def handover_text(tracker: Tracker, contacts: List[ContactView]) -> str:
    """The ready-to-send message and a mailto: link to the first contact with an e-mail address."""
    summary = project_summary(tracker)
    body = "\n".join(
        ["Bonjour,", "", "Nous préparons un projet de jumelage et souhaiterions votre conseil."]
        + ([""] + summary if summary else [])
        + ["", "Pourriez-vous nous indiquer la marche à suivre ?", "", "Cordialement,"]
    )
    recipient = _first_email(contacts)
    link = f"mailto:{recipient or ''}?subject={quote(SUBJECT)}&body={quote(body)}"
    return (
        "Voici un message prêt à envoyer (ou à copier) qui résume votre demande :\n"
        f"---\n{body}\n---\n"
        f"Pour l'envoyer par e-mail : {link}"
    )


def _first_email(contacts: List[ContactView]) -> Optional[str]:
    for contact in contacts:
        if contact.email is not None and contact.email.verified:
            return contact.email.value
    return None
