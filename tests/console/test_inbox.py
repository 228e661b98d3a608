"""The inbox: what the assistant answered, "Analyser", the "traité" marks, test traffic left out."""

from __future__ import annotations

import csv
import html as html_module
import io
import re

import pytest

from bot.traffic import is_test_traffic, trial_sender
from console import handled
from console.inbox import pseudonym
from tests.console.conftest import (
    CLARIFY,
    REPHRASE,
    SENDER_A,
    SENDER_B,
    TEST_TRAFFIC_TEXT,
    form_token,
    login,
)

GROUPED = "On veut faire un truc avec les jeunes de la ville  soeur"


def _to_review(html: str) -> dict:
    """Rows of the "À revoir" table: message → (answer cell as text, occurrences)."""
    table = html.split('<table class="inbox">', 1)[1].split("</table>", 1)[0] if '<table class="inbox">' in html else ""
    rows = re.findall(r'<td class="message">(.*?)</td>\s*<td class="answer">(.*?)</td>\s*<td class="count">(\d+)</td>',
                      table, re.S)
    return {html_module.unescape(m): (html_module.unescape(re.sub(r"<[^>]+>", " ", a)), int(n)) for m, a, n in rows}


def _handled(html: str) -> list:
    if '<table class="inbox-handled">' not in html:
        return []
    table = html.split('<table class="inbox-handled">', 1)[1].split("</table>", 1)[0]
    return [html_module.unescape(m) for m in re.findall(r'<td class="message">(.*?)</td>', table, re.S)]


async def _inbox(client) -> str:
    return await (await client.get("/console/inbox")).text()


async def test_inbox_rows_show_what_the_assistant_answered_not_intents(client):
    await login(client)
    html = await _inbox(client)
    rows = _to_review(html)
    # the two spellings of the same message are grouped; the latest spelling and its answer are shown
    answer, count = rows[GROUPED]
    assert count == 2
    assert CLARIFY["text"] in answer and "• Échange de jeunes" in answer
    assert REPHRASE not in answer  # the older answer to the same message
    # an answer sent as a structured payload only is read too: title, facts, named links
    cider, _ = rows["c'est pour la fête du cidre"]
    assert "Erasmus+ – Échanges de jeunes" in cider
    assert "Montant : forfaits par participant" in cider and "page officielle : https://erasmus-plus.ec.europa.eu/fr" in cider
    assert "answer" not in cider and "facts" not in cider  # no key of the payload shows through
    # intent names are not shown
    assert "nlu_fallback" not in html and "out_of_scope" not in html
    # confident messages and button payloads are not listed
    assert "Bonjour" not in rows and not any("polonaise" in t for t in rows)
    assert "/ask_funding_twinning" not in rows
    # no sender id in full, only pseudonyms; user text escaped
    assert SENDER_A not in html and SENDER_B not in html
    assert pseudonym(SENDER_A) in html and pseudonym(SENDER_B) in html
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "22/09/2026 20:00" in html  # last seen of the grouped message (1 790 100 000 s, Paris time)


async def test_each_row_opens_the_message_in_analyser(client):
    await login(client)
    html = await _inbox(client)
    forms = re.findall(r'<form method="post" action="/console/ask" class="inline">(.*?)</form>', html, re.S)
    questions = [html_module.unescape(re.search(r'name="question" value="(.*?)"', f, re.S).group(1)) for f in forms]
    assert GROUPED in questions and len(forms) == len(_to_review(html))
    token = await form_token(client)
    assert all(f'name="csrf" value="{token}"' in f and ">Analyser<span class=\"sr-only\"> : « " in f for f in forms)
    analysed = await client.post("/console/ask", data={"question": GROUPED, "csrf": await form_token(client)})
    assert analysed.status == 200 and '<pre class="reply">' in await analysed.text()


