"""End to end, offline: Telegram updates posted to the channel's webhook, replies seen by a fake Bot API."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from bot.channels.telegram import MESSAGE_LIMIT, SecureTelegramInput

from .conftest import SECRET, TOKEN, WEBHOOK_URL, callback_update, message_update

LONG_PAYLOAD = '/ask_programme_how_to_apply{"programme": "horizon_cities_mission"}'


def only_local_calls(outbound, fake_telegram, channel_app):
    allowed = {urlsplit(fake_telegram.base_url).netloc, urlsplit(channel_app.url).netloc}
    assert outbound, "no HTTP request recorded"
    assert {urlsplit(url).netloc for url in outbound} <= allowed, outbound
    bot_calls = [url for url in outbound if f"/bot{TOKEN}/" in url]
    assert all(url.startswith(fake_telegram.base_url + "/") for url in bot_calls)


async def test_set_webhook_at_start_with_secret_token(channel_app, fake_telegram):
    calls = fake_telegram.called("setWebhook")
    assert len(calls) == 1
    assert calls[0]["url"] == WEBHOOK_URL
    assert calls[0]["secret_token"] == SECRET
    assert "callback_query" in calls[0]["allowed_updates"]
    assert fake_telegram.tokens == [TOKEN]


async def test_message_is_answered_in_html(channel_app, fake_telegram, outbound):
    channel_app.agent.responses = [
        {"text": "Montant < 5 000 € & <b>pas du HTML</b>\nPage officielle : https://ec.europa.eu/info/x?a=1&b=2."}
    ]
    resp = await channel_app.post_update(message_update("Quel financement pour un échange de jeunes ?"))
    assert resp.status == 200

    [user_message] = channel_app.agent.messages
    assert user_message.text == "Quel financement pour un échange de jeunes ?"
    assert user_message.sender_id == "4242"
    assert user_message.input_channel == "telegram"

    [sent] = fake_telegram.called("sendMessage")
    assert sent["chat_id"] == "4242"
    assert sent["parse_mode"] == "HTML"
    assert sent["text"] == (
        "Montant &lt; 5 000 € &amp; &lt;b&gt;pas du HTML&lt;/b&gt;\n"
        'Page officielle : <a href="https://ec.europa.eu/info/x?a=1&amp;b=2">'
        "https://ec.europa.eu/info/x?a=1&amp;b=2</a>."
    )
    only_local_calls(outbound, fake_telegram, channel_app)


async def test_an_update_delivered_twice_is_answered_once(channel_app, fake_telegram):
    # Telegram delivers an update again when its webhook did not get a 200 in time.
    update = message_update("Quel financement pour un échange de jeunes ?")
    assert (await channel_app.post_update(update)).status == 200
    assert (await channel_app.post_update(update)).status == 200
    other = message_update("Quel financement pour un échange de jeunes ?")  # the user asks again
    assert (await channel_app.post_update(other)).status == 200

    assert len(channel_app.agent.messages) == 2
    assert len(fake_telegram.called("sendMessage")) == 2


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", SECRET + "x"])
async def test_update_without_the_right_secret_is_refused(channel_app, fake_telegram, secret):
    before = len(fake_telegram.calls)
    resp = await channel_app.post_update(message_update("bonjour"), secret=secret)
    assert resp.status == 403
    assert channel_app.agent.messages == []
    assert fake_telegram.calls[before:] == []
    resp = await channel_app.post_update(callback_update("/affirm"), secret=secret)
    assert resp.status == 403
    assert channel_app.agent.messages == []
    assert fake_telegram.calls[before:] == []


async def test_buttons_become_an_inline_keyboard_and_come_back(channel_app, fake_telegram, outbound):
    channel_app.agent.responses = [
        {
            "text": "De quel programme parlez-vous ?",
            "buttons": [
                {"title": "Mission Villes (Horizon Europe)", "payload": LONG_PAYLOAD},
                {"title": "Réseau de plusieurs villes", "payload": "/ask_funding_network_of_towns"},
                {"title": "Échange de jeunes é" * 3, "payload": "/inform" + "é" * 40},
            ],
        }
    ]
    await channel_app.post_update(message_update("comment candidater ?"))
    [sent] = fake_telegram.called("sendMessage")
    assert sent["parse_mode"] == "HTML"
    rows = sent["reply_markup"]["inline_keyboard"]
    buttons = [button for row in rows for button in row]
    assert [b["text"] for b in buttons][:2] == ["Mission Villes (Horizon Europe)", "Réseau de plusieurs villes"]
    assert all(len(row) == 1 for row in rows)  # long titles: one per row
    assert all(len(b["callback_data"].encode("utf-8")) <= 64 for b in buttons)
    assert buttons[1]["callback_data"] == "/ask_funding_network_of_towns"  # short payloads travel as is

    # Pressing the long-payload button sends the original payload to Rasa and stops the spinner.
    channel_app.agent.responses = [{"text": "Pour candidater…"}]
    resp = await channel_app.post_update(callback_update(buttons[0]["callback_data"], query_id="q-1"))
    assert resp.status == 200
    assert channel_app.agent.messages[-1].text == LONG_PAYLOAD
    assert channel_app.agent.messages[-1].sender_id == "4242"
    assert fake_telegram.called("answerCallbackQuery")[-1]["callback_query_id"] == "q-1"

    await channel_app.post_update(callback_update(buttons[2]["callback_data"], query_id="q-2"))
    assert channel_app.agent.messages[-1].text == "/inform" + "é" * 40
    only_local_calls(outbound, fake_telegram, channel_app)


async def test_short_titles_share_a_row(channel_app, fake_telegram):
    channel_app.agent.responses = [
        {"text": "Le projet se déroule-t-il en France ?", "buttons": [{"title": "Oui", "payload": "/affirm"}, {"title": "Non", "payload": "/deny"}]}
    ]
    await channel_app.post_update(message_update("on sera 60"))
    [sent] = fake_telegram.called("sendMessage")
    assert sent["reply_markup"] == {
        "inline_keyboard": [[{"text": "Oui", "callback_data": "/affirm"}, {"text": "Non", "callback_data": "/deny"}]]
    }


async def test_unknown_button_key_is_answered_not_processed(channel_app, fake_telegram):
    resp = await channel_app.post_update(callback_update("~AAAAAAAAAAAAAAAA", query_id="old"))
    assert resp.status == 200
    assert channel_app.agent.messages == []
    [answer] = fake_telegram.called("answerCallbackQuery")
    assert answer["callback_query_id"] == "old"
    assert "plus disponible" in answer["text"]
    assert fake_telegram.called("sendMessage") == []


async def test_long_answer_is_split_on_paragraphs(channel_app, fake_telegram):
    paragraphs = [f"Paragraphe {i} : " + " ".join(["financement"] * 60) + " https://ec.europa.eu/p" for i in range(20)]
    text = "\n\n".join(paragraphs)
    assert len(text) > 2 * MESSAGE_LIMIT
    channel_app.agent.responses = [
        {"text": text, "buttons": [{"title": "Oui", "payload": "/affirm"}, {"title": "Non", "payload": "/deny"}]}
    ]
    await channel_app.post_update(message_update("tout sur le CERV"))
    sent = fake_telegram.called("sendMessage")
    assert len(sent) >= 3
    for message in sent:
        assert len(message["text"]) <= MESSAGE_LIMIT
        assert message["parse_mode"] == "HTML"
        assert message["text"].startswith("Paragraphe ")  # each message starts a paragraph
        assert message["text"].count("<a ") == message["text"].count("</a>") == message["text"].count("Paragraphe")
    # No paragraph is lost or cut; the keyboard goes with the last part only.
    assert sum(m["text"].count("Paragraphe") for m in sent) == 20
    assert [("reply_markup" in m) for m in sent] == [False] * (len(sent) - 1) + [True]


async def test_start_command_greets_and_other_updates_are_ignored(channel_app, fake_telegram):
    await channel_app.post_update(message_update("/start"))
    assert channel_app.agent.messages[-1].text == "/greet"
    count = len(channel_app.agent.messages)
    sticker = message_update("x")
    del sticker["message"]["text"]
    sticker["message"]["sticker"] = {"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1, "is_animated": False}
    resp = await channel_app.post_update(sticker)
    assert resp.status == 200
    assert len(channel_app.agent.messages) == count


async def test_invalid_json_is_a_bad_request(channel_app):
    async with channel_app.session.post(
        f"{channel_app.url}/webhooks/telegram/webhook",
        data="not json",
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"},
    ) as resp:
        assert resp.status == 400
    assert channel_app.agent.messages == []


def test_credentials_secret_validation_and_default():
    channel = SecureTelegramInput.from_credentials({"access_token": TOKEN, "webhook_url": WEBHOOK_URL})
    assert channel.secret_token and channel.secret_token != TOKEN
    assert channel.secret_token == SecureTelegramInput.from_credentials({"access_token": TOKEN}).secret_token
    assert channel.api_url == "https://api.telegram.org"
    with pytest.raises(ValueError):
        SecureTelegramInput.from_credentials({"access_token": TOKEN, "secret_token": "pas de blancs !"})
    with pytest.raises(Exception):
        SecureTelegramInput.from_credentials({})
