"""Europe Direct locator, comparisons, hand-over to a person, and the eligibility check."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from actions.answer import raw_urls
from actions.compare import ActionComparePrograms
from actions.contacts import ActionGiveContact
from actions.eligibility import (
    ActionCheckEligibility,
    ValidateEligibilityForm,
    extract_answers,
)
from actions.locator import ActionFindEuropeDirect
from tests.answers import programmes_in_order


def slots_of(events):
    return {event["name"]: event["value"] for event in events if event["event"] == "slot"}


@pytest.mark.parametrize(
    "text, expected_departement, expected_in_answer",
    [
        ("je suis à Brive", "19", "EUROPE DIRECT Limousin"),
        ("19100", "19", "EUROPE DIRECT Limousin"),
        ("on est en Corrèze", "19", "Limousin"),
        ("en Saône-et-Loire", "71", "Je ne sais pas quel centre EUROPE DIRECT couvre"),
        # Bretagne: the Rennes centre is known only from sources older than 2021.
        ("dans le Finistère", "29", "Je ne connais pas de centre EUROPE DIRECT"),
        ("Corse-du-Sud", "2A", "Centre EUROPE DIRECT Corsica"),
    ],
)
async def test_locates_the_centre_from_a_commune_postal_code_or_departement(
    make_tracker, dispatcher, text, expected_departement, expected_in_answer
):
    events = await ActionFindEuropeDirect().run(dispatcher, make_tracker("inform_location", text=text), {})

    answer = dispatcher.messages[0]["text"]
    assert expected_in_answer in answer
    # The official locator is always given: the list changes with each generation of centres.
    assert "https://european-union.europa.eu/contact-eu/meet-us_fr?country=FR" in answer
    assert slots_of(events)["departement"] == expected_departement


async def test_without_a_place_it_asks_where_the_user_is(make_tracker, dispatcher):
    events = await ActionFindEuropeDirect().run(
        dispatcher, make_tracker("ask_europe_direct", text="je cherche un centre europe direct"), {}
    )

    assert "Dans quelle commune ou quel département" in dispatcher.messages[0]["text"]
    assert events == []


async def test_a_place_given_earlier_is_reused(make_tracker, dispatcher):
    tracker = make_tracker("ask_europe_direct", slots={"departement": "19"}, text="et le centre le plus proche ?")

    await ActionFindEuropeDirect().run(dispatcher, tracker, {})

    assert "Limousin" in dispatcher.messages[0]["text"]


@pytest.mark.parametrize(
    "entities, slots, expected_first, expected_second",
    [
        ([{"entity": "programme", "value": "cerv"}, {"entity": "programme", "value": "erasmus_plus"}], {}, "cerv", "erasmus_plus"),
        ([{"entity": "programme", "value": "fonds_citoyen"}, {"entity": "programme", "value": "cerv"}], {}, "fonds_citoyen", "cerv"),
        ([{"entity": "audience", "value": "scolaires"}], {}, "erasmus_plus", None),
    ],
)
async def test_compares_side_by_side(make_tracker, dispatcher, clock, entities, slots, expected_first, expected_second):
    await ActionComparePrograms().run(dispatcher, make_tracker("compare_programmes", slots=slots, entities=entities), {})

    text = dispatcher.messages[0]["text"]
    # One message: the intro, then one block per programme with the same headings.
    intro, *blocks = text.split("\n▸ ")
    assert len(blocks) == 2
    assert intro.endswith("Comparaison :")
    assert programmes_in_order(blocks[0])[0] == expected_first
    if expected_second:
        assert programmes_in_order(blocks[1])[0] == expected_second
    for block in blocks:
        assert "Montant :" in block and "Qui peut candidater :" in block and "[page officielle](http" in block
    assert not raw_urls(text)


async def test_compare_without_programmes_asks_which(make_tracker, dispatcher):
    await ActionComparePrograms().run(dispatcher, make_tracker("compare_programmes"), {})

    assert "Quels programmes voulez-vous comparer" in dispatcher.messages[0]["text"]


async def test_hand_over_gives_people_and_a_ready_to_send_summary(make_tracker, dispatcher):
    tracker = make_tracker(
        "ask_human",
        slots={"need": "youth_exchange", "country": "DE", "audience": "jeunes", "recommended_programme": "ofaj_youth_meetings"},
    )

    await ActionGiveContact().run(dispatcher, tracker, {})

    # One message: the people to ask, then the message to send them, ready to copy.
    [message] = dispatcher.messages
    assert "OFAJ" in message["text"]
    summary = message["custom"]["answer"]["copy"]
    assert "Projet : échange de jeunes" in summary
    assert "Pays partenaire : Allemagne" in summary
    assert "Public : jeunes" in summary
    assert "OFAJ – Rencontres de jeunes" in summary
    # The e-mail link is named, goes to a contact whose address our sources confirm, subject and body filled.
    [(name, mailto)] = re.findall(r"\[([^\]]+)\]\((mailto:[^)]+)\)", message["text"])
    recipient, query = mailto[len("mailto:"):].split("?", 1)
    assert re.fullmatch(r"[^@\s]+@[^@\s]+", recipient) and recipient in message["text"]
    assert "subject=" in query and "body=" in query and quote("Pays partenaire : Allemagne") in query
    assert not raw_urls(message["text"])


async def test_hand_over_for_cerv_writes_to_a_confirmed_address(make_tracker, dispatcher):
    """The CIDEM has no e-mail address in our sources: the message goes to the first person's service that has one."""
    tracker = make_tracker("ask_human", slots={"need": "twinning_meeting", "recommended_programme": "cerv_town_twinning"})

    await ActionGiveContact().run(dispatcher, tracker, {})

    [message] = dispatcher.messages
    assert message["text"].index("CIDEM") < message["text"].index("Message prêt à envoyer")
    assert re.search(r"\]\(mailto:[^?@]+@[^?]+\?subject=", message["text"])


