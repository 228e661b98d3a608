"""Rasa's command line, with custom actions that fail politely: ``python -m bot.rasa_server run ...``.

Stock Rasa 3.6 waits up to 5 minutes for the action server, and when it is down, slow or answering
with an error it only logs the failure: the user gets silence. Run through this module, a custom
action that fails or whose action server stays silent for ``ACTION_TIMEOUT`` seconds
(bot/settings.py) answers instead with a short French apology and the Europe Direct contact; the
conversation goes on as soon as the action server is back, with nothing to restart. Rasa itself is
otherwise unchanged.

The call to the action server runs in a worker thread with its own socket timeout, over a
connection the thread keeps open (keep-alive). Timed in Rasa's
event loop instead, it would also count the time the loop spends on other conversations (the
models run in that loop), and a busy server would apologise for an action server that had long
answered.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import http.client
import json
import logging
import ssl
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import urlencode, urlsplit

from actions.answer import EUROPE_DIRECT_HELP
from bot.settings import Settings

logger = logging.getLogger(__name__)

SERVICE_DOWN = (
    "Désolé, je ne peux pas vous répondre pour le moment : un de mes services est indisponible. "
    "Réessayez dans quelques instants, ou posez votre question à " + EUROPE_DIRECT_HELP
)
# Marks the apology in the tracker, so that one turn apologises once however many actions fail.
APOLOGY_MARK = "service_unavailable"


# Threads that wait for the action server: more than the calls one Rasa server makes at once.
_CALLS = ThreadPoolExecutor(max_workers=32, thread_name_prefix="action-server")


# A kept connection idle longer than this is closed rather than reused: the action server (Sanic)
# closes idle connections after 5 s, and a request must not race that close.
IDLE_SECONDS = 2.0
_RETRYABLE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


class _Connections(threading.local):
    """The open connections of each worker thread to the action server, by (scheme, host, port, cafile)."""

    def __init__(self) -> None:
        self.open: Dict[tuple, Tuple[http.client.HTTPConnection, float]] = {}


_connections = _Connections()


def threaded_endpoint_class() -> type:
    """An ``EndpointConfig`` whose requests run in a worker thread, with a socket timeout.

    Each worker thread keeps its connection to the action server open (HTTP keep-alive) instead of
    opening one per call as Rasa does: no TCP handshake per action, on either side.
    """
    from rasa.utils.endpoints import ClientResponseError, EndpointConfig, concat_url

    connections = _connections

    class ThreadedEndpoint(EndpointConfig):
        """The action endpoint, answered or given up on within ``timeout`` seconds of silence."""

        def __init__(self, config: EndpointConfig, timeout: float) -> None:
            super().__init__(config.url, config.params, config.headers, config.basic_auth, config.token,
                             config.token_name, config.cafile, **config.kwargs)
            self.timeout = timeout

        async def request(self, method: str = "post", subpath: Optional[str] = None,
                          content_type: Optional[str] = "application/json", compress: bool = False,
                          **kwargs: Any) -> Optional[Any]:
            # Rasa passes its own 5-minute `timeout`; ours replaces it.
            kwargs.pop("timeout", None)
            body = kwargs.pop("json", None)
            headers = {**({"Content-Type": content_type} if content_type else {}), **kwargs.pop("headers", {}),
                       **self.headers}
            if self.basic_auth:  # sent with the request, as Rasa's own client sends it
                credentials = f"{self.basic_auth['username']}:{self.basic_auth['password']}".encode("utf-8")
                headers["Authorization"] = "Basic " + base64.b64encode(credentials).decode("ascii")
            url = concat_url(self.url, subpath)
            params = self.combine_parameters(kwargs)
            if params:
                url += ("&" if "?" in url else "?") + urlencode(params)
            data = json.dumps(body).encode("utf-8") if body is not None else None
            if data is not None and compress:
                data, headers["Content-Encoding"] = gzip.compress(data), "gzip"
            return await asyncio.get_running_loop().run_in_executor(
                _CALLS, self._send, method.upper(), url, data, headers)

        def _connection(self, parts: Any) -> Tuple[tuple, http.client.HTTPConnection, bool]:
            """The connection of this thread to the server of ``parts`` (new or kept), and whether it was kept."""
            key = (parts.scheme, parts.hostname, parts.port, self.cafile)
            kept = connections.open.pop(key, None)
            if kept is not None:
                connection, last_used = kept
                if time.monotonic() - last_used < IDLE_SECONDS and connection.sock is not None:
                    connection.sock.settimeout(self.timeout)
                    return key, connection, True
                connection.close()
            if parts.scheme == "https":
                context = ssl.create_default_context(cafile=self.cafile) if self.cafile else None
                connection = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=self.timeout,
                                                         context=context)
            else:
                connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=self.timeout)
            return key, connection, False

        def _send(self, method: str, url: str, data: Optional[bytes], headers: Dict[str, str]) -> Optional[Any]:
            parts = urlsplit(url)
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            while True:
                key, connection, kept = self._connection(parts)
                try:
                    connection.request(method, target, body=data, headers=headers)
                    response = connection.getresponse()
                    content = response.read()
                except _RETRYABLE:
                    connection.close()
                    if kept:
                        continue  # closed by the server while idle, before it read the request: once more
                    raise
                except BaseException:
                    connection.close()
                    raise
                if response.will_close:
                    connection.close()
                else:
                    connections.open[key] = (connection, time.monotonic())
                break
            if response.status >= 400:
                # What Rasa's RemoteAction expects: a 400 is a form rejecting the user's answer.
                raise ClientResponseError(response.status, response.reason, content)
            try:
                return json.loads(content)
            except ValueError:
                return None

    return ThreadedEndpoint


def _apologised_this_turn(tracker: Any) -> bool:
    from rasa.shared.core.events import BotUttered, UserUttered

    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, BotUttered) and (event.metadata or {}).get(APOLOGY_MARK):
            return True
    return False


def polite_remote_action_class(timeout: float) -> type:
    """A subclass of Rasa's ``RemoteAction`` that turns any failure into the apology."""
    from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
    from rasa.shared.core.events import BotUttered

    threaded_endpoint = threaded_endpoint_class()

    class PoliteRemoteAction(RemoteAction):
        """Runs a custom action on the action server; apologises when it fails or times out."""

        def __init__(self, name: str, action_endpoint: Any) -> None:
            super().__init__(name, threaded_endpoint(action_endpoint, timeout) if action_endpoint else None)

        async def run(self, output_channel, nlg, tracker, domain) -> List[Any]:
            try:
                return await super().run(output_channel, nlg, tracker, domain)
            except ActionExecutionRejection:
                raise  # a form rejecting the user's answer: Rasa's normal flow
            except Exception as error:  # noqa: BLE001 - every failure gets the same answer
                # Only the action's name and the error's class: no conversation text in the logs.
                logger.error("custom action %s failed (%s): the user gets the apology",
                             self.name(), type(error).__name__)
                if _apologised_this_turn(tracker):
                    return []
                return [BotUttered(text=SERVICE_DOWN, metadata={APOLOGY_MARK: True})]

    return PoliteRemoteAction


