"""The unsubscribe link of every alert e-mail, served by the web server next to the assistant (bot/web.py).

``GET /alertes/desinscription/<token>`` shows one button; pressing it (a POST to the same address)
unsubscribes. Mail clients that support one-click unsubscribe (RFC 8058, the ``List-Unsubscribe-Post``
header of the e-mails) POST there directly. A GET alone changes nothing: mail filters that open
every link of a message must not unsubscribe anybody.
"""

from __future__ import annotations

import asyncio
import html

from aiohttp import web

from alerts import store
from alerts.notifier import UNSUBSCRIBE_PATH
from bot.settings import Settings

ALERTS_URL = web.AppKey("alerts_database_url", str)
HEADERS = {
    "Cache-Control": "no-store",
    # The address holds the link's secret: never sent on to another site.
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
}
PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} – L'Europe des communes</title>
<style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5}}
button{{font-size:1rem;padding:.6rem 1.2rem;background:#003399;color:#fff;border:0;border-radius:4px;cursor:pointer}}</style>
</head><body><main><h1>{title}</h1><p>{text}</p>{form}</main></body></html>"""


def _page(title: str, text: str, form: str = "", status: int = 200) -> web.Response:
    body = PAGE.format(title=html.escape(title), text=html.escape(text), form=form)
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8", headers=HEADERS)


def _unknown() -> web.Response:
    return _page("Lien inconnu", "Ce lien de désinscription n'existe pas ou n'est plus valable : "
                 "aucune alerte n'est envoyée à ce titre.", status=404)


async def unsubscribe_page(request: web.Request) -> web.Response:
    """The unsubscribe page: one button, nothing changed by opening it (mail scanners open links)."""
    subscription = await asyncio.to_thread(store.by_token, request.match_info["token"],
                                           url=request.config_dict[ALERTS_URL])
    if subscription is None:
        return _unknown()
    if subscription.status == store.STOPPED:
        return _page("Désinscription faite", "Vous ne recevez plus ces alertes.")
    form = '<form method="post"><button type="submit">Me désinscrire</button></form>'
    return _page("Se désinscrire des alertes",
                 "Vous ne recevrez plus aucune alerte de l'assistant « L'Europe des communes » à cette adresse.", form)


async def unsubscribe(request: web.Request) -> web.Response:
    """The button of the unsubscribe page (and mail clients' one-click POST): stop the subscription."""
    subscription = await asyncio.to_thread(store.unsubscribe, request.match_info["token"],
                                           url=request.config_dict[ALERTS_URL])
    if subscription is None:
        return _unknown()
    return _page("Désinscription faite", "C'est fait : vous ne recevrez plus ces alertes. "
                 "Vous pouvez vous réabonner à tout moment en le demandant à l'assistant.")


def setup_alerts(app: web.Application, settings: Settings) -> None:
    """Mount the unsubscribe page on the web server."""
    app[ALERTS_URL] = settings.alerts_database_url
    app.router.add_get(UNSUBSCRIBE_PATH + "{token}", unsubscribe_page)
    app.router.add_post(UNSUBSCRIBE_PATH + "{token}", unsubscribe)