@pytest.mark.parametrize(
    "text, requested, slots, expected",
    [
        (
            "on sera 60 dont 30 Polonais, sur 4 jours",
            "participants",
            {"eligibility_strand": "cerv_town_twinning"},
            {"participants": 60, "invited_participants": 30, "duration_days": 4, "partner_countries": ["PL"]},
        ),
        ("60", "participants", {"eligibility_strand": "cerv_town_twinning"}, {"participants": 60}),
        ("c'est la mairie qui dépose", "applicant_type", {"eligibility_strand": "cerv_town_twinning"}, {"applicant_type": "commune"}),
        ("en fait on sera 80", "invited_participants", {"eligibility_strand": "cerv_town_twinning", "participants": 60}, {"participants": 80}),
    ],
)
def test_one_message_can_answer_several_questions_or_correct_one(make_tracker, text, requested, slots, expected):
    tracker = make_tracker("inform", slots={**slots, "requested_slot": requested}, text=text)

    values = extract_answers(tracker)

    for slot, value in expected.items():
        assert values[slot] == value


def test_the_check_starts_with_the_programme_and_partner_of_the_conversation(make_tracker):
    tracker = make_tracker("check_eligibility", slots={"programme": "cerv_town_twinning", "country": "PL"}, text="est-ce qu'on est éligible ?")

    values = extract_answers(tracker)

    assert values["eligibility_strand"] == "cerv_town_twinning"
    assert values["partner_countries"] == ["PL"]


@pytest.mark.parametrize(
    "strand, expected",
    [
        ("cerv_town_twinning", ["eligibility_strand", "applicant_type", "partner_countries", "participants", "invited_participants"]),
        ("ofaj_youth_meetings", ["eligibility_strand", "partner_countries", "meeting_format", "participants", "max_age", "duration_days"]),
        (None, ["eligibility_strand"]),
    ],
)
async def test_the_form_asks_only_what_the_programme_needs(make_tracker, dispatcher, strand, expected):
    tracker = make_tracker("check_eligibility", slots={"eligibility_strand": strand})

    assert await ValidateEligibilityForm().required_slots([], dispatcher, tracker, {}) == expected


async def test_an_unreadable_answer_is_counted_so_the_question_is_rephrased(make_tracker, dispatcher):
    tracker = make_tracker(
        "inform", slots={"eligibility_strand": "cerv_town_twinning", "requested_slot": "participants"}, text="bof je sais pas trop"
    )

    events = await ValidateEligibilityForm().get_extraction_events(dispatcher, tracker, {})

    assert slots_of(events) == {"eligibility_failures": 1}


@pytest.mark.parametrize(
    "answers, verdict_start",
    [
        (
            {"applicant_type": "comite_jumelage", "partner_countries": ["PL"], "participants": 60, "invited_participants": 30},
            "D'après les règles que je peux vérifier",
        ),
        (
            {"applicant_type": "particulier", "partner_countries": ["PL"], "participants": 60, "invited_participants": 30},
            "Votre projet ne semble PAS ÉLIGIBLE",
        ),
        (
            {"applicant_type": "commune", "partner_countries": ["PL"], "participants": 20, "invited_participants": 5},
            "Je ne peux pas conclure",  # the 50/25 rule is from 2024 and not verified for 2026
        ),
    ],
)
async def test_the_verdict_is_given_rule_by_rule_with_sources(make_tracker, dispatcher, answers, verdict_start):
    tracker = make_tracker("inform", slots={"eligibility_strand": "cerv_town_twinning", **answers})

    await ActionCheckEligibility().run(dispatcher, tracker, {})

    text = dispatcher.messages[0]["text"]
    assert text.startswith(verdict_start)
    assert "([source](http" in text and "[appel 20" in text and not raw_urls(text)


