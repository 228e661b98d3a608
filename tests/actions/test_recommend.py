"""action_recommend_programme: the right programme first, with figures, example, contact and source."""

from __future__ import annotations

import re
from datetime import date

import pytest

from actions.recommend import ActionHandleLowConfidence, ActionRecommendProgramme
from tests.answers import (
    contacts_in_order,
    gives_source,
    programme_of,
    programmes_in_order,
)


def slot_events(events):
    return {event["name"]: event["value"] for event in events if event["event"] == "slot"}


@pytest.mark.parametrize(
    "intent, entities, expected_strand, expected_contact",
    [
        ("ask_funding_twinning", [], "cerv_town_twinning", "cidem"),
        ("ask_funding_twinning", [{"entity": "country", "value": "PL"}], "cerv_town_twinning", "cidem"),
        ("ask_funding_network_of_towns", [], "cerv_networks_of_towns", "cidem"),
        ("ask_funding_youth_exchange", [{"entity": "country", "value": "IT"}], "erasmus_youth_exchanges", None),
        ("ask_funding_youth_exchange", [{"entity": "country", "value": "DE"}], "ofaj_youth_meetings", "ofaj"),
        ("ask_funding_education_training", [{"entity": "audience", "value": "seniors"}], "erasmus_adult_education_mobility", None),
        ("ask_funding_climate_cities", [], "horizon_twin_cities", None),
        ("ask_funding_franco_german", [], "fonds_citoyen_projects", "fonds_citoyen"),
        ("ask_funding_franco_german", [{"entity": "audience", "value": "jeunes"}], "ofaj_youth_meetings", "ofaj"),
        ("inform", [{"entity": "theme", "value": "climat"}], "horizon_twin_cities", None),
    ],
)
async def test_recommends_the_fitting_programme_first(
    make_tracker, dispatcher, clock, intent, entities, expected_strand, expected_contact
):
    events = await ActionRecommendProgramme().run(dispatcher, make_tracker(intent, entities=entities), {})

    text = dispatcher.messages[0]["text"]
    assert programmes_in_order(text)[0] == programme_of(expected_strand)
    assert slot_events(events)["recommended_programme"] == expected_strand
    assert slot_events(events)["programme"] == expected_strand
    # A recommendation always carries an example, a contact point and a source with its date.
    assert re.search(r"^Exemple( \(.+\))? : ", text, re.MULTILINE)
    assert "Contact :" in text
    assert gives_source(text)
    if expected_contact:
        assert expected_contact in contacts_in_order(text.split("Contact :", 1)[1])


@pytest.mark.parametrize("country", ["PL", "IT", "ES", "GB", "UA", "RO"])
@pytest.mark.parametrize("intent", ["ask_funding_youth_exchange", "ask_funding_twinning", "ask_funding_franco_german"])
async def test_never_offers_german_schemes_for_another_country(make_tracker, dispatcher, clock, intent, country):
    tracker = make_tracker(intent, entities=[{"entity": "country", "value": country}])

    await ActionRecommendProgramme().run(dispatcher, tracker, {})

    text = dispatcher.messages[0]["text"]
    assert programmes_in_order(text)[0] not in {"ofaj", "fonds_citoyen"}


async def test_vague_request_gets_one_question_with_quick_replies(make_tracker, dispatcher):
    events = await ActionRecommendProgramme().run(dispatcher, make_tracker("ask_funding"), {})

    message = dispatcher.messages[0]
    assert "?" in message["text"]
    assert programmes_in_order(message["text"]) == []
    payloads = [button["payload"] for button in message["buttons"]]
    assert "/ask_funding_youth_exchange" in payloads and "/ask_funding_twinning" in payloads
    assert events == []


async def test_follow_up_country_reranks_with_the_kept_need(make_tracker, dispatcher, clock):
    # "et pour l'Allemagne ?" after a youth exchange recommendation for Italy.
    tracker = make_tracker(
        "inform",
        slots={"need": "youth_exchange", "country": "IT", "recommended_programme": "erasmus_youth_exchanges"},
        entities=[{"entity": "country", "value": "DE"}],
    )

    events = await ActionRecommendProgramme().run(dispatcher, tracker, {})

    assert slot_events(events)["recommended_programme"] == "ofaj_youth_meetings"
    assert slot_events(events)["need"] == "youth_exchange"


