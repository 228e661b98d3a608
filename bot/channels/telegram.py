"""Telegram channel: Rasa's TelegramInput/TelegramOutput, hardened and made to render well.

Referenced in the credentials as ``bot.channels.telegram.SecureTelegramInput`` (bot/run.py writes
them to var/credentials.yml when TELEGRAM_TOKEN is set). Keys of its credentials section:

* ``access_token``: the bot token given by @BotFather (required);
* ``verify``: the bot's username (informative);
* ``webhook_url``: the public HTTPS URL of ``/webhooks/telegram/webhook``; when given, setWebhook
  is called at server start, with ``secret_token``;
* ``secret_token``: the secret Telegram echoes in ``X-Telegram-Bot-Api-Secret-Token``; every
  update without it is refused with 403. Derived from the token when not given;
* ``api_url``: the Bot API server (``https://api.telegram.org`` or a self-hosted one).

Differences from Rasa's channel: the secret is checked on every update (instead of a getMe call
per update); an answer model (``custom["answer"]``, actions/answer.py) is sent as one message with
its labels in bold, its details in an expandable quote and its message to copy in a block; text is
sent in HTML parse mode, escaped, with links (named ``[name](url)`` or bare) made clickable; long
answers are split under Telegram's 4096-character limit on paragraph, line or word boundaries;
buttons are inline keyboards whose callback_data always fits Telegram's 64-byte limit (a longer
payload is sent as a short key and mapped back server-side); callback queries are answered so the
client stops its spinner; setWebhook runs in the server's own event loop.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
from collections import OrderedDict
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Optional, Text

from aiogram import Bot
from aiogram.bot.api import TelegramAPIServer
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Update
from aiogram.utils.exceptions import TelegramAPIError
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.telegram import TelegramInput, TelegramOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import idempotency
from bot.channels.telegram_html import (
    MESSAGE_LIMIT,
    fits,
    render_answer,
    render_html,
    split_text,
)

__all__ = ["MESSAGE_LIMIT", "SecureTelegramInput", "SecureTelegramOutput", "render_html", "split_text"]

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.telegram.org"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram: "1-256 characters. Only characters A-Z, a-z, 0-9, _ and - are allowed."
SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# Telegram's limit of callback_data (the message limit: bot/channels/telegram_html.py).
CALLBACK_DATA_LIMIT = 64
# A callback_data starting with this is a key for a payload kept server-side.
KEY_PREFIX = "~"
# Telegram's client commands, mapped to the domain's intents.
COMMANDS = {"/start": "/greet", "/help": "/ask_capabilities", "/aide": "/ask_capabilities"}
EXPIRED_BUTTON_TEXT = "Ce choix n'est plus disponible : écrivez votre question, s'il vous plaît."
FALLBACK_BUTTONS_TEXT = "Choisissez :"
DOMAIN_PATH = Path(__file__).resolve().parents[2] / "domain.yml"


# --- Buttons ---------------------------------------------------------------------------------


class CallbackPayloads:
    """Fit button payloads in Telegram's 64-byte callback_data.

    A payload that fits is sent as is. A longer one (or one starting with KEY_PREFIX) is sent as
    KEY_PREFIX + 16 characters of its SHA-256, and kept here to be mapped back; the key is the same
    across restarts, and the payloads the domain and actions can produce are registered up front,
    so their buttons keep working after a restart.
    """

    def __init__(self, max_entries: int = 50_000) -> None:
        self._payloads: "OrderedDict[str, str]" = OrderedDict()
        self._max_entries = max_entries

    @staticmethod
    def key(payload: str) -> str:
        digest = hashlib.sha256(payload.encode("utf-8")).digest()[:12]
        return KEY_PREFIX + base64.urlsafe_b64encode(digest).decode("ascii")

    def encode(self, payload: str) -> str:
        if len(payload.encode("utf-8")) <= CALLBACK_DATA_LIMIT and not payload.startswith(KEY_PREFIX):
            return payload
        key = self.key(payload)
        self._payloads[key] = payload
        self._payloads.move_to_end(key)
        while len(self._payloads) > self._max_entries:
            self._payloads.popitem(last=False)
        return key

    def decode(self, data: str) -> Optional[str]:
        """The payload behind callback_data; None for a key that is no longer known."""
        if data.startswith(KEY_PREFIX):
            return self._payloads.get(data)
        return data

    def register(self, payloads: Iterable[str]) -> None:
        for payload in payloads:
            self.encode(payload)


def known_button_payloads(domain_path: Path = DOMAIN_PATH) -> List[str]:
    """Every button payload the domain's responses and the custom actions can produce."""
    import yaml

    payloads: List[str] = []
    intents: List[str] = []
    try:
        domain = yaml.safe_load(domain_path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        domain = {}
    for variants in (domain.get("responses") or {}).values():
        for variant in variants or []:
            for button in (variant or {}).get("buttons") or []:
                if button.get("payload"):
                    payloads.append(str(button["payload"]))
    for intent in domain.get("intents") or []:
        intents.append(next(iter(intent)) if isinstance(intent, dict) else str(intent))
    try:  # the actions' quick replies (the action server shares this code base)
        from actions import eligibility, programmes, recommend

        payloads += [b["payload"] for b in recommend.CLARIFY_BUTTONS]
        for intent in intents:
            payloads += [b["payload"] for b in programmes.which_programme_buttons(intent)]
        payloads += [f'/inform{{"programme": "{strand}"}}' for _, strand in eligibility.strand_choices()]
        payloads += ["chez le partenaire", "dans un lieu tiers", "/affirm", "/deny"]
        from actions.cards import full_card_button
        from knowledge import api

        payloads += [full_card_button(strand.id)["payload"] for strand in api.list_strands()]
    except Exception:  # pragma: no cover - the channel works without them
        logger.debug("Action button payloads not registered", exc_info=True)
    return payloads


def inline_keyboard(buttons: List[Dict[Text, Any]], payloads: CallbackPayloads, vertical: bool) -> InlineKeyboardMarkup:
    """Short titles ("Oui", "Non") on one row, anything longer one button per row."""
    keys = [
        InlineKeyboardButton(str(b.get("title") or b.get("payload")), callback_data=payloads.encode(str(b["payload"])))
        for b in buttons
        if b.get("payload")
    ]
    markup = InlineKeyboardMarkup()
    if not vertical and len(keys) <= 3 and all(len(k.text) <= 20 for k in keys):
        markup.row(*keys)
    else:
        for key in keys:
            markup.row(key)
    return markup


# --- Channel ---------------------------------------------------------------------------------


def derive_secret(access_token: str) -> str:
    """The webhook secret when none is configured: private as long as the token is."""
    return hmac.new(access_token.encode(), b"telegram-webhook-secret", hashlib.sha256).hexdigest()


class SecureTelegramOutput(TelegramOutput):
    """Sends HTML text, split under the size limit, and inline keyboards with short callback_data."""

    @classmethod
    def name(cls) -> Text:
        return "telegram"

    def __init__(
        self,
        access_token: Optional[Text],
        api_url: Text = DEFAULT_API_URL,
        payloads: Optional[CallbackPayloads] = None,
    ) -> None:
        Bot.__init__(self, access_token, server=TelegramAPIServer.from_base(api_url or DEFAULT_API_URL))
        self.payloads = payloads or CallbackPayloads()

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        """An answer model (``custom["answer"]``, actions/answer.py) as one message with bold labels
        when it fits; anything else (or an answer too long for one message) as Rasa sends it.
        """
        answer = (message.get("custom") or {}).get("answer")
        if isinstance(answer, dict):
            rendered = render_answer(answer)
            if fits(rendered):
                buttons = message.get("buttons") or []
                markup = inline_keyboard(buttons, self.payloads, vertical=False) if buttons else None
                await self._send_rendered(recipient_id, rendered, markup)
                return
            message = {key: value for key, value in message.items() if key != "custom"}
        await super().send_response(recipient_id, message)

    async def _send_html(self, recipient_id: Text, text: Text, reply_markup: Any = None) -> None:
        await self._send_rendered(recipient_id, render_html(text), reply_markup)

    async def _send_rendered(self, recipient_id: Text, rendered: Text, reply_markup: Any = None) -> None:
        await self.send_message(
            recipient_id,
            rendered,
            parse_mode="HTML",
            disable_web_page_preview=True,
            reply_markup=reply_markup,
        )

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        for chunk in split_text(text):
            await self._send_html(recipient_id, chunk)

    async def send_text_with_buttons(
        self,
        recipient_id: Text,
        text: Text,
        buttons: List[Dict[Text, Any]],
        button_type: Optional[Text] = "inline",
        **kwargs: Any,
    ) -> None:
        chunks = split_text(text) or [FALLBACK_BUTTONS_TEXT]
        for chunk in chunks[:-1]:
            await self._send_html(recipient_id, chunk)
        markup = inline_keyboard(buttons, self.payloads, vertical=button_type == "vertical")
        await self._send_html(recipient_id, chunks[-1], reply_markup=markup)

    async def set_secure_webhook(self, url: Text, secret_token: Text) -> bool:
        """SetWebhook with ``secret_token`` (Bot API 6.1; aiogram 2.15 predates the parameter)."""
        return await self.request(
            "setWebhook",
            {"url": url, "secret_token": secret_token, "allowed_updates": json.dumps(["message", "edited_message", "callback_query"])},
        )

    async def close_session(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


class SecureTelegramInput(TelegramInput):
    """Rasa's Telegram input, with the webhook secret checked on every update."""

    @classmethod
    def name(cls) -> Text:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        if not credentials or not credentials.get("access_token"):
            cls.raise_missing_credentials_exception()
        assert credentials is not None  # raise_missing_credentials_exception() raises
        return cls(
            credentials["access_token"],
            credentials.get("verify"),
            credentials.get("webhook_url"),
            secret_token=credentials.get("secret_token"),
            api_url=credentials.get("api_url") or DEFAULT_API_URL,
        )

    def __init__(
        self,
        access_token: Optional[Text],
        verify: Optional[Text],
        webhook_url: Optional[Text],
        debug_mode: bool = False,
        secret_token: Optional[Text] = None,
        api_url: Text = DEFAULT_API_URL,
        payloads: Optional[CallbackPayloads] = None,
    ) -> None:
        super().__init__(access_token, verify, webhook_url, debug_mode)
        self.secret_token = secret_token or derive_secret(access_token or "")
        if not SECRET_PATTERN.match(self.secret_token):
            raise ValueError(
                "TELEGRAM_SECRET : 1 à 256 caractères parmi A-Z, a-z, 0-9, _ et - (exigence de Telegram)."
            )
        self.api_url = api_url
        if payloads is None:
            payloads = CallbackPayloads()
            payloads.register(known_button_payloads())
        self.payloads = payloads

    def get_output_channel(self) -> SecureTelegramOutput:
        """A sender; unlike Rasa's, this does not call setWebhook (done once, at server start)."""
        return SecureTelegramOutput(self.access_token, self.api_url, self.payloads)

    def _authorized(self, request: Request) -> bool:
        received = request.headers.get(SECRET_HEADER) or ""
        return hmac.compare_digest(received.encode(), self.secret_token.encode())

    def _user_text(self, update: Update) -> Optional[Text]:
        if update.message is not None:
            msg = update.message
        elif update.edited_message is not None:
            msg = update.edited_message
        else:
            return None
        if msg.text is not None:
            command = msg.text.strip().split("@", 1)[0]
            return COMMANDS.get(command, msg.text)
        if msg.location is not None:
            return '{{"lng":{0}, "lat":{1}}}'.format(msg.location.longitude, msg.location.latitude)
        return None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        telegram_webhook = Blueprint("telegram_webhook", __name__)
        out_channel = self.get_output_channel()

        @telegram_webhook.listener("before_server_start")
        async def set_webhook(app: Any, loop: Any) -> None:
            if not self.webhook_url:
                logger.warning("Telegram : TELEGRAM_WEBHOOK_URL absent, setWebhook non appelé.")
                return
            try:
                await out_channel.set_secure_webhook(self.webhook_url, self.secret_token)
                logger.info("Telegram webhook set to %s", self.webhook_url)
            except TelegramAPIError as error:
                logger.error("Telegram setWebhook failed: %s", error)

        @telegram_webhook.listener("after_server_stop")
        async def close(app: Any, loop: Any) -> None:
            await out_channel.close_session()

        @telegram_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @telegram_webhook.route("/webhook", methods=["POST"])
        async def message(request: Request) -> HTTPResponse:
            if not self._authorized(request):
                logger.warning("Telegram update refused: missing or wrong secret token")
                return response.json({"error": "forbidden"}, status=403)
            try:
                body = request.json
                if isinstance(body, str):
                    body = json.loads(body)
                update = Update(**body)
            except Exception:
                return response.json({"error": "invalid update"}, status=400)

            if update.callback_query is not None:
                query = update.callback_query
                text = self.payloads.decode(query.data or "")
                try:
                    await out_channel.answer_callback_query(query.id, text=None if text else EXPIRED_BUTTON_TEXT)
                except TelegramAPIError as error:
                    logger.warning("answerCallbackQuery failed: %s", error)
                chat = query.message.chat if query.message else None
                sender_id = chat.id if chat else query.from_user.id
            else:
                text = self._user_text(update)
                msg = update.message or update.edited_message
                sender_id = msg.chat.id if msg else None
            if not text or sender_id is None:
                return response.text("success")

            # Telegram delivers an update again until it gets a 200: its update_id is the idempotency
            # key, so an update redelivered after its turn was saved gets no second answer (the
            # answers are sent before the turn is saved: the user has them).
            key = f"telegram-{update.update_id}"
            try:
                await idempotency.handle_once(
                    request.app.ctx.agent,
                    UserMessage(
                        text,
                        out_channel,
                        str(sender_id),
                        input_channel=self.name(),
                        message_id=key,
                        metadata=self.get_metadata(request),
                    ),
                )
            except Exception as error:
                # Answer 200 anyway: Telegram would otherwise redeliver the update again and again.
                logger.error("Exception when trying to handle Telegram message: %s", error)
                logger.debug(error, exc_info=True)
                if self.debug_mode:
                    raise
            return response.text("success")

        return telegram_webhook
