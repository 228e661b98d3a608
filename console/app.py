"""The Europe Direct staff console: server-rendered French pages under ``/console``.

* ``/console/login`` (GET form, POST token), ``/console/logout`` (POST): :mod:`console.auth`;
* ``/console/ask``: the assistant's whole reasoning for a pasted question, and its reply to paste
  (:mod:`console.ask`);
* ``/console/knowledge``: programmes, calls by next deadline, contacts, examples, facts to check
  (:mod:`console.audit`);
* ``/console/inbox`` and ``/console/inbox.csv``: the messages the bot did not understand well and
  what it answered, test traffic left out; ``/console/inbox/handled`` (POST) marks one "traité"
  (:mod:`console.inbox`);
* ``/console/alerts``: subscribers per strand, the last alert sent, a test alert (:mod:`console.alerts`).

The console's routes share two middlewares (security headers, then login); without the
``CONSOLE_TOKEN`` setting it is disabled (503), never open. A new page is a handler in its own
module and one line in :data:`ROUTES`.
"""

from __future__ import annotations

from aiohttp import web

from actions import common
from bot.settings import MODEL_PATH, Settings
from console import auth
from console.alerts import alerts_page, alerts_test
from console.ask import ask_page
from console.audit import knowledge_page
from console.inbox import inbox_export, inbox_mark, inbox_page
from console.nlu import RasaModelParser
from console.pages import (
    CONSOLE_PARSER,
    CONSOLE_SETTINGS,
    CONSOLE_TEMPLATES,
    CONSOLE_THROTTLE,
    CONSOLE_TODAY,
    PREFIX,
    render,
    security_headers,
    templates,
)


async def home(request: web.Request) -> web.Response:
    raise web.HTTPFound(f"{PREFIX}/ask")


async def not_found(request: web.Request) -> web.Response:
    return render(request, "base.html", status=404, title="Page introuvable")


async def disabled(request: web.Request) -> web.Response:
    return render(request, "disabled.html", status=503, logged_in=False)


# (method, path under /console, handler); the login middleware guards all but auth.PUBLIC.
ROUTES = [
    ("GET", "", home),
    ("GET", "/", home),
    ("GET", "/login", auth.login_form),
    ("POST", "/login", auth.login),
    ("POST", "/logout", auth.logout),
    ("GET", "/ask", ask_page),
    ("POST", "/ask", ask_page),
    ("GET", "/knowledge", knowledge_page),
    ("GET", "/inbox", inbox_page),
    ("GET", "/inbox.csv", inbox_export),
    ("GET", "/alerts", alerts_page),
    ("POST", "/alerts/test", alerts_test),
    ("POST", "/inbox/handled", inbox_mark),
    ("*", "/{tail:.*}", not_found),
]


def setup_console(app: web.Application, settings: Settings) -> None:
    """Mount the console on ``app`` at ``/console`` (disabled, answering 503, without ``CONSOLE_TOKEN``).

    Its state is kept on ``app`` so that callers (tests) can replace the NLU and the clock.
    """
    app[CONSOLE_SETTINGS] = settings
    app[CONSOLE_TEMPLATES] = templates()
    app[CONSOLE_TODAY] = common.today
    app[CONSOLE_PARSER] = RasaModelParser(MODEL_PATH)
    app[CONSOLE_THROTTLE] = auth.LoginThrottle()

    # Middlewares of ``app`` that leave alone what is not under /console (the widget's files).
    app.middlewares.append(security_headers)
    if not settings.console_token:
        app.router.add_route("*", PREFIX, disabled)
        app.router.add_route("*", f"{PREFIX}/{{tail:.*}}", disabled)
        return
    app.middlewares.append(auth.login_required)
    for method, path, handler in ROUTES:
        app.router.add_route(method, PREFIX + path, handler)
