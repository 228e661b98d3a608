"""The widget's REST channel, with its input checked: ``POST /webhooks/rest/webhook``.

Referenced in credentials.yml as ``bot.channels.rest.CheckedRestInput``; its name stays ``rest``, so
the URL, the answer (a JSON list of ``{"recipient_id", "text", "buttons"}``) and the trackers'
``input_channel`` are those of Rasa's ``RestInput``. What it adds:

* the body must be a JSON object sent as ``application/json`` (a browser then has to pass the CORS
  preflight, so only the configured sites can use the channel), of at most ``MAX_BODY_BYTES``;
* ``sender`` must be a non-empty string of at most ``MAX_SENDER_CHARS`` characters, without control
  characters (Rasa would put a message without one in a conversation shared by everybody,
  ``default``, and PostgreSQL's tracker store refuses ids over 255 characters);
* ``message`` must be a string; control characters (NUL included: PostgreSQL text cannot hold it)
  and lone UTF-16 surrogates (which cannot be encoded) are removed, the text is NFC-normalised and
  cut after ``MAX_MESSAGE_CHARS`` at a word boundary (the assistant answers the beginning); an
  empty message gets a French invitation to ask, without touching the conversation;
* a button payload (``/intent{"entity": "value"}``) may carry only short non-empty strings as
  values (Rasa would put any JSON value in the slots);
* ``message_id``, when given, is the message's idempotency key (8 to 64 letters, digits or hyphens):
  a client that got no answer sends the message again with the same key, and it is answered once
  and stored once (bot/idempotency.py);
* ``metadata``, when given, must be a JSON object; the client cannot choose ``input_channel``;
  Rasa's ``?stream=true`` variant is not offered (the widget does not use it).

Anything else is answered ``400``, ``413`` or ``415`` with ``{"error": <code>, "message": <French
text>}``. If processing the message fails, the user gets a French apology instead of an empty list,
and the logs name the failure without the message's text (conversations are personal data).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import unicodedata
from typing import Any, Awaitable, Callable, Dict, Optional, Text, Tuple

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.exceptions import PayloadTooLarge
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.answer import EUROPE_DIRECT_HELP
from bot import idempotency

logger = logging.getLogger(__name__)

# Every request body the Rasa server accepts (Sanic's default is 100 MB); a 100,000-character
# message, escaped as JSON, fits.
MAX_BODY_BYTES = 1024 * 1024
# The widget's input limit (maxlength=1000). Reading a longer text only costs time: Rasa parses a
# message in its event loop, and 100,000 characters kept every other conversation waiting ~14 s.
MAX_MESSAGE_CHARS = 1000
MAX_SENDER_CHARS = 128
MAX_PAYLOAD_VALUE_CHARS = 200

EMPTY_MESSAGE_TEXT = (
    "Je n'ai pas reçu de question. Décrivez-moi votre projet de jumelage (qui participe, avec quel "
    "pays, sur quel thème) et je vous indique le programme européen qui peut le financer."
)
FAILURE_TEXT = (
    "Désolé, je n'ai pas pu traiter votre message. Réessayez dans quelques instants, ou posez votre "
    "question à " + EUROPE_DIRECT_HELP
)

# Control characters (C0 and C1 but tab and line feed), carriage returns, and lone surrogates.
_UNWANTED = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_SPACES = re.compile(r"  +")
_SENDER_UNWANTED = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# A button payload: "/intent", "/intent@0.9", "/intent{...}" (Rasa's own pattern, simplified).
_PAYLOAD = re.compile(r"^/(?P<intent>[^{@]+)(?:@[0-9.]+)?(?P<entities>\{.*\})?\s*$", re.DOTALL)


class InputError(Exception):
    """A request the channel refuses: the HTTP status, a machine-readable code and a French message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def response(self) -> HTTPResponse:
        return response.json({"error": self.code, "message": self.message}, status=self.status)


