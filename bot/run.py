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

import yaml

from bot.settings import MODEL_PATH, REPO_ROOT, VAR_DIR, Settings

RASA = [sys.executable, "-m", "rasa"]
# The static channels (REST, socket.io); the effective file, with the optional ones, goes to var/.
STATIC_CREDENTIALS = REPO_ROOT / "credentials.yml"
EFFECTIVE_CREDENTIALS = VAR_DIR / "credentials.yml"
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


def _action_server(settings: Settings) -> List[str]:
    return RASA + ["run", "actions", "--actions", "actions", "--port", str(settings.action_port)]


def _rasa_server(settings: Settings, mode: str, credentials: Path = EFFECTIVE_CREDENTIALS) -> List[str]:
    common = ["--model", str(MODEL_PATH), "--endpoints", "endpoints.yml"]
    if mode == "shell":
        return RASA + ["shell", *common]
    return RASA + [
        "run",
        *common,
        "--credentials",
        str(credentials),
        "--port",
        str(settings.rasa_port),
        "--cors",
        "*",
    ]


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
    settings = Settings.from_env()
    if not MODEL_PATH.exists():
        print(f"Pas de modèle entraîné ({MODEL_PATH}) : lancez `make train`.", file=sys.stderr)
        return 1
    VAR_DIR.mkdir(exist_ok=True)
    env = {**os.environ, **settings.rasa_environment(), **telegram_environment(settings)}
    credentials = write_credentials(settings)

    processes = [subprocess.Popen(_action_server(settings), cwd=REPO_ROOT, env=env)]
    processes.append(subprocess.Popen(_rasa_server(settings, args.mode, credentials), cwd=REPO_ROOT, env=env))
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
