"""Ranking expectations: the first recommendation for typical profiles."""

from __future__ import annotations

from datetime import date

import pytest

from knowledge import api
from knowledge.api import NeedProfile
from knowledge.ranking import infer_need, rank_strands

BILATERAL = {"ofaj_youth_meetings", "fonds_citoyen_projects"}
NEEDS = [None, "twinning_meeting", "network_of_towns", "youth_exchange", "education_training", "climate_cities", "franco_german"]
TODAY = date(2026, 11, 26)

FIRST = [
    # need, audience, country, theme, activity -> acceptable first strands
    (("twinning_meeting", None, None, None, None), {"cerv_town_twinning"}),
    (("twinning_meeting", None, "PL", None, None), {"cerv_town_twinning"}),
    (("twinning_meeting", None, "IT", "culture", None), {"cerv_town_twinning"}),
    (("twinning_meeting", "elus", None, None, None), {"cerv_town_twinning"}),
    (("twinning_meeting", None, "UA", None, None), {"cerv_town_twinning"}),
    (("twinning_meeting", None, "DE", None, None), {"fonds_citoyen_projects"}),
    (("twinning_meeting", "citoyens", "DE", "memoire", None), {"fonds_citoyen_projects"}),
    (("twinning_meeting", "jeunes", "DE", None, None), {"ofaj_youth_meetings"}),
    (("twinning_meeting", "scolaires", "DE", None, None), {"ofaj_youth_meetings"}),
    # A class and its teachers with a partner elsewhere: a school project, whatever the intent said.
    (("youth_exchange", "scolaires", "ES", None, None), {"erasmus_small_scale_partnerships"}),
    (("youth_exchange", "enseignants", "IT", None, None), {"erasmus_small_scale_partnerships"}),
    # Towns of several countries (read as the activity "reseau") working together: a network.
    (("twinning_meeting", "citoyens", "PL", None, "reseau"), {"cerv_networks_of_towns"}),
    # With the neighbouring commune across the border: Interreg's micro-projects, whatever intent was heard.
    (("twinning_meeting", None, "BE", None, "transfrontalier"), {"interreg_micro_projects"}),
    ((None, "elus", "IT", "environnement", "transfrontalier"), {"interreg_micro_projects"}),
    # Young people debating or campaigning at home on democracy: youth participation; travelling: an exchange.
    (("youth_exchange", "jeunes", None, "democratie", None), {"erasmus_youth_participation"}),
    ((None, "jeunes", "IT", "democratie", "conference"), {"erasmus_youth_participation"}),
    # A debate among other activities of a youth meeting ("un match, une rando, une soirée débat") is no
    # participation project: the message reader gives the theme when young people work with their elected officials.
    ((None, "jeunes", "IT", None, "conference"), {"erasmus_youth_exchanges"}),
    (("youth_exchange", "jeunes", "IT", "democratie", "echange"), {"erasmus_youth_exchanges"}),
    # Young people meeting peers abroad are an exchange, even when the classifier heard "network".
    (("network_of_towns", "jeunes", "BE", "environnement", None), {"erasmus_youth_exchanges"}),
    (("network_of_towns", None, None, None, None), {"cerv_networks_of_towns"}),
    (("network_of_towns", None, "DE", None, None), {"cerv_networks_of_towns"}),
    (("network_of_towns", "benevoles", "DE", None, None), {"cerv_networks_of_towns"}),
    (("network_of_towns", None, None, "climat", None), {"cerv_networks_of_towns"}),
    (("youth_exchange", None, None, None, None), {"erasmus_youth_exchanges"}),
    (("youth_exchange", "jeunes", "ES", None, None), {"erasmus_youth_exchanges"}),
    (("youth_exchange", None, "DE", None, None), {"ofaj_youth_meetings"}),
    (("youth_exchange", "jeunes", "DE", "sport", None), {"ofaj_youth_meetings"}),
    (("education_training", None, None, None, None), {"erasmus_small_scale_partnerships"}),
    (("education_training", "seniors", None, None, None), {"erasmus_adult_education_mobility"}),
    (("education_training", "adultes", "IT", None, None), {"erasmus_adult_education_mobility"}),
    (("education_training", "jeunes", None, None, None), {"erasmus_youth_participation", "erasmus_youth_exchanges"}),
    (("education_training", "jeunes", "DE", None, None), {"erasmus_youth_participation", "erasmus_youth_exchanges"}),
    (("education_training", "scolaires", None, None, None), {"erasmus_small_scale_partnerships"}),
    (("education_training", "scolaires", "DE", None, None), {"erasmus_small_scale_partnerships"}),
    (("education_training", "enseignants", None, None, None), {"erasmus_small_scale_partnerships"}),
    (("education_training", "agents", None, None, "formation"), {"erasmus_small_scale_partnerships"}),
    (("education_training", "benevoles", None, None, None), {"erasmus_small_scale_partnerships"}),
    (("education_training", "seniors", "DE", None, None), {"erasmus_adult_education_mobility"}),
    (("climate_cities", None, None, None, None), {"horizon_twin_cities"}),
    (("climate_cities", None, "DE", None, None), {"horizon_twin_cities"}),
    (("climate_cities", "elus", None, "energie", None), {"horizon_twin_cities"}),
    (("franco_german", None, None, None, None), {"fonds_citoyen_projects"}),
    (("franco_german", None, "DE", "culture", None), {"fonds_citoyen_projects"}),
    (("franco_german", "jeunes", None, None, None), {"ofaj_youth_meetings"}),
    (("franco_german", "scolaires", "DE", None, None), {"ofaj_youth_meetings"}),
    (("franco_german", "enfants", None, None, None), {"ofaj_youth_meetings"}),
    # No need: inferred from the entities.
    ((None, "jeunes", None, None, None), {"erasmus_youth_exchanges"}),
    ((None, "jeunes", "DE", None, None), {"ofaj_youth_meetings"}),
    ((None, None, None, "climat", None), {"horizon_twin_cities"}),
    ((None, None, None, "energie", None), {"horizon_twin_cities"}),
    ((None, None, None, None, "reseau"), {"cerv_networks_of_towns"}),
    ((None, None, "DE", None, None), {"fonds_citoyen_projects"}),
    ((None, None, None, None, None), {"cerv_town_twinning"}),
    ((None, None, "PL", None, None), {"cerv_town_twinning"}),
    ((None, None, "GB", None, None), {"cerv_town_twinning"}),
    ((None, "seniors", None, None, "formation"), {"erasmus_adult_education_mobility"}),
    # Seniors visiting a twin town are residents meeting, not learners.
    ((None, "seniors", "BE", None, None), {"cerv_town_twinning"}),
    # Residents meeting on the climate: a twinning; a council on climate neutrality: the mission.
    ((None, "citoyens", "PL", "climat", None), {"cerv_town_twinning"}),
    ((None, "elus", None, "climat", None), {"horizon_twin_cities"}),
    # Young people's solidarity project at home: the Solidarity Corps; with a partner abroad, an exchange.
    ((None, "jeunes", None, "solidarite", None), {"esc_solidarity_projects"}),
    ((None, "jeunes", "PL", "solidarite", None), {"erasmus_youth_exchanges"}),
]


