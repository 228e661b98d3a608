"""Start the assistant: the action server and the Rasa server (or a terminal chat), in the foreground.

Usage: ``python -m bot.run serve`` | ``python -m bot.run shell``

Both processes run as children of this one; Ctrl-C (SIGINT) or SIGTERM stops both cleanly, and if
one of them dies the other is stopped too, so nothing is left running behind the user's back.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple
from urllib.parse import unquote, urlsplit

import yaml

from bot.settings import MODEL_PATH, REPO_ROOT, VAR_DIR, Settings
from bot.traffic import trial_sender

# Rasa's command line with custom actions that apologise when the action server fails (bot/rasa_server.py).
RASA_SERVER = [sys.executable, "-m", "bot.rasa_server"]
# The static channels (REST, socket.io); the effective file, with the optional ones, goes to var/.
STATIC_CREDENTIALS = REPO_ROOT / "credentials.yml"
EFFECTIVE_CREDENTIALS = VAR_DIR / "credentials.yml"
# The same for the endpoints: the lock store is added only when LOCK_STORE_URL is set.
STATIC_ENDPOINTS = REPO_ROOT / "endpoints.yml"
EFFECTIVE_ENDPOINTS = VAR_DIR / "endpoints.yml"
# Rasa's Redis lock store with atomic ticket updates, safe with several Rasa servers.
LOCK_STORE_CLASS = "bot.lock_store.AtomicRedisLockStore"
TELEGRAM_CHANNEL = "bot.channels.telegram.SecureTelegramInput"


def _telegram_values(settings: Settings) -> Dict[str, Tuple[str, Optional[str]]]:
    """Credential key -> (environment variable, value) of the Telegram channel."""
    return {
        "access_token": ("TELEGRAM_TOKEN", settings.telegram_token),
        "verify": ("TELEGRAM_BOT_NAME", settings.telegram_bot_name),
        "webhook_url": ("TELEGRAM_WEBHOOK_URL", settings.telegram_webhook_url),
        "secret_token": ("TELEGRAM_SECRET", settings.telegram_secret),
        "api_url": ("TELEGRAM_API_URL", settings.telegram_api_url),
    }


def telegram_environment(settings: Settings) -> Dict[str, str]:
    """The variables var/credentials.yml refers to (the secrets stay out of the file)."""
    if not settings.telegram_token:
        return {}
    return {name: value for name, value in _telegram_values(settings).values() if value}


def write_credentials(
    settings: Settings, source: Path = STATIC_CREDENTIALS, target: Path = EFFECTIVE_CREDENTIALS
) -> Path:
    """Write the credentials Rasa runs with: the static channels, plus Telegram when its token is set.

    Rasa fails on an unset ``${VAR}``, so a channel whose variables are unset is left out rather
    than referenced; the values themselves are ``${VAR}`` references expanded by Rasa.
    """
    channels = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    channels.pop(TELEGRAM_CHANNEL, None)
    if settings.telegram_token:
        channels[TELEGRAM_CHANNEL] = {
            key: "${%s}" % name for key, (name, value) in _telegram_values(settings).items() if value
        }
    target.parent.mkdir(parents=True, exist_ok=True)
    header = f"# Written by bot/run.py from {source.name} at each start: edit {source.name}, not this file.\n"
    target.write_text(header + yaml.safe_dump(channels, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return target


def lock_store_config(url: str) -> Dict[str, object]:
    """Rasa's Redis lock store section for ``redis://[user:password@]host[:port][/db]`` (``rediss://``: TLS).

    Rasa's ``RedisLockStore`` (here its atomic variant, bot/lock_store.py) takes the host, port and
    database separately; the password is left as a ``${LOCK_STORE_PASSWORD}`` reference (see
    :func:`endpoints_environment`), never written out.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise ValueError(f"LOCK_STORE_URL doit être de la forme redis://hôte:port/base (reçu : {parts.scheme}://…)")
    path = parts.path.strip("/")
    if path and not path.isdigit():
        raise ValueError("LOCK_STORE_URL : la base Redis est un numéro, par exemple redis://localhost:6379/1")
    config: Dict[str, object] = {"type": LOCK_STORE_CLASS, "url": parts.hostname, "port": parts.port or 6379,
                                 "db": int(path or 0)}
    if parts.username:
        config["username"] = unquote(parts.username)
    if parts.password:
        config["password"] = "${LOCK_STORE_PASSWORD}"
    if parts.scheme == "rediss":
        config["use_ssl"] = True
    return config


def endpoints_environment(settings: Settings) -> Dict[str, str]:
    """The variables var/endpoints.yml refers to beyond the settings' own (the lock store's password)."""
    password = urlsplit(settings.lock_store_url).password if settings.lock_store_url else None
    return {"LOCK_STORE_PASSWORD": unquote(password)} if password else {}


