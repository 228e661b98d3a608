"""Free-text extraction of eligibility answers (actions.parsing), incl. SMS style without accents."""

from __future__ import annotations

import pytest

from actions.parsing import (
    days_between,
    normalize,
    parse_answers,
    parse_applicant_type,
    parse_int_fr,
)
from knowledge import api
from knowledge.views import ProjectAnswers


@pytest.mark.parametrize(
    "text, expected",
    [
        ("60", 60),
        ("trente", 30),
        ("vingt et un", 21),
        ("dix-sept", 17),
        ("quarante-cinq", 45),
        ("soixante-dix", 70),
        ("soixante et onze", 71),
        ("quatre-vingts", 80),
        ("quatre vingt dix", 90),
        ("quatre-vingt-dix-sept", 97),
        ("cent", 100),
        ("cent vingt", 120),
        ("deux cents", 200),
        ("trois cent cinquante", 350),
        ("une cinquantaine", 50),
        ("une vingtaine", 20),
        ("deux centaines", 200),
        ("environ 45 personnes", 45),
        ("50aine", 50),
        ("Soixante‑dix", 70),  # non-breaking hyphen from a phone keyboard
        ("rien du tout", None),
        ("", None),
    ],
)
def test_parse_int_fr(text: str, expected) -> None:
    assert parse_int_fr(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        # head-count and invited participants
        (
            "on sera 60 dont 30 Polonais, sur 4 jours",
            {"participants": 60, "invited_participants": 30, "duration_days": 4, "partner_countries": ("PL",)},
        ),
        ("une cinquantaine de personnes", {"participants": 50}),
        ("on sera une cinquantaine", {"participants": 50}),
        ("trente personnes", {"participants": 30}),
        ("on sera ~80 pers dont 40 invites", {"participants": 80, "invited_participants": 40}),
        ("soixante-dix participants", {"participants": 70}),
        ("quatre-vingts personnes au total", {"participants": 80}),
        (
            "30 polonais et 30 francais",
            {"participants": 60, "invited_participants": 30, "partner_countries": ("PL",)},
        ),
        ("un groupe de 12", {"participants": 12}),
        # durations
        ("3 jours", {"duration_days": 3}),
        ("3j", {"duration_days": 3}),
        ("une semaine", {"duration_days": 7}),
        ("deux semaines", {"duration_days": 14}),
        ("du 12 au 15 mai", {"duration_days": 4}),
        ("du 28 juin au 3 juillet", {"duration_days": 6}),
        ("du 30 dec au 2 janvier", {"duration_days": 4}),
        ("12-15 mai", {"duration_days": 4}),
        ("du 12/05 au 15/05", {"duration_days": 4}),
        ("4 nuits", {"duration_days": 5}),
        ("pendant 10 mois", {"duration_months": 10}),
        ("projet sur 2 ans", {"duration_months": 24}),
        ("ca commence dans 3 semaines", {"weeks_until_start": 3}),
        ("début dans 2 mois", {"weeks_until_start": 8}),
        # ages
        ("de 15 à 18 ans", {"min_age": 15, "max_age": 18}),
        ("des 16-25 ans", {"min_age": 16, "max_age": 25}),
        ("entre 13 et 17 ans", {"min_age": 13, "max_age": 17}),
        ("jeunes de moins de 30 ans", {"max_age": 29}),
        ("a partir de 16 ans", {"min_age": 16}),
        ("des ados de 15 ans", {"min_age": 15, "max_age": 15}),
        ("jumeles depuis 20 ans avec une ville allemande", {"partner_countries": ("DE",)}),
        # applicant
        ("la mairie", {"applicant_type": "commune"}),
        ("c la commune qui depose", {"applicant_type": "commune"}),
        ("le comité de jumelage", {"applicant_type": "comite_jumelage"}),
        ("slt c le cdj", {"applicant_type": "comite_jumelage"}),
        ("notre asso", {"applicant_type": "association"}),
        ("une association", {"applicant_type": "association"}),
        ("un groupe de jeunes", {"applicant_type": "groupe_informel"}),
        ("un groupe informel", {"applicant_type": "groupe_informel"}),
        ("le collège", {"applicant_type": "etablissement_scolaire"}),
        ("le lycee", {"applicant_type": "etablissement_scolaire"}),
        ("l'école primaire", {"applicant_type": "etablissement_scolaire"}),
        ("la communaute de communes", {"applicant_type": "collectivite"}),
        # flags
        ("projet uniquement pour les enfants", {"is_youth_only": True}),
        ("pas que des jeunes, c'est tout public", {"is_youth_only": False}),
        ("accompagnateurs tous majeurs", {"leaders_adult": True}),
        ("rencontre en lieu tiers", {"meeting_format": "lieu_tiers"}),
        ("on part chez nos amis allemands", {"meeting_format": "visite", "partner_countries": ("DE",)}),
        # nothing to read
        ("bonjour", {}),
    ],
)
def test_parse_answers(text: str, expected: dict) -> None:
    assert parse_answers(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "slt on est le cdj, on recoit nos amis polonais, on sera a peu pres 45 dont 25 polonais, 3j",
            {
                "applicant_type": "comite_jumelage", "meeting_format": "visite", "participants": 45,
                "invited_participants": 25, "duration_days": 3, "partner_countries": ("PL",),
            },
        ),
        (
            "On est une asso franco-allemande, on part chez nos amis allemands 5 jours avec 20 jeunes de 14 à 17 ans",
            {
                "applicant_type": "association", "meeting_format": "visite", "participants": 20,
                "min_age": 14, "max_age": 17, "duration_days": 5, "partner_countries": ("DE",),
            },
        ),
        (
            "c la mairie, projet avec allemagne pologne et italie, 12 mois",
            {"applicant_type": "commune", "duration_months": 12, "partner_countries": ("DE", "PL", "IT")},
        ),
        (
            "Nous accueillons 35 jeunes Allemands et 35 jeunes Français âgés de 16 à 19 ans pendant une semaine",
            {
                "meeting_format": "visite", "participants": 70, "invited_participants": 35, "min_age": 16,
                "max_age": 19, "duration_days": 7, "partner_countries": ("DE",),
            },
        ),
        (
            "echange de jeunes de 13 a 17 ans, une vingtaine, 10 jours en Espagne",
            {"min_age": 13, "max_age": 17, "participants": 20, "duration_days": 10, "partner_countries": ("ES",)},
        ),
    ],
)
def test_parse_sms_sentences(text: str, expected: dict) -> None:
    assert parse_answers(text) == expected


def test_applicant_earliest_mention_wins() -> None:
    assert parse_applicant_type("on est une asso, la mairie nous aide") == "association"
    assert parse_applicant_type("le comité de jumelage de la commune") == "comite_jumelage"
    assert parse_applicant_type("rien") is None


def test_helpers() -> None:
    assert normalize("  Comité   DE Jumelage’s ") == "comite de jumelage's"
    assert days_between(12, 5, 15, 5) == 4
    assert days_between(31, 2, 3, 3) is None


def test_parsed_answers_feed_the_checker(knowledge_db: str) -> None:
    answers = parse_answers("le comité de jumelage, on sera 60 dont 30 Polonais, sur 4 jours")
    report = api.check_eligibility("cerv_town_twinning", ProjectAnswers.from_mapping(answers))
    assert report.verdict == "eligible"
    assert report.missing == ()