@pytest.mark.parametrize("fields, expected", FIRST, ids=lambda v: "-".join(str(x) for x in v) if isinstance(v, tuple) else None)
def test_first_recommendation(knowledge_url: str, fields: tuple, expected: set) -> None:
    recommendations = api.recommend(NeedProfile(*fields), today=TODAY)
    assert recommendations, "at least one recommendation expected"
    assert recommendations[0].strand.id in expected
    assert len(recommendations) <= 3


@pytest.mark.parametrize(
    "fields, second",
    [
        (("twinning_meeting", None, "DE", None, None), "cerv_town_twinning"),
        (("youth_exchange", None, "DE", None, None), "erasmus_youth_exchanges"),
    ],
)
def test_second_recommendation(knowledge_url: str, fields: tuple, second: str) -> None:
    recommendations = api.recommend(NeedProfile(*fields), today=TODAY)
    assert recommendations[1].strand.id == second


@pytest.mark.parametrize(
    "fields, unfit",
    [
        # Young people are not offered the Fonds citoyen, which excludes them, nor CERV's adults' meetings.
        (("franco_german", "jeunes", None, None, None), {"fonds_citoyen_projects", "cerv_town_twinning"}),
        (("youth_exchange", "jeunes", "RO", None, None), {"esc_solidarity_projects", "cerv_town_twinning"}),
        # Adults meeting their twin town: no youth scheme, no network, no school partnership.
        (("twinning_meeting", "citoyens", "PL", None, None),
         {"erasmus_youth_exchanges", "cerv_networks_of_towns", "erasmus_small_scale_partnerships"}),
        # A network on democracy is not a climate project.
        (("network_of_towns", None, None, "democratie", None), {"horizon_twin_cities"}),
    ],
)
def test_alternatives_are_only_schemes_the_project_could_apply_to(knowledge_url, fields, unfit) -> None:
    alternatives = api.recommend(NeedProfile(*fields), today=TODAY)[1:]
    assert not {rec.strand.id for rec in alternatives} & unfit


