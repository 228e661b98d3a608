"""The answer model as a reader meets it: short first, named links, "à confirmer" once, follow-ups in a few words."""

from __future__ import annotations

import re
from datetime import date

import pytest

from actions.answer import raw_urls, visible
from actions.cards import FULL_CARD_TITLE
from actions.programmes import ActionAnswerProgrammeQuestion
from actions.recommend import ActionRecommendProgramme, recommendation_reply
from tests.answers import gives_source, programmes_in_order
from tests.support import widget_answers

DAY = date(2026, 11, 26)
MONTHS = "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
# Canonical values of knowledge/vocabulary.py that are not French words as written.
INTERNAL_VALUES = re.compile(r"\b(?:echange|reseau|elus|benevoles|energie|memoire|democratie|egalite|sante)\b|_")

CASES = [
    ("ask_funding_twinning", [{"entity": "country", "value": "PL"}]),
    ("ask_funding_twinning", [{"entity": "activity", "value": "echange"}, {"entity": "theme", "value": "memoire"}]),
    ("ask_funding_network_of_towns", [{"entity": "activity", "value": "reseau"}]),
    ("ask_funding_youth_exchange", [{"entity": "audience", "value": "jeunes"}, {"entity": "country", "value": "GB"}]),
    ("ask_funding_youth_exchange", [{"entity": "country", "value": "DE"}]),
    ("ask_funding_education_training", [{"entity": "audience", "value": "elus"}]),
    ("ask_funding_climate_cities", [{"entity": "theme", "value": "energie"}]),
    ("ask_funding_franco_german", []),
]


def card_for(intent, entities, slots=None):
    return recommendation_reply({"text": "", "entities": entities}, slots or {}, intent, DAY)


@pytest.mark.parametrize("intent, entities", CASES)
def test_a_card_puts_what_decides_first_in_french_words_with_named_links(knowledge_db, intent, entities):
    answer = card_for(intent, entities).answer
    text = answer.plain_text()
    short = [line.label for line in answer.facts]
    # Programme in the title, then why, amount, deadline, contact; details and sources after.
    assert answer.title.startswith("Le programme le plus adapté à votre projet : ")
    assert programmes_in_order(answer.title)
    assert short[:4] == ["Pourquoi", "Montant", "Date limite", "Contact"]
    assert answer.details and gives_source(text)
    # Links by their names; French words, not the vocabulary's values; "1er" for the first of a month.
    assert raw_urls(text) == []
    assert not INTERNAL_VALUES.search(visible(text).replace("_", "")) and "_" not in visible(text)
    assert not re.search(rf"\b1 (?:{MONTHS})", text)
    # The deadline is a fact of its own, not a reason; "à confirmer" once at most, as one line.
    why = answer.facts[0].text
    assert "date limite" not in why.lower() and "Pas de date limite" not in text
    assert len(why.split()) < 35, why
    assert visible(text).lower().count("à confirmer") <= 1
    assert "(à confirmer" not in text


def test_the_why_line_says_the_public_and_theme_in_words(knowledge_db):
    why = card_for("ask_funding_education_training", [{"entity": "audience", "value": "elus"}]).answer.facts[0].text
    assert "élus" in why
    why = card_for("ask_funding_climate_cities", [{"entity": "theme", "value": "energie"}]).answer.facts[0].text
    assert "énergie" in why


def test_an_unsure_partner_country_is_the_one_thing_to_confirm(knowledge_db):
    answer = card_for("ask_funding_youth_exchange", [{"entity": "country", "value": "GB"}]).answer
    [note] = [line for line in answer.facts if line.label == "À confirmer"]
    assert note.text.startswith("l'éligibilité d'un partenaire de ce pays (Royaume-Uni)")
    assert "[page officielle](https://" in note.text


def words(text: str) -> int:
    return len(re.findall(r"[\w’'+-]+", visible(text)))


@pytest.mark.parametrize("country, first, same", [("GB", "erasmus_plus", True), ("ES", "erasmus_plus", True),
                                                  ("DE", "ofaj", False)])
async def test_a_new_partner_country_gets_a_short_answer_and_the_card_on_request(
        make_tracker, dispatcher, clock, country, first, same):
    slots = {"need": "youth_exchange", "audience": "jeunes", "recommended_programme": "erasmus_youth_exchanges",
             "programme": "erasmus_youth_exchanges"}
    tracker = make_tracker("inform", slots=slots, entities=[{"entity": "country", "value": country}],
                           text="et avec notre ville jumelle ?")

    events = await ActionRecommendProgramme().run(dispatcher, tracker, {})

    [message] = dispatcher.messages
    text = message["text"]
    assert words(text) < 60, text
    assert programmes_in_order(text)[0] == first
    assert ("reste le programme le plus adapté" in text) == same
    assert raw_urls(text) == []
    [button] = message["buttons"]
    assert button["title"] == FULL_CARD_TITLE
    recommended = {e["name"]: e["value"] for e in events if e["event"] == "slot"}["recommended_programme"]
    assert f'"programme": "{recommended}"' in button["payload"]

    # The button's question gets the programme's whole card: amount, deadline, contact, details.
    dispatcher.messages.clear()
    full = make_tracker("ask_programme_info", slots={**slots, "country": country},
                        entities=[{"entity": "programme", "value": recommended}])
    await ActionAnswerProgrammeQuestion().run(dispatcher, full, {})
    card = dispatcher.messages[0]["custom"]["answer"]
    assert [line["label"] for line in card["facts"]][1:4] == ["Montant", "Date limite", "Contact"]
    assert card["details"]


def test_a_new_description_of_the_project_gets_the_whole_card(knowledge_db):
    slots = {"need": "twinning_meeting", "recommended_programme": "cerv_town_twinning", "country": "PL"}
    reply = card_for("ask_funding_youth_exchange", [{"entity": "country", "value": "IT"}], slots)
    assert reply.answer.title and reply.answer.details


def test_the_widget_fixture_is_what_the_assistant_says(knowledge_db):
    """tests/browser uses tests/browser/fixtures/answers.json: regenerate it when the answers change."""
    assert widget_answers.FIXTURE.read_text(encoding="utf-8") == widget_answers.render(), (
        "stale fixture: run `.venv/bin/python -m tests.support.widget_answers`")


def test_links_are_read_by_name_and_written_out_only_where_links_cannot_be_followed():
    from actions.answer import written_out

    text = "Voir la [page officielle](https://ec.europa.eu/x?a=1) ou écrire au [CIDEM](mailto:a@b.example?subject=x)."
    assert visible(text) == "Voir la page officielle ou écrire au CIDEM."
    assert raw_urls(text) == []
    assert raw_urls("Source : https://ec.europa.eu/x") == ["https://ec.europa.eu/x"]
    assert written_out(text) == "Voir la page officielle (https://ec.europa.eu/x?a=1) ou écrire au CIDEM (a@b.example)."
