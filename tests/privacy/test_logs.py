"""No message text, and no conversation id, in the logs at the default level (INFO).

Two fast in-process tests of bot/log_privacy.py, and one run of the real servers (tests.support.stack.Stack:
`rasa run` at its default log level and the action server) that sends messages carrying a marker,
makes the tracker store refuse a write and sends a malformed message, then greps every log file
for the marker and the conversation id.

The conversation id is treated like the text: the widget's is random, but Telegram's is the
user's chat id, which identifies a person, and either one links a log line to a conversation.
Stock Rasa's plain WARNING "Circuit breaker tripped ... for sender '<id>'" (an action loop) is
redacted too; it is emitted through Rasa's own logger below, since no message triggers it reliably.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from bot import log_privacy
from bot.settings import MODEL_PATH, REPO_ROOT
from console.pages import CSRF_COOKIE

MARKER = "zqxmarker42"


@pytest.fixture
def restore_rasa_logging(monkeypatch):
    """Undo what Rasa's configure_structlog and log_privacy.install change in this process."""
    import rasa.__main__ as rasa_cli
    import rasa.utils.log_utils as log_utils
    import structlog
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    saved = structlog.get_config()
    monkeypatch.setattr(logging, "basicConfig", lambda **_: None)  # keep pytest's handlers
    monkeypatch.setattr(log_utils, "configure_structlog", log_utils.configure_structlog)
    monkeypatch.setattr(rasa_cli, "configure_structlog", rasa_cli.configure_structlog)
    yield
    structlog.configure(**saved)
    if event.contains(Engine, "handle_error", log_privacy._hide_parameters):
        event.remove(Engine, "handle_error", log_privacy._hide_parameters)


def test_rasa_structured_logs_above_debug_carry_no_message(restore_rasa_logging, caplog):
    import rasa.utils.log_utils as log_utils
    import structlog

    log_privacy.install()
    log_utils.configure_structlog(logging.DEBUG)  # what `rasa run` does at start, after install()
    logger = structlog.get_logger("rasa.core.channels.rest")
    user_text = f"Bonjour {MARKER}, jumelage avec la Pologne"
    caplog.set_level(logging.DEBUG)

    try:
        raise AttributeError("'dict' object has no attribute 'strip'")
    except AttributeError:  # the REST channel's handler of a failing message, as in Rasa 3.6
        logger.exception("rest.message.received.failure", text=user_text, sender_id="widget-4711")
    logger.debug("processor.message.received", text=user_text)

    error, debug = caplog.records[-2:]
    assert error.levelno == logging.ERROR and "rest.message.received.failure" in error.getMessage()
    assert "AttributeError" in error.getMessage()  # the traceback is still there...
    assert MARKER not in error.getMessage() and "widget-4711" not in error.getMessage()  # ...its locals are not
    assert f"<redacted, {len(user_text)} chars>" in error.getMessage()
    assert MARKER in debug.getMessage()  # LOG_LEVEL=DEBUG, on a developer's machine, keeps the text


def test_rasa_plain_warnings_do_not_name_the_conversation(restore_rasa_logging, caplog):
    log_privacy.install()
    sender = f"telegram-{uuid.uuid4().hex[:8]}"
    with caplog.at_level(logging.WARNING, logger="rasa.core.processor"):
        logging.getLogger("rasa.core.processor").warning(
            "Circuit breaker tripped. Stopped predicting " f"more actions for sender '{sender}'.")

    assert "Circuit breaker tripped" in caplog.text and "for sender '<redacted>'" in caplog.text
    assert sender not in caplog.text


async def test_tracker_store_errors_do_not_show_the_event(restore_rasa_logging, tmp_path):
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker
    from sqlalchemy import create_engine
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.orm import sessionmaker

    log_privacy.install()
    domain = Domain.load(str(REPO_ROOT / "domain.yml"))
    store = SQLTrackerStore(domain, host=f"sqlite:///{tmp_path / 'tracker.sqlite3'}")
    # However the engine is made (bot/speedups/ makes its own for SQLite), parameters are hidden.
    store.engine.dispose()
    store.engine = create_engine(store.engine.url)
    store.sessionmaker = sessionmaker(bind=store.engine)
    refuse_writes(tmp_path / "tracker.sqlite3", MARKER)
    tracker = DialogueStateTracker.from_events("widget-4711", [UserUttered(f"Bonjour {MARKER}")], domain.slots)

    with pytest.raises(SQLAlchemyError) as error:
        await store.save(tracker)
    store.engine.dispose()

    assert "refused by the test" in str(error.value)
    assert MARKER not in str(error.value) and "widget-4711" not in str(error.value)


def refuse_writes(path: Path, needle: str) -> None:
    """A tracker store failure on demand: SQLite refuses to store any event mentioning `needle`."""
    with sqlite3.connect(path) as db:
        db.execute(f"CREATE TRIGGER refuse_{uuid.uuid4().hex[:8]} BEFORE INSERT ON events "
                   f"WHEN NEW.data LIKE '%{needle}%' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END")