def test_bilateral_schemes_only_for_germany(knowledge_url: str) -> None:
    strands = api.list_strands()
    codes = [code for code in _all_country_codes(knowledge_url) if code != "DE"] + ["ZZ"]
    for code in codes:
        for need in NEEDS:
            for audience in (None, "jeunes", "citoyens"):
                profile = NeedProfile(need=need, audience=audience, country=code)
                ids = {rec.strand.id for rec in rank_strands(strands, profile, limit=20)}
                assert not ids & BILATERAL, (profile, ids)
    for need in NEEDS:
        if need != "franco_german":
            ids = {rec.strand.id for rec in rank_strands(strands, NeedProfile(need=need), limit=20)}
            assert not ids & BILATERAL, need


def test_reasons_are_french_and_mention_deadline(knowledge_url: str) -> None:
    first = api.recommend(NeedProfile("twinning_meeting", country="PL"), today=date(2026, 5, 1))[0]
    assert "Répond à votre besoin : rencontres entre villes jumelées." in first.reasons
    assert "Pays membre de l'UE (Pologne) : partenaire éligible." in first.reasons
    assert "Prochaine date limite : 23/09/2026." in first.reasons


def test_uncertain_country_is_flagged(knowledge_url: str) -> None:
    first = api.recommend(NeedProfile("twinning_meeting", country="GB"))[0]
    assert any("à vérifier" in reason for reason in first.reasons)


def test_verified_country_list_excludes_or_admits(knowledge_url: str) -> None:
    strand = api.get_strand("cerv_town_twinning")
    closed = strand.copy(update={"eligible_countries": strand.eligible_countries.copy(update={"verified": True})})
    profile = NeedProfile("twinning_meeting", country="GB")
    assert rank_strands([closed], profile) == []
    opened = closed.copy(update={"eligible_countries": closed.eligible_countries.copy(update={"countries": ("GB",)})})
    (rec,) = rank_strands([opened], profile, countries={"GB": ("Royaume-Uni", "other")})
    assert "Pays associé au programme (Royaume-Uni) : partenaire éligible." in rec.reasons


@pytest.mark.parametrize(
    "profile, need",
    [
        (NeedProfile(need="youth_exchange", theme="climat"), "youth_exchange"),
        (NeedProfile(theme="ville_intelligente"), "climate_cities"),
        (NeedProfile(audience="enfants"), "youth_exchange"),
        (NeedProfile(activity="formation"), "education_training"),
        (NeedProfile(country="DE"), "franco_german"),
        (NeedProfile(country="IT"), "twinning_meeting"),
    ],
)
def test_infer_need(profile: NeedProfile, need: str) -> None:
    assert infer_need(profile)[0] == need


def _all_country_codes(url: str) -> list:
    from sqlalchemy import select

    from knowledge import models
    from knowledge.db import session_scope

    with session_scope(url) as session:
        return list(session.scalars(select(models.Country.code)))


def test_a_programme_named_means_its_strand_for_the_project(knowledge_url: str) -> None:
    youth = api.strand_for("erasmus_plus", NeedProfile(audience="jeunes"))
    assert youth.id == "erasmus_youth_exchanges"
    assert api.strand_for("erasmus_plus", NeedProfile()).id == "erasmus_small_scale_partnerships"
    assert api.strand_for("cerv_networks_of_towns", NeedProfile(audience="jeunes")).id == "cerv_networks_of_towns"


def test_a_franco_german_reading_with_a_partner_elsewhere_follows_the_partner(knowledge_url: str) -> None:
    first = api.recommend(NeedProfile("franco_german", country="IT"), today=TODAY)[0]
    assert first.strand.id == "cerv_town_twinning"
    young = api.recommend(NeedProfile("franco_german", audience="jeunes", country="IT"), today=TODAY)[0]
    assert young.strand.id == "erasmus_youth_exchanges"


def test_a_franco_german_project_with_a_third_country_stays_franco_german(knowledge_url):
    profile = NeedProfile("franco_german", "citoyens", "DE", "memoire", "reseau")
    assert api.recommend(profile, today=TODAY)[0].strand.id == "fonds_citoyen_projects"


def test_children_are_offered_no_youth_exchange_as_an_alternative(knowledge_url: str) -> None:
    """A youth exchange starts at 13: a leisure centre's 9-12-year-olds going to Germany get the OFAJ alone."""
    recommendations = api.recommend(NeedProfile("youth_exchange", "enfants", "DE"), today=TODAY)
    assert recommendations[0].strand.id == "ofaj_youth_meetings"
    assert "erasmus_youth_exchanges" not in [rec.strand.id for rec in recommendations[1:]]