@pytest.mark.parametrize(
    "intent, text, counted",
    [
        ("ask_funding", "c'est pour notre jumelage", True),  # an answer attempt, whatever the intent
        ("ask_contact", "qui peut m'aider ?", False),  # a question: the form steps aside
        ("stop", "on arrête", False),
    ],
)
async def test_only_questions_and_stop_interrupt_the_check(make_tracker, dispatcher, intent, text, counted):
    tracker = make_tracker(intent, slots={"eligibility_strand": "cerv_town_twinning", "requested_slot": "participants"}, text=text)

    events = await ValidateEligibilityForm().get_extraction_events(dispatcher, tracker, {})

    assert ("eligibility_failures" in slots_of(events)) is counted


async def test_repeating_a_known_answer_is_an_answer(make_tracker, dispatcher):
    tracker = make_tracker(
        "inform",
        slots={"eligibility_strand": "cerv_town_twinning", "applicant_type": "comite_jumelage", "requested_slot": "participants"},
        text="c'est le comité de jumelage qui dépose",
    )

    events = await ValidateEligibilityForm().get_extraction_events(dispatcher, tracker, {})

    assert slots_of(events)["applicant_type"] == "comite_jumelage"


async def test_the_miss_counter_reaches_rasa_so_the_form_does_not_step_aside(make_tracker, dispatcher):
    # Rasa rejects the form (and another rule answers) when the validation returns no slot at all.
    tracker = make_tracker(
        "inform", slots={"eligibility_strand": "cerv_town_twinning", "requested_slot": "participants"}, text="euh aucune idée"
    )

    events = await ValidateEligibilityForm().run(dispatcher, tracker, {"slots": {}, "forms": {}})

    assert slots_of(events)["eligibility_failures"] == 1
    # The validation action asks the next question itself, rephrased after the miss.
    assert dispatcher.messages[0]["text"].startswith("Je n'ai pas compris votre réponse.\nQui déposerait la demande")


async def test_answers_to_questions_this_programme_does_not_ask_are_kept(make_tracker, dispatcher):
    tracker = make_tracker("inform", slots={"eligibility_strand": "cerv_town_twinning", "requested_slot": "participants"},
                           text="on sera 60 sur 4 jours, des jeunes de 15 à 25 ans")

    events = await ValidateEligibilityForm().run(dispatcher, tracker, {"slots": {}, "forms": {}})

    slots = slots_of(events)
    assert slots["participants"] == 60 and slots["duration_days"] == 4 and slots["min_age"] == 15
    assert slots["requested_slot"] == "applicant_type"
    assert dispatcher.messages[0]["text"].startswith("Qui déposerait la demande")


async def test_the_yes_no_questions_have_quick_replies(dispatcher):
    from actions.eligibility import ask_question

    ask_question(dispatcher, "leaders_adult", 0)

    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]] == ["/affirm", "/deny"]


async def test_a_programme_question_naming_two_programmes_is_a_comparison(make_tracker, dispatcher, clock):
    from actions.programmes import ActionAnswerProgrammeQuestion

    entities = [{"entity": "programme", "value": "ofaj"}, {"entity": "programme", "value": "fonds_citoyen"}]
    await ActionAnswerProgrammeQuestion().run(dispatcher, make_tracker("ask_programme_info", entities=entities), {})

    blocks = dispatcher.messages[0]["text"].split("\n▸ ")[1:]
    assert [programmes_in_order(block)[0] for block in blocks] == ["ofaj", "fonds_citoyen"]


@pytest.mark.parametrize("text", ["24000", "je vis a Poitiers"])
async def test_a_bare_place_is_answered_with_the_nearest_centre(make_tracker, dispatcher, clock, text):
    from actions.recommend import ActionRecommendProgramme

    await ActionRecommendProgramme().run(dispatcher, make_tracker("inform", text=text), {})

    text = dispatcher.messages[0]["text"]
    assert "EUROPE DIRECT" in text and programmes_in_order(text) == []


@pytest.mark.parametrize(
    "failures, offers_a_person, rephrased",
    [(0, False, False), (1, False, True), (2, True, True)],
)
async def test_the_question_is_rephrased_then_a_person_is_offered(dispatcher, failures, offers_a_person, rephrased):
    from actions.eligibility import ask_question

    ask_question(dispatcher, "participants", failures)

    text = dispatcher.messages[0]["text"]
    assert "Combien de personnes participeront en tout ?" in text
    assert ("Je n'ai pas compris" in text) is rephrased
    assert ("EUROPE DIRECT" in text) is offers_a_person


def test_a_new_check_follows_the_programme_the_conversation_moved_to(make_tracker):
    tracker = make_tracker(
        "check_eligibility",
        slots={"eligibility_strand": "ofaj_youth_meetings", "programme": "cerv_town_twinning"},
        text="et pour le CERV, on est éligibles ?",
    )

    assert extract_answers(tracker)["eligibility_strand"] == "cerv_town_twinning"
