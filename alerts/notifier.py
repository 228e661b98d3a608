"""``make notify``: send each subscriber what they have not been told yet, once.

Run daily from cron, and at the end of ``make knowledge``. An alert is due when

* a call of the subscriber's strand (or programme) was first seen after they subscribed, and its
  deadline is not past (``new_call``);
* a call's deadline enters their reminder window: ``reminder_days`` days or fewer left (``reminder``).

Each alert is claimed in the send log before it is sent (:func:`alerts.sendlog.claim`): a second run
sends nothing, two runs at once send nothing twice, and a failed send stays in the log to be
retried at the next run. Without ``SMTP_URL`` (or ``TELEGRAM_TOKEN``) the e-mails (or Telegram
messages) wait, unclaimed, for a run that can send them.
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass
from datetime import date, datetime
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Union

from sqlalchemy.exc import SQLAlchemyError

from actions.answer import written_out
from actions.common import today as paris_today
from alerts import sendlog, store
from alerts.messages import NEW_CALL, REMINDER, alert_message
from alerts.senders import MailSender, SendError, TelegramSender
from bot.log_privacy import database_error_detail
from bot.settings import Settings
from knowledge import api
from knowledge.views import CallView, StrandView

logger = logging.getLogger(__name__)
UNSUBSCRIBE_PATH = "/alertes/desinscription/"


@dataclass(frozen=True)
class Alert:
    """One message due to one subscriber."""

    subscription: store.SubscriptionView
    kind: str
    strand: StrandView
    call: CallView

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.call.id}"


@dataclass
class Report:
    """What a run did, for the command line and the cron mail."""

    sent: int = 0
    failed: int = 0
    waiting: int = 0
    stopped: int = 0

    def summary(self) -> str:
        return (f"Alerts: {self.sent} sent, {self.failed} failed (retried next run), "
                f"{self.waiting} waiting for a channel to be configured, {self.stopped} subscription(s) stopped after repeated failures.")


def due_alerts(subscriptions: Iterable[store.SubscriptionView], strands: Sequence[StrandView],
               first_seen: Dict[str, datetime], today: date) -> Iterator[Alert]:
    """Every alert the subscriptions call for today (the send log then drops those already sent)."""
    for subscription in subscriptions:
        for strand in strands:
            if subscription.topic not in (strand.id, strand.programme_id):
                continue
            for call in strand.calls:
                days_left = (call.deadline.date() - today).days if call.deadline else None
                if days_left is not None and days_left < 0:
                    continue  # a closed call is news to nobody
                seen = first_seen.get(call.id)
                if subscription.new_calls and seen is not None and seen > subscription.created_at:
                    yield Alert(subscription, NEW_CALL, strand, call)
                if subscription.reminder_days and days_left is not None and days_left <= subscription.reminder_days:
                    yield Alert(subscription, REMINDER, strand, call)


def unsubscribe_url(settings: Settings, token: str) -> str:
    """The one-click unsubscribe link of a subscription, on the project's public web server."""
    return f"{settings.public_url}{UNSUBSCRIBE_PATH}{token}"


