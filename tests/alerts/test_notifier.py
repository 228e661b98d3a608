"""make notify: each alert once, by e-mail (local SMTP server) and Telegram (fake Bot API); failures
retried, never lost; blocked chats stopped; the reminder window on fixed clocks.
"""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer

from alerts import store
from alerts.notifier import notify
from bot.web import create_app
from tests.alerts.conftest import publish, settings_for
from tests.support.alerts import TEST_CALL_ID, TEST_CALL_SOURCE, call_yaml
from tests.support.ports import free_port

NOW = datetime(2026, 11, 30, 8, 0)
TODAY = date(2026, 11, 30)
CHAT = 4242


def subscribe(settings, channel=store.EMAIL, address="marie.dupont@mairie-exemple.fr", new_calls=True,
              days=30, now=NOW, topic="cerv_town_twinning"):
    subscription = store.subscribe(channel, address, f"conversation-{address}", topic, new_calls, days, now=now,
                                   url=settings.alerts_database_url)
    store.confirm(subscription.id, subscription.conversation, now=now, url=settings.alerts_database_url)
    return subscription


def sent_texts(telegram):
    return [call["text"] for call in telegram.called("sendMessage")]


def test_a_new_call_is_sent_once_by_e_mail_and_on_telegram(alerts_url, knowledge_2027, data_dir, smtp, telegram):
    settings = settings_for(alerts_url, knowledge_2027, smtp, telegram)
    subscription = subscribe(settings)
    subscribe(settings, channel=store.TELEGRAM, address=str(CHAT))
    assert notify(settings, NOW, TODAY).sent == 0  # nothing new yet: the 2026 call is closed

    publish(knowledge_2027, data_dir)
    report = notify(settings, NOW + timedelta(hours=1), TODAY)
    assert (report.sent, report.failed) == (2, 0)
    [mail] = smtp.mailbox.messages
    assert smtp.mailbox.recipients == [["marie.dupont@mairie-exemple.fr"]]
    body = mail.get_content()
    assert mail["Subject"] == "Nouvel appel CERV – Jumelage de villes 2027"
    assert "Un nouvel appel est publié pour CERV – Jumelage de villes" in body
    assert "Prochaine date limite : 22 septembre 2027 à 17 h (heure de Bruxelles), dans 296 jours." in body
    assert f"Appel : {TEST_CALL_ID}" in body
    assert f"Source : ec.europa.eu ({TEST_CALL_SOURCE}), vérifiée le 30 novembre 2026" in body
    assert "Montant : " in body and "Contact : CIDEM" in body
    link = f"https://assistant.example.org/alertes/desinscription/{subscription.token}"
    assert link in body and mail["List-Unsubscribe"] == f"<{link}>"
    [text] = sent_texts(telegram)
    assert "22 septembre 2027" in text and TEST_CALL_SOURCE in text and "arrêtez les alertes" in text
    assert telegram.called("sendMessage")[0]["chat_id"] in (CHAT, str(CHAT))

    assert notify(settings, NOW + timedelta(hours=2), TODAY).sent == 0  # again: nothing
    assert len(smtp.mailbox.messages) == 1 and len(sent_texts(telegram)) == 1


def test_two_runs_at_once_send_nothing_twice(alerts_url, knowledge_2027, data_dir, smtp):
    settings = settings_for(alerts_url, knowledge_2027, smtp)
    for number in range(3):
        subscribe(settings, address=f"comite{number}@jumelage-exemple.fr")
    publish(knowledge_2027, data_dir)
    barrier, reports = threading.Barrier(2), []

    def run():
        barrier.wait()
        reports.append(notify(settings, NOW + timedelta(hours=1), TODAY))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(report.sent for report in reports) == 3, reports
    assert sorted(r[0] for r in smtp.mailbox.recipients) == [f"comite{n}@jumelage-exemple.fr" for n in range(3)]


def test_an_smtp_server_that_is_down_loses_nothing(sqlite_alerts_url, knowledge_2027, data_dir, smtp):
    down = settings_for(sqlite_alerts_url, knowledge_2027, SMTP_URL=f"smtp://127.0.0.1:{free_port()}")
    subscribe(down)
    publish(knowledge_2027, data_dir)
    for hour in range(store.MAX_FAILURES + 1):  # the server's fault: never held against the subscriber
        report = notify(down, NOW + timedelta(hours=hour + 1), TODAY)
        assert (report.sent, report.failed) == (0, 1)
    up = settings_for(sqlite_alerts_url, knowledge_2027, smtp)
    assert notify(up, NOW + timedelta(days=1), TODAY).sent == 1
    assert len(smtp.mailbox.messages) == 1


def test_without_smtp_url_the_e_mails_wait(sqlite_alerts_url, knowledge_2027, data_dir, smtp):
    unconfigured = settings_for(sqlite_alerts_url, knowledge_2027)
    subscribe(unconfigured)
    publish(knowledge_2027, data_dir)
    assert notify(unconfigured, NOW + timedelta(hours=1), TODAY).waiting == 1
    assert notify(settings_for(sqlite_alerts_url, knowledge_2027, smtp), NOW + timedelta(hours=2), TODAY).sent == 1