def write_endpoints(
    settings: Settings, source: Path = STATIC_ENDPOINTS, target: Path = EFFECTIVE_ENDPOINTS
) -> Path:
    """Write the endpoints Rasa runs with: endpoints.yml, plus the Redis lock store when configured.

    Without ``LOCK_STORE_URL`` Rasa keeps its in-memory lock store, right for a single server only.
    """
    endpoints = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    endpoints.pop("lock_store", None)
    if settings.lock_store_url:
        endpoints["lock_store"] = lock_store_config(settings.lock_store_url)
    target.parent.mkdir(parents=True, exist_ok=True)
    header = f"# Written by bot/run.py from {source.name} at each start: edit {source.name}, not this file.\n"
    target.write_text(header + yaml.safe_dump(endpoints, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return target


def option(name: str, value: object) -> str:
    """``--name=value``: one argument, so argparse never reads a value starting with ``-`` as a flag.

    A secret from ``secrets.token_urlsafe`` starts with ``-`` once in 64; passed as two arguments,
    ``rasa run`` would stop with "expected one argument".
    """
    return f"{name}={value}"


def _action_server(settings: Settings) -> List[str]:
    # rasa_sdk alone, not `rasa run actions`: the same server without importing Rasa and TensorFlow
    # (about 100 MB less resident). It binds to $SANIC_HOST (action_server_environment).
    return [sys.executable, "-m", "rasa_sdk", option("--actions", "actions"), option("--port", settings.action_port)]


def action_server_environment(settings: Settings) -> Dict[str, str]:
    """rasa_sdk has no --interface option: it reads the interface from SANIC_HOST (default 0.0.0.0)."""
    return {"SANIC_HOST": settings.action_host}


def _rasa_server(settings: Settings, mode: str, credentials: Path = EFFECTIVE_CREDENTIALS,
                 endpoints: Path = EFFECTIVE_ENDPOINTS) -> List[str]:
    common = [option("--model", MODEL_PATH), option("--endpoints", endpoints)]
    if mode == "shell":
        # A terminal chat is a trial: marked as test traffic, it stays out of the console's inbox.
        return RASA_SERVER + ["shell", *common, option("--conversation-id", trial_sender("chat"))]
    return RASA_SERVER + [
        "run",
        *common,
        option("--credentials", credentials),
        option("--port", settings.rasa_port),
        # Browsers may call the channels only from these sites (the commune sites with the widget).
        # Several values follow the flag; each is an http(s) origin (Settings), never read as a flag.
        "--cors",
        *settings.cors_origins,
        # The HTTP API's secrets (api_arguments) are added by bot/rasa_server.py inside the process,
        # from the environment: on this command line `ps` would show them to every local user.
    ]


def api_arguments(settings: Settings) -> List[str]:
    """Rasa's flags for its HTTP API (trackers, events, model): on only with a token or a JWT secret.

    Rasa takes them only as command-line flags (no environment variable): ``bot/rasa_server.py`` appends
    them to its own ``sys.argv``, so they never appear in the process list. With the API on, every
    route but ``/``, ``/version`` and the channels' ``/webhooks/...`` requires ``?token=<RASA_API_TOKEN>``
    or an ``Authorization: Bearer <JWT signed with RASA_JWT_SECRET (HS256)>`` header.
    """
    if not (settings.rasa_api_token or settings.rasa_jwt_secret):
        return []  # no secret, no API: an open API would hand out every conversation
    arguments = ["--enable-api"]
    if settings.rasa_api_token:
        arguments.append(option("--auth-token", settings.rasa_api_token))
    if settings.rasa_jwt_secret:
        arguments += [option("--jwt-secret", settings.rasa_jwt_secret), option("--jwt-method", "HS256")]
    return arguments


def _stop(processes: List[subprocess.Popen]) -> None:
    # SIGTERM rather than SIGINT: a process started in the background ignores SIGINT.
    for proc in processes:
        if proc.poll() is None:
            proc.terminate()
    deadline = time.monotonic() + 10
    for proc in processes:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["serve", "shell"], help="serve: HTTP channels; shell: terminal chat")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    if not MODEL_PATH.exists():
        print(f"Pas de modèle entraîné ({MODEL_PATH}) : lancez `make train`.", file=sys.stderr)
        return 1
    VAR_DIR.mkdir(exist_ok=True)
    env = {**os.environ, **settings.rasa_environment(), **telegram_environment(settings),
           **endpoints_environment(settings)}
    credentials = write_credentials(settings)
    try:
        endpoints = write_endpoints(settings)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2

    processes = [subprocess.Popen(_action_server(settings), cwd=REPO_ROOT,
                                  env={**env, **action_server_environment(settings)})]
    processes.append(subprocess.Popen(_rasa_server(settings, args.mode, credentials, endpoints), cwd=REPO_ROOT, env=env))
    if args.mode == "serve":
        # The widget's demo page and the staff console.
        processes.append(subprocess.Popen([sys.executable, "-m", "bot.web"], cwd=REPO_ROOT, env=env))
        print(
            f"Assistant : http://localhost:{settings.rasa_port}/webhooks/rest/webhook "
            f"(REST) et socket.io sur le même port ; page de démonstration du widget : "
            f"http://localhost:{settings.web_port}/ ; console : http://localhost:{settings.web_port}/console ; "
            f"Ctrl-C pour arrêter.",
            flush=True,
        )

    # Ctrl-C and SIGTERM both stop cleanly, even where SIGINT was inherited as ignored.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _interrupt)
    try:
        while all(proc.poll() is None for proc in processes):
            time.sleep(0.5)
        # In shell mode the chat ending is the normal way out.
        return next(proc.returncode for proc in processes if proc.poll() is not None) or 0
    except KeyboardInterrupt:
        return 0
    finally:
        _stop(processes)


if __name__ == "__main__":
    sys.exit(main())
