"""The console's alerts room: counts per strand, the last alert sent, no address; a test alert to me."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from aiohttp.test_utils import TestClient, TestServer

from alerts import sendlog, store
from alerts.notifier import notify
from bot.web import create_app
from console.pages import CONSOLE_TODAY
from tests.alerts.conftest import publish, settings_for
from tests.console.conftest import TOKEN, form_token, login

NOW = datetime(2026, 11, 30, 8, 0)


async def test_counts_without_addresses_and_a_test_alert_to_me(sqlite_alerts_url, knowledge_2027, data_dir, smtp):
    settings = settings_for(sqlite_alerts_url, knowledge_2027, smtp, CONSOLE_TOKEN=TOKEN)
    for address in ("marie.dupont@mairie-exemple.fr", "comite@jumelage-exemple.fr"):
        subscription = store.subscribe(store.EMAIL, address, address, "cerv_town_twinning", True, 30, now=NOW,
                                       url=sqlite_alerts_url)
        store.confirm(subscription.id, address, now=NOW, url=sqlite_alerts_url)
    publish(knowledge_2027, data_dir)
    assert notify(settings, NOW + timedelta(hours=1), date(2026, 11, 30)).sent == 2

    app = create_app(settings)
    app[CONSOLE_TODAY] = lambda: date(2026, 11, 30)
    async with TestClient(TestServer(app)) as client:
        await login(client)
        page = await (await client.get("/console/alerts")).text()
        assert "CERV – Jumelage de villes" in page and "<td>2</td><td>0</td>" in page
        assert "30 novembre 2026 (new_call:CERV-2027-CITIZENS-TOWN-TT)" in page
        assert "marie.dupont" not in page and "comite@" not in page

        csrf = await form_token(client)
        bad = await (await client.post("/console/alerts/test", data={"csrf": csrf, "address": "moi@localhost",
                                                                      "topic": "cerv_town_twinning"})).text()
        assert "pas valable" in bad
        done = await (await client.post("/console/alerts/test", data={"csrf": csrf, "address": "agent@europe-direct-exemple.fr",
                                                                       "topic": "cerv_town_twinning"})).text()
        assert "Alerte de test envoyée" in done
        forged = await client.post("/console/alerts/test", data={"address": "x@y.fr", "topic": "cerv"})
        assert forged.status == 403
    test_mail = smtp.mailbox.messages[-1]
    assert smtp.mailbox.recipients[-1] == ["agent@europe-direct-exemple.fr"]
    assert test_mail["Subject"].startswith("[Test] Nouvel appel CERV – Jumelage de villes 2027")
    assert "alerte de test" in test_mail.get_content()
    assert sendlog.counts_by_topic(url=sqlite_alerts_url)[0].email == 2  # the staff address is not subscribed