def test_a_chat_that_blocked_the_bot_is_stopped_after_repeated_failures(sqlite_alerts_url, knowledge_2027, data_dir, telegram):
    settings = settings_for(sqlite_alerts_url, knowledge_2027, telegram=telegram)
    subscribe(settings, channel=store.TELEGRAM, address=str(CHAT))
    telegram.blocked.add(CHAT)
    publish(knowledge_2027, data_dir)
    reports = [notify(settings, NOW + timedelta(days=day + 1), TODAY + timedelta(days=day + 1)) for day in range(store.MAX_FAILURES + 1)]
    assert [r.failed for r in reports] == [1] * store.MAX_FAILURES + [0]
    assert reports[store.MAX_FAILURES - 1].stopped == 1 and store.active(sqlite_alerts_url) == []
    assert len(telegram.called("sendMessage")) == store.MAX_FAILURES


def test_an_address_the_server_refuses_is_retried_then_stopped(sqlite_alerts_url, knowledge_2027, data_dir, smtp):
    settings = settings_for(sqlite_alerts_url, knowledge_2027, smtp)
    subscribe(settings, address="parti@mairie-exemple.fr")
    smtp.mailbox.refused.add("parti@mairie-exemple.fr")
    publish(knowledge_2027, data_dir)
    stopped = [notify(settings, NOW + timedelta(days=d + 1), TODAY).stopped for d in range(store.MAX_FAILURES)]
    assert stopped == [0] * (store.MAX_FAILURES - 1) + [1] and smtp.mailbox.messages == []


@pytest.mark.parametrize("today, reminded", [
    (date(2027, 8, 22), False),  # 31 days before the deadline
    (date(2027, 8, 23), True),   # 30 days: the window opens
    (date(2027, 9, 22), True),   # the last day
    (date(2027, 9, 23), False),  # closed: nothing
])
def test_the_reminder_window_on_a_fixed_clock(sqlite_alerts_url, knowledge_2027, data_dir, smtp, today, reminded):
    publish(knowledge_2027, data_dir)
    settings = settings_for(sqlite_alerts_url, knowledge_2027, smtp)
    subscribe(settings, new_calls=False, days=30)
    now = datetime.combine(today, datetime.min.time()) + timedelta(hours=6)
    assert notify(settings, now, today).sent == int(reminded)
    assert notify(settings, now + timedelta(days=1), today + timedelta(days=1)).sent == int(not reminded and today == date(2027, 8, 22))
    if reminded:
        mail = smtp.mailbox.messages[0]
        assert mail["Subject"] == "Rappel : date limite CERV – Jumelage de villes 2027"
        days_left = (date(2027, 9, 22) - today).days
        assert ("aujourd'hui" if days_left == 0 else f"dans {days_left} jours") in mail.get_content()


def test_a_new_call_already_closed_is_not_announced(sqlite_alerts_url, knowledge_2027, data_dir, smtp):
    settings = settings_for(sqlite_alerts_url, knowledge_2027, smtp)
    subscribe(settings, days=None)
    publish(knowledge_2027, data_dir, call_yaml("CERV-2026-BIS", date(2026, 3, 1), date(2026, 9, 1)))
    assert notify(settings, NOW + timedelta(hours=1), TODAY).sent == 0


async def test_the_unsubscribe_link_stops_the_mail(sqlite_alerts_url, knowledge_2027, data_dir, smtp):
    settings = settings_for(sqlite_alerts_url, knowledge_2027, smtp)
    subscription = subscribe(settings)
    path = f"/alertes/desinscription/{subscription.token}"
    async with TestClient(TestServer(create_app(settings))) as client:
        page = await client.get(path)
        assert page.status == 200 and "Me désinscrire" in await page.text()
        assert store.active(sqlite_alerts_url) != []  # opening the link alone changes nothing
        done = await client.post(path, data={"List-Unsubscribe": "One-Click"})
        assert done.status == 200 and "vous ne recevrez plus ces alertes" in await done.text()
        assert (await client.get("/alertes/desinscription/inconnu")).status == 404
    publish(knowledge_2027, data_dir)
    assert notify(settings, NOW + timedelta(hours=1), TODAY).sent == 0 and smtp.mailbox.messages == []


def test_a_new_call_already_in_the_reminder_window_makes_one_message(sqlite_alerts_url, knowledge_2027, data_dir, smtp):
    settings = settings_for(sqlite_alerts_url, knowledge_2027, smtp)
    subscribe(settings, days=30)
    publish(knowledge_2027, data_dir, call_yaml("CERV-2026-TARDIF", date(2026, 11, 1), date(2026, 12, 15)))
    assert notify(settings, NOW + timedelta(hours=1), TODAY).sent == 1
    assert notify(settings, NOW + timedelta(days=1), TODAY + timedelta(days=1)).sent == 0
    [mail] = smtp.mailbox.messages
    assert mail["Subject"].startswith("Nouvel appel") and "dans 15 jours" in mail.get_content()
