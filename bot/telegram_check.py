"""Is the Telegram bot reachable? ``make telegram-check`` asks Telegram and says what to fix, in French.

It calls the Bot API's ``getMe`` (is the token valid?) and ``getWebhookInfo`` (which address does
Telegram deliver to, how many updates wait, the last delivery error) and compares them with the
settings (``TELEGRAM_TOKEN``, ``TELEGRAM_WEBHOOK_URL``, ``TELEGRAM_API_URL``). Exit status 0 when
everything is in order, 1 otherwise. The token is never printed.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import urlsplit

from bot.settings import Settings

# The only ports Telegram delivers webhooks to (Bot API, setWebhook).
WEBHOOK_PORTS = (443, 80, 88, 8443)
WEBHOOK_PATH = "/webhooks/telegram/webhook"
TIMEOUT = 15.0


def call(settings: Settings, method: str) -> Tuple[Optional[Dict[str, Any]], str]:
    """``(result, "")`` of a Bot API method, or ``(None, why)``."""
    url = f"{settings.telegram_api_url.rstrip('/')}/bot{settings.telegram_token}/{method}"
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:  # noqa: S310 - http(s) from the settings
            body = json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as error:
        try:
            body = json.loads(error.read().decode("utf-8"))
        except ValueError:
            body = {"description": f"HTTP {error.code}"}
        return None, f"{body.get('description') or error.reason} (HTTP {error.code})"
    except (urllib.error.URLError, OSError, ValueError) as error:
        return None, f"Telegram injoignable ({type(error).__name__})"
    if not body.get("ok"):
        return None, str(body.get("description") or "réponse sans « ok »")
    return body.get("result"), ""


def webhook_url_problems(url: Optional[str]) -> List[str]:
    """What is wrong with ``TELEGRAM_WEBHOOK_URL`` before even asking Telegram."""
    if not url:
        return ["TELEGRAM_WEBHOOK_URL n'est pas défini : Telegram ne sait pas où livrer les messages. "
                f"Définissez-le (https://votre-domaine{WEBHOOK_PATH}) puis relancez « make run »."]
    parts = urlsplit(url)
    problems = []
    if parts.scheme != "https":
        problems.append("TELEGRAM_WEBHOOK_URL doit commencer par https:// (Telegram ne livre qu'en HTTPS).")
    try:
        port = parts.port or 443
    except ValueError:
        port = None
    if port not in WEBHOOK_PORTS:
        problems.append(f"Le port de TELEGRAM_WEBHOOK_URL doit être 443, 80, 88 ou 8443 (ici : {port}).")
    if not parts.path.endswith(WEBHOOK_PATH):
        problems.append(f"TELEGRAM_WEBHOOK_URL doit se terminer par {WEBHOOK_PATH} (ici : {parts.path or '/'}).")
    return problems


def diagnose(settings: Settings) -> Tuple[List[str], List[str]]:
    """``(facts, problems)``: what Telegram says, and each thing to fix (empty: all is well)."""
    if not settings.telegram_token:
        return [], ["TELEGRAM_TOKEN n'est pas défini : le canal Telegram est désactivé."]
    facts: List[str] = []
    problems = webhook_url_problems(settings.telegram_webhook_url)
    me, error = call(settings, "getMe")
    if me is None:
        return facts, problems + [f"Telegram refuse le jeton ou ne répond pas : {error}. "
                                  "Vérifiez TELEGRAM_TOKEN (@BotFather, /mybots, API Token)."]
    facts.append(f"Bot : @{me.get('username', '?')}")
    info, error = call(settings, "getWebhookInfo")
    if info is None:
        return facts, problems + [f"getWebhookInfo a échoué : {error}."]
    declared = info.get("url") or ""
    facts.append(f"Adresse déclarée à Telegram : {declared or '(aucune)'}")
    facts.append(f"Messages en attente de livraison : {info.get('pending_update_count', 0)}")
    if not declared:
        problems.append("Aucun webhook n'est déclaré : relancez « make run » avec TELEGRAM_WEBHOOK_URL défini "
                        "(le serveur le déclare à chaque démarrage).")
    elif settings.telegram_webhook_url and declared != settings.telegram_webhook_url:
        problems.append(f"Telegram livre à {declared}, pas à TELEGRAM_WEBHOOK_URL ({settings.telegram_webhook_url}) : "
                        "relancez « make run ».")
    if info.get("last_error_message"):
        when = datetime.fromtimestamp(int(info.get("last_error_date") or 0), timezone.utc).strftime("%d/%m/%Y %H:%M UTC")
        facts.append(f"Dernière erreur de livraison ({when}) : {info['last_error_message']}")
        if info.get("pending_update_count", 0):
            problems.append("Des messages attendent et la dernière livraison a échoué : voir « Dépannage » dans le README.")
    return facts, problems


def main() -> int:
    facts, problems = diagnose(Settings.from_env())
    for line in facts:
        print(line)
    for line in problems:
        print(f"À corriger : {line}")
    if not problems:
        print("Telegram est correctement configuré.")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