async def test_a_new_kind_of_project_keeps_the_profile_but_follows_the_new_need(make_tracker, dispatcher, clock):
    tracker = make_tracker(
        "ask_funding_climate_cities",
        slots={"need": "youth_exchange", "audience": "jeunes", "country": "DE"},
    )

    events = await ActionRecommendProgramme().run(dispatcher, tracker, {})

    assert slot_events(events)["recommended_programme"] == "horizon_twin_cities"
    assert slot_events(events)["need"] == "climate_cities"


async def test_several_partner_countries_at_once_mean_a_network_of_towns(make_tracker, dispatcher, clock):
    countries = [{"entity": "country", "value": code} for code in ("RO", "BG", "GR")]

    events = await ActionRecommendProgramme().run(dispatcher, make_tracker("ask_funding", entities=countries), {})

    assert slot_events(events)["recommended_programme"] == "cerv_networks_of_towns"


@pytest.mark.parametrize("intent", ["ask_funding_climate_cities", "ask_funding", "out_of_scope"])
async def test_a_national_scheme_is_out_of_scope_and_names_no_programme(make_tracker, dispatcher, intent):
    # "le fonds vert peut financer notre éclairage public ?"
    tracker = make_tracker(intent, entities=[{"entity": "national_scheme", "value": "fonds_vert"}])

    events = await ActionRecommendProgramme().run(dispatcher, tracker, {})

    text = dispatcher.messages[0]["text"]
    assert text.startswith("Le Fonds vert est un dispositif national")
    assert programmes_in_order(text) == []
    assert events == []


@pytest.mark.parametrize(
    "today, expected",
    [
        (date(2026, 9, 1), "23 septembre 2026"),
        (date(2026, 11, 26), "clos depuis le 23 septembre 2026"),
    ],
)
async def test_deadline_in_the_recommendation_depends_on_today(make_tracker, dispatcher, clock, today, expected):
    clock(today)

    await ActionRecommendProgramme().run(dispatcher, make_tracker("ask_funding_twinning"), {})

    assert expected in dispatcher.messages[0]["text"]


async def test_an_unsure_message_that_describes_a_project_still_gets_a_recommendation(make_tracker, dispatcher, clock):
    tracker = make_tracker(
        "nlu_fallback",
        entities=[{"entity": "audience", "value": "jeunes"}, {"entity": "country", "value": "LT"}],
    )
    tracker.latest_message["intent_ranking"] = [
        {"name": "nlu_fallback", "confidence": 0.35},
        {"name": "ask_funding_youth_exchange", "confidence": 0.3},
        {"name": "ask_human", "confidence": 0.2},
    ]

    events = await ActionHandleLowConfidence().run(dispatcher, tracker, {})

    assert slot_events(events)["recommended_programme"] == "erasmus_youth_exchanges"


@pytest.mark.parametrize(
    "ranking, entities",
    [
        ([{"name": "nlu_fallback"}, {"name": "ask_funding"}], []),  # gibberish: no project detail
        ([{"name": "nlu_fallback"}, {"name": "out_of_scope"}], [{"entity": "country", "value": "DE"}]),
    ],
)
async def test_an_unsure_message_otherwise_gets_the_rephrase_answer(make_tracker, dispatcher, ranking, entities):
    tracker = make_tracker("nlu_fallback", entities=entities)
    tracker.latest_message["intent_ranking"] = ranking

    events = await ActionHandleLowConfidence().run(dispatcher, tracker, {})

    assert [message["response"] for message in dispatcher.messages] == ["utter_default"]
    assert events == []


async def test_a_message_in_english_gets_a_french_answer_that_says_so_in_english(make_tracker, dispatcher, clock):
    tracker = make_tracker("ask_funding_youth_exchange", entities=[{"entity": "country", "value": "DE"}])
    tracker.latest_message["language"] = "en"

    await ActionRecommendProgramme().run(dispatcher, tracker, {})

    notice, answer = dispatcher.messages[0]["text"], dispatcher.messages[1]["text"]
    assert notice.startswith("Je réponds en français.") and "works in French" in notice and "OFAJ" in notice
    assert answer.startswith("Le programme le plus adapté")


async def test_who_travels_decides_not_who_writes(make_tracker, dispatcher, clock):
    # "Prof d'allemand, échange de 25 élèves avec le gymnasium de notre ville jumelle allemande."
    tracker = make_tracker("ask_funding_franco_german", entities=[
        {"entity": "audience", "value": "enseignants"}, {"entity": "audience", "value": "scolaires"},
        {"entity": "country", "value": "DE"}])

    events = await ActionRecommendProgramme().run(dispatcher, tracker, {})

    assert slot_events(events)["recommended_programme"] == "ofaj_youth_meetings"


