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
from typing import List

from bot.settings import MODEL_PATH, REPO_ROOT, VAR_DIR, Settings

RASA = [sys.executable, "-m", "rasa"]


def _action_server(settings: Settings) -> List[str]:
    return RASA + ["run", "actions", "--actions", "actions", "--port", str(settings.action_port)]


def _rasa_server(settings: Settings, mode: str) -> List[str]:
    common = ["--model", str(MODEL_PATH), "--endpoints", "endpoints.yml"]
    if mode == "shell":
        return RASA + ["shell", *common]
    return RASA + [
        "run",
        *common,
        "--credentials",
        "credentials.yml",
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
    env = {**os.environ, **settings.rasa_environment()}

    processes = [subprocess.Popen(_action_server(settings), cwd=REPO_ROOT, env=env)]
    processes.append(subprocess.Popen(_rasa_server(settings, args.mode), cwd=REPO_ROOT, env=env))
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
