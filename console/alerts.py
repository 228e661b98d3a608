"""The alerts room: subscribers per strand or programme and the last alert sent (never an address),
and a button that sends a test alert to the staff member's own address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import List, Optional

from aiohttp import web

from alerts import sendlog, store
from alerts.messages import topic_name
from alerts.notifier import send_test
from alerts.senders import SendError
from console.pages import checked_form, in_thread, render, settings, today
from knowledge import api


@dataclass(frozen=True)
class TopicRow:
    name: str
    email: int
    telegram: int
    last_sent_at: Optional[datetime]
    last_event: Optional[str]


def topic_rows(alerts_url: str) -> List[TopicRow]:
    rows = []
    for counts in sendlog.counts_by_topic(url=alerts_url):
        rows.append(TopicRow(topic_name(counts.topic), counts.email, counts.telegram, counts.last_sent_at, counts.last_event))
    return rows


async def _page(request: web.Request, message: Optional[str] = None, error: Optional[str] = None) -> web.Response:
    config = settings(request)
    rows = await in_thread(topic_rows, config.alerts_database_url)
    strands = await in_thread(api.list_strands)
    return render(request, "alerts.html", title="Alertes", rows=rows, strands=strands, message=message, error=error,
                  smtp_configured=bool(config.smtp_url))


async def alerts_page(request: web.Request) -> web.Response:
    return await _page(request)


async def alerts_test(request: web.Request) -> web.Response:
    form, refused = await checked_form(request)
    if refused is not None:
        return refused
    try:
        subject = await in_thread(send_test, settings(request), str(form.get("address") or ""),
                                  str(form.get("topic") or ""), today(request))
    except store.InvalidAddress as error:
        return await _page(request, error=str(error))
    except store.UnknownTopic:
        return await _page(request, error="Ce programme n'existe pas dans la base de connaissances.")
    except SendError as error:
        reason = "SMTP_URL n'est pas configuré" if error.kind == "SMTP_URL" else f"le serveur d'e-mail a répondu {error.kind}"
        return await _page(request, error=f"Alerte de test non envoyée : {reason}.")
    return await _page(request, message=f"Alerte de test envoyée : « {subject} ». Vérifiez votre boîte de réception.")