def install(settings: Settings | None = None) -> None:
    """Make Rasa build every custom action (forms' validation included) as a ``PoliteRemoteAction``."""
    import rasa.core.actions.action as action_module
    import rasa.core.actions.forms as forms_module

    settings = settings or Settings.from_env()
    polite = polite_remote_action_class(settings.action_timeout)
    # Both modules look the class up by name when they create an action.
    action_module.RemoteAction = polite
    forms_module.RemoteAction = polite


def main() -> None:
    import sys

    from rasa.__main__ import main as rasa_main

    from bot.run import api_arguments

    if sys.argv[1:2] == ["run"]:
        # The API token / JWT secret from the environment, never from the (world-readable) command line.
        sys.argv += api_arguments(Settings.from_env())

    from bot import log_privacy, nlu_process, speedups, stage_timings

    log_privacy.install()  # no conversation text or id in the logs (bot/log_privacy.py)
    install()
    speedups.install()  # measured speed-ups that change no answer (bot/speedups/)
    if sys.argv[1:2] == ["run"] and Settings.from_env().nlu_process:
        nlu_process.install()  # the NLU in a child process, forked before any model is loaded
    stage_timings.install()  # each stage of a turn timed, GET /stage-timings (bot/stage_timings.py)
    rasa_main()


if __name__ == "__main__":
    main()
