"""How every console page is made: the shared state, the templates, the anti-forgery field, the headers.

The console's state lives on the application it is mounted on (tests replace the NLU with
``app[CONSOLE_PARSER]`` and the clock with ``app[CONSOLE_TODAY]``); handlers read it through
``request.config_dict``.
"""

from __future__ import annotations

import asyncio
import hmac
import re
import secrets
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any, Awaitable, Callable, Optional, Tuple

import jinja2
from aiohttp import web

from actions import formatting
from bot.settings import Settings

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
PREFIX = "/console"

CONSOLE_PARSER = web.AppKey("console_parser", object)
CONSOLE_TODAY = web.AppKey("console_today", object)
CONSOLE_SETTINGS = web.AppKey("console_settings", Settings)
CONSOLE_TEMPLATES = web.AppKey("console_templates", jinja2.Environment)
CONSOLE_THROTTLE = web.AppKey("console_throttle", object)
# Set on each request by the login middleware (console.auth).
LOGGED_IN = "console_logged_in"

COOKIE_PATH = PREFIX
# Anti-forgery: every form carries the value of this cookie (double submit); SameSite=Strict alone
# leaves older browsers and same-site pages able to post.
CSRF_COOKIE = "console_csrf"
CSRF_FIELD = "csrf"

SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    # No script at all; the only style is the inline sheet of base.html.
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def today(request: web.Request) -> date:
    """The console's today (tests fix it with ``app[CONSOLE_TODAY]``)."""
    return request.config_dict[CONSOLE_TODAY]()


def in_console(request: web.Request) -> bool:
    """Whether the request is for the console (its middlewares leave the rest of the site alone)."""
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


def settings(request: web.Request) -> Settings:
    return request.config_dict[CONSOLE_SETTINGS]


async def in_thread(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run blocking database work off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(None, partial(func, *args, **kwargs))


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every console answer, redirects and errors included: not cached, not framed, no script."""
    if not in_console(request):
        return await handler(request)
    try:
        response = await handler(request)
    except web.HTTPException as error:
        error.headers.update(SECURITY_HEADERS)
        raise
    response.headers.update(SECURITY_HEADERS)
    return response


def safe_href(url: Any) -> str:
    """Only http(s) links are rendered as links (no ``javascript:`` from edited data)."""
    text = str(url or "")
    return text if re.match(r"^https?://", text, re.IGNORECASE) else "#"


def templates() -> jinja2.Environment:
    """The console's Jinja environment: everything escaped, French dates and amounts as in the answers."""
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


def form_token(request: web.Request) -> Tuple[str, bool]:
    """The anti-forgery value of this browser, and whether it is new (to be set as a cookie)."""
    value = request.cookies.get(CSRF_COOKIE) or ""
    if re.fullmatch(r"[A-Za-z0-9_-]{32,64}", value):
        return value, False
    return secrets.token_urlsafe(32), True


def render(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    """A console page, with this browser's anti-forgery value for its forms."""
    env = request.config_dict[CONSOLE_TEMPLATES]
    context.setdefault("logged_in", request.get(LOGGED_IN, False))
    csrf, new = form_token(request)
    html = env.get_template(template).render(csrf=csrf, **context)
    response = web.Response(text=html, status=status, content_type="text/html", charset="utf-8")
    if new:
        response.set_cookie(CSRF_COOKIE, csrf, path=COOKIE_PATH, httponly=True, samesite="Strict",
                            secure=request.secure)
    return response


async def checked_form(request: web.Request) -> Tuple[Any, Optional[web.Response]]:
    """``(form, None)`` when the anti-forgery field matches the browser's cookie, else ``(None, 403 page)``."""
    form = await request.post()
    given = str(form.get(CSRF_FIELD) or "")
    expected = request.cookies.get(CSRF_COOKIE) or ""
    if not given or not expected or not hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8")):
        return None, render(request, "base.html", status=403, title="Formulaire expiré",
                            message="Ce formulaire a expiré ou ne vient pas de la console : rechargez la page et recommencez.")
    return form, None
