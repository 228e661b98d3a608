"""The assistant's answers on Telegram: one message each, labels in bold, links by their names."""

from __future__ import annotations

import html
import json
import re

from bot.channels.telegram_html import MESSAGE_LIMIT, render_answer, render_html
from tests.support.widget_answers import FIXTURE

from .conftest import message_update

# The real answers (tests/support/widget_answers.py), as Rasa hands them to the channel (no recipient_id).
ANSWERS = {name: [{k: v for k, v in m.items() if k != "recipient_id"} for m in messages]
           for name, messages in json.loads(FIXTURE.read_text(encoding="utf-8")).items()}


def shown(rendered: str) -> str:
    """What a reader sees of Telegram HTML: the text without tags."""
    return html.unescape(re.sub(r"<[^>]+>", "", rendered))


async def _send(channel_app, fake_telegram, name):
    channel_app.agent.responses = ANSWERS[name]
    await channel_app.post_update(message_update("question"))
    return fake_telegram.called("sendMessage")


async def test_a_card_is_one_message_with_bold_labels_and_named_links(channel_app, fake_telegram):
    [sent] = await _send(channel_app, fake_telegram, "card")
    text = sent["text"]
    assert sent["parse_mode"] == "HTML"
    assert text.startswith("<b>Le programme le plus adapté à votre projet : Erasmus+ – Échanges de jeunes</b>\n")
    for label in ("Pourquoi", "Montant", "Date limite", "Contact"):
        assert f"\n<b>{label}</b> : " in text
    assert '<b>Contact</b> : <a href="https://' in text
    # Details and sources on demand: a quote the reader expands.
    assert "<b>Détails et sources</b>\n<blockquote expandable>" in text
    assert '<a href="https://erasmus-plus.ec.europa.eu/' in text and ">page officielle</a>" in text
    assert not re.search(r"https?://|www\.", shown(text))
    assert shown(text).lower().count("à confirmer") == 1


async def test_the_hand_over_is_one_message_with_the_text_to_copy(channel_app, fake_telegram):
    [sent] = await _send(channel_app, fake_telegram, "handover")
    text = sent["text"]
    assert len(text) <= MESSAGE_LIMIT
    # The message to send, in a block Telegram copies with one tap; the recipient's address written out.
    copy = re.search(r"<pre>(.*?)</pre>", text, re.S).group(1)
    assert html.unescape(copy) == ANSWERS["handover"][0]["custom"]["answer"]["copy"]
    assert html.unescape(copy).startswith("Bonjour,\n")
    assert "comm-rep-mrs-territoires@ec.europa.eu" in shown(text)
    assert "mailto:" not in text  # Telegram opens http(s) links only
    assert "<b>Message prêt à envoyer</b> : " in text
    assert not re.search(r"https?://|www\.", shown(text))


async def test_a_follow_up_is_one_short_message_with_the_full_card_on_request(channel_app, fake_telegram):
    [sent] = await _send(channel_app, fake_telegram, "followup")
    assert len(shown(sent["text"]).split()) < 60
    [[button]] = sent["reply_markup"]["inline_keyboard"]
    assert button["text"] == "Voir la fiche complète"
    assert len(button["callback_data"].encode()) <= 64


async def test_an_answer_too_long_for_one_message_is_split_as_plain_text(channel_app, fake_telegram):
    card = json.loads(json.dumps(ANSWERS["card"][0]))
    card["custom"]["answer"]["details"] *= 40
    card["text"] = "\n".join([card["text"]] * 12)
    channel_app.agent.responses = [card]
    await channel_app.post_update(message_update("question"))
    sent = fake_telegram.called("sendMessage")
    assert len(sent) > 1 and all(len(m["text"]) <= MESSAGE_LIMIT for m in sent)


def test_render_answer_escapes_labels_texts_and_copy():
    rendered = render_answer({
        "title": "A < B & [page](https://x.example/?a=1&b=2)",
        "facts": [{"label": "Mont<ant>", "text": "5 000 € & <i>plus</i>"}, {"label": "", "text": "[écrire](mailto:a@b.example)"}],
        "copy": "<script>Bonjour & merci</script>",
        "details": [{"label": "Sources", "text": "[site](https://y.example)"}],
        "details_title": "Détails et sources",
    })
    assert rendered.split("\n")[0] == '<b>A &lt; B &amp; <a href="https://x.example/?a=1&amp;b=2">page</a></b>'
    assert "<b>Mont&lt;ant&gt;</b> : 5 000 € &amp; &lt;i&gt;plus&lt;/i&gt;" in rendered
    assert "\nécrire\n" in rendered  # a mailto: link shows its name
    assert "<pre>&lt;script&gt;Bonjour &amp; merci&lt;/script&gt;</pre>" in rendered
    assert rendered.endswith('<blockquote expandable><b>Sources</b> : <a href="https://y.example">site</a></blockquote>')
    assert set(re.findall(r"</?(\w+)", rendered)) == {"b", "a", "pre", "blockquote"}


def test_named_links_in_plain_text():
    assert render_html("Voir la [page officielle](https://ec.europa.eu/x?a=1&b=2).") == (
        'Voir la <a href="https://ec.europa.eu/x?a=1&amp;b=2">page officielle</a>.'
    )


def test_answers_written_as_lines_get_their_short_labels_in_bold():
    from actions.answer import text_answer

    rendered = render_answer(text_answer(
        "Votre projet semble ÉLIGIBLE pour CERV – Jumelage de villes.\n"
        "✓ Conforme : 60 participants. ([source](https://ec.europa.eu/x))\n"
        "Voici ceux que je connais dans la région (à confirmer) :").as_dict())
    assert rendered.split("\n") == [
        "Votre projet semble ÉLIGIBLE pour CERV – Jumelage de villes.",
        '<b>✓ Conforme</b> : 60 participants. (<a href="https://ec.europa.eu/x">source</a>)',
        "Voici ceux que je connais dans la région (à confirmer) :",
    ]
