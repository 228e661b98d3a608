"""Test data for the alerts: a copy of the knowledge YAML with one more call, made up for the tests.

The call below is not a fact: it lives only in the temporary copy a test builds its knowledge
base from, never in knowledge/data.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from actions.formatting import french_date
from bot.settings import KNOWLEDGE_DATA_DIR

TEST_CALL_ID = "CERV-2027-CITIZENS-TOWN-TT"
TEST_CALL_SOURCE = "https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/opportunities/topic-details/cerv-2027-citizens-town-tt"


def call_yaml(call_id: str = TEST_CALL_ID, opening: date = date(2027, 3, 2), deadline: date = date(2027, 9, 22)) -> str:
    """One entry of a strand's ``calls:`` list in programmes.yml (10-space indented)."""
    return (
        f"          - id: {call_id}\n"
        f"            year: {deadline.year}\n"
        f"            opening: {opening.isoformat()}\n"
        f"            deadline: {deadline.isoformat()}\n"
        f"            deadline_time: \"17:00\"\n"
        f"            deadline_text: \"{french_date(deadline)} à 17 h (heure de Bruxelles)\"\n"
        f"            verified: true\n"
        f"            sources:\n"
        f"              - {{url: \"{TEST_CALL_SOURCE}\", checked_on: 2026-11-30}}\n"
    )


def copy_data(target: Path) -> Path:
    """A writable copy of knowledge/data."""
    shutil.copytree(KNOWLEDGE_DATA_DIR, target)
    return target


def add_call(data_dir: Path, strand_id: str = "cerv_town_twinning", entry: str = "") -> None:
    """Append a call (default: :func:`call_yaml`) to a strand's calls in a copy of programmes.yml."""
    path = data_dir / "programmes.yml"
    text = path.read_text(encoding="utf-8")
    strand_at = text.index(f"- id: {strand_id}\n")
    calls_at = text.index("        calls:\n", strand_at) + len("        calls:\n")
    path.write_text(text[:calls_at] + (entry or call_yaml()) + text[calls_at:], encoding="utf-8")
