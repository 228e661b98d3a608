"""No conversation in the logs at the default level (INFO): in ``rasa run`` and in the staff console.

What the user writes is personal data and is kept only in the tracker store, for ``RETENTION_DAYS``
(bot/retention.py); logs are kept elsewhere, longer, and read by more people. Stock Rasa 3.6 logs
no message at INFO in normal operation, but it does on failures, at ERROR, and in-process:

* the SQL tracker store, when a write fails, logs SQLAlchemy's error with the statement's
  parameters: the conversation id and the event as JSON (text, intent, entities) — seen in
  ``rasa run``'s log when the database refuses a write;
* Rasa's structured (structlog) events carry the text in fields (``rest.message.received.failure``
  of Rasa's REST channel at ERROR, ``processor.message.parse`` at DEBUG...), and its JSON
  tracebacks list every frame's local variables (the message, the tracker);
* in a process that loads Rasa itself (the staff console's NLU), structlog is not configured and
  prints every event, DEBUG included: each question pasted in the console went to its output.

:func:`install` makes four changes: structlog events above DEBUG have their conversation fields
(``text``, ``sender_id``, ``tracker_latest_message``...) replaced by their length; tracebacks are
rendered without local variables; SQL errors hide the statements' parameters; the plain log lines
that name a sender ("Circuit breaker tripped … for sender '<id>'") show ``<redacted>`` instead. With
``LOG_LEVEL=DEBUG`` (development only) the debug events still carry the text.
:func:`configure_embedded_rasa` does the same for a process that runs Rasa in-process (the console).
Call them at the start of each process (see their docstrings).
"""

from __future__ import annotations

import logging
import re
from typing import Any, Callable, Dict

# The fields Rasa's own anonymizer hook covers (rasa.utils.log_utils._anonymizer), and the ids.
CONVERSATION_FIELDS = frozenset({
    "text", "response_text", "user_text", "slot_values", "parse_data_text", "parse_data_entities",
    "prediction_events", "tracker_latest_message", "prefilled_slots", "message", "response",
    "slot_candidates", "rasa_event", "rasa_events", "tracker_states", "current_states", "old_states",
    "successes", "current_entity", "next_entity", "states", "entity", "token_text", "user_message",
    "json_message", "sender_id", "conversation_id", "tracker", "events", "metadata",
})


def redact_conversation_fields(_logger: Any, method_name: str, event_dict: Dict[str, Any]) -> Dict[str, Any]:
    """Structlog processor: above DEBUG, conversation fields become ``<redacted, N chars>``."""
    if method_name == "debug":
        return event_dict
    for key in CONVERSATION_FIELDS.intersection(event_dict):
        event_dict[key] = f"<redacted, {len(str(event_dict[key]))} chars>"
    return event_dict


def _without_locals(processor: Callable) -> Callable:
    """The same renderer, with tracebacks that do not show the frames' local variables."""
    import structlog
    from structlog.tracebacks import ExceptionDictTransformer

    if processor is structlog.processors.dict_tracebacks:
        return structlog.processors.ExceptionRenderer(ExceptionDictTransformer(show_locals=False))
    if isinstance(processor, structlog.dev.ConsoleRenderer):  # in a terminal: rich tracebacks show locals
        return type(processor)(exception_formatter=structlog.dev.plain_traceback)
    return processor


def harden_structlog() -> None:
    """Put the redaction first in the current structlog configuration, and drop locals from tracebacks."""
    import structlog

    processors = list(structlog.get_config()["processors"])
    if redact_conversation_fields not in processors:
        processors.insert(0, redact_conversation_fields)
    structlog.configure(processors=[_without_locals(p) for p in processors])


class RedactSenderIds(logging.Filter):
    """Stock Rasa's plain log lines that name a conversation ("Circuit breaker tripped. Stopped
    predicting more actions for sender '<id>'."): the id becomes ``<redacted>``.
    """

    PATTERN = re.compile(r"(\bsender(?:[ _]id)? ')[^']*(')")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.PATTERN.sub(r"\1<redacted>\2", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


# The modules of Rasa 3.6 whose plain (not structlog) log lines format a sender id in.
SENDER_LOGGERS = ("rasa.core.processor", "rasa.core.lock_store", "rasa.core.tracker_store")


def redact_sender_ids() -> None:
    """Attach :class:`RedactSenderIds` to the loggers of :data:`SENDER_LOGGERS` (once)."""
    for name in SENDER_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSenderIds) for f in logger.filters):
            logger.addFilter(RedactSenderIds())


def _hide_parameters(context: Any) -> None:
    if context.sqlalchemy_exception is not None:
        context.sqlalchemy_exception.hide_parameters = True


def hide_sql_parameters() -> None:
    """Every SQLAlchemy engine of this process, however created: errors without the parameters.

    Rasa's tracker store builds its engine itself (and bot/speedups/ rebuilds it for SQLite), so
    instead of ``create_engine(hide_parameters=True)`` the errors are marked as they are raised.
    """
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if not event.contains(Engine, "handle_error", _hide_parameters):
        event.listen(Engine, "handle_error", _hide_parameters)


def configure_embedded_rasa() -> None:
    """For a process that loads Rasa in-process (the staff console's NLU): the same rules.

    Outside ``rasa run`` nobody configures structlog, and its defaults print every event, DEBUG
    included: Rasa's ``processor.message.parse`` would print each question the staff paste. Here
    structlog is filtered at ``LOG_LEVEL`` (INFO by default, as ``rasa run``) and redacted, and SQL
    errors (the knowledge base's, with what the staff typed) hide their parameters. Call it before
    the first use of Rasa, e.g. at the start of ``bot.web.main``.
    """
    import logging

    import structlog

    from bot.settings import Settings

    level = logging.getLevelName(Settings.from_env().log_level)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(
        level if isinstance(level, int) else logging.INFO))
    harden_structlog()
    hide_sql_parameters()


def install() -> None:
    """Apply the three changes to the Rasa of this process; call it before ``rasa.__main__.main``
    (in ``bot.rasa_server.main``).

    Rasa configures structlog in ``main`` itself, so the redaction is added right after it does.
    """
    import rasa.__main__ as rasa_cli
    import rasa.utils.log_utils as log_utils

    hide_sql_parameters()
    redact_sender_ids()
    original = log_utils.configure_structlog
    if getattr(original, "hardened", False):
        return

    def configure_structlog(*args: Any, **kwargs: Any) -> None:
        original(*args, **kwargs)
        harden_structlog()

    configure_structlog.hardened = True  # type: ignore[attr-defined]
    log_utils.configure_structlog = configure_structlog
    rasa_cli.configure_structlog = configure_structlog


def database_error_detail(error: BaseException) -> str:
    """The first line of a database error's driver message, for a command's output.

    The driver's own message names the problem ("connection refused", "database … does not
    exist"); SQLAlchemy's wrapper would add the statement and its parameters, and the URL may carry
    a password: neither is printed.
    """
    return str(getattr(error, "orig", None) or type(error).__name__).strip().splitlines()[0]
