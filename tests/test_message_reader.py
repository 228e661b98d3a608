"""The message reader of the NLU pipeline (bot/nlu/), without a model."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.nlu import PartnerTownReader, corrected_intent, read_letter

LETTER = (
    "Madame, Monsieur,\n\nLe comité de jumelage envisage d'accueillir 60 habitants de notre ville jumelle "
    "polonaise. Quel financement ?\n\nVeuillez agréer, Madame, Monsieur, l'expression de mes salutations "
    "distinguées.\n\nJean Dupont\nMaire de Brive\nTél. 05 55 12 34 56"
)


def test_a_letter_is_read_without_salutation_closing_and_signature():
    body = read_letter(LETTER)
    assert body.startswith("Le comité de jumelage") and body.endswith("Quel financement ?")
    assert "Brive" not in body and "agréer" not in body


@pytest.mark.parametrize("text", ["Bonjour", "Merci, bonne journée", "merci beaucoup !", "Cordialement"])
def test_a_greeting_or_a_thank_you_stays_what_it_is(text):
    assert read_letter(text) == text


def test_a_greeting_takes_a_few_words_at_most():
    text = "bjr instit ds un village jumelé avec 1 village irlandais, on voudrait 1 projet entre nos écoles"
    assert read_letter(text) == text
    assert read_letter("Bonjour à toutes et à tous, nous voudrions un financement") == "nous voudrions un financement"


def test_a_signature_without_closing_formula_is_dropped():
    text = "Notre projet avec Ravensburg : 15 jeunes, quelle aide ?\nMarie Martin\nChargée de mission Europe\nm.martin@tulle.fr"
    assert read_letter(text) == "Notre projet avec Ravensburg : 15 jeunes, quelle aide ?"


def _message(text, intent, ranking=(), entities=()):
    message = Message(data={"text": text})
    message.set("intent", {"name": intent, "confidence": 0.6})
    message.set("intent_ranking", [{"name": name, "confidence": 0.1} for name in ranking])
    message.set("entities", [{"entity": kind, "value": value} for kind, value in entities])
    return message


def test_a_story_asking_for_funding_gets_a_funding_intent():
    message = _message("Notre comité existe depuis 1987 … On voudrait inviter 40 habitants de notre ville jumelle, "
                       "y a-t-il une aide ?", "out_of_scope", ["out_of_scope", "ask_funding_twinning"],
                       [("country", "PL")])
    assert corrected_intent(message) == "ask_funding_twinning"


@pytest.mark.parametrize(
    "text, intent, entities",
    [
        ("je suis à Brive, où trouver un centre Europe Direct près de chez moi ?", "ask_europe_direct", ()),
        ("sommes-nous éligibles au CERV pour notre jumelage ?", "check_eligibility", [("programme", "cerv")]),
        ("la DETR peut-elle financer le projet de jumelage ?", "out_of_scope", [("national_scheme", "detr")]),
        ("merci pour votre aide, bonne journée", "thank", ()),
    ],
)
def test_the_reading_is_kept_when_it_is_right(text, intent, entities):
    assert corrected_intent(_message(text, intent, ["ask_funding"], entities)) is None


def test_the_partner_country_comes_from_its_town():
    (message,) = PartnerTownReader().process([_message("Une délégation de Ratisbonne vient en mai", "ask_funding")])
    (entity,) = message.get("entities")
    assert (entity["entity"], entity["value"]) == ("country", "DE")
    assert message.get("text")[entity["start"]:entity["end"]] == "Ratisbonne"


@pytest.mark.parametrize(
    "text, intent",
    [
        ("est-ce qu'on est éligible au CERV ?", "ask_programme_eligibility"),
        ("Notre comité serait-il éligible à un financement CERV pour une rencontre ?", "ask_funding_twinning"),
        ("notre projet peut-il prétendre à l'OFAJ ?", "ask_programme_info"),
        ("nos animateurs peuvent-ils déposer une demande à l'OFAJ ?", "ask_programme_how_to_apply"),
        ("est ce quon pourrait obtenir le fonds citoyen pour la fete du jumelage", "ask_funding_franco_german"),
        ("Notre commune pourrait-elle faire partie de la mission des villes ?", "nlu_fallback"),
        ("on rentre dans les clous pour le CERV avec 30 invités ?", "ask_programme_eligibility"),
    ],
)
def test_a_question_about_our_own_eligibility_starts_the_check(text, intent):
    assert corrected_intent(_message(text, intent, [intent], [("programme", "cerv")])) == "check_eligibility"


def test_how_much_we_could_get_is_an_amount_question():
    message = _message("on peut avoir combien avec Erasmus+ ?", "ask_programme_amount", [], [("programme", "erasmus_plus")])
    assert corrected_intent(message) is None


def test_a_question_about_who_can_apply_stays_a_programme_question():
    message = _message("qui peut candidater au CERV ?", "ask_programme_eligibility", [], [("programme", "cerv")])
    assert corrected_intent(message) is None


def test_a_programme_question_that_names_no_programme_but_a_project_asks_for_a_recommendation():
    message = _message("Y a-t-il un programme pour financer notre semaine culturelle avec les habitants de Mantoue ?",
                       "ask_programme_info", ["ask_programme_info", "ask_funding_twinning"], [("country", "IT")])
    assert corrected_intent(message) == "ask_funding_twinning"
    follow_up = _message("et c'est combien pour le CERV ?", "ask_programme_amount", [], [("programme", "cerv")])
    assert corrected_intent(follow_up) is None


def test_a_europe_direct_agent_relaying_a_project_is_not_asking_where_a_centre_is():
    message = _message("Je travaille au centre Europe Direct de Rennes. La mairie de Malestroit veut accueillir des "
                       "seniors de sa ville jumelle belge, quelles aides ?", "ask_europe_direct",
                       ["ask_europe_direct", "ask_funding_twinning"], [("country", "BE")])
    assert corrected_intent(message) == "ask_funding_twinning"
    asking = _message("où trouver un centre Europe Direct près de chez eux dans l'Ain pour un dossier de jumelage ?",
                      "ask_twinning_setup", ["ask_twinning_setup"])
    assert corrected_intent(asking) == "ask_europe_direct"


def test_who_manages_a_programme_is_a_contact_question():
    message = _message("c'est géré par qui au niveau européen ?", "ask_programme_info", ["ask_programme_info"])
    assert corrected_intent(message) == "ask_contact"


def test_a_new_detail_read_as_no_is_a_detail():
    message = _message("Ah non, on veut juste des journées citoyennes avec notre ville jumelle italienne, Fano",
                       "deny", ["deny", "inform"], [("country", "IT")])
    assert corrected_intent(message) == "inform"
    assert corrected_intent(_message("non merci", "deny", ["deny"])) is None


@pytest.mark.parametrize("text, public", [("un projet pour nos 18-25 ans", "jeunes"),
                                          ("des enfants de 9 à 12 ans chez nos amis", "enfants")])
def test_ages_tell_a_young_public(text, public):
    (message,) = PartnerTownReader().process([_message(text, "ask_funding")])
    assert ("audience", public) in [(e["entity"], e["value"]) for e in message.get("entities")]


def test_adults_of_all_ages_are_not_a_young_public():
    (message,) = PartnerTownReader().process([_message("40 habitants de 20 à 75 ans", "ask_funding")])
    publics = {e["value"] for e in message.get("entities") if e["entity"] == "audience"}
    assert publics == {"citoyens"}  # residents, of no particular age


def test_a_public_ruled_out_is_not_the_projects():
    message = _message("on peut le faire sans adulte ?", "ask_programme_eligibility")
    message.set("entities", [{"entity": "audience", "value": "adultes", "start": 21, "end": 27}])
    (read,) = PartnerTownReader().process([message])
    assert read.get("entities") == []


def test_and_for_another_country_is_the_same_project_elsewhere():
    message = _message("et pour l'Italie ? on a aussi un jumelage avec Lucca", "ask_funding_twinning",
                       ["ask_funding_twinning"], [("country", "IT")])
    assert corrected_intent(message) == "inform"


def test_an_unsure_reading_of_another_country_is_still_the_same_project_elsewhere():
    # Below the fallback threshold the classifier says nothing: the follow-up's form decides.
    message = _message("et avec l'Espagne ? on est aussi jumelés avec Jaca", "nlu_fallback",
                       ["ask_funding_twinning"], [("country", "ES")])
    assert corrected_intent(message) == "inform"


def _read(text, entities):
    message = Message(data={"text": text})
    message.set("entities", [{"entity": kind, "value": value} for kind, value in entities])
    (read,) = PartnerTownReader().process([message])
    return [(e["entity"], e["value"]) for e in read.get("entities")]


def test_partner_towns_in_several_countries_make_a_network_of_towns():
    entities = _read("Avec nos jumelles de Bühl et de Ptuj, un projet commun sur l'eau ?", [("country", "DE"), ("country", "SI")])
    assert ("activity", "reseau") in entities


@pytest.mark.parametrize(
    "text, entities",
    [
        # one partner instead of another
        ("finalement ce sera avec Eisenach en Allemagne, pas la Hongrie", [("country", "DE"), ("country", "HU")]),
        ("les Belges annulent, on se tourne vers Eupen... non, vers Trèves en Allemagne", [("country", "BE"), ("country", "DE")]),
        # young people of several countries: a youth exchange
        ("des jeunes d'Allemagne et de Pologne chez nous", [("audience", "jeunes"), ("country", "DE"), ("country", "PL")]),
        # one foreign country
        ("avec Lucca et Sienne en Italie", [("country", "IT")]),
    ],
)
def test_no_network_read_from_a_switch_young_people_or_one_country(text, entities):
    assert ("activity", "reseau") not in _read(text, entities)


def test_a_project_relayed_by_a_europe_direct_agent_asks_for_advice_not_for_a_person():
    message = _message("Je suis au centre Europe Direct de Caen. Une commune veut recevoir des habitants de sa ville "
                       "jumelle irlandaise pour des ateliers. Que leur conseiller ?", "ask_human",
                       ["ask_human", "ask_funding_twinning"], [("country", "IE"), ("activity", "atelier")])
    assert corrected_intent(message) == "ask_funding_twinning"
    wants_a_person = _message("Je préfère parler à quelqu'un pour notre projet de jumelage, qui peut nous aider à le "
                              "financer ?", "ask_human", ["ask_human", "ask_funding_twinning"], [("activity", "rencontre")])
    assert corrected_intent(wants_a_person) is None


def test_asking_whether_the_eu_can_help_a_described_project_asks_for_funding():
    message = _message("Jumelés avec une ville slovène, nous voulons une cérémonie commune en 2027. L'Europe "
                       "peut-elle nous aider ?", "inform_location", ["inform_location", "ask_funding_twinning"],
                       [("country", "SI")])
    assert corrected_intent(message) == "ask_funding_twinning"


def test_an_agent_naming_the_centre_they_relay_for_is_not_asking_for_a_centre():
    message = _message("Je transmets pour le centre Europe Direct de Caen : un club de jeunes demande comment financer "
                       "un échange avec une ville irlandaise.", "ask_funding_youth_exchange",
                       ["ask_funding_youth_exchange"], [("contact", "europe_direct"), ("country", "IE"), ("audience", "jeunes")])
    assert corrected_intent(message) is None
    asks = _message("où se trouve le centre Europe Direct le plus proche de Caen ?", "ask_contact", ["ask_contact"],
                    [("contact", "europe_direct")])
    assert corrected_intent(asks) == "ask_europe_direct"


def _read(text, entities):
    """The entities PartnerTownReader leaves on a message that already has ``entities``."""
    (message,) = PartnerTownReader().process([_message(text, "ask_funding", [], entities)])
    return {(e["entity"], e["value"]) for e in message.get("entities")}


def test_young_and_old_residents_together_are_the_residents():
    entities = _read("Les aînés du club et les enfants de l'école iront ensemble chez nos amis de Feltre",
                     [("audience", "seniors"), ("audience", "enfants")])
    assert ("audience", "enfants") not in entities and ("audience", "citoyens") in entities
    grandparents = _read("Un atelier grands-parents et petits-enfants avec Bad Urach", [("audience", "enfants")])
    assert ("audience", "enfants") not in grandparents and ("audience", "citoyens") in grandparents
    assert ("audience", "jeunes") in _read("Un séjour de jeunes à Feltre", [("audience", "jeunes")])


def test_a_youth_council_working_with_its_elected_officials_is_about_democracy():
    entities = _read("Le conseil municipal des jeunes veut porter des propositions aux élus avec celui de Tarragone",
                     [("audience", "jeunes"), ("audience", "elus")])
    assert ("theme", "democratie") in entities
    assert not {e for e in _read("Nos jeunes partent au ski", [("audience", "jeunes")]) if e[0] == "theme"}


def test_a_franco_german_scheme_names_germany():
    assert ("country", "DE") in _read("Que finance l'OFAJ ?", [("programme", "ofaj")])
    assert ("country", "DE") not in _read("L'OFAJ avec l'Italie ?", [("programme", "ofaj"), ("country", "IT")])


def test_a_franco_german_reading_with_nothing_german_gives_way_to_the_next_funding_reading():
    message = _message("Des jeunes veulent rénover ensemble le local du club, une aide ?", "ask_funding_franco_german",
                       ["ask_funding_franco_german", "ask_funding_youth_exchange"], [("audience", "jeunes")])
    assert corrected_intent(message) == "ask_funding_youth_exchange"
    german = _message("Des jeunes de Kehl et d'ici, une aide ?", "ask_funding_franco_german",
                      ["ask_funding_franco_german"], [("audience", "jeunes"), ("country", "DE")])
    assert corrected_intent(german) is None


def test_a_project_with_the_twin_town_stated_without_a_question_asks_for_its_funding():
    message = _message("Notre village est jumelé avec Feltre. Nous pensons organiser une rencontre des chorales.",
                       "ask_twinning_setup", ["ask_twinning_setup", "ask_funding_twinning"],
                       [("activity", "rencontre"), ("country", "IT")])
    assert corrected_intent(message) == "ask_funding_twinning"
    question = _message("Notre village est jumelé avec Feltre. Comment loger la délégation ?", "ask_twinning_setup",
                        ["ask_twinning_setup"], [("activity", "visite"), ("country", "IT")])
    assert corrected_intent(question) is None


@pytest.mark.parametrize("question", ["Ça rentre dans quoi ?", "Vers quoi se tourner ?", "C'est finançable ?"])
def test_which_scheme_fits_a_described_project_is_a_funding_request(question):
    message = _message(f"Séminaire sur l'eau avec Mantoue l'an prochain, 40 personnes. {question}", "check_eligibility",
                       ["check_eligibility", "ask_funding_twinning"], [("activity", "conference"), ("country", "IT")])
    assert corrected_intent(message) == "ask_funding_twinning"


def test_who_could_help_with_a_named_programme_asks_for_a_contact():
    message = _message("Nous tentons le CERV cette année. Qui pourrait nous accompagner pour le dossier ?",
                       "check_eligibility", ["check_eligibility"], [("programme", "cerv")])
    assert corrected_intent(message) == "ask_contact"


def test_a_network_guess_needs_more_than_one_partner_country():
    message = _message("Projet de mémoire avec les habitants de notre ville jumelle allemande, quel financement ?",
                       "nlu_fallback", ["ask_funding_network_of_towns", "ask_funding_franco_german"],
                       [("country", "DE"), ("audience", "citoyens")])
    assert corrected_intent(message) == "ask_funding_franco_german"


def test_a_project_told_at_length_asks_for_no_example():
    message = _message("Nous voudrions réunir nos jumelles d'Espagne, d'Italie et de Lettonie autour de la mémoire des ports.",
                       "ask_example", ["ask_example", "ask_funding_network_of_towns"],
                       [("country", "ES"), ("country", "IT"), ("country", "LV"), ("theme", "memoire")])
    assert corrected_intent(message) == "ask_funding_network_of_towns"
    asks = _message("Une commune a-t-elle déjà fait une rencontre sur la mémoire avec l'Italie ?", "ask_example",
                    ["ask_example"], [("country", "IT"), ("theme", "memoire")])
    assert corrected_intent(asks) is None


def test_a_short_follow_up_is_a_detail_of_the_project_not_the_eligibility_check():
    message = _message("et pour nos cadets, pareil ?", "check_eligibility", ["check_eligibility", "inform"],
                       [("audience", "jeunes")])
    assert corrected_intent(message) == "inform"


def test_a_question_whether_a_programme_fits_a_described_project_gets_the_recommendation():
    message = _message("échange de classes avec Valence, une aide Erasmus ou pas ?", "check_eligibility",
                       ["check_eligibility", "ask_funding_education_training"],
                       [("programme", "erasmus_plus"), ("audience", "scolaires"), ("country", "ES")])
    assert corrected_intent(message) == "ask_funding_education_training"
    check = _message("sommes-nous éligibles à Erasmus+ pour l'échange de classes ?", "check_eligibility",
                     ["check_eligibility"], [("programme", "erasmus_plus"), ("audience", "scolaires")])
    assert corrected_intent(check) is None


def test_interreg_named_is_a_cross_border_project():
    assert ("activity", "transfrontalier") in _read("Les microprojets Interreg, c'est pour nous ?",
                                                    [("programme", "interreg")])


def test_a_general_question_on_funding_for_twinnings_is_about_the_twinning_scheme():
    message = _message("le maire demande quelles aides européennes il y a pour les jumelages", "ask_funding")
    assert corrected_intent(message) == "ask_funding_twinning"
    assert corrected_intent(_message("quelles aides européennes ?", "ask_funding")) is None


def test_young_people_s_own_project_at_home_is_marked_and_volunteering_is_solidarity():
    (message,) = PartnerTownReader().process([_message(
        "Au retour de notre séjour en Pologne, nos jeunes veulent monter un projet bénévole dans leur quartier",
        "ask_funding", [], [("audience", "jeunes"), ("country", "PL"), ("activity", "visite")])])
    assert message.get("home_project") is True
    assert ("theme", "solidarite") in {(e["entity"], e["value"]) for e in message.get("entities")}
    (trip,) = PartnerTownReader().process([_message("Les jeunes d'ici partent en échange à Feltre", "ask_funding", [],
                                                    [("audience", "jeunes"), ("country", "IT")])])
    assert not trip.get("home_project")


def test_residents_of_a_young_age_are_young():
    assert ("audience", "jeunes") in _read("Des résidents du foyer (18-28 ans) veulent agir", [("audience", "citoyens")])


def test_a_named_scheme_implies_a_country_but_describes_no_project():
    (message,) = PartnerTownReader().process([_message("Comment fonctionne le Fonds citoyen franco-allemand ?",
                                                       "nlu_fallback", ["ask_programme_how_to_apply"],
                                                       [("programme", "fonds_citoyen")])])
    assert ("DE", True) in {(e["value"], e.get("implied")) for e in message.get("entities")}
    assert corrected_intent(message) == "ask_programme_how_to_apply"  # about the programme, not a project's funding


def test_our_own_young_people_are_not_a_project_at_home():
    (message,) = PartnerTownReader().process([_message(
        "Une rencontre entre 30 jeunes de chez nous et 30 jeunes de notre jumelle de Thuringe", "ask_funding", [],
        [("audience", "jeunes"), ("country", "DE"), ("activity", "rencontre")])])
    assert not message.get("home_project")


def test_residents_counted_are_residents():
    assert ("audience", "citoyens") in _read("30 habitants de Lauf viennent chez nous 4 jours", [])
    assert ("audience", "citoyens") not in _read("Une commune de 3 000 habitants dans le Lot", [])


def test_a_question_about_what_a_named_programme_does_stays_about_the_programme():
    message = _message("Le Fonds citoyen, ça sert à quoi ? C'est seulement pour les rencontres d'habitants ?",
                       "nlu_fallback", ["ask_contact", "ask_programme_info"],
                       [("programme", "fonds_citoyen"), ("activity", "rencontre"), ("audience", "citoyens")])
    assert corrected_intent(message) == "ask_programme_info"


def test_whom_to_turn_to_is_no_funding_request():
    message = _message("Je découvre les jumelages : vers qui me tourner pour apprendre ?", "ask_contact", ["ask_contact"])
    assert corrected_intent(message) is None


@pytest.mark.parametrize("text, intent", [
    ("On s'y prend début mars pour un voyage en juin, c'est trop tard ?", "ask_programme_deadline"),
    ("et on est dans les temps si c'est pour l'été prochain ?", "ask_programme_deadline"),
    ("des communes l'ont déjà fait ?", "ask_example"),
    ("c'est géré par qui à Bruxelles ?", "ask_contact"),
])
def test_an_unsure_short_question_about_the_programme_in_context(text, intent):
    assert corrected_intent(_message(text, "nlu_fallback", ["ask_example"])) == intent


def test_a_funding_guess_must_be_grounded_in_the_message():
    message = _message("On prépare le 80e anniversaire de la Libération avec notre ville jumelle belge. Quel financement ?",
                       "ask_programme_amount", ["ask_programme_amount", "ask_funding_youth_exchange", "ask_funding_twinning"],
                       [("country", "BE")])
    assert corrected_intent(message) == "ask_funding_twinning"  # no young people named: no youth exchange


def test_what_an_organisation_is_asks_for_the_contact():
    message = _message("une élue m'a demandé ce que c'est le CIDEM", "nlu_fallback", ["ask_europe_direct"],
                       [("contact", "cidem")])
    assert corrected_intent(message) == "ask_contact"


def test_brussels_alone_is_the_eu_not_a_partner_town():
    assert ("country", "BE") not in _read("c'est géré par qui à Bruxelles ?", [])
    assert ("country", "BE") in _read("notre ville jumelle de Bruxelles", [])


def test_creating_a_twinning_is_asked_whatever_the_story():
    message = _message("Élu depuis peu, je voudrais jumeler la commune mais nous n'avons aucun contact. Par où commencer ?",
                       "ask_capabilities", ["ask_capabilities"], [("audience", "citoyens")])
    assert corrected_intent(message) == "ask_twinning_setup"


def test_an_organisation_named_is_asked_about_not_a_centre_near_me():
    message = _message("c'est qui l'AFCCRE ? le maire en a parlé", "ask_europe_direct", ["ask_europe_direct"],
                       [("contact", "afccre")])
    assert corrected_intent(message) == "ask_contact"


def test_a_project_with_the_twin_towns_and_is_it_possible_asks_for_its_funding():
    message = _message("Nos villes jumelles de Gubbio et de Medina Sidonia et nous : un atelier à trois. C'est possible ?",
                       "ask_twinning_setup", ["ask_twinning_setup", "ask_funding_network_of_towns"],
                       [("country", "IT"), ("country", "ES"), ("activity", "atelier")])
    assert corrected_intent(message) == "ask_funding_network_of_towns"


def test_young_volunteers_for_the_elderly_stay_young_and_at_home():
    (message,) = PartnerTownReader().process([_message(
        "Après un séjour à Lahnstein, six jeunes veulent mener un projet bénévole au profit des personnes âgées isolées",
        "ask_funding", [], [("audience", "jeunes"), ("audience", "seniors"), ("activity", "visite"), ("country", "DE")])])
    assert ("audience", "jeunes") in {(e["entity"], e["value"]) for e in message.get("entities")}
    assert message.get("home_project") is True


def test_the_longest_form_wins():
    message = _message("un réseau de chaleur au bois", "ask_funding")
    message.set("entities", [{"entity": "theme", "value": "energie", "start": 3, "end": 20},
                             {"entity": "activity", "value": "reseau", "start": 3, "end": 9}])
    (read,) = PartnerTownReader().process([message])
    assert [(e["entity"], e["value"]) for e in read.get("entities")] == [("theme", "energie")]


def test_an_unsure_funding_reading_the_message_does_not_ground_gives_way():
    message = _message("Quatre villes veulent coopérer sur l'inclusion des personnes handicapées. Quel programme ?",
                       "ask_funding_climate_cities", ["ask_funding_climate_cities", "ask_funding_network_of_towns"],
                       [("theme", "inclusion"), ("country", "PL"), ("country", "IT")])
    message.set("intent", {"name": "ask_funding_climate_cities", "confidence": 0.67})
    assert corrected_intent(message) == "ask_funding_network_of_towns"


def test_what_a_named_programme_is_stays_a_programme_question():
    message = _message("On m'a parlé des villes jumelles de la mission climat : qu'est-ce que c'est exactement ?",
                       "ask_funding_climate_cities", ["ask_funding_climate_cities"],
                       [("programme", "horizon_cities_mission"), ("theme", "climat")])
    assert corrected_intent(message) == "ask_programme_info"


def test_a_comparison_needs_two_programmes_or_words_that_compare():
    story = _message("Un réseau de cinq petites villes voudrait organiser des assemblées citoyennes. Un programme ?",
                     "compare_programmes", ["compare_programmes", "ask_funding_network_of_towns"],
                     [("activity", "reseau"), ("country", "PT"), ("country", "SI")])
    assert corrected_intent(story) == "ask_funding_network_of_towns"
    who = _message("Nous tentons le CERV ; à qui nous adresser pour le dossier ?", "compare_programmes",
                   ["compare_programmes", "ask_contact"], [("programme", "cerv")])
    assert corrected_intent(who) == "ask_contact"
    asks = _message("Quelle différence entre les deux volets du CERV ?", "compare_programmes", ["compare_programmes"],
                    [("programme", "cerv")])
    assert corrected_intent(asks) is None


@pytest.mark.parametrize("text, intent, entities, expected", [
    ("Combien y a-t-il de centres Europe Direct en France ?", "nlu_fallback", [("contact", "europe_direct")],
     "ask_twinning_figures"),
    ("on dépose ça auprès de qui ?", "nlu_fallback", [], "ask_contact"),
    ("Il faut leur envoyer le budget à quel moment ?", "nlu_fallback", [], "ask_programme_deadline"),
    ("Notre asso voudrait monter un atelier réparation avec une asso de Cottbus", "ask_twinning_figures",
     [("activity", "atelier"), ("country", "DE"), ("audience", "associations")], "ask_funding_franco_german"),
])
def test_unsure_or_unfounded_readings_give_way_to_what_is_asked(text, intent, entities, expected):
    message = _message(text, intent, [intent, "ask_funding_franco_german"], entities)
    assert corrected_intent(message) == expected


def test_how_much_we_may_ask_for_our_project_is_the_amount_not_a_national_figure():
    message = _message("Avec le club de foot de Lörrach on ferait un tournoi à 40. Combien peut-on demander ?",
                       "ask_twinning_figures", ["ask_twinning_figures"], [("country", "DE"), ("theme", "sport")])
    assert corrected_intent(message) == "ask_programme_amount"


@pytest.mark.parametrize("text", ["donc 60 000 € au maximum, c'est bien ça ?", "le forfait c'est 8 000 ou plus ?"])
def test_amounts_quoted_back_are_an_amount_question(text):
    assert corrected_intent(_message(text, "check_eligibility", ["check_eligibility"])) == "ask_programme_amount"


def test_a_town_of_some_thousand_inhabitants_is_no_amount():
    message = _message("une ville de 8 000 habitants peut-elle le faire ?", "nlu_fallback", ["nlu_fallback"])
    assert corrected_intent(message) != "ask_programme_amount"


def test_what_an_organisation_is_asked_with_an_aside_is_about_that_organisation():
    message = _message("Qu'est-ce que l'AFCCRE ? notre DGS en parle tout le temps", "nlu_fallback", ["nlu_fallback"],
                       [("contact", "afccre")])
    assert corrected_intent(message) == "ask_contact"


def test_a_case_described_by_its_size_asks_for_the_check():
    message = _message("un village de 350 habitants peut-il déposer un dossier au CERV ?", "ask_programme_eligibility",
                       ["ask_programme_eligibility"], [("programme", "cerv")])
    assert corrected_intent(message) == "check_eligibility"


def test_officials_met_are_not_who_takes_part():
    text = "Nos ados voudraient préparer des débats avec les élus sur la place du vélo en ville"
    message = Message(data={"text": text})
    message.set("entities", [{"entity": "audience", "value": "jeunes", "start": 4, "end": 8},
                             {"entity": "audience", "value": "elus", "start": 49, "end": 53},
                             {"entity": "activity", "value": "conference", "start": 33, "end": 39}])
    PartnerTownReader().process([message])
    kinds = {(e["entity"], e["value"]) for e in message.get("entities")}
    assert ("audience", "jeunes") in kinds and ("audience", "elus") not in kinds
    assert ("activity", "conference") not in kinds


def test_a_sure_youth_reading_without_young_people_is_a_plain_funding_request():
    message = _message("Pour les 30 ans, on aimerait recevoir une quarantaine d'amis de Setúbal, une aide possible ?",
                       "ask_funding_youth_exchange", ["ask_funding_youth_exchange"], [("country", "PT")])
    message.set("intent", {"name": "ask_funding_youth_exchange", "confidence": 0.97})
    assert corrected_intent(message) == "ask_funding"


def test_whether_they_can_help_is_a_contact_question():
    message = _message("Et eux, ils peuvent nous aider pour le dossier Erasmus+ ou faut voir quelqu'un d'autre ?",
                       "nlu_fallback", ["compare_programmes", "ask_contact"], [("programme", "erasmus_plus")])
    assert corrected_intent(message) == "ask_contact"


def test_the_same_project_with_another_country_is_a_detail_even_when_unsure():
    message = _message("Et la même chose avec Cracovie, le Fonds citoyen irait ?", "nlu_fallback",
                       ["ask_programme_info", "compare_programmes"], [("country", "PL"), ("programme", "fonds_citoyen")])
    assert corrected_intent(message) == "inform"


@pytest.mark.parametrize("text, made", [
    ("Avec Tartu, nos bibliothécaires voudraient rédiger ensemble un guide d'animation numérique", True),
    ("Concevoir avec notre jumelle de Lecco des outils pédagogiques partagés pour les cours de langue", True),
    ("On voudrait créer un jumelage avec une ville de Lituanie", False),
])
def test_teaching_material_made_with_the_partner_is_co_creation(text, made):
    message = Message(data={"text": text})
    message.set("entities", [])
    PartnerTownReader().process([message])
    assert (("activity", "cocreation") in {(e["entity"], e["value"]) for e in message.get("entities")}) == made


def test_whether_a_new_detail_changes_anything_is_that_detail():
    message = _message("et si c'était fin juin plutôt, ça change quelque chose ?", "nlu_fallback", ["inform", "bot_challenge"])
    assert corrected_intent(message) == "inform"


@pytest.mark.parametrize("text", ["notre projet avec Trnava, ça passe pour le CERV ?",
                                  "avec 12 bénévoles on a une chance au Fonds citoyen ?"])
def test_whether_our_project_stands_a_chance_starts_the_check(text):
    message = _message(text, "ask_funding_twinning", ["ask_funding_twinning"],
                       [("programme", "cerv"), ("country", "SK"), ("audience", "benevoles")])
    assert corrected_intent(message) == "check_eligibility"


def test_young_people_as_the_subject_of_officials_work_are_not_the_public():
    text = "Nos élus et ceux de Ptuj veulent travailler ensemble sur l'emploi des jeunes dans les petites villes"
    start = text.index("jeunes")
    message = Message(data={"text": text})
    message.set("entities", [{"entity": "audience", "value": "elus", "start": 4, "end": 8},
                             {"entity": "audience", "value": "jeunes", "start": start, "end": start + 6}])
    PartnerTownReader().process([message])
    assert {e["value"] for e in message.get("entities") if e["entity"] == "audience"} == {"elus"}


@pytest.mark.parametrize("text, intent", [("Lannion, 22300", "inform_location"), ("on est pas loin de Figeac", "inform_location"),
                                          ("on sera 40 en tout", None)])
def test_a_short_message_giving_a_place_says_where_the_user_is(text, intent):
    assert corrected_intent(_message(text, "inform", ["inform"])) == intent


@pytest.mark.parametrize("text, intent, expected", [
    ("c'est une machine qui me répond là ?", "ask_human", "bot_challenge"),
    ("je préfère parler à un conseiller, pas à un programme", "bot_challenge", "ask_human"),
    ("vous êtes un robot ? alors passez-moi quelqu'un", "ask_human", None),
])
def test_whether_it_is_a_bot_and_asking_for_a_person_are_told_apart(text, intent, expected):
    assert corrected_intent(_message(text, intent, [intent])) == expected


@pytest.mark.parametrize("text, expected", [
    ("bon, au final notre comité est-il éligible ou pas ?", "check_eligibility"),
    ("on est éligibles à quoi avec un échange de lycéens ?", None),
])
def test_whether_we_are_eligible_starts_the_check_and_to_what_asks_what_fits(text, expected):
    assert corrected_intent(_message(text, "ask_funding", ["ask_funding"])) == expected


@pytest.mark.parametrize("text, intent, expected", [
    ("on oublie le robot, un humain svp", "bot_challenge", "ask_human"),
    ("tout à fait", "inform", "affirm"),
    ("aide", "ask_funding", "ask_capabilities"),
])
def test_small_talk_is_told_apart(text, intent, expected):
    assert corrected_intent(_message(text, intent, [intent])) == expected


@pytest.mark.parametrize("text, entities, expected", [
    ("Le volet Réseaux de villes, combien par projet ?", [("programme", "cerv_networks_of_towns")], "ask_programme_amount"),
    ("prochain appel pour la mission villes ?", [("programme", "horizon_cities_mission")], "ask_programme_deadline"),
    ("une commune suisse peut-elle être partenaire d'un projet CERV ?", [("programme", "cerv")], "ask_programme_eligibility"),
    ("quel financement pour un échange de jeunes, et c'est combien ?", [("audience", "jeunes")], None),
    ("quelle part des jumelages français se fait avec l'Italie ?", [("country", "IT")], "ask_twinning_figures"),
])
def test_a_detail_of_a_programme_asked_is_that_detail(text, entities, expected):
    assert corrected_intent(_message(text, "ask_funding_network_of_towns", ["ask_funding_network_of_towns"],
                                     entities)) == expected


@pytest.mark.parametrize("text, intent, expected", [
    ("vous pouvez m'aider sur quoi exactement ?", "ask_funding", "ask_capabilities"),
    ("ça rentre dans vos compétences, les jumelages ?", "ask_programme_info", "ask_capabilities"),
    ("l'intérêt d'un jumelage pour une petite commune, c'est quoi ?", "inform", "ask_what_is_twinning"),
    ("notre comité a-t-il droit à cette aide ?", "ask_funding", "check_eligibility"),
])
def test_what_the_assistant_does_what_a_twinning_brings_and_our_rights(text, intent, expected):
    assert corrected_intent(_message(text, intent, [intent])) == expected


def test_the_schemes_we_could_claim_are_a_recommendation_not_the_check():
    message = _message("je souhaiterais connaître les aides européennes auxquelles notre comité pourrait prétendre",
                       "ask_funding", ["ask_funding"])
    assert corrected_intent(message) is None


@pytest.mark.parametrize("text", ["Bonsoir madame", "bonjour à toute l'équipe !", "salut"])
def test_a_greeting_alone_is_a_greeting(text):
    assert corrected_intent(_message(text, "inform", ["inform"])) == "greet"


@pytest.mark.parametrize("text, expected", [("et nous, on peut en bénéficier ?", "check_eligibility"),
                                            ("notre asso peut bénéficier de quoi ?", None)])
def test_whether_we_may_benefit_is_the_check_and_of_what_is_a_recommendation(text, expected):
    assert corrected_intent(_message(text, "ask_funding", ["ask_funding"])) == expected


def test_making_teaching_material_together_supports_an_education_reading():
    message = _message("Avec Kranj et Zadar, nos agents voudraient élaborer ensemble un guide, sur trois ans",
                       "ask_funding_education_training", ["ask_funding_education_training", "ask_funding_network_of_towns"],
                       [("activity", "cocreation"), ("audience", "agents"), ("country", "SI"), ("country", "HR")])
    assert corrected_intent(message) is None


def test_a_question_about_a_programme_read_as_about_the_bot_is_about_the_programme():
    message = _message("et l'OFAJ, c'est quoi au juste ?", "bot_challenge", ["bot_challenge"], [("programme", "ofaj")])
    assert corrected_intent(message) == "ask_programme_info"


def test_a_project_told_at_length_and_asking_which_programme_is_a_funding_request():
    message = _message("Nous animons avec des communes de Lettonie, d'Estonie et de Finlande un projet commun sur la "
                       "mémoire de la Baltique pour nos habitants ; quel programme pourrait le financer ?",
                       "inform", ["inform", "ask_funding_network_of_towns"],
                       [("country", "LV"), ("country", "EE"), ("country", "FI"), ("audience", "citoyens")])
    assert corrected_intent(message) == "ask_funding_network_of_towns"


@pytest.mark.parametrize("text, entities", [
    ("notre dossier serait-il recevable ?", []),
    ("un concert avec nos amis de Gubbio, ça rentre dans le cadre du CERV pour nous ?", [("programme", "cerv"), ("country", "IT")]),
])
def test_whether_our_project_is_admissible_starts_the_check(text, entities):
    assert corrected_intent(_message(text, "ask_funding", ["ask_funding"], entities)) == "check_eligibility"


def test_young_people_as_a_subject_are_read_in_a_letter_with_blank_lines():
    text = "Madame,\n\n\nNos élus et nos associations s'inquiètent du départ des jeunes vers les grandes villes."
    start = text.index("jeunes")
    message = Message(data={"text": text})
    message.set("entities", [{"entity": "audience", "value": "elus", "start": text.index("élus"), "end": text.index("élus") + 4},
                             {"entity": "audience", "value": "jeunes", "start": start, "end": start + 6}])
    PartnerTownReader().process([message])
    assert "jeunes" not in {e["value"] for e in message.get("entities") if e["entity"] == "audience"}
