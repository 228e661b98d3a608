"""The subscriptions and the send log: addresses, strands, nothing claimed twice, retention; SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest

from alerts import sendlog, store

NOW = datetime(2026, 11, 30, 8, 0)


def subscribe(url, knowledge_url, address="marie.dupont@mairie-exemple.fr", topic="cerv_town_twinning",
              channel=store.EMAIL, now=NOW, conversation="widget-1", confirm=True):
    subscription = store.subscribe(channel, address, conversation, topic, True, 30, now=now, url=url)
    if confirm:
        store.confirm(subscription.id, conversation, now=now, url=url)
    return subscription


def test_an_address_is_kept_normalised():
    assert store.normalise_address("  Marie.Dupont@Mairie-Exemple.FR ") == "Marie.Dupont@mairie-exemple.fr"


@pytest.mark.parametrize("text", [
    "", "marie", "marie@", "@mairie-exemple.fr", "marie@mairie", "marie@@mairie-exemple.fr",
    "marie dupont@mairie-exemple.fr", "marie@localhost", "marie@mairie-exemple.fr.",
    "a" * 250 + "@mairie-exemple.fr", "marie@" + "x" * 64 + ".fr",
    # header injection, several recipients, a display name: never one bare address
    "marie@mairie-exemple.fr\r\nBcc: victime@exemple-ailleurs.fr",
    "marie@mairie-exemple.fr\nBcc: victime@exemple-ailleurs.fr",
    "marie@mairie-exemple.fr, victime@exemple-ailleurs.fr",
    "Marie <marie@mairie-exemple.fr>",
    "marie@mairie-exemple.fr%0d%0abcc:victime@exemple-ailleurs.fr",
])
def test_invalid_or_absurd_addresses_are_refused_with_a_reason_in_french(text):
    with pytest.raises(store.InvalidAddress) as error:
        store.normalise_address(text)
    assert "adresse" in str(error.value).lower()


def test_the_address_is_found_in_a_sentence():
    assert store.find_address("c'est marie.dupont@mairie-exemple.fr, merci !") == "marie.dupont@mairie-exemple.fr"
    assert store.find_address("je n'en ai pas") is None


def test_a_strand_that_does_not_exist_is_refused(sqlite_alerts_url, knowledge_url):
    with pytest.raises(store.UnknownTopic):
        subscribe(sqlite_alerts_url, knowledge_url, topic="cerv_jumelage_imaginaire")
    with pytest.raises(store.InvalidAddress):
        subscribe(sqlite_alerts_url, knowledge_url, address="marie@mairie-exemple.fr\r\nBcc: x@y.fr")
    assert store.active(sqlite_alerts_url) == []


def test_a_programme_stays_a_programme_and_a_strand_a_strand(sqlite_alerts_url, knowledge_url):
    assert subscribe(sqlite_alerts_url, knowledge_url, topic="CERV").topic == "cerv"
    assert subscribe(sqlite_alerts_url, knowledge_url, topic="erasmus_youth_exchanges").topic == "erasmus_youth_exchanges"


@pytest.mark.parametrize("days", [0, -3, 10_000])
def test_an_absurd_reminder_is_refused(sqlite_alerts_url, knowledge_url, days):
    with pytest.raises(ValueError):
        store.subscribe(store.EMAIL, "marie@mairie-exemple.fr", "w", "cerv", False, days, url=sqlite_alerts_url)


def test_a_subscription_is_active_only_once_the_user_agreed(alerts_url, knowledge_url):
    subscription = subscribe(alerts_url, knowledge_url, confirm=False)
    assert store.active(alerts_url) == []
    assert store.confirm(subscription.id, "another-conversation", url=alerts_url) is None
    assert store.confirm(subscription.id, "widget-1", url=alerts_url).status == store.ACTIVE
    assert [s.id for s in store.of_conversation("widget-1", url=alerts_url)] == [subscription.id]


def test_each_alert_is_claimed_by_one_run_only_even_at_the_same_moment(alerts_url, knowledge_url):
    subscription = subscribe(alerts_url, knowledge_url)
    results, barrier = [], threading.Barrier(4)

    def run():
        barrier.wait()
        results.append(sendlog.claim(subscription.id, "new_call:X", "cerv_town_twinning", NOW, alerts_url))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True]
    sendlog.record_sent(subscription.id, "new_call:X", NOW, alerts_url)
    assert not sendlog.claim(subscription.id, "new_call:X", "cerv_town_twinning", NOW + timedelta(days=1), alerts_url)


def test_a_failed_alert_is_claimed_again_and_a_dead_run_s_claim_lapses(alerts_url, knowledge_url):
    subscription = subscribe(alerts_url, knowledge_url)
    assert sendlog.claim(subscription.id, "a", "s", NOW, alerts_url)
    sendlog.record_failed(subscription.id, "a", "ConnectionRefusedError", counts=False, now=NOW, url=alerts_url)
    assert sendlog.claim(subscription.id, "a", "s", NOW, alerts_url)
    assert sendlog.claim(subscription.id, "b", "s", NOW, alerts_url)
    assert not sendlog.claim(subscription.id, "b", "s", NOW + timedelta(minutes=5), alerts_url)  # still being sent
    assert sendlog.claim(subscription.id, "b", "s", NOW + timedelta(hours=1), alerts_url)  # its run died


def test_repeated_failures_of_the_recipient_stop_the_subscription(alerts_url, knowledge_url):
    subscription = subscribe(alerts_url, knowledge_url)
    for run in range(store.MAX_FAILURES):
        assert sendlog.claim(subscription.id, "a", "s", NOW, alerts_url)
        stopped = sendlog.record_failed(subscription.id, "a", "SMTPRecipientsRefused", counts=True, now=NOW, url=alerts_url)
    assert stopped and store.active(alerts_url) == []


def test_stopping_by_link_or_in_the_conversation(alerts_url, knowledge_url):
    first = subscribe(alerts_url, knowledge_url)
    subscribe(alerts_url, knowledge_url, topic="ofaj")
    assert store.unsubscribe("not-a-token", url=alerts_url) is None
    assert store.unsubscribe(first.token, url=alerts_url).status == store.STOPPED
    assert store.stop_conversation("widget-1", url=alerts_url) == 1
    assert store.active(alerts_url) == []


def test_retention_purges_unconfirmed_and_lapsed_subscriptions_with_their_log(alerts_url, knowledge_url):
    kept_active = subscribe(alerts_url, knowledge_url, now=NOW - timedelta(days=400))
    subscribe(alerts_url, knowledge_url, now=NOW - timedelta(days=3), confirm=False)  # never confirmed
    fresh_pending = subscribe(alerts_url, knowledge_url, now=NOW - timedelta(hours=2), confirm=False)
    lapsed = subscribe(alerts_url, knowledge_url, now=NOW - timedelta(days=90))
    sendlog.claim(lapsed.id, "new_call:X", "cerv_town_twinning", NOW - timedelta(days=80), alerts_url)
    sendlog.record_sent(lapsed.id, "new_call:X", NOW - timedelta(days=80), alerts_url)
    store.unsubscribe(lapsed.token, now=NOW - timedelta(days=31), url=alerts_url)
    recently_stopped = subscribe(alerts_url, knowledge_url)
    store.unsubscribe(recently_stopped.token, now=NOW - timedelta(days=1), url=alerts_url)

    assert sendlog.purge(now=NOW, dry_run=True, url=alerts_url) == {"unconfirmed subscriptions": 1, "stopped subscriptions": 1}
    assert sendlog.purge(now=NOW, url=alerts_url) == {"unconfirmed subscriptions": 1, "stopped subscriptions": 1}
    assert store.by_token(lapsed.token, url=alerts_url) is None
    for kept in (kept_active, fresh_pending, recently_stopped):
        assert store.by_token(kept.token, url=alerts_url) is not None
    assert sendlog.counts_by_topic(url=alerts_url)[0].last_sent_at is None  # the log went with its subscription


def test_rebuilding_the_knowledge_base_in_the_same_database_keeps_the_subscriptions(monkeypatch):
    from knowledge.db import dispose_engine
    from knowledge.loader import build_database
    from tests.support.databases import scratch_database

    with scratch_database("test_alerts_beside") as url:
        build_database(url)
        monkeypatch.setenv("DATABASE_URL", url)
        subscription = subscribe(url, url)
        build_database(url)
        assert [s.id for s in store.active(url)] == [subscription.id]
        dispose_engine(url)


def test_make_purge_also_purges_the_lapsed_subscriptions(tmp_path, knowledge_url):
    import os
    import subprocess
    import sys

    from bot.settings import REPO_ROOT

    url = f"sqlite:///{tmp_path / 'alerts.sqlite3'}"
    subscribe(url, knowledge_url, now=datetime.utcnow() - timedelta(days=5), confirm=False)
    env = {**os.environ, "ALERTS_DATABASE_URL": url, "TRACKER_STORE_URL": f"sqlite:///{tmp_path / 'tracker.sqlite3'}"}
    for extra, verb in ((["--dry-run"], "à supprimer"), ([], "supprimé(s)")):
        done = subprocess.run([sys.executable, "-m", "bot.retention", "purge", *extra], cwd=REPO_ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert len(done.stdout.strip().splitlines()) == 1
        assert f"Alertes : 1 abonnement(s) jamais confirmé(s) depuis plus de 2 jours et 0 arrêté(s) depuis plus de 30 jours, avec leur journal d'envoi, {verb}." in done.stdout
    assert sendlog.purge(url=url) == {"unconfirmed subscriptions": 0, "stopped subscriptions": 0}


def test_an_invalid_address_is_refused_in_french_only():
    with pytest.raises(store.InvalidAddress) as error:
        store.normalise_address("marie@localhost")
    assert "pas valable" in str(error.value) and "email address" not in str(error.value).lower()
