"""The staff console: login, ask, knowledge, inbox (hermetic: stub NLU, tmp databases)."""

from __future__ import annotations

import csv
import html as html_module
import io
import re
import sqlite3
import time
from datetime import date
from pathlib import Path

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import common
from actions.recommend import ActionRecommendProgramme
from console.audit import months_before
from console.auth import (
    COOKIE_NAME,
    LoginThrottle,
    make_session_cookie,
    valid_session_cookie,
)
from console.email_reply import ProjectReply, compose_email, links_written_out
from console.nlu import RasaModelParser
from console.pages import CONSOLE_PARSER
from tests.console.conftest import (
    SCRIPT_TEXT,
    SENDER_A,
    SENDER_B,
    TODAY,
    TOKEN,
    TWINNING_POLAND,
    StubParser,
    form_token,
    login,
)

# Every console route, with the method it answers to.
ROUTES = [
    ("GET", "/console"),
    ("GET", "/console/"),
    ("GET", "/console/ask"),
    ("POST", "/console/ask"),
    ("GET", "/console/knowledge"),
    ("GET", "/console/inbox"),
    ("GET", "/console/inbox.csv"),
    ("GET", "/console/unknown-page"),
    ("POST", "/console/knowledge"),
]


def _is_login_redirect(response) -> bool:
    return response.status in (302, 303) and response.headers.get("Location", "").startswith("/console/login")


# ------------------------------------------------------------------------------- access


@pytest.mark.parametrize("method,path", ROUTES)
async def test_every_route_requires_login(client, method, path):
    response = await client.request(method, path, data={"question": "CERV ?"}, allow_redirects=False)
    body = await response.text()
    assert response.status == 401 or _is_login_redirect(response), (path, response.status)
    assert "Pourquoi" not in body and "Messages à revoir</h1>" not in body and "message;occurrences" not in body


@pytest.mark.parametrize("method,path", ROUTES)
async def test_forged_or_expired_cookie_is_refused(client, method, path):
    forged = make_session_cookie("un-autre-jeton")
    expired = make_session_cookie(TOKEN, now=time.time() - 13 * 3600)
    for value in (forged, expired, "n'importe.quoi.du-tout", ""):
        client.session.cookie_jar.update_cookies({COOKIE_NAME: value})
        response = await client.request(method, path, data={"question": "x"}, allow_redirects=False)
        assert response.status == 401 or _is_login_redirect(response), (path, value)


def test_session_cookie_signature():
    value = make_session_cookie(TOKEN)
    assert valid_session_cookie(TOKEN, value)
    assert not valid_session_cookie(TOKEN + "x", value)
    nonce, issued, signature = value.split(".")
    tampered = issued[:-1] + ("B" if issued.endswith("A") else "A")
    assert not valid_session_cookie(TOKEN, f"{nonce}.{tampered}.{signature}")  # tampered date
    assert not valid_session_cookie(TOKEN, make_session_cookie(TOKEN, now=time.time() - 13 * 3600))


async def test_wrong_token_is_rejected(client):
    response = await login(client, "mauvais-jeton")
    assert response.status == 401
    assert "Jeton incorrect" in await response.text()
    assert COOKIE_NAME not in response.cookies
    assert _is_login_redirect(await client.get("/console/ask", allow_redirects=False))


async def test_login_sets_a_strict_httponly_cookie_and_logout_clears_it(client):
    response = await login(client)
    assert response.status == 302 and response.headers["Location"] == "/console/ask"
    set_cookie = response.headers["Set-Cookie"]
    assert f"{COOKIE_NAME}=" in set_cookie
    assert "HttpOnly" in set_cookie and "SameSite=Strict" in set_cookie and "Path=/console" in set_cookie
    assert TOKEN not in set_cookie  # the token itself never travels back
    page = await client.get("/console/ask", allow_redirects=False)
    assert page.status == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert "script-src" not in page.headers["Content-Security-Policy"]  # default-src 'none': no script

    out = await client.post("/console/logout", data={"csrf": await form_token(client)}, allow_redirects=False)
    assert _is_login_redirect(out)
    assert _is_login_redirect(await client.get("/console/ask", allow_redirects=False))


@pytest.mark.parametrize(
    "method,path",
    [("GET", "/console"), ("GET", "/console/login"), ("POST", "/console/login"), ("GET", "/console/ask"),
     ("GET", "/console/inbox.csv"), ("GET", "/console/knowledge")],
)
async def test_console_disabled_without_token(make_client, method, path):
    client = await make_client(token=None)
    response = await client.request(method, path, data={"token": ""}, allow_redirects=False)
    assert response.status == 503
    body = await response.text()
    assert "CONSOLE_TOKEN" in body and "désactivée" in body
    assert COOKIE_NAME not in response.cookies