class Notifier:
    """One run: the senders it opened, and what it did."""

    def __init__(self, settings: Settings, now: datetime, today: date) -> None:
        self.settings, self.now, self.today = settings, now, today
        self.url = settings.alerts_database_url
        self.senders: Dict[str, Union[MailSender, TelegramSender]] = {}
        if settings.smtp_url:
            self.senders[store.EMAIL] = MailSender(settings.smtp_url, settings.alerts_from, settings.smtp_ca_file)
        if settings.telegram_token:
            self.senders[store.TELEGRAM] = TelegramSender(settings.telegram_token, settings.telegram_api_url)
        self.report = Report()
        self.counted: set = set()  # subscriptions whose failure this run has counted already

    def close(self) -> None:
        for sender in self.senders.values():
            sender.close()

    def run(self) -> Report:
        strands = api.list_strands()
        with store.transaction(self.url) as session:
            store.remember_calls(session, [(call.id, strand.id) for strand in strands for call in strand.calls], self.now)
        alerts = list(due_alerts(store.active(self.url), strands, store.first_seen(self.url), self.today))
        stopped: set = set()
        announced: set = set()  # (subscription, call) told of a new call in this run, days left included
        for alert in alerts:
            sender = self.senders.get(alert.subscription.channel)
            pair = (alert.subscription.id, alert.call.id)
            if sender is None:
                self.report.waiting += 1
            elif alert.subscription.id not in stopped and sendlog.claim(
                    alert.subscription.id, alert.key, alert.strand.id, self.now, self.url):
                if alert.kind == REMINDER and pair in announced:
                    # The new call's message, sent a moment ago, gave the days left: no second message.
                    sendlog.record_sent(alert.subscription.id, alert.key, self.now, self.url)
                elif not self._send(sender, alert):
                    stopped.add(alert.subscription.id)
                elif alert.kind == NEW_CALL:
                    announced.add(pair)
        return self.report

    def _send(self, sender, alert: Alert) -> bool:
        """Send one claimed alert and log the outcome; False when the subscription got stopped."""
        subscription = alert.subscription
        contacts = api.contacts_for(alert.strand.id)
        link = unsubscribe_url(self.settings, subscription.token) if subscription.channel == store.EMAIL else None
        subject, text = alert_message(alert.kind, alert.strand, alert.call, contacts[0] if contacts else None,
                                      self.today, link)
        try:
            if subscription.channel == store.EMAIL:
                sender.send(subscription.address, subject, written_out(text), link)
            else:
                sender.send(subscription.address, text)
        except SendError as error:
            counts = error.counts and subscription.id not in self.counted
            self.counted.add(subscription.id)
            self.report.failed += 1
            # The error's kind and the subscription's number only: no address in the logs.
            logger.warning("alert %s for subscription %s not sent: %s", alert.key, subscription.id, error.kind)
            if sendlog.record_failed(subscription.id, alert.key, error.kind, counts, self.now, self.url):
                self.report.stopped += 1
                return False
            return True
        sendlog.record_sent(subscription.id, alert.key, self.now, self.url)
        self.report.sent += 1
        return True


TEST_NOTE = "Ceci est une alerte de test, envoyée depuis la console Europe Direct : voici ce que reçoivent les abonnés."


def send_test(settings: Settings, address: str, topic: str, today: date) -> str:
    """Send a staff member a sample alert now (the next call of ``topic``, else its latest); its subject.

    Raises:
        store.InvalidAddress, store.UnknownTopic, SendError (no ``SMTP_URL``, or the server failed).
    """
    address = store.normalise_address(address)
    strand = api.get_strand(topic) if topic else None
    if strand is None or not strand.calls:
        raise store.UnknownTopic(topic)
    call = api.next_call(strand.id, today) or max(strand.calls, key=lambda c: c.year)
    if not settings.smtp_url:
        raise SendError("SMTP_URL", counts=False)
    contacts = api.contacts_for(strand.id)
    subject, text = alert_message(NEW_CALL, strand, call, contacts[0] if contacts else None, today)
    sender = MailSender(settings.smtp_url, settings.alerts_from, settings.smtp_ca_file)
    try:
        sender.send(address, f"[Test] {subject}", f"{TEST_NOTE}\n\n{written_out(text)}", None)
    finally:
        sender.close()
    return f"[Test] {subject}"


def notify(settings: Optional[Settings] = None, now: Optional[datetime] = None,
           today: Optional[date] = None) -> Report:
    """Send the alerts due (see the module's docstring); ``now`` (UTC) and ``today`` (Paris) fix the clock."""
    notifier = Notifier(settings or Settings.from_env(), now or store.utcnow(), today or paris_today())
    try:
        return notifier.run()
    finally:
        notifier.close()


def main(argv: Optional[List[str]] = None) -> int:
    """``python -m alerts``: send the alerts due (``make notify``); the exit status says whether all went out."""
    parser = argparse.ArgumentParser(prog="python -m alerts", description="Send the alerts due (make notify).")
    commands = parser.add_subparsers(dest="command", required=True)
    notify_parser = commands.add_parser("notify", help="send what each subscriber has not been told yet")
    notify_parser.add_argument("--today", type=date.fromisoformat, help="the date to act on (YYYY-MM-DD; default: today in Paris)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        report = notify(today=args.today)
    except ValueError as error:  # a malformed SMTP_URL
        print(error, file=sys.stderr)
        return 2
    except SQLAlchemyError as error:
        detail = database_error_detail(error)
        print(f"Alerts: database unavailable: {detail}", file=sys.stderr)
        return 1
    print(report.summary())
    return 0
