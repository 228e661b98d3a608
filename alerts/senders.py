"""Sending one alert: by e-mail over SMTP with STARTTLS, or through the Telegram Bot API.

Every failure becomes a :class:`SendError` that says whether the recipient is the cause (an
address refused, a chat that blocked the bot: counted towards stopping the subscription) or the
server (down, slow, misconfigured: retried at the next run, never counted against anyone).
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Optional
from urllib.parse import unquote, urlsplit

import aiohttp
from aiogram.utils.exceptions import (
    BotBlocked,
    BotKicked,
    CantInitiateConversation,
    ChatNotFound,
    TelegramAPIError,
    UserDeactivated,
)

from bot.channels.telegram import SecureTelegramOutput

SMTP_TIMEOUT_S = 20
# Telegram's answers that mean this chat will not get our messages.
RECIPIENT_GONE = (BotBlocked, BotKicked, ChatNotFound, CantInitiateConversation, UserDeactivated)


class SendError(Exception):
    """An alert not sent; ``counts``: the recipient's doing rather than the server's."""

    def __init__(self, kind: str, counts: bool) -> None:
        super().__init__(kind)
        self.kind = kind
        self.counts = counts


class MailSender:
    """E-mails through ``smtp://[user:password@]host[:port]`` (587 by default), always over STARTTLS.

    One connection per notifier run, opened at the first e-mail; a server without STARTTLS is
    refused (nothing is sent in clear). ``ca_file`` adds a certificate authority to trust.
    """

    def __init__(self, smtp_url: str, sender: str, ca_file: Optional[str] = None) -> None:
        parts = urlsplit(smtp_url)
        if parts.scheme != "smtp" or not parts.hostname:
            raise ValueError("SMTP_URL doit être de la forme smtp://utilisateur:mot-de-passe@serveur:587")
        self.host, self.port = parts.hostname, parts.port or 587
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.sender = sender
        self.context = ssl.create_default_context(cafile=ca_file)
        self.connection: Optional[smtplib.SMTP] = None

    def _connect(self) -> smtplib.SMTP:
        if self.connection is None:
            connection = smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT_S)
            try:
                connection.starttls(context=self.context)
                if self.username:
                    connection.login(self.username, self.password or "")
            except BaseException:
                connection.close()
                raise
            self.connection = connection
        return self.connection

    def send(self, address: str, subject: str, text: str, unsubscribe_url: Optional[str]) -> None:
        message = EmailMessage()
        # A header with a line break raises here: nothing can be injected through the address.
        message["From"] = self.sender
        message["To"] = address
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=self.host)
        message["Auto-Submitted"] = "auto-generated"
        if unsubscribe_url:
            # One click in the mail client (RFC 8058): it POSTs to the link, which unsubscribes.
            message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message.set_content(text)
        try:
            self._connect().send_message(message)
        except smtplib.SMTPRecipientsRefused:
            raise SendError("SMTPRecipientsRefused", counts=True) from None
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise SendError(type(error).__name__, counts=False) from None

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (smtplib.SMTPException, OSError):
                self.connection.close()
            self.connection = None


class TelegramSender:
    """Messages to Telegram chats as the Telegram channel sends its answers (HTML, links, split)."""

    def __init__(self, token: str, api_url: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.output = SecureTelegramOutput(token, api_url)

    def send(self, chat_id: str, text: str) -> None:
        try:
            self.loop.run_until_complete(self.output.send_text_message(chat_id, text))
        except RECIPIENT_GONE as error:
            raise SendError(type(error).__name__, counts=True) from None
        except (TelegramAPIError, aiohttp.ClientError, OSError, asyncio.TimeoutError) as error:
            raise SendError(type(error).__name__, counts=False) from None

    def close(self) -> None:
        self.loop.run_until_complete(self.output.close_session())
        self.loop.close()