# ------------------------------------------------------------------------------------ ask

# Two publics named at once: the bot puts the participants first (actions.common.PARTICIPANTS_FIRST).
YOUTH_SEVERAL_PUBLICS = {
    "intent": {"name": "ask_funding_youth_exchange", "confidence": 0.91},
    "entities": [{"entity": "audience", "value": "elus"}, {"entity": "audience", "value": "jeunes"},
                 {"entity": "country", "value": "de"}],
    "intent_ranking": [{"name": "ask_funding_youth_exchange", "confidence": 0.91}],
}


async def test_ask_shows_nlu_candidates_sources_and_reply(client):
    await login(client)
    question = "Notre comité de jumelage veut recevoir sa ville jumelle polonaise, quel financement ?"
    response = await client.post("/console/ask", data={"question": question, "csrf": await form_token(client)})
    assert response.status == 200
    html = await response.text()
    assert client.app[CONSOLE_PARSER].texts == [question]
    # NLU interpretation
    assert "ask_funding_twinning" in html and "97.0 %" in html and "PL" in html
    # every candidate, with its score and reasons
    candidates = re.findall(r'<div class="card candidate">\s*<h4>(\d+)\. (.*?) <span', html)
    assert len(candidates) >= 4  # a high limit: more than the bot's 3
    assert candidates[0][1] == "CERV – Jumelage de villes"
    assert len(re.findall(r'score <span class="score">-?\d+(\.\d+)?</span>', html)) == len(candidates)
    assert "Pays membre de l&#39;UE (Pologne)" in html
    # eligibility rules, amounts, deadline computed from "today" (26 Nov 2026: the 2026 call is closed)
    assert "Règles d'éligibilité" in html and "Montants" in html
    assert "L&#39;appel 2026 est clos depuis le 23 septembre 2026" in html
    # contacts, examples, sources with their checked-on date
    assert "CIDEM" in html and "St-Yrieix" in html
    assert "<th>Vérifiée le</th>" in html and "26 novembre 2026" in html
    # the ready-to-paste reply comes first, before what the assistant understood
    reply = re.search(r'<pre class="reply">(.*?)</pre>', html, re.S)
    assert "CERV – Jumelage de villes" in reply.group(1)
    assert reply.start() < html.index("Ce que l'assistant comprend") < html.index("<th>Entité</th>")


async def test_the_reply_to_paste_is_the_assistants_own(client, monkeypatch):
    """The console answers through the action's code: the bot's first answer, word for word, in an e-mail."""
    monkeypatch.setattr(common, "today", lambda: TODAY)
    for parse in (TWINNING_POLAND, YOUTH_SEVERAL_PUBLICS):
        client.app[CONSOLE_PARSER] = StubParser(parse)
        await login(client)
        question = "Un échange avec nos amis, quel financement ?"
        html = await (await client.post("/console/ask", data={"question": question,
                                                            "csrf": await form_token(client)})).text()
        shown = html_module.unescape(re.search(r'<pre class="reply">(.*?)</pre>', html, re.S).group(1))
        dispatcher = CollectingDispatcher()
        tracker = Tracker("test", {}, {**parse, "text": question}, [], False, None, {}, "action_listen")
        ActionRecommendProgramme().answer(dispatcher, tracker, {})
        assert shown == compose_email([ProjectReply(question, dispatcher.messages)])
        assert links_written_out(dispatcher.messages[0]["text"]) in shown


async def test_ask_without_model_ranks_without_entities(make_client):
    parser = StubParser(None, status="Aucun modèle entraîné (assistant.tar.gz) : lancez « make train ».")
    client = await make_client(parser=parser)
    await login(client)
    html = await (await client.post("/console/ask", data={"question": "une aide pour notre jumelage ?",
                                                        "csrf": await form_token(client)})).text()
    assert "Analyse NLU indisponible" in html and "make train" in html
    assert '<div class="card candidate">' in html
    assert '<pre class="reply">' in html


async def test_missing_model_is_reported_without_loading_rasa(tmp_path):
    parser = RasaModelParser(tmp_path / "absent.tar.gz")
    assert await parser("bonjour") is None
    assert "make train" in parser.status


async def test_pasted_script_is_shown_as_text(client):
    await login(client)
    html = await (await client.post("/console/ask", data={"question": "<script>alert(1)</script> jumelage",
                                                        "csrf": await form_token(client)})).text()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; jumelage" in html


async def test_empty_ask_shows_the_form(client):
    await login(client)
    html = await (await client.get("/console/ask")).text()
    assert '<textarea id="question"' in html and "candidate" not in html


