"""The model's NLU graph in a process of its own, beside the Rasa server's event loop.

Under load, one Rasa server is one Python process: its event loop (trackers, policies, action
calls) and its NLU (spaCy, the featurizers, DIET) take turns holding the one interpreter lock, so
the second core sits idle while they wait for each other (the NLU held 47 % of it at 20
conversations). Here the Rasa server forks, before it loads its model, one child that loads the
model's NLU graph (and only that); the server loads only the dialogue graph (the policies) and
sends each message's text to the child. Both run at once, on both cores.

The child runs Rasa's own ``MessageProcessor._parse_message_with_graph`` on the message as the
graph receives it (text, message id, metadata: what ``NLUMessageConverter`` reads), so the parse
is the one the server would have made. Messages are parsed one at a time, in the order they come,
as by the server's NLU thread before. A child that dies (killed, out of memory) is started again
and the message sent again (parsing changes nothing). The child exits when the server does: its
end of the pipe closes.

Forked before the model is loaded, the child shares the imported libraries' memory with the server
(copy-on-write) and TensorFlow starts only in the child. ``NLU_PROCESS=0`` (bot/settings.py) keeps
the NLU in the server's thread.

:func:`install` (called by ``python -m bot.rasa_server run``) starts the child and makes Rasa's
processor use it; elsewhere (tests, training) nothing changes.
"""

from __future__ import annotations

import functools
import logging
import multiprocessing
import os
import signal
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any, Dict, Optional, Text, Tuple

from bot.speedups.turn import out_of_collections

logger = logging.getLogger(__name__)

_worker: Optional["NluWorker"] = None


class NluWorkerError(RuntimeError):
    """The NLU process could not parse a message (its error, as text)."""


def _graph_runner(storage_path: Path, model_archive: Path, model_storage_class: Any, graph_runner_class: Any,
                  target: Text) -> Tuple[Any, Any]:
    """Rasa's ``load_predict_graph_runner``, the runner holding only the nodes ``target`` of the model needs.

    ``target`` names the model's target: ``"nlu_target"`` (the child) or ``"core_target"`` (the server).
    """
    from rasa.engine.graph import ExecutionContext

    model_storage, metadata = model_storage_class.from_model_archive(
        storage_path=storage_path, model_archive_path=model_archive)
    schema = metadata.predict_schema.minimal_graph_schema([getattr(metadata, target)])
    runner = graph_runner_class.create(
        graph_schema=schema, model_storage=model_storage,
        execution_context=ExecutionContext(graph_schema=metadata.predict_schema, model_id=metadata.model_id))
    return metadata, runner


def _load_nlu(model_archive: Text) -> Any:
    """The model's NLU graph (only the nodes the NLU target needs), as a stand-in for Rasa's processor."""
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.engine.storage.local_model_storage import LocalModelStorage

    # Unpacked for the components to load from, then removed (as Rasa's processor does).
    with tempfile.TemporaryDirectory(prefix="nlu-model-") as storage_path:
        metadata, runner = _graph_runner(Path(storage_path), Path(model_archive), LocalModelStorage,
                                         DaskGraphRunner, "nlu_target")

    class _Processor:  # what MessageProcessor._parse_message_with_graph reads of its processor
        graph_runner = runner
        model_metadata = metadata

    return _Processor()


def _serve(connection: Any) -> None:
    """The child: parse the messages it is sent until the server closes the pipe."""
    from rasa.core.channels.channel import UserMessage
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.trackers import DialogueStateTracker

    global _worker
    _worker = None  # here Rasa's processor runs the graph itself (a restarted child inherits the routing)
    from bot import speedups

    speedups.install()  # already there in a forked child; a spawned one starts afresh
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, which closes the pipe
    loaded: Tuple[Optional[Text], Any] = (None, None)
    while True:
        try:
            request = connection.recv()
        except (EOFError, OSError):
            os._exit(0)
        model_archive, fields, only_output_properties = request
        try:
            if loaded[0] != model_archive:
                loaded = (None, None)
                loaded = (model_archive, _load_nlu(model_archive))
                out_of_collections()  # the model's objects are never walked by a collection (bot/speedups, 14)
            if fields is None:  # a request to load the model only
                connection.send(("ok", None))
                continue
            message = UserMessage(fields["text"], None, fields["sender_id"], message_id=fields["message_id"],
                                  metadata=fields["metadata"])
            tracker = DialogueStateTracker.from_events(message.sender_id, [])
            parse_data = MessageProcessor._parse_message_with_graph(loaded[1], message, tracker, only_output_properties)
            connection.send(("ok", parse_data))
        except Exception as error:  # noqa: BLE001 - the server raises it for this message
            logger.exception("NLU process: the message could not be parsed")
            connection.send(("error", f"{type(error).__name__}: {error}"))


