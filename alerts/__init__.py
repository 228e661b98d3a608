"""Alerts on new calls and deadline reminders, by e-mail and Telegram (issue 14).

* :mod:`alerts.store`: the subscriptions and the calls already seen (the tables);
* :mod:`alerts.sendlog`: the log of what was sent (each alert claimed once), counts, retention;
* :mod:`alerts.messages`: the French wording of an alert and of a subscription;
* :mod:`alerts.senders`: SMTP (STARTTLS) and the Telegram Bot API;
* :mod:`alerts.notifier`: ``make notify``, what each subscriber has not been told yet, sent once;
* :mod:`alerts.web`: the unsubscribe page served by the web server (bot/web.py).
"""
