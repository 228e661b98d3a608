"""Contacts, examples, what a twinning is and the figures; and a knowledge base that is down."""

from __future__ import annotations

import pytest

from actions.contacts import ActionGiveContact
from actions.twinning import (
    ActionExplainTwinning,
    ActionGiveExample,
    ActionGiveKeyFigures,
)
from tests.answers import contacts_in_order, gives_source, programmes_in_order


@pytest.mark.parametrize(
    "intent, slots, entities, expected_first",
    [
        ("ask_contact", {"programme": "cerv_town_twinning"}, [], "cidem"),
        ("ask_contact", {"programme": "ofaj_youth_meetings"}, [], "ofaj"),
        ("ask_contact", {"programme": "fonds_citoyen_projects"}, [], "fonds_citoyen"),
        ("ask_contact", {}, [], "afccre"),  # no project yet: the twinning association answers widest
        ("ask_contact", {}, [{"entity": "contact", "value": "afccre"}], "afccre"),
        ("ask_twinning_setup", {}, [], "afccre"),
        ("ask_twinning_setup", {"programme": "cerv_town_twinning"}, [], "afccre"),
        ("ask_europe_direct", {}, [], "europe_direct"),
        ("ask_human", {"programme": "cerv_town_twinning"}, [], "cidem"),
    ],
)
async def test_gives_the_right_contact_first(make_tracker, dispatcher, intent, slots, entities, expected_first):
    await ActionGiveContact().run(dispatcher, make_tracker(intent, slots=slots, entities=entities), {})

    text = dispatcher.messages[0]["text"]
    # The intro may name the contact; the first listed contact is the one to call.
    first_listed = text.split("\n• ", 1)[1]
    assert contacts_in_order(first_listed)[0] == expected_first


async def test_their_address_means_the_organisation_just_given(make_tracker, dispatcher):
    """"Comment créer un jumelage ?" (the AFCCRE first), then "on peut les appeler ?": the AFCCRE's details."""
    events = await ActionGiveContact().run(dispatcher, make_tracker("ask_twinning_setup"), {})
    assert {"event": "slot", "name": "contact", "value": "afccre"} in [
        {k: e.get(k) for k in ("event", "name", "value")} for e in events]
    dispatcher.messages.clear()
    await ActionGiveContact().run(dispatcher, make_tracker("ask_contact", slots={"contact": "afccre"},
                                                           text="ils sont où ? on peut les appeler ?"), {})
    first_listed = dispatcher.messages[0]["text"].split("\n• ", 1)[1]
    assert contacts_in_order(first_listed)[0] == "afccre"


async def test_human_hand_over_says_it_is_a_bot_and_lists_people(make_tracker, dispatcher):
    await ActionGiveContact().run(dispatcher, make_tracker("ask_human"), {})

    text = dispatcher.messages[0]["text"]
    assert "assistant automatique" in text
    assert text.count("\n• ") >= 2


@pytest.mark.parametrize(
    "slots, expected",
    [
        ({}, "St-Yrieix"),
        ({"programme": "cerv_town_twinning"}, "8 455 €"),
        ({"programme": "fonds_citoyen_projects"}, "Mirecourt"),
        ({"programme": "erasmus_youth_exchanges"}, "Coëvrons"),
        ({"programme": "horizon_twin_cities"}, "Courcy"),
    ],
)
async def test_gives_a_real_sourced_example(make_tracker, dispatcher, slots, expected):
    await ActionGiveExample().run(dispatcher, make_tracker("ask_example", slots=slots), {})

    text = dispatcher.messages[0]["text"]
    assert expected in text
    assert gives_source(text)


async def test_explains_twinning_with_its_source(make_tracker, dispatcher):
    await ActionExplainTwinning().run(dispatcher, make_tracker("ask_what_is_twinning"), {})

    text = dispatcher.messages[0]["text"]
    assert "jumelage" in text.lower() and gives_source(text)
    assert programmes_in_order(text) == []


async def test_key_figures_give_the_national_count(make_tracker, dispatcher):
    await ActionGiveKeyFigures().run(dispatcher, make_tracker("ask_twinning_figures"), {})

    assert "4 500" in dispatcher.messages[0]["text"]