async def test_a_slow_knowledge_query_does_not_hold_up_other_conversations(make_tracker):
    import asyncio
    import time

    from rasa_sdk.executor import CollectingDispatcher

    from actions.common import KnowledgeAction

    class Answer(KnowledgeAction):
        def __init__(self, seconds):
            self.seconds = seconds

        def name(self):
            return "action_test_answer"

        def answer(self, dispatcher, tracker, domain):
            time.sleep(self.seconds)  # a database that hangs, as a blocking driver does
            dispatcher.utter_message(text="ok")
            return []

    async def timed(action):
        started = time.monotonic()
        await action.run(CollectingDispatcher(), make_tracker("ask_funding"), {})
        return time.monotonic() - started

    slow, fast = await asyncio.gather(timed(Answer(1.5)), timed(Answer(0)))

    assert slow >= 1.5 and fast < 0.5


def test_a_cross_border_festival_is_a_cross_border_project_first():
    from actions.common import project_profile

    message = {"text": "une fête transfrontalière avec le village d'en face", "entities": [
        {"entity": "activity", "value": "festival"}, {"entity": "activity", "value": "transfrontalier"}]}
    assert project_profile(message, {}, None).activity == "transfrontalier"


def test_the_same_project_elsewhere_keeps_its_kind_and_public():
    """"Exactement pareil avec nos jumeaux italiens, l'OFAJ marcherait aussi ?" after a youth exchange with Germany."""
    from datetime import date

    from actions.recommend import recommendation_reply

    message = {"text": "Et si on faisait exactement pareil avec nos jumeaux italiens ?",
               "entities": [{"entity": "country", "value": "IT"}]}
    slots = {"need": "youth_exchange", "audience": "jeunes", "country": "DE", "recommended_programme": "ofaj_youth_meetings"}
    reply = recommendation_reply(message, slots, "ask_funding_twinning", date(2026, 11, 30))
    assert reply.strand_id == "erasmus_youth_exchanges"


def test_a_franco_german_reading_keeps_the_public_of_the_project():
    from datetime import date

    from actions.recommend import recommendation_reply

    message = {"text": "Nos jumelles sont en Allemagne et en Pologne, on voudrait une rencontre à trois.",
               "entities": [{"entity": "country", "value": "DE"}, {"entity": "country", "value": "PL"},
                            {"entity": "activity", "value": "rencontre"}]}
    slots = {"need": "youth_exchange", "audience": "jeunes"}
    reply = recommendation_reply(message, slots, "ask_funding_franco_german", date(2026, 11, 30))
    assert reply.strand_id in ("ofaj_youth_meetings", "erasmus_youth_exchanges")


def test_partners_beyond_germany_rank_for_the_other_partner():
    """"Fête à trois avec Speyer et Ravenne" read as Franco-German: a twinning with Italy and Germany."""
    from datetime import date

    from actions.recommend import recommendation_reply

    message = {"text": "Fête à trois pour nos jumelages avec Speyer et Ravenne, quel financement ?",
               "entities": [{"entity": "country", "value": "DE"}, {"entity": "country", "value": "IT"},
                            {"entity": "audience", "value": "citoyens"}, {"entity": "activity", "value": "festival"}]}
    reply = recommendation_reply(message, {}, "ask_funding_franco_german", date(2026, 11, 30))
    assert reply.strand_id == "cerv_town_twinning"


def test_a_partner_added_to_two_makes_a_network_and_another_country_alone_does_not():
    from datetime import date

    from actions.recommend import recommendation_reply

    slots = {"need": "twinning_meeting", "audience": "citoyens", "country": "PT",
             "recommended_programme": "cerv_town_twinning", "partner_countries": ["PT", "BE"]}
    added = {"text": "Et si on y associait en plus nos amis hongrois ?", "entities": [{"entity": "country", "value": "HU"}]}
    assert recommendation_reply(added, slots, "inform", date(2026, 11, 30)).strand_id == "cerv_networks_of_towns"
    instead = {"text": "Et pour nos amis hongrois ?", "entities": [{"entity": "country", "value": "HU"}]}
    assert recommendation_reply(instead, slots, "inform", date(2026, 11, 30)).strand_id == "cerv_town_twinning"


def test_young_peoples_project_at_home_gets_no_exchange_as_an_alternative():
    from datetime import date

    from actions.recommend import recommendation_reply
    from tests.answers import programmes_in_order

    message = {"text": "des jeunes de 20 ans veulent ouvrir une friperie solidaire dans leur quartier, une aide ?",
               "entities": [{"entity": "audience", "value": "jeunes"}, {"entity": "theme", "value": "solidarite"}],
               "home_project": True}
    reply = recommendation_reply(message, {}, "ask_funding_youth_exchange", date(2026, 11, 30))
    assert reply.strand_id == "esc_solidarity_projects"
    assert programmes_in_order(reply.text) == ["european_solidarity_corps"]