def clean_text(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """The message as the assistant reads it: NFC, without control characters, at most ``limit`` long.

    A longer text is cut at the last space before the limit (or at the limit, without one).
    """
    text = unicodedata.normalize("NFC", _SPACES.sub(" ", _UNWANTED.sub(" ", text))).strip()
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ", limit // 2)
    return (cut[:space] if space > 0 else cut).rstrip()


def check_payload(text: str) -> None:
    """Refuse a button payload whose entity values are not short non-empty strings.

    Rasa would pass any JSON value on to the slots and the actions (``/inform{"country": {"a": 1}}``).
    Braces that are not a JSON object are left to Rasa, which ignores them.
    """
    match = _PAYLOAD.match(text)
    if not match or not match.group("entities"):
        return
    try:
        entities = json.loads(match.group("entities"))
    except ValueError:
        return
    values = entities.values() if isinstance(entities, dict) else []
    flat = [item for value in values for item in (value if isinstance(value, list) else [value])]
    if not all(isinstance(item, str) and 0 < len(item.strip()) <= MAX_PAYLOAD_VALUE_CHARS for item in flat):
        raise InputError(
            400,
            "invalid_payload",
            "Réponse de bouton invalide : les valeurs entre accolades doivent être du texte court.",
        )


def valid_sender(sender: Any) -> bool:
    """Whether ``sender`` can name a conversation: 1 to ``MAX_SENDER_CHARS`` characters, no control ones."""
    return (
        isinstance(sender, str)
        and bool(sender.strip())
        and len(sender) <= MAX_SENDER_CHARS
        and not _SENDER_UNWANTED.search(sender)
    )


def parse_body(request: Request) -> Tuple[str, str, Optional[Dict[str, Any]], Optional[str]]:
    """``(sender, message, metadata, message_id)`` of a request, checked and cleaned; :class:`InputError` otherwise."""
    content_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type != "application/json" and not content_type.endswith("+json"):
        raise InputError(
            415,
            "unsupported_media_type",
            "Envoyez un objet JSON avec l'en-tête Content-Type: application/json.",
        )
    try:
        body = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict):
        raise InputError(
            400,
            "invalid_json",
            'Le corps de la requête doit être un objet JSON : {"sender": "…", "message": "…"}.',
        )
    sender = body.get("sender")
    if not valid_sender(sender):
        raise InputError(
            400,
            "invalid_sender",
            f"Le champ « sender » doit identifier la conversation : un texte de 1 à {MAX_SENDER_CHARS} "
            "caractères, sans caractère de contrôle.",
        )
    message = body.get("message")
    if not isinstance(message, str):
        raise InputError(400, "invalid_message", "Le champ « message » doit être un texte.")
    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise InputError(400, "invalid_metadata", "Le champ « metadata » doit être un objet JSON.")
    message_id = body.get("message_id")
    if message_id is not None and not idempotency.valid_key(message_id):
        raise InputError(
            400,
            "invalid_message_id",
            "Le champ « message_id » doit être un identifiant de 8 à 64 lettres, chiffres ou tirets.",
        )
    text = clean_text(message)
    check_payload(text)
    return sender, text, metadata, message_id


class OneMessageCollector(CollectingOutputChannel):
    """Collects each answer as one message: its text (not cut at blank lines), buttons and model.

    Rasa's collector makes a message of each paragraph and another of the ``custom`` part; the
    widget then showed a hand-over in five bubbles. The answer model (``custom["answer"]``, see
    actions/answer.py) travels with its text.
    """

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        item: Dict[Text, Any] = {"recipient_id": recipient_id}
        item.update({key: message[key] for key in ("text", "buttons", "custom", "image", "attachment")
                     if message.get(key)})
        if len(item) > 1:
            await self._persist_message(item)


class CheckedRestInput(RestInput):
    """Rasa's REST channel with its input checked and cleaned (see the module's documentation)."""

    @classmethod
    def name(cls) -> Text:
        return "rest"  # same URL and same input_channel as Rasa's RestInput

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        """The channel's routes: ``GET /webhooks/rest/`` (health) and ``POST /webhooks/rest/webhook``."""
        webhook = Blueprint("checked_rest_webhook", __name__)

        @webhook.listener("before_server_start")
        async def cap_body_size(app: Any, _loop: Any) -> None:
            # Sanic reads the whole body before any handler: cap it for every route of the server.
            app.config.REQUEST_MAX_SIZE = min(app.config.REQUEST_MAX_SIZE, MAX_BODY_BYTES)

        @webhook.exception(PayloadTooLarge)
        async def too_large(_: Request, __: Exception) -> HTTPResponse:
            return InputError(
                413, "payload_too_large", f"Requête trop grande : au plus {MAX_BODY_BYTES // 1024} Kio."
            ).response()

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                sender, text, metadata, message_id = parse_body(request)
            except InputError as error:
                return error.response()
            if not text:
                return response.json([{"recipient_id": sender, "text": EMPTY_MESSAGE_TEXT}])

            collector = OneMessageCollector()
            message = UserMessage(text, collector, sender, input_channel=self.name(), message_id=message_id,
                                  metadata=metadata)
            try:
                if message_id is None:
                    await on_new_message(message)
                else:
                    earlier = await idempotency.handle_once(request.app.ctx.agent, message)
                    if earlier is not None:
                        return response.json(earlier)
            except asyncio.CancelledError:
                raise  # the client left or the server stops: nobody to answer
            except Exception as error:  # noqa: BLE001 - the user gets an apology whatever failed
                # The class of the failure only: the message itself is personal data (an error's
                # text may quote it, so the traceback is logged at debug level only).
                logger.error("REST message not processed (%s)", type(error).__name__)
                logger.debug("REST message not processed", exc_info=True)
                if not collector.messages:
                    collector.messages.append({"recipient_id": sender, "text": FAILURE_TEXT})
            return response.json(collector.messages)

        return webhook