@pytest.mark.parametrize(
    "action, intent",
    [
        (ActionGiveContact(), "ask_contact"),
        (ActionGiveExample(), "ask_example"),
        (ActionGiveKeyFigures(), "ask_twinning_figures"),
    ],
)
async def test_knowledge_base_down_gets_an_apology_and_a_human_contact(
    make_tracker, dispatcher, monkeypatch, tmp_path, action, intent
):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/missing-dir/knowledge.sqlite3")

    events = await action.run(dispatcher, make_tracker(intent), {})

    text = dispatcher.messages[0]["text"]
    assert text.startswith("Désolé")
    assert "Europe Direct" in text
    assert events == []


def test_a_question_about_one_figure_gets_that_figure():
    from actions.twinning import figures_asked
    from knowledge.views import FactView

    facts = [FactView.construct(id=i, topic="key_figure", text=t, note=None, verified=True, sources=()) for i, t in (
        ("towns", "Près de 4 500 collectivités françaises sont jumelées."),
        ("mission", "9 collectivités françaises font partie de la Mission « 100 villes climatiquement neutres »."),
    )]
    assert [f.id for f in figures_asked("combien de villes dans la mission climat ?", facts)] == ["mission"]
    assert [f.id for f in figures_asked("des chiffres sur les jumelages ?", facts)] == ["towns", "mission"]


async def test_a_contact_question_about_something_else_is_out_of_scope(make_tracker, dispatcher):
    from actions.contacts import ActionGiveContact

    tracker = make_tracker("ask_contact", text="Qui contacter pour renouveler une concession au cimetière communal ?")
    await ActionGiveContact().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["response"] == "utter_out_of_scope"


async def test_figures_about_a_named_programme_name_it_first_and_no_other(make_tracker, dispatcher):
    """"Beaucoup de communes demandent le CERV ?": no such figure here, said so; no other programme's figure."""
    tracker = make_tracker("ask_twinning_figures", entities=[{"entity": "programme", "value": "cerv"}],
                           text="Est-ce que beaucoup de communes demandent le CERV ?")
    await ActionGiveKeyFigures().run(dispatcher, tracker, {})
    text = dispatcher.messages[0]["text"]
    assert programmes_in_order(text) == ["cerv"]
    assert "pas de chiffre" in text


async def test_a_question_on_the_money_for_twinnings_is_about_the_twinning_scheme(make_tracker, dispatcher):
    from actions.programmes import ActionAnswerProgrammeQuestion

    tracker = make_tracker("ask_programme_amount", text="L'Europe met combien dans les projets de jumelage ?")
    await ActionAnswerProgrammeQuestion().run(dispatcher, tracker, {})
    assert programmes_in_order(dispatcher.messages[0]["text"])[0] == "cerv"


async def test_a_programme_named_in_a_youth_conversation_gives_that_strands_agency(make_tracker, dispatcher):
    """"Et pour Erasmus+, on s'adresse à qui ?" after a youth exchange: the youth agency, not the schools' one."""
    slots = {"need": "youth_exchange", "audience": "jeunes", "country": "IT"}
    tracker = make_tracker("ask_contact", slots=slots, entities=[{"entity": "programme", "value": "erasmus_plus"}],
                           text="Et pour Erasmus+, on s'adresse à qui ?")
    await ActionGiveContact().run(dispatcher, tracker, {})

    first_listed = dispatcher.messages[0]["text"].split("\n• ", 1)[1]
    assert contacts_in_order(first_listed)[0] == "agence_erasmus_jeunesse_sport"


async def test_reviving_a_twinning_gets_the_people_to_ask_and_an_example(make_tracker, dispatcher):
    """"Notre jumelage avec une commune autrichienne est en sommeil, comment le réveiller ?"."""
    tracker = make_tracker("ask_twinning_setup", entities=[{"entity": "country", "value": "AT"}],
                           text="Notre jumelage avec une commune autrichienne est en sommeil, comment le réveiller ?")
    await ActionGiveContact().run(dispatcher, tracker, {})

    text = dispatcher.messages[0]["text"]
    assert contacts_in_order(text.split("\n• ", 1)[1])[0] == "afccre"
    assert "Exemple" in text


async def test_an_example_of_a_network_with_a_named_programme_is_a_network(make_tracker, dispatcher):
    """"Une commune a déjà fait un réseau de villes avec le CERV ?": the networks strand's examples."""
    tracker = make_tracker("ask_example", entities=[{"entity": "programme", "value": "cerv"},
                                                    {"entity": "activity", "value": "reseau"}],
                           text="Une commune a déjà fait un réseau de villes avec le CERV ?")
    await ActionGiveExample().run(dispatcher, tracker, {})

    assert "Réseaux de villes" in dispatcher.messages[0]["text"].split("\n", 1)[0]
