"""domain.yml agrees with the table of eligibility answers (knowledge.answers.ANSWERS)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from actions.eligibility import FAILURES_SLOT, FORM, STRAND_SLOT
from knowledge.answers import ANSWER_ORDER, ANSWERS

DOMAIN = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text(encoding="utf-8"))
ASKED = [answer for answer in ANSWERS if answer.asked]


@pytest.mark.parametrize("answer", ASKED, ids=lambda answer: answer.name)
def test_each_answer_has_a_slot_of_its_kind_filled_by_the_form(answer):
    slot = DOMAIN["slots"][answer.name]
    assert slot["type"] == answer.slot_type
    assert slot["influence_conversation"] is False
    assert slot["mappings"] == [{"type": "custom"}]  # only validate_eligibility_form sets it


def test_the_form_asks_the_programme_then_every_answer_in_table_order():
    # validate_eligibility_form narrows this list to the answers the programme's rules need.
    assert DOMAIN["forms"][FORM]["required_slots"] == [STRAND_SLOT, *ANSWER_ORDER]
    for slot in (STRAND_SLOT, FAILURES_SLOT):
        assert DOMAIN["slots"][slot]["mappings"] == [{"type": "custom"}]


def test_the_questions_come_from_the_table_only():
    # validate_eligibility_form asks each question; an ask action or response in the domain would
    # make Rasa ask a second time.
    asks = [f"{prefix}{form}{slot}" for slot in (STRAND_SLOT, *ANSWER_ORDER)
            for prefix in ("action_ask_", "utter_ask_") for form in ("", f"{FORM}_")]
    assert "validate_eligibility_form" in DOMAIN["actions"]
    assert [name for name in asks if name in DOMAIN["actions"] or name in DOMAIN["responses"]] == []
    assert all(answer.question.endswith("?") and answer.label for answer in ASKED)
    assert all(answer.hint for answer in ASKED)