# ------------------------------------------------------------------------------ knowledge


async def test_knowledge_orders_calls_and_flags_unverified_facts(make_client):
    client = await make_client(today=date(2026, 3, 1))
    await login(client)
    html = await (await client.get("/console/knowledge")).text()
    states = re.findall(r'<tr class="call (upcoming|closed|undated)', html)
    assert "upcoming" in states and "closed" in states
    # upcoming first, then closed, then undated
    assert states == sorted(states, key=["upcoming", "closed", "undated"].index)
    countdowns = [int(n) for n in re.findall(r"à venir : J-(\d+)", html)]
    assert countdowns == sorted(countdowns) and countdowns[0] == 4  # 5 March 2026
    unverified = int(re.search(r"(\d+) fait\(s\) non vérifié\(s\)", html).group(1))
    assert unverified > 0
    assert html.count('class="badge unverified">non vérifié') >= unverified // 2
    assert "Contacts (" in html and "Exemples de projets financés" in html and "St-Yrieix" in html


async def test_knowledge_flags_sources_checked_more_than_a_year_ago(make_client):
    fresh = await make_client(today=date(2026, 11, 26))
    await login(fresh)
    html = await (await fresh.get("/console/knowledge")).text()
    assert "0 source(s) vérifiée(s) il y a plus de 12 mois" in html
    later = await make_client(today=date(2028, 1, 15))
    await login(later)
    html = await (await later.get("/console/knowledge")).text()
    stale = int(re.search(r"(\d+) source\(s\) vérifiée\(s\) il y a plus de 12 mois", html).group(1))
    assert stale > 0
    assert 'class="badge stale">plus de 12 mois' in html


def test_months_before():
    assert months_before(date(2026, 11, 26), 12) == date(2025, 11, 26)
    assert months_before(date(2028, 2, 29), 12) == date(2027, 2, 28)
    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)


# ---------------------------------------------------------------------------------- inbox


async def test_inbox_csv_export(client):
    await login(client)
    response = await client.get("/console/inbox.csv")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    text = (await response.read()).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == ["message", "occurrences", "conversations", "derniere_fois", "intentions", "confiance_min"]
    by_text = {row[0]: row for row in rows[1:]}
    grouped = by_text["On veut faire un truc avec les jeunes de la ville  soeur"]
    assert grouped[1] == "2" and grouped[2] == "2"
    assert by_text[SCRIPT_TEXT][1] == "1"
    assert "'=HYPERLINK(\"http://evil\")" in by_text  # formulas neutralised
    assert SENDER_A not in text and SENDER_B not in text


async def test_inbox_without_database_is_empty_with_a_note(make_client, tmp_path: Path):
    missing = tmp_path / "absent.sqlite3"
    client = await make_client(tracker=f"sqlite:///{missing}")
    await login(client)
    response = await client.get("/console/inbox")
    assert response.status == 200
    assert "Aucune base de conversations" in await response.text()
    assert not missing.exists()  # read-only: never created
    csv_response = await client.get("/console/inbox.csv")
    assert csv_response.status == 200
    assert (await csv_response.read()).decode("utf-8-sig").count("\n") == 1


async def test_inbox_without_events_table_is_empty_with_a_note(make_client, tmp_path: Path):
    empty = tmp_path / "empty.sqlite3"
    sqlite3.connect(empty).close()
    client = await make_client(tracker=f"sqlite:///{empty}")
    await login(client)
    html = await (await client.get("/console/inbox")).text()
    assert "ne contient pas encore de table" in html


# ------------------------------------------------------------------------- forms and login


@pytest.mark.parametrize("path, data", [("/console/ask", {"question": "jumelage ?"}), ("/console/logout", {}),
                                        ("/console/login", {"token": TOKEN})])
async def test_a_form_posted_without_its_anti_forgery_field_is_refused(client, path, data):
    await login(client)
    response = await client.post(path, data=data, allow_redirects=False)
    assert response.status == 403
    assert "Formulaire expiré" in await response.text()
    forged = await client.post(path, data={**data, "csrf": "x" * 43}, allow_redirects=False)
    assert forged.status == 403


async def test_ten_wrong_tokens_in_a_minute_block_that_client(client):
    for _ in range(10):
        assert (await login(client, token="pas-le-bon")).status == 401
    blocked = await login(client)  # even the right token, for now
    assert blocked.status == 429
    assert 1 <= int(blocked.headers["Retry-After"]) <= 61
    assert "Trop de jetons incorrects" in await blocked.text()


