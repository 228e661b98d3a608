"""The NLU child process (bot/nlu_process.py) parses every message as the Rasa server itself would."""

from __future__ import annotations

import json
import subprocess
import sys

from bot.settings import REPO_ROOT
from tests.e2e.test_scenarios import load_scenarios

EDGE_CASES = [
    "/greet",  # an intent typed as a payload (RegexMessageHandler)
    "bjr on cherche des sous pr le jumelage avc la pologne",
    "Madame, Monsieur,\n\n" + "Notre comité de jumelage accueille chaque été nos amis de Ratisbonne. " * 20
    + "\n\nCordialement,\nLe président",
    "?",
]


def test_the_nlu_process_parses_as_the_server_itself_and_comes_back_when_killed():
    texts = [turn["user"] for scenario in load_scenarios() for turn in scenario["turns"]] + EDGE_CASES
    done = subprocess.run([sys.executable, "-m", "tests.support.nlu_process_check"], cwd=REPO_ROOT,
                          input=json.dumps(texts), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["compared"] == len(texts) and result["mismatches"] == []
    assert result["restarts"] == 2 and result["same_after_restarts"]  # a killed child is started again
