"""``python -m alerts notify`` (``make notify``): see :mod:`alerts.notifier`."""

import os
import sys

# Rasa (imported for the Telegram sender) warns about its own use of SQLAlchemy 1.4: not ours to fix.
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

from alerts.notifier import main  # noqa: E402 - after the setting

if __name__ == "__main__":
    sys.exit(main())
