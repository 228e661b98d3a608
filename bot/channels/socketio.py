"""The socket.io channel, limited to the configured sites and with its input checked.

Referenced in credentials.yml as ``bot.channels.socketio.CheckedSocketIOInput`` (name ``socketio``,
same path ``/socket.io`` and events as Rasa's ``SocketIOInput``). Rasa's channel turns off the
origin check of python-socketio (``cors_allowed_origins=[]``, so that Sanic-Cors alone sets the
CORS headers); a WebSocket is not subject to CORS, so any web site could talk to the assistant
through its visitors' browsers. Here a connection whose ``Origin`` is not one of ``CORS_ORIGINS``
(bot/settings.py) is refused; clients without an ``Origin`` header (not a browser) are accepted, as
on the REST channel.

A message event must be ``{"message": <text>, "session_id": …}``: the text is cleaned and capped as
on the REST channel (bot/channels/rest.py); anything else gets a French explanation back instead of
an exception in the server's log.

It also repairs ``session_request`` with ``session_persistence: true``: Rasa 3.6 calls python-socketio's
``enter_room`` without awaiting it (a coroutine since python-socketio 5.12), so the client never
joined its session's room and never received an answer.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint

from bot.channels.rest import (
    EMPTY_MESSAGE_TEXT,
    FAILURE_TEXT,
    InputError,
    check_payload,
    clean_text,
    valid_sender,
)
from bot.settings import Settings

logger = logging.getLogger(__name__)

INVALID_EVENT_TEXT = 'Message illisible : envoyez {"message": "votre question", "session_id": "…"}.'


def origin_allowed(origin: Optional[str], allowed: tuple) -> bool:
    """Whether a browser page from ``origin`` may connect (no ``Origin`` header: not a browser)."""
    return not origin or "*" in allowed or origin.rstrip("/").lower() in {o.lower() for o in allowed}


class CheckedSocketIOInput(SocketIOInput):
    """Rasa's socket.io channel, with the origin of browsers and the messages checked."""

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's blueprint, with its ``connect`` and message handlers wrapped."""
        blueprint = super().blueprint(on_new_message)
        sio = self.sio
        namespace = self.namespace or "/"
        handlers = sio.handlers[namespace]
        rasa_connect = handlers["connect"]
        rasa_message = handlers[self.user_message_evt]
        allowed = Settings.from_env().cors_origins

        async def connect(sid: Text, environ: Dict, auth: Optional[Dict] = None) -> bool:
            if not origin_allowed(environ.get("HTTP_ORIGIN"), allowed):
                logger.warning("socket.io connection refused: origin not in CORS_ORIGINS")
                return False
            return await rasa_connect(sid, environ, auth)

        async def session_request(sid: Text, data: Any) -> None:
            session_id = data.get("session_id") if isinstance(data, dict) else None
            if not valid_sender(session_id):
                session_id = uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, session_id, namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        async def handle_message(sid: Text, data: Any) -> None:
            async def reply(text: str) -> None:
                await sio.emit(self.bot_message_evt, {"text": text}, room=sid, namespace=self.namespace)

            metadata = data.get(self.metadata_key) if isinstance(data, dict) else None
            if (
                not isinstance(data, dict)
                or not isinstance(data.get("message"), str)
                or (self.session_persistence and not valid_sender(data.get("session_id")))
                or (metadata is not None and not isinstance(metadata, dict))
            ):
                await reply(INVALID_EVENT_TEXT)
                return
            text = clean_text(data["message"])
            try:
                check_payload(text)
            except InputError as error:
                await reply(error.message)
                return
            if not text:
                await reply(EMPTY_MESSAGE_TEXT)
                return
            try:
                await rasa_message(sid, {**data, "message": text})
            except Exception as error:  # noqa: BLE001 - the user gets an apology whatever failed
                logger.error("socket.io message not processed (%s)", type(error).__name__)
                logger.debug("socket.io message not processed", exc_info=True)
                await reply(FAILURE_TEXT)

        sio.on("connect", namespace=self.namespace)(connect)
        sio.on("session_request", namespace=self.namespace)(session_request)
        sio.on(self.user_message_evt, namespace=self.namespace)(handle_message)
        return blueprint