def test_building_a_course_together_is_a_partnership_and_going_to_learn_a_mobility():
    from datetime import date

    from actions.recommend import recommendation_reply

    together = {"text": "Nos retraités et le club de Tarragone veulent co-construire un atelier mémoire en ligne",
                "entities": [{"entity": "audience", "value": "seniors"}, {"entity": "country", "value": "ES"},
                             {"entity": "activity", "value": "cocreation"}]}
    reply = recommendation_reply(together, {}, "ask_funding_education_training", date(2026, 11, 30))
    assert reply.strand_id == "erasmus_small_scale_partnerships"
    going = {"text": "Nos bénévoles adultes iraient suivre une formation d'animateur à Tarragone",
             "entities": [{"entity": "audience", "value": "adultes"}, {"entity": "country", "value": "ES"},
                          {"entity": "activity", "value": "formation"}]}
    assert recommendation_reply(going, {}, "ask_funding_education_training",
                                date(2026, 11, 30)).strand_id == "erasmus_adult_education_mobility"


async def test_a_comparison_for_a_described_project_puts_the_fitting_one_first_with_contact_and_example(
        make_tracker, dispatcher):
    """"Pour nos collégiens et leurs correspondants de Brême : OFAJ ou Fonds citoyen ?"."""
    from actions.compare import ActionComparePrograms
    from tests.answers import programmes_in_order

    tracker = make_tracker("compare_programmes", entities=[
        {"entity": "programme", "value": "fonds_citoyen"}, {"entity": "programme", "value": "ofaj"},
        {"entity": "audience", "value": "jeunes"}, {"entity": "country", "value": "DE"}],
        text="Pour nos jeunes et leurs correspondants de Brême : Fonds citoyen ou OFAJ ?")
    await ActionComparePrograms().run(dispatcher, tracker, {})

    text = dispatcher.messages[0]["text"]
    assert programmes_in_order(text)[0] == "ofaj"
    assert "Contact" in text and "Exemple" in text


def test_a_new_project_of_the_same_people_keeps_them():
    """After a youth exchange: "et s'ils préparaient eux-mêmes des propositions sur la démocratie locale ?"."""
    from datetime import date

    from actions.recommend import recommendation_reply

    message = {"text": "et s'ils préparaient eux-mêmes des propositions sur la démocratie locale pour le conseil ?",
               "entities": [{"entity": "theme", "value": "democratie"}]}
    slots = {"need": "youth_exchange", "audience": "jeunes", "country": "SE", "recommended_programme": "erasmus_youth_exchanges"}
    reply = recommendation_reply(message, slots, "ask_funding_twinning", date(2026, 11, 30))
    assert reply.strand_id == "erasmus_youth_participation"


def test_a_three_year_project_with_two_partner_countries_is_no_small_partnership():
    """"Avec Kranj et Zadar, un module commun pour nos agents, sur trois ans"."""
    from datetime import date

    from actions.recommend import recommendation_reply

    message = {"text": "Avec Kranj et Zadar, on voudrait élaborer ensemble un module commun pour nos agents, sur trois ans",
               "entities": [{"entity": "country", "value": "SI"}, {"entity": "country", "value": "HR"},
                            {"entity": "audience", "value": "agents"}, {"entity": "activity", "value": "cocreation"}]}
    reply = recommendation_reply(message, {}, "ask_funding_education_training", date(2026, 11, 30))
    assert reply.strand_id == "erasmus_cooperation_partnerships"
    assert "petite envergure" not in reply.text


def test_a_fitting_programme_asked_about_gets_no_other_programme_beside_it():
    """"Le Fonds citoyen, ils financent quoi pour notre fête avec Landau ?"."""
    from datetime import date

    from actions.recommend import recommendation_reply
    from tests.answers import programmes_in_order

    message = {"text": "Le Fonds citoyen, ils financent quoi pour notre fête d'habitants avec Landau ?",
               "entities": [{"entity": "programme", "value": "fonds_citoyen"}, {"entity": "country", "value": "DE"},
                            {"entity": "audience", "value": "citoyens"}, {"entity": "activity", "value": "festival"}]}
    reply = recommendation_reply(message, {}, "ask_funding_franco_german", date(2026, 11, 30))
    assert programmes_in_order(reply.text)[0] == "fonds_citoyen" and "Autres pistes" not in reply.text
