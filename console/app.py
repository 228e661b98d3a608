"""The Europe Direct staff console: server-rendered French pages under ``/console``.

* ``/console/login`` (GET form, POST token), ``/console/logout`` (POST);
* ``/console/ask``: the assistant's whole reasoning for a pasted question, and a reply to paste;
* ``/console/knowledge``: programmes, calls by next deadline, contacts, examples, facts to check;
* ``/console/inbox`` and ``/console/inbox.csv``: the messages the bot did not understand well.

Every page needs a session cookie obtained with the ``CONSOLE_TOKEN`` secret (see
:class:`bot.settings.Settings`); without that setting the console is disabled (503), never open.
The cookie is stateless: ``<issued>.<nonce>.<HMAC-SHA256>`` keyed by a key derived from the token,
so changing the token logs everybody out.

Tests replace the NLU with ``app[CONSOLE_PARSER]`` and the clock with ``app[CONSOLE_TODAY]``.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import hmac
import io
import json
import logging
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Sequence, Tuple
from zoneinfo import ZoneInfo

import jinja2
from aiohttp import web

from actions import formatting
from bot.settings import MODEL_PATH, Settings
from knowledge import api, ranking
from knowledge.views import NeedProfile, Recommendation, SourceView, StrandView
from knowledge.vocabulary import INTENT_NEEDS, PROFILE_ENTITIES

logger = logging.getLogger(__name__)

PARIS = ZoneInfo("Europe/Paris")
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

COOKIE_NAME = "console_session"
COOKIE_PATH = "/console"
# Anti-forgery: every form carries the value of this cookie (double submit); SameSite=Strict alone
# leaves older browsers and same-site pages able to post.
CSRF_COOKIE = "console_csrf"
CSRF_FIELD = "csrf"
# Wrong tokens allowed per client in the window before the login answers 429.
LOGIN_ATTEMPTS = 10
LOGIN_WINDOW = 60.0  # seconds

SESSION_MAX_AGE = 12 * 3600  # seconds: a working day
LOW_CONFIDENCE = 0.6
INBOX_SCAN_LIMIT = 50_000  # most recent user events read from the tracker store
STALE_MONTHS = 12
CANDIDATE_LIMIT = 100


Parser = Callable[[str], Awaitable[Optional[Dict[str, Any]]]]


# ---------------------------------------------------------------------------------------- NLU


class RasaModelParser:
    """Parse text with the trained model, loaded lazily in-process once (``load_agent``).

    Calling it returns Rasa's parse data (``intent``, ``entities``, ``intent_ranking``), or None
    when no model exists or it cannot be loaded; ``status`` then says why, in French.
    """

    def __init__(self, model_path: Path = MODEL_PATH) -> None:
        self.model_path = Path(model_path)
        self._agent: Any = None
        self._failed: Optional[str] = None
        self._lock = asyncio.Lock()
        self.status = ""

    async def _load(self) -> Any:
        async with self._lock:
            if self._agent is not None or self._failed is not None:
                return self._agent
            if not self.model_path.exists():
                self._failed = f"Aucun modèle entraîné ({self.model_path.name}) : lancez « make train »."
                return None
            try:
                from rasa.core.agent import load_agent  # heavy import (TensorFlow): only when needed

                self._agent = await load_agent(model_path=str(self.model_path))
            except Exception as error:  # noqa: BLE001 - any failure: the console still works
                logger.exception("console: cannot load the model")
                self._failed = f"Le modèle n'a pas pu être chargé ({type(error).__name__})."
            return self._agent

    async def __call__(self, text: str) -> Optional[Dict[str, Any]]:
        agent = await self._load()
        if agent is None:
            self.status = self._failed or "Modèle indisponible."
            return None
        self.status = ""
        return await agent.parse_message(text)


CONSOLE_PARSER = web.AppKey("console_parser", object)
CONSOLE_TODAY = web.AppKey("console_today", object)
CONSOLE_SETTINGS = web.AppKey("console_settings", Settings)
CONSOLE_TEMPLATES = web.AppKey("console_templates", jinja2.Environment)
CONSOLE_THROTTLE = web.AppKey("console_throttle", object)


def paris_today() -> date:
    return datetime.now(PARIS).date()


# ------------------------------------------------------------------------------------ session


def _signing_key(token: str) -> bytes:
    return hmac.new(token.encode("utf-8"), b"europe-direct-console-session-v1", hashlib.sha256).digest()


def make_session_cookie(token: str, now: Optional[float] = None) -> str:
    """A signed session value: ``<issued>.<nonce>.<signature>``."""
    payload = f"{int(now if now is not None else time.time())}.{secrets.token_urlsafe(16)}"
    signature = hmac.new(_signing_key(token), payload.encode("ascii"), hashlib.sha256).hexdigest()
    return f"{payload}.{signature}"


def valid_session_cookie(token: str, value: Optional[str], now: Optional[float] = None) -> bool:
    """True when ``value`` was signed with ``token`` less than :data:`SESSION_MAX_AGE` ago."""
    if not value or value.count(".") != 2:
        return False
    issued, nonce, signature = value.split(".")
    payload = f"{issued}.{nonce}"
    try:
        expected = hmac.new(_signing_key(token), payload.encode("ascii"), hashlib.sha256).hexdigest()
        age = (now if now is not None else time.time()) - int(issued)
    except (UnicodeEncodeError, ValueError):
        return False
    return hmac.compare_digest(expected, signature) and -60 <= age <= SESSION_MAX_AGE


def _logged_in(request: web.Request) -> bool:
    token = request.app[CONSOLE_SETTINGS].console_token
    return bool(token) and valid_session_cookie(token, request.cookies.get(COOKIE_NAME))


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def require_login(handler: Handler) -> Handler:
    """Pages (GET) redirect to the login form; posts and exports answer 401."""

    async def wrapped(request: web.Request) -> web.StreamResponse:
        if _logged_in(request):
            return await handler(request)
        if request.method == "GET" and not request.path.endswith(".csv"):
            raise web.HTTPFound("/console/login")
        return _render(request, "login.html", status=401, error="Session absente ou expirée : connectez-vous.")

    return wrapped


# ----------------------------------------------------------------------------------- helpers


def _secure_headers(response: web.StreamResponse) -> web.StreamResponse:
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    # No script at all; the only style is the inline sheet of base.html.
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )
    return response


def _form_token(request: web.Request) -> Tuple[str, bool]:
    """The anti-forgery value of this browser, and whether it is new (to be set as a cookie)."""
    value = request.cookies.get(CSRF_COOKIE) or ""
    if re.fullmatch(r"[A-Za-z0-9_-]{32,64}", value):
        return value, False
    return secrets.token_urlsafe(32), True


def _render(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    env = request.app[CONSOLE_TEMPLATES]
    context.setdefault("logged_in", _logged_in(request))
    csrf, new = _form_token(request)
    html = env.get_template(template).render(csrf=csrf, **context)
    response = web.Response(text=html, status=status, content_type="text/html", charset="utf-8")
    if new:
        response.set_cookie(CSRF_COOKIE, csrf, path=COOKIE_PATH, httponly=True, samesite="Strict",
                            secure=request.secure)
    return _secure_headers(response)


async def checked_form(request: web.Request) -> Tuple[Any, Optional[web.Response]]:
    """``(form, None)`` when the anti-forgery field matches the browser's cookie, else ``(None, 403 page)``."""
    form = await request.post()
    given = str(form.get(CSRF_FIELD) or "")
    expected = request.cookies.get(CSRF_COOKIE) or ""
    if not given or not expected or not hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8")):
        return None, _render(request, "base.html", status=403, title="Formulaire expiré",
                             message="Ce formulaire a expiré ou ne vient pas de la console : rechargez la page et recommencez.")
    return form, None


