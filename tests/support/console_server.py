"""The console with stand-ins, for the browser tests: ``python -m tests.support.console_server``.

A knowledge base built from knowledge/data, a tracker store with a few conversations (test traffic
included), the console's own database, all in a temporary folder; the keyword NLU stands for the
model and the date is fixed, so that the pages (and the screenshot) are the same every run. Prints
``READY <url> <token>`` once it listens on a free 127.0.0.1 port; stops on SIGTERM or at the end of
its standard input.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import tempfile
import threading
from datetime import date
from pathlib import Path

from aiohttp import web

from bot.settings import KNOWLEDGE_DATA_DIR, Settings
from tests.support.console_stand_ins import KeywordParser, Turn, build_tracker_db
from tests.support.ports import HOST, free_port

TOKEN = "jeton-des-tests-navigateur-2f9c41d7"
TODAY = date(2026, 11, 30)
CLARIFY = {"text": "Pour vous orienter vers le bon programme, quel est votre projet ?",
           "buttons": [{"title": "Échange de jeunes", "payload": "/ask_funding_youth_exchange"},
                       {"title": "Réseau de plusieurs villes", "payload": "/ask_funding_network_of_towns"}]}
TURNS = [
    Turn("web-4f1c2a9b7e3d5a6c8b0e1f2a", "on veut faire un truc avec les jeunes de la ville soeur", "nlu_fallback",
         0.31, 1_795_000_000.0, (CLARIFY,)),
    Turn("web-9a8b7c6d5e4f3a2b1c0d9e8f", "c'est pour la fête du cidre avec les anglais", "inform", 0.42,
         1_795_100_000.0, ({"text": "Je n'ai pas bien compris votre demande. Pouvez-vous la reformuler ?"},)),
    Turn("512345678", "y a des sous pour repeindre la salle des fêtes ?", "nlu_fallback", 0.22, 1_795_200_000.0,
         ({"text": "Les financements européens que je connais concernent les projets de jumelage."},),
         channel="telegram"),
    Turn("test-load-1a2b3c4d-3", "message de test de charge", "nlu_fallback", 0.1, 1_795_300_000.0),
]


def build(folder: Path) -> Settings:
    """Every database of the console in ``folder``; the settings that point at them."""
    from knowledge.loader import build_database

    knowledge = f"sqlite:///{folder / 'knowledge.sqlite3'}"
    build_database(knowledge, KNOWLEDGE_DATA_DIR)
    os.environ["DATABASE_URL"] = knowledge  # the answer path reads the knowledge base from here
    return Settings.from_env({
        "DATABASE_URL": knowledge,
        "TRACKER_STORE_URL": build_tracker_db(folder / "tracker.sqlite3", TURNS),
        "CONSOLE_DATABASE_URL": f"sqlite:///{folder / 'console.sqlite3'}",
        "CONSOLE_TOKEN": TOKEN,
    })


async def serve(folder: Path) -> None:
    from bot.web import create_app
    from console.pages import CONSOLE_PARSER, CONSOLE_TODAY

    app = create_app(build(folder))
    app[CONSOLE_PARSER] = KeywordParser()
    app[CONSOLE_TODAY] = lambda: TODAY
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, HOST, port).start()
    print(f"READY http://{HOST}:{port} {TOKEN}", flush=True)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    # The end of standard input (the test runner gone) stops the server too.
    threading.Thread(target=lambda: (sys.stdin.read(), loop.call_soon_threadsafe(stop.set)), daemon=True).start()
    await stop.wait()
    await runner.cleanup()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="console-browser-") as folder:
        asyncio.run(serve(Path(folder)))


if __name__ == "__main__":
    main()
