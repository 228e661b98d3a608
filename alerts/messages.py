"""The French wording of the alerts and of the subscriptions (one place for each sentence).

An alert says what the assistant says in a conversation: the deadline, the amount, the contact
and the source come from the answers' own helpers (:mod:`actions.formatting`).
"""

from __future__ import annotations

from datetime import date
from typing import Optional, Tuple

from actions.formatting import (
    amount_text,
    contact_text,
    deadline_text,
    french_date,
    official_link,
    source_line,
)
from alerts.store import EMAIL, SubscriptionView
from knowledge import api
from knowledge.views import CallView, ContactView, StrandView

NEW_CALL, REMINDER = "new_call", "reminder"
STOP_WORDS = "« arrêtez les alertes »"
SIGNATURE = "L'assistant « L'Europe des communes »"


def topic_name(topic: str) -> str:
    """What a subscription names: the strand, or the whole programme (its id if the base lost it)."""
    strand = api.get_strand(topic)
    if strand is None:
        return topic
    return strand.programme_short_name if topic == strand.programme_id and topic != strand.id else strand.short_name


def what_is_sent(new_calls: bool, reminder_days: Optional[int]) -> str:
    """``quand un nouvel appel sera publié et 30 jours avant sa date limite``."""
    parts = []
    if new_calls:
        parts.append("quand un nouvel appel sera publié")
    if reminder_days:
        parts.append(f"{reminder_days} jours avant {'sa' if new_calls else 'chaque'} date limite")
    return " et ".join(parts)


def consent_question(channel: str, address: str, name: str, new_calls: bool, reminder_days: Optional[int]) -> str:
    """The one sentence on what will be sent and how to stop it, then the request for consent."""
    what = what_is_sent(new_calls, reminder_days)
    if channel == EMAIL:
        return (f"Je vous enverrai un e-mail à {address} {what} pour {name} ; chaque e-mail contiendra un lien "
                f"pour vous désinscrire, et vous pourrez aussi me dire {STOP_WORDS}. Êtes-vous d'accord ?")
    return (f"Je vous écrirai ici, sur Telegram, {what} pour {name} ; pour arrêter, il suffira de me dire "
            f"{STOP_WORDS}. Êtes-vous d'accord ?")


def subscription_line(subscription: SubscriptionView, name: str) -> str:
    """One subscription in "mes alertes"."""
    where = f"par e-mail à {subscription.address}" if subscription.channel == EMAIL else "ici, sur Telegram"
    return f"• {name} : {what_is_sent(subscription.new_calls, subscription.reminder_days)}, {where}."


def alert_message(kind: str, strand: StrandView, call: CallView, contact: Optional[ContactView], today: date,
                  unsubscribe_url: Optional[str] = None) -> Tuple[str, str]:
    """The subject and the text of one alert: a call published, or its deadline coming.

    Links are named, as in the answers (``[page officielle](url)``): Telegram shows them as links,
    an e-mail writes them out (:func:`actions.answer.written_out`).
    """
    if kind == NEW_CALL:
        subject = f"Nouvel appel {strand.short_name} {call.year}"
        head = f"Un nouvel appel est publié pour {strand.short_name} ({strand.programme_name}) : l'appel {call.year}."
        if call.opening and call.opening > today:
            head += f" Il ouvre le {french_date(call.opening)}."
    else:
        subject = f"Rappel : date limite {strand.short_name} {call.year}"
        head = f"Rappel : la date limite de l'appel {call.year} de {strand.short_name} ({strand.programme_name}) approche."
    lines = [
        "Bonjour,",
        "",
        head,
        deadline_text(strand, call, today),
        amount_text(strand),
        "Contact : " + contact_text(contact) if contact is not None else None,
        f"Voir la {official_link(strand.official_url)}.",
        source_line(call.sources or strand.sources, strand.official_url),
        "",
        SIGNATURE,
    ]
    if unsubscribe_url:
        lines.append(f"Vous recevez ce message parce que vous avez demandé cette alerte. Pour ne plus en recevoir : {unsubscribe_url}")
    else:
        lines.append(f"Pour ne plus recevoir d'alertes, dites-moi {STOP_WORDS}.")
    return subject, "\n".join(line for line in lines if line is not None)