class LoginThrottle:
    """Wrong console tokens per client over the last :data:`LOGIN_WINDOW` seconds (memory only)."""

    MAX_CLIENTS = 10_000  # bounds the memory an attacker with many addresses can take

    def __init__(self, attempts: int = LOGIN_ATTEMPTS, window: float = LOGIN_WINDOW,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.attempts, self.window, self.clock = attempts, window, clock
        self.failures: Dict[str, List[float]] = {}

    def _recent(self, client: str) -> List[float]:
        now = self.clock()
        recent = [t for t in self.failures.get(client, ()) if now - t < self.window]
        if recent:
            self.failures[client] = recent
        else:
            self.failures.pop(client, None)
        return recent

    def retry_after(self, client: str) -> int:
        """Seconds this client must wait before trying again (0: it may try now)."""
        recent = self._recent(client)
        if len(recent) < self.attempts:
            return 0
        return max(1, int(self.window - (self.clock() - recent[-self.attempts])) + 1)

    def failed(self, client: str) -> None:
        if len(self.failures) >= self.MAX_CLIENTS and client not in self.failures:
            self.failures.pop(next(iter(self.failures)))
        self._recent(client)
        self.failures.setdefault(client, []).append(self.clock())

    def succeeded(self, client: str) -> None:
        self.failures.pop(client, None)


def _today(request: web.Request) -> date:
    return request.app[CONSOLE_TODAY]()


async def _in_thread(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run blocking database work off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(None, partial(func, *args, **kwargs))


def months_before(day: date, months: int) -> date:
    """The same day ``months`` earlier (the 28th/29th... clamped to the month's end)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    return date(year, month, 28)


def is_stale(source: SourceView, today: date) -> bool:
    """A source last checked more than 12 months before ``today``."""
    return source.checked_on < months_before(today, STALE_MONTHS)


def pseudonym(sender_id: Optional[str]) -> str:
    """A short, non-reversible label for a conversation id (personal data is never shown)."""
    digest = hashlib.sha256((sender_id or "").encode("utf-8")).hexdigest()
    return f"conv-{digest[:8]}"


# -------------------------------------------------------------------------------------- ask


@dataclass
class SourceRow:
    label: str
    url: str
    checked_on: date
    third_party: bool
    stale: bool


@dataclass
class Candidate:
    rec: Recommendation
    next_call: Any
    deadline_text: str
    contacts: list
    examples: list
    sources: List[SourceRow] = field(default_factory=list)


def _collect_sources(strand: StrandView, contacts: Sequence, examples: Sequence, today: date) -> List[SourceRow]:
    rows: List[SourceRow] = []
    seen = set()

    def add(label: str, sources: Iterable[SourceView]) -> None:
        for source in sources:
            key = (label, source.url)
            if key in seen:
                continue
            seen.add(key)
            rows.append(SourceRow(label, source.url, source.checked_on, source.third_party, is_stale(source, today)))

    add("Volet", strand.sources)
    add("Pays partenaires", strand.eligible_countries.sources)
    for rule in strand.rules:
        add(f"Règle « {rule.key} »", rule.sources)
    for amount in strand.amounts:
        add("Montant", amount.sources)
    for call in strand.calls:
        add(f"Appel {call.id}", call.sources)
    for contact in contacts:
        add(f"Contact {contact.short_name}", contact.sources)
    for example in examples:
        add(f"Exemple {example.commune}", example.sources)
    return rows


def _profile(parse: Optional[Dict[str, Any]]) -> Tuple[NeedProfile, Optional[str], Optional[str]]:
    """Need profile from the NLU output, the intent used for the need, and its best guess."""
    if not parse:
        return NeedProfile(), None, None
    intent = (parse.get("intent") or {}).get("name")
    guess = intent
    if intent == "nlu_fallback":
        guess = next(
            (c.get("name") for c in parse.get("intent_ranking") or [] if c.get("name") != "nlu_fallback"), None
        )
    values: Dict[str, str] = {}
    for entity in parse.get("entities") or []:
        name, value = entity.get("entity"), entity.get("value")
        if name in PROFILE_ENTITIES and isinstance(value, str) and name not in values:
            values[name] = value.strip().upper() if name == "country" else value.strip().lower()
    return NeedProfile(need=INTENT_NEEDS.get(guess or ""), **values), intent, guess


def _pick_example(examples: Sequence, country: Optional[str]):
    """As the bot does: a current example first, with the partner country when possible."""
    if not examples:
        return None
    return sorted(examples, key=lambda e: (e.historical_note is not None, country not in e.partner_countries))[0]


def analyse(text: str, parse: Optional[Dict[str, Any]], today: date, url: str) -> Dict[str, Any]:
    """Everything the assistant would weigh for ``text`` (blocking: database reads)."""
    profile, intent, guess = _profile(parse)
    need, inferred = ranking.infer_need(profile)
    recommendations = api.recommend(profile, today=today, url=url, limit=CANDIDATE_LIMIT, every_candidate=True)
    candidates: List[Candidate] = []
    for rec in recommendations:
        strand = rec.strand
        call = ranking.next_call(strand.calls, today)
        contacts = api.contacts_for(strand.id, url=url)
        examples = api.examples_for(strand.id, url=url)
        candidates.append(
            Candidate(
                rec=rec,
                next_call=call,
                deadline_text=formatting.deadline_text(strand, call, today),
                contacts=contacts,
                examples=examples,
                sources=_collect_sources(strand, contacts, examples, today),
            )
        )
    reply = ""
    if candidates:
        best = candidates[0]
        example = _pick_example(best.examples, profile.country)
        for other in candidates[1:3]:  # the bot looks at its alternatives when the best has none
            if example is None:
                example = _pick_example(other.examples, profile.country)
        reply = formatting.recommendation_text(
            best.rec,
            next_call=best.next_call,
            example=example,
            contact=best.contacts[0] if best.contacts else None,
            alternatives=[c.rec for c in candidates[1:ranking.DEFAULT_LIMIT]],
            today=today,
            open_all_year=[c.rec.strand for c in candidates[:ranking.DEFAULT_LIMIT] if c.rec.strand.rolling],
            partner_country=profile.country,
        )
    try:
        place = api.nearest_europe_direct(text, url=url)
    except Exception:  # noqa: BLE001 - the place lookup is a bonus, never a failure of the page
        logger.exception("console: place lookup failed")
        place = None
    return {
        "profile": profile,
        "intent": intent,
        "guess": guess,
        "need": need,
        "need_inferred": inferred,
        "need_label": ranking.NEED_LABELS.get(need, need),
        "candidates": candidates,
        "reply": reply,
        "place": place,
        "funding_intent": guess in INTENT_NEEDS or guess in {"ask_funding", "inform"},
    }


# ---------------------------------------------------------------------------------- knowledge


def _call_order(calls: Iterable, today: date) -> List[Tuple[Any, str]]:
    """Upcoming calls by nearest deadline, then closed ones (latest first), then undated ones."""
    upcoming, closed, undated = [], [], []
    for call in calls:
        if call.deadline is None:
            undated.append(call)
        elif call.deadline.date() >= today:
            upcoming.append(call)
        else:
            closed.append(call)
    upcoming.sort(key=lambda c: c.deadline)
    closed.sort(key=lambda c: c.deadline, reverse=True)
    return [(c, "upcoming") for c in upcoming] + [(c, "closed") for c in closed] + [(c, "undated") for c in undated]


@dataclass
class ProgrammeAudit:
    """How many facts of a programme (its strands, rules, amounts, calls, examples) need a look."""

    name: str
    facts: int = 0
    unverified: int = 0
    stale: int = 0  # facts with a source checked more than STALE_MONTHS ago


def knowledge_overview(today: date, url: str) -> Dict[str, Any]:
    strands = api.list_strands(url=url)
    names = {s.id: s.short_name for s in strands}
    calls = _call_order((call for strand in strands for call in strand.calls), today)
    contacts = api.contacts_for(url=url)
    examples = []
    for programme_id in dict.fromkeys(s.programme_id for s in strands):
        examples.extend(api.examples_for(programme_id, url=url))
    facts = api.facts(url=url)

    unverified: List[str] = []
    stale: List[Tuple[str, SourceRow]] = []
    # Per programme, the facts the next audit should start with (a fact counts once per column).
    by_programme: Dict[str, ProgrammeAudit] = {}
    for strand in strands:
        by_programme.setdefault(strand.programme_id, ProgrammeAudit(strand.programme_name))

    def audit(label: str, verified: bool, sources: Sequence[SourceView], programme_id: Optional[str] = None) -> None:
        row = by_programme.get(programme_id) if programme_id else None
        if row is not None:
            row.facts += 1
        if not verified:
            unverified.append(label)
            if row is not None:
                row.unverified += 1
        old = [source for source in sources if is_stale(source, today)]
        for source in old:
            stale.append((label, SourceRow(label, source.url, source.checked_on, source.third_party, True)))
        if old and row is not None:
            row.stale += 1

    for strand in strands:
        programme = strand.programme_id
        audit(f"{strand.short_name} (volet)", strand.verified, strand.sources, programme)
        audit(f"{strand.short_name} : pays partenaires", strand.eligible_countries.verified,
              strand.eligible_countries.sources, programme)
        for rule in strand.rules:
            audit(f"{strand.short_name} : règle {rule.key}", rule.verified, rule.sources, programme)
        for amount in strand.amounts:
            audit(f"{strand.short_name} : montant", amount.verified, amount.sources, programme)
        for call in strand.calls:
            audit(f"{strand.short_name} : appel {call.id}", call.verified, call.sources, programme)
    for contact in contacts:
        audit(f"Contact {contact.short_name}", contact.verified, contact.sources)
        for detail in contact.details:
            audit(f"Contact {contact.short_name} : {detail.kind}", detail.verified, detail.sources)
    for example in examples:
        audit(f"Exemple {example.commune}", example.verified, example.sources, example.programme_id)
    for fact in facts:
        audit(f"Chiffre {fact.id}", fact.verified, fact.sources)
    return {
        "strands": strands,
        "strand_names": names,
        "calls": calls,
        "contacts": contacts,
        "examples": examples,
        "facts": facts,
        "unverified": unverified,
        "stale": stale,
        "programme_audit": list(by_programme.values()),
        "stale_limit": months_before(today, STALE_MONTHS),
    }


# -------------------------------------------------------------------------------------- inbox


@dataclass
class InboxItem:
    text: str
    count: int = 0
    last_seen: float = 0.0
    intents: Dict[str, int] = field(default_factory=dict)
    min_confidence: float = 1.0
    conversations: set = field(default_factory=set)

    @property
    def last_seen_text(self) -> str:
        return datetime.fromtimestamp(self.last_seen, PARIS).strftime("%d/%m/%Y %H:%M")

    @property
    def conversation_labels(self) -> List[str]:
        return sorted(self.conversations)


def _readonly_engine(url: str):
    """An engine that cannot create nor write the tracker store (None when the SQLite file is missing)."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if not database or database == ":memory:" or not Path(database).exists():
            return None
        path = Path(database).resolve().as_posix()
        return create_engine(f"sqlite:///file:{path}?mode=ro&uri=true", future=True)
    return create_engine(url, future=True)


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def read_inbox(url: str) -> Tuple[List[InboxItem], Optional[str]]:
    """Messages with intent ``nlu_fallback`` or confidence < 0.6, grouped by text; and a note."""
    from sqlalchemy import text as sql
    from sqlalchemy.exc import SQLAlchemyError

    try:
        engine = _readonly_engine(url)
    except (SQLAlchemyError, ValueError, ImportError) as error:
        return [], f"Base des conversations inaccessible ({type(error).__name__})."
    if engine is None:
        return [], "Aucune base de conversations pour l'instant (le fichier n'existe pas) : la boîte est vide."
    query = sql(
        "SELECT sender_id, timestamp, intent_name, data FROM events "
        "WHERE type_name = 'user' ORDER BY timestamp DESC LIMIT :limit"
    )
    try:
        with engine.connect() as connection:
            rows = connection.execute(query, {"limit": INBOX_SCAN_LIMIT}).fetchall()
    except SQLAlchemyError as error:
        message = str(getattr(error, "orig", error)).lower()
        if "no such table" in message or "does not exist" in message or "doesn't exist" in message:
            return [], "La base des conversations ne contient pas encore de table « events » : la boîte est vide."
        logger.warning("console: cannot read the tracker store: %s", type(error).__name__)
        return [], f"Base des conversations illisible ({type(error).__name__}) : la boîte est vide."
    finally:
        engine.dispose()

    groups: Dict[str, InboxItem] = {}
    for sender_id, timestamp, intent_name, raw in rows:
        try:
            data = json.loads(raw) if raw else {}
        except (TypeError, ValueError):
            data = {}
        text = (data.get("text") or (data.get("parse_data") or {}).get("text") or "").strip()
        if not text or text.startswith("/"):  # buttons' payloads are not questions
            continue
        intent = ((data.get("parse_data") or {}).get("intent") or {})
        name = intent.get("name") or intent_name or "?"
        try:
            confidence = float(intent.get("confidence"))
        except (TypeError, ValueError):
            confidence = 0.0
        if name != "nlu_fallback" and confidence >= LOW_CONFIDENCE:
            continue
        if name == "nlu_fallback":
            ranking_ = (data.get("parse_data") or {}).get("intent_ranking") or []
            guess = next((c.get("name") for c in ranking_ if c.get("name") != "nlu_fallback"), None)
            if guess:
                name = f"nlu_fallback (→ {guess})"
        item = groups.setdefault(_normalise(text), InboxItem(text=text))
        item.count += 1
        if (timestamp or 0) >= item.last_seen:
            item.last_seen = float(timestamp or 0)
            item.text = text
        item.intents[name] = item.intents.get(name, 0) + 1
        item.min_confidence = min(item.min_confidence, confidence)
        item.conversations.add(pseudonym(sender_id))
    items = sorted(groups.values(), key=lambda i: (-i.count, -i.last_seen))
    note = None if items else "Aucun message incompris ou à faible confiance."
    return items, note


def _csv_cell(value: Any) -> str:
    """Neutralise spreadsheet formulas in user text (CSV injection)."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def inbox_csv(items: Sequence[InboxItem]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(["message", "occurrences", "conversations", "derniere_fois", "intentions", "confiance_min"])
    for item in items:
        writer.writerow(
            [
                _csv_cell(item.text),
                item.count,
                len(item.conversations),
                item.last_seen_text,
                _csv_cell(", ".join(f"{k} ×{v}" for k, v in item.intents.items())),
                f"{item.min_confidence:.2f}",
            ]
        )
    return buffer.getvalue()


# ------------------------------------------------------------------------------------- routes


def _templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,  # every pasted text and every datum is escaped
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["fdate"] = formatting.french_date
    env.filters["euros"] = formatting.euros
    env.filters["pct"] = lambda value: f"{100 * float(value):.1f} %"
    env.filters["href"] = safe_href
    env.globals["channels"] = formatting.channels_text
    return env


def safe_href(url: Any) -> str:
    """Only http(s) links are rendered as links (no ``javascript:`` from edited data)."""
    text = str(url or "")
    return text if re.match(r"^https?://", text, re.IGNORECASE) else "#"


def setup_console(app: web.Application, settings: Settings) -> None:
    """Register the console's routes on ``app`` (disabled, answering 503, without ``CONSOLE_TOKEN``)."""
    app[CONSOLE_SETTINGS] = settings
    app[CONSOLE_TEMPLATES] = _templates()
    app[CONSOLE_TODAY] = paris_today
    app[CONSOLE_PARSER] = RasaModelParser(MODEL_PATH)
    app[CONSOLE_THROTTLE] = LoginThrottle()

    if not settings.console_token:

        async def disabled(request: web.Request) -> web.Response:
            return _render(request, "disabled.html", status=503, logged_in=False)

        app.router.add_route("*", "/console", disabled)
        app.router.add_route("*", "/console/{tail:.*}", disabled)
        return

    token: str = settings.console_token

    async def login_form(request: web.Request) -> web.Response:
        if _logged_in(request):
            raise web.HTTPFound("/console/ask")
        return _render(request, "login.html", error=None)

    async def login(request: web.Request) -> web.Response:
        throttle: LoginThrottle = request.app[CONSOLE_THROTTLE]
        client = request.remote or "?"
        wait = throttle.retry_after(client)
        if wait:
            response = _render(request, "login.html", status=429, logged_in=False,
                               error=f"Trop de jetons incorrects : réessayez dans {wait} s.")
            response.headers["Retry-After"] = str(wait)
            return response
        form, refused = await checked_form(request)
        if refused is not None:
            return refused
        given = str(form.get("token") or "")
        if not hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8")):
            throttle.failed(client)
            await asyncio.sleep(0.2)  # slows down guessing a little
            return _render(request, "login.html", status=401, logged_in=False, error="Jeton incorrect.")
        throttle.succeeded(client)
        response = web.HTTPFound("/console/ask")
        response.set_cookie(
            COOKIE_NAME,
            make_session_cookie(token),
            max_age=SESSION_MAX_AGE,
            path=COOKIE_PATH,
            httponly=True,
            samesite="Strict",
            secure=request.secure,
        )
        _secure_headers(response)
        raise response

    async def logout(request: web.Request) -> web.Response:
        _form, refused = await checked_form(request)
        if refused is not None:
            return refused
        response = web.HTTPFound("/console/login")
        response.del_cookie(COOKIE_NAME, path=COOKIE_PATH)
        raise response

    @require_login
    async def home(request: web.Request) -> web.Response:
        raise web.HTTPFound("/console/ask")

    @require_login
    async def ask(request: web.Request) -> web.Response:
        text = ""
        if request.method == "POST":
            form, refused = await checked_form(request)
            if refused is not None:
                return refused
            text = str(form.get("question") or "").strip()[:5000]
        if not text:
            return _render(request, "ask.html", question="", result=None, nlu=None, nlu_status="")
        parser = request.app[CONSOLE_PARSER]
        try:
            parse = await parser(text)
            nlu_status = getattr(parser, "status", "") if parse is None else ""
            if parse is None and not nlu_status:
                nlu_status = "Modèle indisponible."
        except Exception as error:  # noqa: BLE001 - show the rest of the reasoning anyway
            logger.exception("console: NLU failed")
            parse, nlu_status = None, f"Erreur de l'analyse NLU ({type(error).__name__})."
        today = _today(request)
        result = await _in_thread(analyse, text, parse, today, settings.database_url)
        return _render(
            request, "ask.html", question=text, result=result, nlu=parse, nlu_status=nlu_status, today=today
        )

    @require_login
    async def knowledge(request: web.Request) -> web.Response:
        today = _today(request)
        overview = await _in_thread(knowledge_overview, today, settings.database_url)
        return _render(request, "knowledge.html", today=today, **overview)

    @require_login
    async def inbox(request: web.Request) -> web.Response:
        items, note = await _in_thread(read_inbox, settings.tracker_store_url)
        return _render(request, "inbox.html", items=items, note=note, threshold=LOW_CONFIDENCE)

    @require_login
    async def inbox_export(request: web.Request) -> web.Response:
        items, _note = await _in_thread(read_inbox, settings.tracker_store_url)
        response = web.Response(
            body=("\ufeff" + inbox_csv(items)).encode("utf-8"),  # BOM: French Excel reads UTF-8
            content_type="text/csv",
            charset="utf-8",
        )
        response.headers["Content-Disposition"] = f'attachment; filename="messages-a-revoir-{_today(request)}.csv"'
        return _secure_headers(response)

    @require_login
    async def not_found(request: web.Request) -> web.Response:
        return _render(request, "base.html", status=404, title="Page introuvable")

    router = app.router
    router.add_get("/console", home)
    router.add_get("/console/", home)
    router.add_get("/console/login", login_form)
    router.add_post("/console/login", login)
    router.add_post("/console/logout", logout)
    router.add_get("/console/ask", ask)
    router.add_post("/console/ask", ask)
    router.add_get("/console/knowledge", knowledge)
    router.add_get("/console/inbox", inbox)
    router.add_get("/console/inbox.csv", inbox_export)
    router.add_route("*", "/console/{tail:.*}", not_found)
