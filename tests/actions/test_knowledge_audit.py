"""What the audit of 29 November 2026 changed for users: closed calls, examples, nearby centres."""

from __future__ import annotations

import re
from datetime import date

import pytest

from actions import formatting
from actions.locator import ActionFindEuropeDirect
from actions.programmes import ActionAnswerProgrammeQuestion
from actions.recommend import ActionRecommendProgramme
from actions.twinning import ActionGiveExample
from knowledge import api

AUDIT_DAY = date(2026, 11, 30)  # every dated call is past; no 2027 date is published
IN_TOWN_TWINNING_WINDOW = date(2026, 6, 15)  # CERV town twinning 2026 open until 23 September


async def _deadline_answer(make_tracker, dispatcher, programme: str, slots: dict = None) -> str:
    tracker = make_tracker("ask_programme_deadline", slots={"programme": programme, **(slots or {})})
    await ActionAnswerProgrammeQuestion().run(dispatcher, tracker, {})
    return dispatcher.messages[0]["text"]


async def test_all_calls_past_says_so_once_gives_the_usual_window_and_what_to_do_now(make_tracker, dispatcher, clock):
    clock(AUDIT_DAY)
    # A twinning with a German town: the Franco-German schemes open all year fit it.
    text = await _deadline_answer(make_tracker, dispatcher, "cerv_town_twinning", {"country": "DE"})

    lines = text.split("\n")
    closed = [line for line in lines if "clos" in line]
    assert closed == ["Date limite : l'appel 2026 est clos depuis le 23 septembre 2026 ; le prochain n'est pas encore publié."]
    window = next(line for line in lines if line.startswith("Calendrier habituel :"))
    assert "mi-septembre" in window
    meanwhile = next(line for line in lines if line.startswith("En attendant :"))
    assert "préparez dès maintenant le projet" in meanwhile and "CIDEM" in meanwhile
    assert "Fonds citoyen franco-allemand" in meanwhile
    assert "2027" not in text and "Prochaine date limite" not in text


async def test_without_a_project_no_other_scheme_is_named_while_waiting(make_tracker, dispatcher, clock):
    clock(AUDIT_DAY)
    text = await _deadline_answer(make_tracker, dispatcher, "cerv_town_twinning")

    meanwhile = next(line for line in text.split("\n") if line.startswith("En attendant :"))
    assert "CIDEM" in meanwhile and "Fonds citoyen" not in meanwhile and "OFAJ" not in meanwhile


async def test_in_the_middle_of_a_window_the_deadline_and_days_left_are_given(make_tracker, dispatcher, clock):
    clock(IN_TOWN_TWINNING_WINDOW)
    text = await _deadline_answer(make_tracker, dispatcher, "cerv_town_twinning")

    assert "Date limite : 23 septembre 2026 à 17 h" in text and "dans 100 jours" in text
    assert "clos" not in text and "En attendant" not in text and "Calendrier habituel" not in text


async def test_the_german_schemes_are_not_offered_for_a_polish_partner(make_tracker, dispatcher, clock):
    clock(AUDIT_DAY)
    text = await _deadline_answer(make_tracker, dispatcher, "cerv_town_twinning", {"country": "PL"})

    meanwhile = next(line for line in text.split("\n") if line.startswith("En attendant :"))
    assert "CIDEM" in meanwhile
    assert "Fonds citoyen" not in meanwhile and "OFAJ" not in meanwhile


async def test_an_unverified_last_call_is_said_to_be_so(make_tracker, dispatcher, clock):
    clock(AUDIT_DAY)
    text = await _deadline_answer(make_tracker, dispatcher, "erasmus_youth_exchanges")

    assert "clos depuis le 1er octobre 2026 ; le prochain n'est pas encore publié" in text
    assert re.search(r"^À confirmer : .*la date limite", text, re.MULTILINE)


@pytest.mark.parametrize("programme", ["ofaj_youth_meetings", "fonds_citoyen_projects"])
async def test_schemes_without_fixed_calls_are_never_said_closed(make_tracker, dispatcher, clock, programme):
    clock(AUDIT_DAY)
    text = await _deadline_answer(make_tracker, dispatcher, programme)

    assert "clos" not in text and "En attendant" not in text


async def test_the_recommendation_on_the_audit_day_offers_what_can_be_done_now(make_tracker, dispatcher, clock):
    clock(AUDIT_DAY)
    await ActionRecommendProgramme().run(dispatcher, make_tracker("ask_funding_twinning"), {})

    text = dispatcher.messages[0]["text"]
    assert "clos depuis le 23 septembre 2026 ; le prochain n'est pas encore publié" in text
    assert "En attendant : préparez dès maintenant le projet" in text


# ------------------------------------------------------------------------------ examples


def test_at_least_fifteen_sourced_examples_and_one_for_every_programme(knowledge_db):
    strands = api.list_strands()
    examples = [e for p in dict.fromkeys(s.programme_id for s in strands) for e in api.examples_for(p)]
    assert len(examples) >= 15
    assert all(e.sources and e.sources[0].url.startswith("http") for e in examples)
    # Every programme can come first (Interreg for a project across the border): each has an example.
    assert {s.programme_id for s in strands} <= {e.programme_id for e in examples}


@pytest.mark.parametrize("commune", ["Dissay", "Isle", "Montreuil-Juigné", "Tulle"])
def test_grants_of_the_predecessor_programme_are_labelled(knowledge_db, commune):
    example = next(e for e in api.examples_for("cerv_town_twinning") if e.commune.startswith(commune))

    assert "« L'Europe pour les citoyens », le programme que le CERV a remplacé" in formatting.example_text(example)


async def test_mirecourt_received_the_beuel_delegation(make_tracker, dispatcher):
    await ActionGiveExample().run(dispatcher, make_tracker("ask_example", slots={"programme": "fonds_citoyen_projects"}), {})

    text = dispatcher.messages[0]["text"]
    assert "Mirecourt a accueilli" in text and "habitants de Beuel" in text


# --------------------------------------------------------------------------- Europe Direct


@pytest.mark.parametrize(
    "text, expected",
    [
        ("je suis à Nantes", "EUROPE DIRECT Nantes"),
        ("31000", "EUROPE DIRECT Toulouse Occitanie"),
        ("on est à Nice", "Centre EUROPE DIRECT Nice Côte d'Azur"),
        ("Ajaccio", "Centre EUROPE DIRECT Corsica"),
    ],
)
async def test_the_locator_names_a_centre_for_the_new_towns(make_tracker, dispatcher, text, expected):
    await ActionFindEuropeDirect().run(dispatcher, make_tracker("inform_location", text=text), {})

    answer = dispatcher.messages[0]["text"]
    assert expected in answer
    assert "https://european-union.europa.eu/contact-eu/meet-us_fr?country=FR" in answer


@pytest.mark.parametrize(
    "text, old_centre",
    [("Le Mans", "Le Mans-Sarthe"), ("Strasbourg", "CIIE"), ("Rennes", "Rennes"), ("Auch", "Auch")],
)
async def test_a_centre_known_only_before_2021_is_never_given_as_current(make_tracker, dispatcher, text, old_centre):
    await ActionFindEuropeDirect().run(dispatcher, make_tracker("inform_location", text=text), {})

    answer = dispatcher.messages[0]["text"]
    centres = [line for line in answer.split("\n") if line.startswith("• ")]
    assert not any(old_centre in line for line in centres)
    assert "https://european-union.europa.eu/contact-eu/meet-us_fr?country=FR" in answer