async def test_test_traffic_is_left_out_of_the_inbox_and_its_export(client):
    await login(client)
    html = await _inbox(client)
    assert TEST_TRAFFIC_TEXT not in html
    assert pseudonym("test-load-3f2a9c1d-7") not in html
    assert "« test- »" in html  # the page says what is left out
    export = (await (await client.get("/console/inbox.csv")).read()).decode("utf-8-sig")
    assert TEST_TRAFFIC_TEXT not in export and GROUPED in export


def test_test_traffic_is_what_the_project_names_so():
    assert is_test_traffic(trial_sender("load")) and is_test_traffic("test-chat-5e0b")
    for real in ("web-0123456789abcdef01234567", "123456789", "mairie-de-brive", "", None):
        assert not is_test_traffic(real)


async def test_a_message_marked_handled_leaves_the_list_until_asked_again(client, console_db_url):
    await login(client)
    key = handled.message_key(GROUPED)
    assert key == handled.message_key("on veut faire un truc avec les jeunes de la ville soeur")  # the group's key
    response = await client.post("/console/inbox/handled", allow_redirects=False,
                                 data={"key": key, "action": "traite", "csrf": await form_token(client)})
    assert response.status == 303 and response.headers["Location"] == "/console/inbox"
    html = await _inbox(client)
    assert GROUPED not in _to_review(html) and _handled(html) == [GROUPED]
    assert "Messages traités (1)" in html
    export = (await (await client.get("/console/inbox.csv")).read()).decode("utf-8-sig")
    assert GROUPED not in [row[0] for row in csv.reader(io.StringIO(export), delimiter=";")]
    # the mark keeps no text
    assert set(handled.handled_marks(console_db_url)) == {key}

    # back to review on request
    await client.post("/console/inbox/handled", data={"key": key, "action": "a-revoir", "csrf": await form_token(client)})
    html = await _inbox(client)
    assert GROUPED in _to_review(html) and _handled(html) == []

    # a mark older than the latest occurrence: the message was asked again since, it is back
    handled.mark_handled(console_db_url, key, at=1_790_000_020.0)
    assert GROUPED in _to_review(await _inbox(client))


async def test_marking_needs_the_anti_forgery_field_and_a_valid_key(client, console_db_url):
    await login(client)
    key = handled.message_key(GROUPED)
    refused = await client.post("/console/inbox/handled", data={"key": key, "action": "traite"}, allow_redirects=False)
    assert refused.status == 403
    forged = await client.post("/console/inbox/handled", allow_redirects=False,
                               data={"key": key, "action": "traite", "csrf": "x" * 43})
    assert forged.status == 403
    bad = await client.post("/console/inbox/handled", allow_redirects=False,
                            data={"key": "'; DROP TABLE events; --", "action": "traite", "csrf": await form_token(client)})
    assert bad.status == 400
    assert handled.handled_marks(console_db_url) == {}
    assert GROUPED in _to_review(await _inbox(client))


async def test_marking_without_a_session_is_refused(make_client):
    client = await make_client()
    response = await client.post("/console/inbox/handled", data={"key": "0" * 64, "action": "traite"},
                                 allow_redirects=False)
    assert response.status == 401


def _marks_round_trip(url: str) -> None:
    old, new = handled.message_key("ancien"), handled.message_key("nouveau")
    handled.mark_handled(url, old, at=1_000.0)
    handled.mark_handled(url, new, at=100_000.0, forget_before=50_000.0)  # the old mark is past the retention
    assert handled.handled_marks(url) == {new: 100_000.0}
    handled.reopen(url, new)
    assert handled.handled_marks(url) == {}


def test_marks_older_than_the_retention_are_forgotten(console_db_url):
    _marks_round_trip(console_db_url)


def test_marks_are_kept_in_postgresql_too():
    from sqlalchemy.exc import OperationalError

    from tests.support.databases import scratch_database

    try:
        with scratch_database("console_marks") as url:
            _marks_round_trip(url)
            handled._engine(url).dispose()  # so that the scratch database can be dropped
    except OperationalError as error:
        pytest.skip(f"PostgreSQL unreachable: {type(error).__name__}")
