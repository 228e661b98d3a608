"""Who may use the console: the login form, signed session cookies, the login throttle, the middleware.

Every page needs a session cookie obtained with the ``CONSOLE_TOKEN`` secret (see
:class:`bot.settings.Settings`). The cookie is stateless: a random value signed with its issue time
by :mod:`itsdangerous`, keyed by the token, so changing the token logs everybody out.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import time
from typing import Callable, Dict, List, Optional

from aiohttp import web
from itsdangerous import BadSignature, TimestampSigner

from console.pages import (
    CONSOLE_THROTTLE,
    COOKIE_PATH,
    LOGGED_IN,
    PREFIX,
    Handler,
    checked_form,
    in_console,
    render,
    settings,
)

COOKIE_NAME = "console_session"
SESSION_MAX_AGE = 12 * 3600  # seconds: a working day
SESSION_SALT = "europe-direct-console-session-v2"
# Wrong tokens allowed per client in the window before the login answers 429.
LOGIN_ATTEMPTS = 10
LOGIN_WINDOW = 60.0  # seconds
# The only (method, path) pairs served without a session.
PUBLIC = {("GET", f"{PREFIX}/login"), ("POST", f"{PREFIX}/login"), ("POST", f"{PREFIX}/logout")}


class _SessionSigner(TimestampSigner):
    """itsdangerous' timestamped signer with SHA-256, and a clock tests can set."""

    def __init__(self, token: str, now: Optional[float] = None) -> None:
        super().__init__(token, salt=SESSION_SALT, digest_method=hashlib.sha256)
        self.now = now

    def get_timestamp(self) -> int:
        return int(self.now if self.now is not None else time.time())


def make_session_cookie(token: str, now: Optional[float] = None) -> str:
    """A session value signed with ``token``, issued at ``now`` (default: now)."""
    return _SessionSigner(token, now).sign(secrets.token_urlsafe(16)).decode("ascii")


def valid_session_cookie(token: str, value: Optional[str], now: Optional[float] = None) -> bool:
    """True when ``value`` was signed with ``token`` less than :data:`SESSION_MAX_AGE` ago."""
    if not value:
        return False
    try:
        _SessionSigner(token, now).unsign(value, max_age=SESSION_MAX_AGE)
    except (BadSignature, UnicodeEncodeError):
        return False
    return True


def logged_in(request: web.Request) -> bool:
    token = settings(request).console_token
    return bool(token) and valid_session_cookie(token, request.cookies.get(COOKIE_NAME))


@web.middleware
async def login_required(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Pages (GET) redirect to the login form; posts and exports answer 401."""
    if not in_console(request):
        return await handler(request)
    request[LOGGED_IN] = logged_in(request)
    if request[LOGGED_IN] or (request.method, request.path) in PUBLIC:
        return await handler(request)
    if request.method == "GET" and not request.path.endswith(".csv"):
        raise web.HTTPFound(f"{PREFIX}/login")
    return render(request, "login.html", status=401, error="Session absente ou expirée : connectez-vous.")


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


async def login_form(request: web.Request) -> web.Response:
    if request[LOGGED_IN]:
        raise web.HTTPFound(f"{PREFIX}/ask")
    return render(request, "login.html", error=None)


async def login(request: web.Request) -> web.Response:
    throttle: LoginThrottle = request.config_dict[CONSOLE_THROTTLE]
    client = request.remote or "?"
    wait = throttle.retry_after(client)
    if wait:
        response = render(request, "login.html", status=429, logged_in=False,
                          error=f"Trop de jetons incorrects : réessayez dans {wait} s.")
        response.headers["Retry-After"] = str(wait)
        return response
    form, refused = await checked_form(request)
    if refused is not None:
        return refused
    token = settings(request).console_token or ""
    given = str(form.get("token") or "")
    if not hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8")):
        throttle.failed(client)
        await asyncio.sleep(0.2)  # slows down guessing a little
        return render(request, "login.html", status=401, logged_in=False, error="Jeton incorrect.")
    throttle.succeeded(client)
    response = web.HTTPFound(f"{PREFIX}/ask")
    response.set_cookie(COOKIE_NAME, make_session_cookie(token), max_age=SESSION_MAX_AGE, path=COOKIE_PATH,
                        httponly=True, samesite="Strict", secure=request.secure)
    raise response


async def logout(request: web.Request) -> web.Response:
    _form, refused = await checked_form(request)
    if refused is not None:
        return refused
    response = web.HTTPFound(f"{PREFIX}/login")
    response.del_cookie(COOKIE_NAME, path=COOKIE_PATH)
    raise response
