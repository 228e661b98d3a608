"""HTML rendering, message splitting and callback_data of every button the assistant can produce."""

from __future__ import annotations

import re

import pytest

from actions import eligibility, programmes, recommend
from bot.channels.telegram import (
    CALLBACK_DATA_LIMIT,
    MESSAGE_LIMIT,
    CallbackPayloads,
    inline_keyboard,
    known_button_payloads,
    render_html,
    split_text,
)


def test_render_escapes_everything_but_our_links():
    assert render_html("a < b && c > d") == "a &lt; b &amp;&amp; c &gt; d"
    rendered = render_html('<a href="https://evil.example">x</a> <i>y</i>')
    assert rendered == (
        '&lt;a href="<a href="https://evil.example">https://evil.example</a>"&gt;x&lt;/a&gt; &lt;i&gt;y&lt;/i&gt;'
    )
    # The only tags present are the links we generate.
    assert re.findall(r"<(/?\w+)", rendered) == ["a", "/a"]
    assert render_html('https://x.example/?q="><b>') == (
        '<a href="https://x.example/?q=">https://x.example/?q=</a>"&gt;&lt;b&gt;'
    )


def test_render_links_and_sentence_punctuation():
    assert render_html("Source : https://example.org/page (vérifiée le 26 novembre 2026).") == (
        'Source : <a href="https://example.org/page">https://example.org/page</a> (vérifiée le 26 novembre 2026).'
    )
    assert render_html("voir https://fr.wikipedia.org/wiki/Jumelage_(ville), merci") == (
        'voir <a href="https://fr.wikipedia.org/wiki/Jumelage_(ville)">https://fr.wikipedia.org/wiki/Jumelage_(ville)</a>, merci'
    )
    assert render_html("écrire à mailto:x@example.org") == "écrire à mailto:x@example.org"


def _tags_balanced(html_text: str) -> bool:
    return html_text.count("<a ") == html_text.count("</a>") and not re.search(r"<[^>]*$", html_text)


def test_short_text_is_one_message():
    assert split_text("Bonjour !\n\nComment puis-je aider ?") == ["Bonjour !\n\nComment puis-je aider ?"]
    assert split_text("   ") == []


def test_split_on_lines_then_words_never_inside_a_word_or_tag():
    line = "Conforme : participants https://example.org/regle?x=1&y=2 " + "é" * 30
    text = "\n".join([line] * 200)  # one huge paragraph
    chunks = split_text(text)
    assert len(chunks) > 1
    for chunk in chunks:
        rendered = render_html(chunk)
        assert len(rendered) <= MESSAGE_LIMIT
        assert _tags_balanced(rendered)
        assert chunk.startswith("Conforme") and chunk.endswith("é" * 30)  # whole lines
    assert "\n".join(chunks) == text

    words = " ".join(["subvention"] * 1000)  # one huge line
    chunks = split_text(words)
    assert all(len(render_html(c)) <= MESSAGE_LIMIT for c in chunks)
    assert all(set(c.split(" ")) == {"subvention"} for c in chunks)
    assert " ".join(chunks) == words


def test_escaping_counts_towards_the_limit():
    text = "&" * 3000  # 15 000 characters once escaped
    chunks = split_text(text)
    assert all(len(render_html(c)) <= MESSAGE_LIMIT for c in chunks)
    assert "".join(chunks) == text


def all_assistant_buttons():
    """Every button the domain's responses and the actions can send."""
    buttons = list(recommend.CLARIFY_BUTTONS)
    import yaml

    from bot.settings import REPO_ROOT

    domain = yaml.safe_load((REPO_ROOT / "domain.yml").read_text(encoding="utf-8"))
    intents = [next(iter(i)) if isinstance(i, dict) else i for i in domain["intents"]]
    for variants in (domain.get("responses") or {}).values():
        for variant in variants:
            buttons += variant.get("buttons") or []
    for intent in intents:
        buttons += programmes.which_programme_buttons(intent)
    buttons += [{"title": t, "payload": f'/inform{{"programme": "{s}"}}'} for t, s in eligibility.strand_choices()]
    buttons += [
        {"title": "Chez le partenaire", "payload": "chez le partenaire"},
        {"title": "Dans un lieu tiers", "payload": "dans un lieu tiers"},
        {"title": "Oui", "payload": "/affirm"},
        {"title": "Non", "payload": "/deny"},
    ]
    return buttons


def test_every_button_fits_telegram_callback_data():
    buttons = all_assistant_buttons()
    assert any(len(b["payload"].encode()) > CALLBACK_DATA_LIMIT for b in buttons), "expected some long payloads"
    payloads = CallbackPayloads()
    markup = inline_keyboard(buttons, payloads, vertical=False)
    sent = [button for row in markup.inline_keyboard for button in row]
    assert len(sent) == len(buttons)
    for button, original in zip(sent, buttons):
        assert len(button.callback_data.encode("utf-8")) <= CALLBACK_DATA_LIMIT
        assert payloads.decode(button.callback_data) == original["payload"]


def test_known_payloads_survive_a_restart():
    """A fresh registry (new process) still resolves the keys of the assistant's own buttons."""
    long_ones = [b["payload"] for b in all_assistant_buttons() if len(b["payload"].encode()) > CALLBACK_DATA_LIMIT]
    fresh = CallbackPayloads()
    fresh.register(known_button_payloads())
    for payload in long_ones:
        assert fresh.decode(CallbackPayloads.key(payload)) == payload


@pytest.mark.parametrize("payload", ["~déjà une clé", "/inform" + "€" * 20, "x" * 64])
def test_callback_codec_edge_cases(payload):
    payloads = CallbackPayloads()
    data = payloads.encode(payload)
    assert len(data.encode()) <= CALLBACK_DATA_LIMIT
    assert payloads.decode(data) == payload


def test_registry_is_bounded():
    payloads = CallbackPayloads(max_entries=3)
    keys = [payloads.encode("/inform" + "x" * 80 + str(i)) for i in range(5)]
    assert payloads.decode(keys[0]) is None and payloads.decode(keys[-1]) is not None


def test_the_full_card_buttons_survive_a_restart(knowledge_url, monkeypatch):
    """"Voir la fiche complète" (after a follow-up) keeps working after a restart, for every programme."""
    from actions.cards import full_card_button
    from knowledge import api

    monkeypatch.setenv("DATABASE_URL", knowledge_url)
    fresh = CallbackPayloads()
    fresh.register(known_button_payloads())
    payloads = [full_card_button(strand.id)["payload"] for strand in api.list_strands()]
    assert any(len(p.encode()) > CALLBACK_DATA_LIMIT for p in payloads)
    for payload in payloads:
        assert fresh.decode(CallbackPayloads().encode(payload)) == payload
