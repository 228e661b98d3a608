"""The alerts' actions as the action server runs them: what the first message asks for, the address
refused with a reason, "mes alertes" and "arrêtez les alertes".
"""

from __future__ import annotations

import asyncio

import pytest
import yaml
from rasa_sdk.executor import ActionExecutor

from actions.alerts import (
    ActionListAlerts,
    ActionStopAlerts,
    ActionSubscribeAlerts,
    ValidateAlertForm,
    read_request,
)
from alerts import store
from bot.settings import REPO_ROOT

DOMAIN = yaml.safe_load((REPO_ROOT / "domain.yml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("text, wanted", [
    ("Prévenez-moi quand le prochain appel CERV jumelage ouvre", (True, None)),
    ("rappelez-moi un mois avant la date limite", (False, 30)),
    ("envoyez moi un rappel 10 jours avant la clôture", (False, 10)),
    ("je voudrais un rappel deux semaines avant la date limite", (False, 14)),
    ("je veux être alerté pour Erasmus+ jeunesse", (True, 30)),
    ("prévenez-moi quand ça ouvre et rappelez-moi 15 jours avant la date limite", (True, 15)),
])
def test_what_the_user_asks_to_be_sent(text, wanted):
    assert read_request(text) == wanted


@pytest.fixture
def run(knowledge_url, alerts_database, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", knowledge_url)
    executor = ActionExecutor()
    for action in (ValidateAlertForm, ActionSubscribeAlerts, ActionListAlerts, ActionStopAlerts):
        executor.register_action(action)
    loop = asyncio.new_event_loop()

    def call(action, text, intent, sender="widget-actions", slots=None, entities=(), channel="rest"):
        tracker = {"sender_id": sender, "slots": slots or {}, "paused": False, "followup_action": None,
                   "latest_message": {"text": text, "intent": {"name": intent, "confidence": 0.9},
                                      "entities": list(entities)},
                   "events": [{"event": "user", "text": text, "input_channel": channel}],
                   "active_loop": {"name": "alert_form"}, "latest_action_name": "action_listen"}
        result = loop.run_until_complete(executor.run({"next_action": action, "sender_id": sender, "tracker": tracker,
                                                       "domain": DOMAIN, "version": "3.6.2"}))
        texts = [m.get("text") or "" for m in result["responses"]]
        return texts, {e["name"]: e["value"] for e in result["events"] if e.get("event") == "slot"}

    yield call
    loop.close()


def test_the_widget_asks_for_the_address_and_refuses_a_bad_one(run):
    texts, slots = run("validate_alert_form", "prévenez-moi quand le prochain appel CERV jumelage ouvre",
                       "subscribe_alerts", entities=[{"entity": "programme", "value": "cerv_town_twinning"}])
    assert slots["alert_topic"] == "cerv_town_twinning" and slots["requested_slot"] == "alert_address"
    assert texts == ["À quelle adresse e-mail voulez-vous recevoir ces alertes ?"]
    texts, slots = run("validate_alert_form", "marie@mairie-exemple.fr\nBcc: victime@exemple-ailleurs.fr", "inform",
                       slots={**slots})
    assert "alert_address" not in slots and slots["requested_slot"] == "alert_address"
    assert "adresse" in texts[0] and texts[-1].startswith("À quelle adresse")


def test_on_telegram_the_chat_is_the_address_and_consent_is_asked(run):
    texts, slots = run("validate_alert_form", "je veux être alerté pour Erasmus+ jeunesse", "subscribe_alerts",
                       sender="777", channel="telegram",
                       entities=[{"entity": "programme", "value": "erasmus_plus"}, {"entity": "audience", "value": "jeunes"}])
    assert slots["alert_address"] == "777" and slots["requested_slot"] == "alert_consent"
    assert slots["alert_topic"] == "erasmus_youth_exchanges"
    assert "sur Telegram" in texts[0] and "arrêtez les alertes" in texts[0] and "d'accord" in texts[0]
    assert store.active() == [] or all(s.conversation != "777" for s in store.active())  # pending until "oui"
    texts, _ = run("action_subscribe_alerts", "oui", "affirm", sender="777", channel="telegram",
                   slots={**slots, "alert_consent": True})
    assert texts[0].startswith("C'est noté : je vous préviendrai ici")
    texts, _ = run("action_list_alerts", "mes alertes", "list_alerts", sender="777", channel="telegram")
    assert texts[0].startswith("Vos alertes :") and "Erasmus+ – Échanges de jeunes" in texts[0]
    texts, _ = run("action_stop_alerts", "arrêtez les alertes", "stop_alerts", sender="777", channel="telegram")
    assert texts[0] == "C'est fait : 1 alerte arrêtée, je ne vous enverrai plus rien."
    texts, _ = run("action_list_alerts", "mes alertes", "list_alerts", sender="777", channel="telegram")
    assert texts[0].startswith("Vous n'avez aucune alerte")


def test_saying_no_records_nothing(run):
    _, slots = run("validate_alert_form", "alertez-moi pour l'OFAJ", "subscribe_alerts", sender="888", channel="telegram",
                   entities=[{"entity": "programme", "value": "ofaj"}])
    texts, slots = run("validate_alert_form", "non", "deny", sender="888", channel="telegram", slots=slots)
    assert slots["alert_consent"] is False and slots["requested_slot"] is None
    texts, _ = run("action_subscribe_alerts", "non", "deny", sender="888", channel="telegram", slots=slots)
    assert texts == ["D'accord, je n'enregistre aucune alerte."]
    assert all(s.conversation != "888" for s in store.active())
