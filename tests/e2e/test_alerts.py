"""Alerts end to end (issue 14): subscribe over REST with an e-mail address and over Telegram, a 2027
call added to a copy of the YAML, `make knowledge` (which ends with `make notify`), then `make notify`
again, then the unsubscribe link. Real servers (action server, `rasa run` with REST and Telegram),
a local SMTP server with STARTTLS and the fake Telegram Bot API; nothing leaves 127.0.0.1.

The conversation and the e-mail are written to ``$ALERTS_TRANSCRIPT`` when it is set (the README's
example comes from there).
"""

from __future__ import annotations

import asyncio
import html
import os
import re
import subprocess
import time
from datetime import date
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bot.settings import REPO_ROOT, Settings
from bot.traffic import trial_sender
from bot.web import create_app
from knowledge.loader import build_database
from tests.support.alerts import (
    TEST_CALL_ID,
    TEST_CALL_SOURCE,
    add_call,
    call_yaml,
    copy_data,
)
from tests.support.smtp_server import SmtpServer
from tests.support.stack import Stack, post_message, wait_until_ready
from tests.support.telegram import TOKEN, FakeTelegramThread

SECRET = "secret-des-tests-alertes"
CHAT = 4242
SENDER = trial_sender("alerts")  # test traffic: left out of the console's inbox


def telegram_update(text: str, update_id: int) -> dict:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": int(time.time()), "text": text,
        "chat": {"id": CHAT, "type": "private", "first_name": "Marie"},
        "from": {"id": CHAT, "is_bot": False, "first_name": "Marie", "language_code": "fr"}}}


def make(target: str, environ: dict) -> str:
    done = subprocess.run(["make", "--no-print-directory", "-s", target], cwd=REPO_ROOT, env=environ,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


async def until(predicate, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"waited {timeout:.0f} s for {what}"
        await asyncio.sleep(0.2)


@pytest.fixture(scope="module")
def fake_telegram():
    with FakeTelegramThread() as fake:
        yield fake


async def test_subscribe_notify_once_and_unsubscribe(tmp_path: Path, fake_telegram):
    data_dir = copy_data(tmp_path / "data")
    knowledge_url = f"sqlite:///{tmp_path / 'knowledge.sqlite3'}"
    alerts_url = f"sqlite:///{tmp_path / 'alerts.sqlite3'}"
    build_database(knowledge_url, data_dir)
    transcript, telegram_transcript = [], []

    with SmtpServer(tmp_path) as smtp:
        alert_env = {"ALERTS_DATABASE_URL": alerts_url, "TELEGRAM_TOKEN": TOKEN, "TELEGRAM_API_URL": fake_telegram.base_url,
                     "TELEGRAM_SECRET": SECRET, "TELEGRAM_BOT_NAME": "europe_des_communes_bot", "SMTP_URL": smtp.url, "SMTP_CA_FILE": str(smtp.cert_file),
                     "ALERTS_FROM": "L'Europe des communes <alertes@assistant.example.org>"}
        stack = Stack(tmp_path, knowledge_url, environ=alert_env)
        web = TestServer(create_app(Settings.from_env({**alert_env, "DATABASE_URL": knowledge_url})))
        await web.start_server()
        public_url = str(web.make_url("")).rstrip("/")
        make_env = {**{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "MAKE"))},
                    **alert_env, "DATABASE_URL": knowledge_url, "KNOWLEDGE_DATA_DIR": str(data_dir), "PUBLIC_URL": public_url}
        try:
            stack.start()
            await wait_until_ready(stack, time.monotonic(), timeout=120)
            async with aiohttp.ClientSession() as session:
                # Over REST (the widget): the address asked, repeated, what and how to stop, consent.
                answers = []
                for text in ("Prévenez-moi quand le prochain appel CERV jumelage ouvre",
                             "marie.dupont@mairie-exemple.fr", "oui"):
                    _, answer, error = await post_message(session, stack.base, SENDER, text)
                    assert error is None, error
                    answers.append(answer)
                    transcript += [f"> **Utilisateur :** {text}", ">", f"> **Assistant :** {answer}", ">"]
                assert "adresse e-mail" in answers[0]
                assert "marie.dupont@mairie-exemple.fr" in answers[1] and "désinscrire" in answers[1]
                assert "arrêtez les alertes" in answers[1] and "d'accord" in answers[1].lower()
                assert answers[2].startswith("C'est noté")

                # Over Telegram: the chat is the address.
                for number, text in enumerate(("je veux être alerté pour le CERV jumelage", "oui"), start=1):
                    before = len(fake_telegram.called("sendMessage"))
                    async with session.post(f"{stack.base}/webhooks/telegram/webhook", json=telegram_update(text, number),
                                            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as response:
                        assert response.status == 200
                    await until(lambda: len(fake_telegram.called("sendMessage")) > before, "the Telegram answer")
                    answer = html.unescape(re.sub(r"<[^>]+>", "", fake_telegram.called("sendMessage")[-1]["text"]))
                    telegram_transcript += [f"> **Utilisateur (Telegram) :** {text}", ">", f"> **Assistant :** {answer}", ">"]
                conversation = [call["text"] for call in fake_telegram.called("sendMessage")]
                assert "sur Telegram" in conversation[0] and conversation[-1].startswith("C'est noté")

                # A 2027 call appears in the data: `make knowledge` ends with the alerts.
                add_call(data_dir)
                make("knowledge", make_env)
                assert len(smtp.mailbox.messages) == 1
                [mail] = smtp.mailbox.messages
                assert smtp.mailbox.recipients == [["marie.dupont@mairie-exemple.fr"]]
                body = mail.get_content()
                assert "22 septembre 2027 à 17 h (heure de Bruxelles)" in body and f"Appel : {TEST_CALL_ID}" in body
                assert TEST_CALL_SOURCE in body
                alerts_sent = fake_telegram.called("sendMessage")[len(conversation):]
                assert len(alerts_sent) == 1 and CHAT == int(alerts_sent[0]["chat_id"])
                assert "22 septembre 2027" in alerts_sent[0]["text"] and TEST_CALL_SOURCE in alerts_sent[0]["text"]

                # Again: nothing.
                assert "0 sent" in make("notify", make_env)
                assert len(smtp.mailbox.messages) == 1 and len(fake_telegram.called("sendMessage")) == len(conversation) + 1

                # The unsubscribe link, then one more call: Telegram only.
                link = re.search(r"https?://\S+/alertes/desinscription/\S+", body).group(0)
                async with session.get(link) as page:
                    assert page.status == 200 and "Me désinscrire" in await page.text()
                async with session.post(link) as page:
                    assert page.status == 200 and "vous ne recevrez plus ces alertes" in await page.text()
                add_call(data_dir, entry=call_yaml("CERV-2028-CITIZENS-TOWN-TT", deadline=date(2028, 9, 20)))
                make("knowledge", make_env)
                assert len(smtp.mailbox.messages) == 1
                assert len(fake_telegram.called("sendMessage")) == len(conversation) + 2
        finally:
            stack.stop()
            await web.close()
    transcript += ["", *telegram_transcript, "", f"Subject: {mail['Subject']}", f"From: {mail['From']}", f"To: {mail['To']}", "", body]
    if os.environ.get("ALERTS_TRANSCRIPT"):
        Path(os.environ["ALERTS_TRANSCRIPT"]).write_text("\n".join(transcript), encoding="utf-8")
