"""Rasa's command line, with custom actions that fail politely: ``python -m bot.rasa_server run ...``.

Stock Rasa 3.6 waits up to 5 minutes for the action server, and when it is down, slow or answering
with an error it only logs the failure: the user gets silence. Run through this module, a custom
action that fails or whose action server stays silent for ``ACTION_TIMEOUT`` seconds
(bot/settings.py) answers instead with a short French apology and the Europe Direct contact; the
conversation goes on as soon as the action server is back, with nothing to restart. Rasa itself is
otherwise unchanged.

The call to the action server runs in a worker thread with its own socket timeout. Timed in Rasa's
event loop instead, it would also count the time the loop spends on other conversations (the
models run in that loop), and a busy server would apologise for an action server that had long
answered.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import ssl
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any, List, Optional
from urllib.parse import urlencode

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


def threaded_endpoint_class() -> type:
    """An ``EndpointConfig`` whose requests run in a worker thread, with a socket timeout."""
    from rasa.utils.endpoints import ClientResponseError, EndpointConfig, concat_url

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
            url = concat_url(self.url, subpath)
            params = self.combine_parameters(kwargs)
            if params:
                url += ("&" if "?" in url else "?") + urlencode(params)
            data = json.dumps(body).encode("utf-8") if body is not None else None
            if data is not None and compress:
                data, headers["Content-Encoding"] = gzip.compress(data), "gzip"
            call = urllib.request.Request(url, data=data, headers=headers, method=method.upper())
            return await asyncio.get_running_loop().run_in_executor(_CALLS, self._send, call)

        def _send(self, call: urllib.request.Request) -> Optional[Any]:
            context = ssl.create_default_context(cafile=self.cafile) if self.cafile else None
            if self.basic_auth:
                handler = urllib.request.HTTPBasicAuthHandler()
                handler.add_password(None, call.full_url, self.basic_auth["username"], self.basic_auth["password"])
                opener = urllib.request.build_opener(handler, urllib.request.HTTPSHandler(context=context))
            else:
                opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context))
            try:
                with opener.open(call, timeout=self.timeout) as response:
                    content = response.read()
            except urllib.error.HTTPError as error:
                # What Rasa's RemoteAction expects: a 400 is a form rejecting the user's answer.
                raise ClientResponseError(error.code, error.reason, error.read()) from None
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

    from bot import log_privacy, speedups, stage_timings

    log_privacy.install()  # no conversation text or id in the logs (bot/log_privacy.py)
    install()
    speedups.install()  # measured speed-ups that change no answer (bot/speedups.py)
    stage_timings.install()  # each stage of a turn timed, GET /stage-timings (bot/stage_timings.py)
    rasa_main()


if __name__ == "__main__":
    main()