def test_rasa_in_the_console_process_prints_no_question(restore_rasa_logging, capsys):
    import structlog

    log_privacy.configure_embedded_rasa()
    logger = structlog.get_logger("rasa.core.processor")
    logger.debug("processor.message.parse", parse_data_text=f"Bonjour {MARKER}")  # Rasa, at each parse
    logger.error("processor.failure", text=f"Bonjour {MARKER}")

    printed = capsys.readouterr().out
    assert "processor.message.parse" not in printed and "processor.failure" in printed
    assert MARKER not in printed


CONSOLE_TOKEN = "jeton-de-test-privacy-7c1d9e2f-assez-long"


def start_web(stack, workdir: Path) -> subprocess.Popen:
    """`python -m bot.web` (the widget's page and the staff console) as bot/run.py starts it."""
    from tests.support.ports import free_port

    port = free_port()
    env = {**os.environ, **stack.environ, "WEB_PORT": str(port), "CONSOLE_TOKEN": CONSOLE_TOKEN}
    with (workdir / "web.log").open("w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "bot.web"], cwd=REPO_ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
    proc.base = f"http://127.0.0.1:{port}"  # type: ignore[attr-defined]
    return proc


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


async def ask_the_console(base: str, question: str) -> str:
    """Log in to the staff console and paste a question (its NLU loads the model in the web process)."""
    import aiohttp

    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True),
                                     timeout=aiohttp.ClientTimeout(total=300)) as session:
        for _ in range(240):
            try:
                async with session.get(f"{base}/console/login") as resp:  # sets the form's cookie
                    assert resp.status == 200, resp.status
                    break
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.5)
        csrf = next(cookie.value for cookie in session.cookie_jar if cookie.key == CSRF_COOKIE)
        async with session.post(f"{base}/console/login", data={"token": CONSOLE_TOKEN, "csrf": csrf}) as resp:
            assert resp.status == 200, resp.status
        async with session.post(f"{base}/console/ask", data={"question": question, "csrf": csrf}) as resp:
            assert resp.status == 200
            return await resp.text()


@pytest.mark.e2e
async def test_servers_log_no_message_text_nor_conversation_id(knowledge_url, tmp_path, monkeypatch):
    import aiohttp

    from tests.support.stack import Stack, post_message, wait_until_ready

    if not MODEL_PATH.exists():
        pytest.fail(f"no trained model at {MODEL_PATH}: run `make train` first")
    # The default log levels: nothing inherited from the environment of the test run.
    for variable in ("LOG_LEVEL", "LOG_LEVEL_LIBRARIES"):
        monkeypatch.delenv(variable, raising=False)
    stack = Stack(tmp_path, knowledge_url)
    sender = f"test-mairie-{uuid.uuid4().hex[:12]}"
    fault_marker = "zqxfault"
    web = None
    try:
        stack.start()
        web = start_web(stack, tmp_path)
        # The console loads its model while the servers start.
        page, _ = await asyncio.gather(
            ask_the_console(web.base, f"Bonjour {MARKER}, jumelage avec la Pologne, qui finance ?"),
            wait_until_ready(stack, time.monotonic(), timeout=300),
        )
        assert "CERV" in page
        refuse_writes(tmp_path / "tracker.sqlite3", fault_marker)
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
            for text in (
                f"Bonjour {MARKER}, jumelage avec la Pologne",
                f"c'est combien pour {MARKER} ?",
                f"Est-ce que notre projet {MARKER} est éligible au CERV ?",
                f"on sera 60 dont 30 {MARKER}",
                f"je suis à {MARKER}",
            ):
                _, answer, error = await post_message(session, stack.base, sender, text)
                assert error is None and answer, (text, error)
            # The tracker store refuses the write: Rasa logs an error (and still answers).
            await post_message(session, stack.base, sender, f"Bonjour {fault_marker} {MARKER}")
            # A message that is not text: refused, or the channel's handler fails and Rasa logs it.
            async with session.post(f"{stack.base}/webhooks/rest/webhook",
                                    json={"sender": sender, "message": {"texte": MARKER}}) as resp:
                assert resp.status < 500
    finally:
        stack.stop()
        if web is not None:
            stop(web)

    logs = {path.name: path.read_text(errors="replace") for path in tmp_path.glob("*.log")}
    assert set(logs) >= {"rasa.log", "actions.log", "web.log"}
    assert "Rasa server is up and running" in logs["rasa.log"]  # INFO lines are there
    assert "Error happened when trying to save conversation tracker" in logs["rasa.log"]  # so is the fault
    for name, content in logs.items():
        assert MARKER not in content, f"{name} contains message text"
        assert sender not in content, f"{name} contains the conversation id"
