"""Every setting of the assistant, read from the environment in this one place.

Local defaults make `make run` work on a fresh machine with no configuration:
the knowledge base and the tracker store are SQLite files under `var/`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Mapping, Optional, Tuple

REPO_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = REPO_ROOT / "var"
KNOWLEDGE_DATA_DIR = REPO_ROOT / "knowledge" / "data"
MODEL_PATH = REPO_ROOT / "models" / "assistant.tar.gz"


def _origins(value: str) -> Tuple[str, ...]:
    """The comma-separated web origins of ``CORS_ORIGINS``; each must be an http(s) address."""
    origins = tuple(origin.strip().rstrip("/") for origin in value.split(",") if origin.strip())
    for origin in origins:
        if not origin.startswith(("http://", "https://")):
            raise ValueError(
                f"CORS_ORIGINS : chaque origine est une adresse http(s)://, par exemple https://www.mairie.fr (reçu : {origin!r})"
            )
    return origins


@dataclass(frozen=True)
class Settings:
    """Runtime configuration; build it with :meth:`from_env`."""

    database_url: str
    knowledge_data_dir: Path
    tracker_store_url: str
    rasa_port: int
    action_port: int
    # The action server's interface: 127.0.0.1 unless the Rasa servers run on other machines.
    action_host: str
    action_endpoint_url: str
    # Web server: the widget's demo page and the Europe Direct staff console.
    web_port: int
    console_token: Optional[str]
    # The console's own records (inbox messages marked "traité"); SQLite under var/ by default.
    console_database_url: str
    # Telegram (issue 4): the channel starts only when the token is set.
    telegram_token: Optional[str]
    telegram_bot_name: str
    telegram_webhook_url: Optional[str]
    telegram_secret: Optional[str]
    telegram_api_url: str
    # Production (issue 6): several Rasa servers share the tracker store and a Redis lock store
    # (redis://[:password@]host[:port][/db]); unset means the in-memory lock store of one server.
    lock_store_url: Optional[str]
    # Seconds Rasa waits for the action server before apologising to the user (bot/rasa_server.py).
    action_timeout: float
    # Speed (issue 11): the NLU graph in a child process of each Rasa server (bot/nlu_process.py).
    nlu_process: bool
    # Privacy (issue 6): conversations older than this are purged by `make purge` (bot/retention.py).
    retention_days: int
    # Rasa's own variables, also read by our code: the log level, the tracker store's PostgreSQL schema.
    log_level: str
    postgresql_schema: Optional[str]
    # Security (issue 6): Rasa's HTTP API (trackers, events, model) is on only when a token or a JWT
    # secret is set, and then requires it; the channels (/webhooks/...) stay public.
    rasa_api_token: Optional[str]
    rasa_jwt_secret: Optional[str]
    # The web sites allowed to call the channels from a browser (CORS and socket.io origins).
    cors_origins: Tuple[str, ...]
    # Alerts (issue 14): subscriptions and their send log (not in the knowledge base's file, which
    # each build replaces), the SMTP server (smtp://[user:password@]host[:port], STARTTLS always),
    # the sender address, an extra CA file to trust, and the public address of the web server
    # (bot/web.py) for the unsubscribe links.
    alerts_database_url: str
    smtp_url: Optional[str]
    alerts_from: str
    smtp_ca_file: Optional[str]
    public_url: str

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None) -> "Settings":
        """Read the settings from the environment, falling back to local defaults."""
        env = os.environ if environ is None else environ
        action_port = int(env.get("ACTION_PORT") or 5055)
        web_port = int(env.get("WEB_PORT") or 8000)
        return cls(
            database_url=env.get("DATABASE_URL")
            or f"sqlite:///{VAR_DIR / 'knowledge.sqlite3'}",
            knowledge_data_dir=Path(env.get("KNOWLEDGE_DATA_DIR") or KNOWLEDGE_DATA_DIR),
            tracker_store_url=env.get("TRACKER_STORE_URL")
            or f"sqlite:///{VAR_DIR / 'tracker.sqlite3'}",
            rasa_port=int(env.get("RASA_PORT") or 5005),
            action_port=action_port,
            action_host=env.get("ACTION_HOST") or "127.0.0.1",
            action_endpoint_url=env.get("ACTION_ENDPOINT_URL")
            or f"http://localhost:{action_port}/webhook",
            web_port=web_port,
            console_token=env.get("CONSOLE_TOKEN") or None,
            console_database_url=env.get("CONSOLE_DATABASE_URL") or f"sqlite:///{VAR_DIR / 'console.sqlite3'}",
            telegram_token=env.get("TELEGRAM_TOKEN") or None,
            telegram_bot_name=env.get("TELEGRAM_BOT_NAME") or "europe_des_communes_bot",
            telegram_webhook_url=env.get("TELEGRAM_WEBHOOK_URL") or None,
            telegram_secret=env.get("TELEGRAM_SECRET") or None,
            # A self-hosted Bot API server (or the tests' fake one) replaces Telegram's.
            telegram_api_url=env.get("TELEGRAM_API_URL") or "https://api.telegram.org",
            lock_store_url=env.get("LOCK_STORE_URL") or None,
            action_timeout=float(env.get("ACTION_TIMEOUT") or 10),
            nlu_process=(env.get("NLU_PROCESS") or "1") != "0",
            retention_days=int(env.get("RETENTION_DAYS") or 90),
            log_level=(env.get("LOG_LEVEL") or "INFO").upper(),
            postgresql_schema=env.get("POSTGRESQL_SCHEMA") or None,
            rasa_api_token=env.get("RASA_API_TOKEN") or None,
            rasa_jwt_secret=env.get("RASA_JWT_SECRET") or None,
            # Default: only the widget's demo page of bot/web.py (on this machine).
            cors_origins=_origins(env.get("CORS_ORIGINS") or "")
            or (f"http://localhost:{web_port}", f"http://127.0.0.1:{web_port}"),
            alerts_database_url=env.get("ALERTS_DATABASE_URL") or f"sqlite:///{VAR_DIR / 'alerts.sqlite3'}",
            smtp_url=env.get("SMTP_URL") or None,
            alerts_from=env.get("ALERTS_FROM") or "L'Europe des communes <alertes@localhost>",
            smtp_ca_file=env.get("SMTP_CA_FILE") or None,
            public_url=(env.get("PUBLIC_URL") or f"http://localhost:{web_port}").rstrip("/"),
        )

    def rasa_environment(self) -> Dict[str, str]:
        """The variables that endpoints.yml expands (Rasa fails on an unset ``${VAR}``)."""
        return {
            # Rasa's telemetry and error reports call outside hosts: never from this assistant.
            "RASA_TELEMETRY_ENABLED": "false",
            "ACTION_ENDPOINT_URL": self.action_endpoint_url,
            "TRACKER_STORE_URL": self.tracker_store_url,
            "DATABASE_URL": self.database_url,
        }
