"""Hand over to a person: one message with a summary of the conversation, ready to copy or to send.

The summary goes in the answer's ``copy`` block (the widget adds a "Copier" button, Telegram a
block copied with one tap) and in a ``mailto:`` link, named after its recipient: the first contact
given whose e-mail address our sources confirm, else the first such contact for people's questions.
"""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple
from urllib.parse import quote

from rasa_sdk import Tracker

from actions.answer import Line, link
from actions.words_fr import in_words
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
            lines.append(f"{label} : {in_words(tracker.get_slot(slot))}")
    discussed = [api.get_strand(tracker.get_slot(slot)) for slot in ("recommended_programme", "programme")]
    names = list(dict.fromkeys(strand.short_name for strand in discussed if strand is not None))
    if names:
        lines.append("Programmes évoqués avec l'assistant : " + ", ".join(names))
    if tracker.get_slot("commune") or tracker.get_slot("departement"):
        where = tracker.get_slot("commune") or f"département {tracker.get_slot('departement')}"
        lines.append(f"Commune : {where}")
    return lines


def message_body(tracker: Tracker) -> str:
    """The message to send: greeting, the project as told, the question, the closing."""
    summary = project_summary(tracker)
    return "\n".join(
        ["Bonjour,", "Nous préparons un projet de jumelage et souhaiterions votre conseil."]
        + summary
        + ["Pourriez-vous nous indiquer la marche à suivre ?", "Cordialement,"]
    )


def handover(tracker: Tracker, contacts: Sequence[ContactView]) -> Tuple[Line, str]:
    """The line that offers the message (with its ``mailto:`` link) and the message itself."""
    body = message_body(tracker)
    recipient = recipient_for(contacts) or recipient_for(api.contacts_for(topic="human"))
    if recipient is None:
        offer = "copiez-le et envoyez-le par le site d'un des contacts ci-dessus."
    else:
        contact, address = recipient
        url = f"mailto:{address}?subject={quote(SUBJECT)}&body={quote(body)}"
        offer = (f"copiez-le, ou envoyez-le par e-mail à {link(contact.short_name, url)} ({address}) : "
                 "objet et texte sont déjà remplis.")
    return Line("Message prêt à envoyer", offer), body


def recipient_for(contacts: Sequence[ContactView]) -> Optional[Tuple[ContactView, str]]:
    """The first contact with an e-mail address our sources confirm, and that address."""
    for contact in contacts:
        for detail in contact.details:
            if detail.kind == "email" and detail.verified:
                return contact, detail.value
    return None
