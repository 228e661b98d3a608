"""The NLU's vocabulary (bot/tools/vocabulary.yml) maps its forms onto the knowledge base's values."""

from __future__ import annotations

import importlib.util
from pathlib import Path

GENERATOR = Path(__file__).resolve().parents[1] / "bot" / "tools" / "gen_entities.py"


def _generator():
    spec = importlib.util.spec_from_file_location("gen_entities", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_canonical_value_of_the_nlu_is_one_the_knowledge_base_knows():
    generator = _generator()
    assert generator.canonical_mismatches(generator.load_vocabulary()) == []


def test_a_value_the_knowledge_base_does_not_know_is_refused():
    generator = _generator()
    assert generator.canonical_mismatches({"audience": {"jeunes": [], "martiens": []}, "country": {"XX": []}}) == [
        "audience=martiens", "country=XX"]
