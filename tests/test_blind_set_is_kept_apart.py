"""The blind end-to-end set is never trained on: no training example repeats one of its messages.

Short formulas ("merci", "date limite ?") occur in any chat and in both sets; from four words on, a
repeat is dropped from the training data (the few that pre-dated the blind set were removed).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import yaml

from tests.e2e.test_blind_conversations import load_conversations

TRAINING = Path(__file__).resolve().parents[1] / "bot" / "data" / "nlu"
ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")
MIN_WORDS = 4


def _key(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def _training_examples():
    for path in TRAINING.glob("*.yml"):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            for line in (item.get("examples") or "").splitlines():
                if line.strip().startswith("- "):
                    yield path.name, ANNOTATION.sub(r"\1", line.strip()[2:])


def test_no_training_example_repeats_a_blind_message():
    blind = {_key(turn["user"]) for conversation in load_conversations() for turn in conversation["turns"]}
    repeats = [(name, text) for name, text in _training_examples()
               if len(_key(text).split()) >= MIN_WORDS and _key(text) in blind]
    assert not repeats, repeats
