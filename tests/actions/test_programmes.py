"""action_answer_programme_question: amounts, deadlines, eligibility, how to apply, for the programme in context."""

from __future__ import annotations

from datetime import date

import pytest

from actions.programmes import ActionAnswerProgrammeQuestion
from tests.answers import gives_source, programmes_in_order


@pytest.mark.parametrize(
    "intent, programme, expected",
    [
        ("ask_programme_amount", "cerv", "8 455 €"),
        ("ask_programme_amount", "cerv_town_twinning", "50 745 €"),
        ("ask_programme_eligibility", "cerv", "comité de jumelage"),
        ("ask_programme_how_to_apply", "cerv", "Funding & Tenders"),
        ("ask_programme_info", "fonds_citoyen", "Fonds citoyen"),
        ("ask_programme_info", "erasmus_plus", "Erasmus+"),
        ("ask_programme_info", "horizon_cities_mission", "NetZeroCities"),
    ],
)
async def test_answers_about_the_named_programme(make_tracker, dispatcher, clock, intent, programme, expected):
    tracker = make_tracker(intent, entities=[{"entity": "programme", "value": programme}])

    events = await ActionAnswerProgrammeQuestion().run(dispatcher, tracker, {})

    text = dispatcher.messages[0]["text"]
    assert expected in text
    assert gives_source(text)
    assert events[0]["name"] == "programme"


async def test_follow_up_question_uses_the_programme_in_context(make_tracker, dispatcher, clock):
    # "c'est combien ?" right after a CERV recommendation: no programme named in the message.
    tracker = make_tracker("ask_programme_amount", slots={"programme": "cerv_town_twinning"})

    await ActionAnswerProgrammeQuestion().run(dispatcher, tracker, {})

    assert programmes_in_order(dispatcher.messages[0]["text"])[0] == "cerv"


@pytest.mark.parametrize(
    "today, expected, not_expected",
    [
        (date(2026, 3, 1), "16 avril 2026", "clos"),  # networks of towns 2026, still open
        (date(2026, 4, 16), "aujourd'hui", "clos"),
        (date(2026, 4, 17), "clos depuis le 16 avril 2026", "Prochaine date limite"),
    ],
)
async def test_deadline_is_computed_from_today(make_tracker, dispatcher, clock, today, expected, not_expected):
    clock(today)
    tracker = make_tracker("ask_programme_deadline", slots={"programme": "cerv_networks_of_towns"})

    await ActionAnswerProgrammeQuestion().run(dispatcher, tracker, {})

    text = dispatcher.messages[0]["text"]
    assert expected in text
    assert not_expected not in text


async def test_days_left_are_counted(make_tracker, dispatcher, clock):
    clock(date(2026, 9, 13))
    tracker = make_tracker("ask_programme_deadline", slots={"programme": "cerv_town_twinning"})

    await ActionAnswerProgrammeQuestion().run(dispatcher, tracker, {})

    assert "dans 10 jours" in dispatcher.messages[0]["text"]


@pytest.mark.parametrize("programme", ["ofaj", "fonds_citoyen"])
async def test_warns_when_a_german_scheme_is_asked_for_another_country(make_tracker, dispatcher, clock, programme):
    tracker = make_tracker("ask_programme_eligibility", slots={"country": "PL"}, entities=[{"entity": "programme", "value": programme}])

    await ActionAnswerProgrammeQuestion().run(dispatcher, tracker, {})

    # What fits the Polish partner comes first, then why the German scheme does not.
    fitting, warning = dispatcher.messages[0]["text"], dispatcher.messages[1]["text"]
    assert fitting.startswith("Le programme le plus adapté à votre projet : CERV")
    assert "ne convient pas" in warning and "Allemagne" in warning and "Pologne" in warning


async def test_unknown_programme_gets_quick_replies_that_repeat_the_question(make_tracker, dispatcher):
    await ActionAnswerProgrammeQuestion().run(dispatcher, make_tracker("ask_programme_deadline"), {})

    buttons = dispatcher.messages[0]["buttons"]
    assert buttons[0]["payload"] == '/ask_programme_deadline{"programme": "cerv_town_twinning"}'


async def test_an_unsure_programme_question_out_of_any_context_is_not_answered_with_programmes(
    make_tracker, dispatcher
):
    # "combien coûte un billet de train Paris-Berlin ?" guessed as ask_programme_amount at 0.5.
    tracker = make_tracker("ask_programme_amount")
    tracker.latest_message["intent"]["confidence"] = 0.5

    await ActionAnswerProgrammeQuestion().run(dispatcher, tracker, {})

    assert [message["response"] for message in dispatcher.messages] == ["utter_default"]


@pytest.mark.parametrize(
    "entities, expected",
    [
        ([{"entity": "activity", "value": "reseau"}], "CERV – Réseaux de villes"),
        ([{"entity": "theme", "value": "climat"}], "Mission Villes"),
    ],
)
async def test_a_programme_described_but_not_named_is_understood(make_tracker, dispatcher, clock, entities, expected):
    # "Les Réseaux de villes, c'est combien ?" while the context was about another programme.
    tracker = make_tracker("ask_programme_amount", slots={"programme": "cerv_town_twinning"}, entities=entities)

    await ActionAnswerProgrammeQuestion().run(dispatcher, tracker, {})

    assert dispatcher.messages[0]["text"].startswith(expected)


async def test_a_programme_question_after_a_project_without_programme_answers_for_that_project(
        make_tracker, dispatcher, clock):
    # "Le montant ?" after "rencontre d'habitants avec notre ville jumelle polonaise" got a contact.
    tracker = make_tracker("ask_programme_amount", slots={"country": "PL", "audience": "citoyens"})

    await ActionAnswerProgrammeQuestion().run(dispatcher, tracker, {})

    assert dispatcher.messages[0]["text"].startswith("CERV – Jumelage de villes")