def _tensorflow_started() -> bool:
    """Whether TensorFlow's runtime has started in this process (a fork would then be unsafe)."""
    if "tensorflow" not in sys.modules:
        return False
    try:
        from tensorflow.python.eager import context

        current = context.context_safe()
        return current is not None and bool(current._initialized)
    except Exception:  # noqa: BLE001 - unknown: take the safe way
        return True


class NluWorker:
    """The NLU child process, and the pipe the server talks to it through (one message at a time)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: Optional[Any] = None
        self._connection: Optional[Any] = None
        self.restarts = 0

    def start(self) -> None:
        """Start the child: forked while TensorFlow has not started here, spawned afresh otherwise."""
        if _tensorflow_started():
            # TensorFlow's threads do not survive a fork: the child would hang at its first use.
            context = multiprocessing.get_context("spawn")
        else:
            # What is imported so far is shared with the child until either side writes to it.
            out_of_collections()
            context = multiprocessing.get_context("fork")
        server_end, child_end = context.Pipe()
        process = context.Process(target=_serve, args=(child_end,), name="rasa-nlu", daemon=True)
        process.start()
        child_end.close()
        self._process, self._connection = process, server_end

    def alive(self) -> bool:
        """Whether the child runs."""
        return self._process is not None and self._process.is_alive()

    def _call(self, request: tuple) -> Any:
        with self._lock:
            for attempt in (1, 2):
                if not self.alive():
                    if self._process is not None:
                        logger.warning("NLU process gone (exit code %s): started again", self._process.exitcode)
                        self.restarts += 1
                    self.start()
                try:
                    assert self._connection is not None
                    self._connection.send(request)
                    status, value = self._connection.recv()
                except (EOFError, OSError):
                    self.stop()
                    if attempt == 2:
                        raise NluWorkerError("the NLU process stopped twice on this message")
                    continue
                if status != "ok":
                    raise NluWorkerError(value)
                return value

    def load(self, model_archive: Text) -> None:
        """Have the child load the model's NLU graph now, while the archive is there (as Rasa loads a model)."""
        self._call((str(model_archive), None, True))

    def parse(self, model_archive: Text, message: Any, only_output_properties: bool) -> Dict[Text, Any]:
        """The parse data of ``message`` (a ``UserMessage``) by the model's NLU graph, in the child."""
        fields = {"text": message.text, "sender_id": message.sender_id, "message_id": message.message_id,
                  "metadata": message.metadata}
        return self._call((str(model_archive), fields, only_output_properties))

    def stop(self) -> None:
        """Close the pipe (the child exits) and wait for the child briefly."""
        if self._connection is not None:
            self._connection.close()
        if self._process is not None:
            self._process.join(timeout=5)
            if self._process.is_alive():
                self._process.kill()
        self._process = self._connection = None


def _dialogue_graph_only(original: Any) -> Any:
    @functools.wraps(original)
    def load_predict_graph_runner(storage_path: Path, model_archive_path: Path, model_storage_class: Any,
                                  graph_runner_class: Any) -> Tuple[Any, Any]:
        """Rasa's loader, the runner holding the dialogue graph only; the child loads the NLU graph."""
        assert _worker is not None
        _worker.load(str(model_archive_path))
        metadata, runner = _graph_runner(storage_path, model_archive_path, model_storage_class, graph_runner_class,
                                         "core_target")
        runner._nlu_archive = str(model_archive_path)
        return metadata, runner

    return load_predict_graph_runner


def _parsed_in_child(original: Any) -> Any:
    @functools.wraps(original)
    def _parse_message_with_graph(self: Any, message: Any, tracker: Any,
                                  only_output_properties: bool = True) -> Dict[Text, Any]:
        """Rasa's NLU graph run, in the child, on the model this processor's runner was loaded from."""
        archive = getattr(self.graph_runner, "_nlu_archive", None)
        if _worker is None or archive is None:
            return original(self, message, tracker, only_output_properties)
        return _worker.parse(archive, message, only_output_properties)

    return _parse_message_with_graph


def install() -> NluWorker:
    """Fork the NLU child and route Rasa's NLU graph runs to it (the server then loads the dialogue graph only)."""
    global _worker
    from rasa.core.processor import MessageProcessor
    from rasa.engine import loader

    from bot.speedups import require_rasa_version

    require_rasa_version("bot/nlu_process.py")
    if _worker is None:
        _worker = NluWorker()
        _worker.start()
        loader.load_predict_graph_runner = _dialogue_graph_only(loader.load_predict_graph_runner)
        MessageProcessor._parse_message_with_graph = _parsed_in_child(MessageProcessor._parse_message_with_graph)
    return _worker