def test_the_login_throttle_forgets_after_the_window_and_on_success():
    now = [0.0]
    throttle = LoginThrottle(attempts=3, window=60, clock=lambda: now[0])
    for _ in range(3):
        throttle.failed("1.2.3.4")
    assert throttle.retry_after("1.2.3.4") > 0 and throttle.retry_after("5.6.7.8") == 0
    now[0] = 61.0
    assert throttle.retry_after("1.2.3.4") == 0
    throttle.failed("1.2.3.4")
    throttle.succeeded("1.2.3.4")
    assert throttle.failures == {}


def _programme_audit(html: str) -> dict:
    rows = re.findall(
        r'<tr class="programme-audit-row"><td>(.*?)</td><td>(\d+)</td><td class="count-unverified">(\d+)</td>'
        r'<td class="count-stale">(\d+)</td></tr>', html)
    return {name: (int(facts), int(unverified), int(stale)) for name, facts, unverified, stale in rows}


async def test_knowledge_counts_facts_to_check_per_programme(make_client):
    # On the audit's day nothing is stale, and each programme shows what is still unverified.
    now = await make_client(today=date(2026, 11, 30))
    await login(now)
    rows = _programme_audit(await (await now.get("/console/knowledge")).text())
    assert len(rows) == 7 and "Programme Citoyens, égalité, droits et valeurs (CERV)" in rows
    assert all(stale == 0 for _, _, stale in rows.values())
    facts, unverified, _ = rows["Programme Citoyens, égalité, droits et valeurs (CERV)"]
    assert 0 < unverified < facts  # e.g. the 2024 participant rules, not re-confirmed for 2026
    assert rows["Fonds citoyen franco-allemand"][1] >= 2  # two examples cite one project page
    # A year later every source checked in November 2026 is older than 12 months.
    later = await make_client(today=date(2027, 12, 15))
    await login(later)
    rows = _programme_audit(await (await later.get("/console/knowledge")).text())
    assert all(stale == facts > 0 for facts, _, stale in rows.values())


async def test_a_closed_call_shows_the_next_opening_or_non_publiee_and_past_calls_are_history(make_client):
    client = await make_client(today=date(2026, 11, 30))
    await login(client)
    html = await (await client.get("/console/knowledge")).text()
    current = html.split('<section id="calls"', 1)[1].split("</section>", 1)[0]
    history = html.split('<section id="history"', 1)[1].split("</section>", 1)[0]
    # the 2026 town-twinning call closed on 23 September 2026: no date of the next one in our data
    row = re.search(r'<tr class="call closed[^"]*" id="call-CERV-2026-CITIZENS-TOWN-TT">(.*?)</tr>', current, re.S).group(1)
    next_opening = re.search(r'<td class="next-opening">(.*?)</td>', row, re.S).group(1)
    assert "<strong>non publiée</strong>" in next_opening and "page officielle du volet" in next_opening
    assert 'href="https://' in next_opening and "Calendrier habituel (à confirmer)" in next_opening
    assert not re.search(r"\d{4}", re.sub(r"<[^>]+>|https?://\S+", "", next_opening).split("Calendrier")[0])
    # the earlier calls of the same strand are in the history only, latest first
    assert "CERV-2025-CITIZENS-TOWN-TT" not in current and "CERV-2021-CITIZENS-TOWN-TT" not in current
    years = [int(y) for y in re.findall(r'id="call-CERV-(\d{4})-CITIZENS-TOWN-TT"', history)]
    assert years == [2025, 2024, 2023, 2021]
    assert "Historique des appels" in html


def test_call_rows_give_a_known_next_opening_never_a_guessed_one():
    from datetime import datetime, timezone
    from types import SimpleNamespace

    from console.audit import call_rows

    def call(call_id, deadline=None, opening=None):
        return SimpleNamespace(id=call_id, deadline=deadline and datetime(*deadline, tzinfo=timezone.utc), opening=opening)

    announced = SimpleNamespace(id="s1", calls=[call("A-2025", (2025, 9, 1)), call("A-2026", (2026, 9, 1)),
                                               call("A-2027", None, date(2027, 3, 1))])
    unknown = SimpleNamespace(id="s2", calls=[call("B-2026", (2026, 4, 1))])
    coming = SimpleNamespace(id="s3", calls=[call("C-2026", (2026, 2, 1)), call("C-2027", (2027, 2, 1))])
    current, history = call_rows([announced, unknown, coming], date(2026, 11, 30))
    states = {row.call.id: (row.state, row.next_call and row.next_call.id) for row in current}
    assert states == {"C-2027": ("upcoming", None), "A-2026": ("closed", "A-2027"), "B-2026": ("closed", None),
                      "A-2027": ("undated", None)}
    assert [row.call.id for row in history] == ["C-2026", "A-2025"]
