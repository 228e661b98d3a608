"""Knowledge API: strands, calls, contacts, examples, figures, countries."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from knowledge import api

DESIGN_PROGRAMME_VALUES = [
    "cerv", "cerv_town_twinning", "cerv_networks_of_towns", "erasmus_plus", "horizon_cities_mission",
    "ofaj", "fonds_citoyen", "european_solidarity_corps", "interreg",
]
DESIGN_CONTACT_VALUES = [
    "cidem", "afccre", "europe_direct", "ofaj", "fonds_citoyen", "agence_erasmus",
    "commission_representation", "netzerocities",
]
DESIGN_COUNTRIES = (
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE "
    "AL BA GE MD ME MK RS TR UA XK GB NO IS LI CH"
).split()


@pytest.mark.parametrize("value", DESIGN_PROGRAMME_VALUES)
def test_every_programme_entity_resolves(knowledge_url: str, value: str) -> None:
    strand = api.get_strand(value)
    assert strand is not None and value in (strand.id, strand.programme_id)


@pytest.mark.parametrize(
    "value, strand_id",
    [
        ("cerv", "cerv_town_twinning"),
        ("erasmus_plus", "erasmus_small_scale_partnerships"),
        ("horizon_cities_mission", "horizon_twin_cities"),
        ("ofaj", "ofaj_youth_meetings"),
        ("fonds_citoyen", "fonds_citoyen_projects"),
        ("CERV", "cerv_town_twinning"),
    ],
)
def test_default_strands(knowledge_url: str, value: str, strand_id: str) -> None:
    strand = api.get_strand(value)
    assert strand.id == strand_id
    assert strand.is_default


def test_unknown_strand(knowledge_url: str) -> None:
    assert api.get_strand("nope") is None
    assert api.next_call("nope", date(2026, 1, 1)) is None
    assert api.contacts_for("nope") == []


def test_every_strand_is_sourced_and_complete(knowledge_url: str) -> None:
    strands = api.list_strands()
    assert len(strands) >= 10
    for strand in strands:
        assert strand.sources and all(s.url.startswith("http") for s in strand.sources), strand.id
        assert strand.official_url.startswith("http"), strand.id
        assert strand.usual_pattern and strand.summary and strand.funds, strand.id
        assert strand.needs and strand.contact_ids, strand.id
        assert strand.eligible_countries.sources, strand.id
        for fact in strand.rules + strand.amounts + strand.calls:
            assert fact.sources, (strand.id, fact)
            # Checked at the first writing or at the audit re-check, never in the future.
            assert all(date(2026, 11, 26) <= s.checked_on <= date(2026, 11, 30) for s in fact.sources)


def test_strand_view_carries_programme_and_unverified_rules(knowledge_url: str) -> None:
    strand = api.get_strand("cerv_town_twinning")
    assert strand.programme_id == "cerv"
    assert strand.programme_short_name == "CERV"
    participants = strand.rule("min_participants")
    assert (participants.value, participants.call_year, participants.verified) == (50, 2024, False)
    assert strand.rule("min_eu_member_countries").verified is True
    lump_sum = strand.amounts[0]
    assert (lump_sum.min_eur, lump_sum.max_eur, lump_sum.verified) == (8455, 50745, True)
    assert "st_yrieix_2024" in strand.example_ids


@pytest.mark.parametrize(
    "strand_id, today, call_id",
    [
        ("cerv_town_twinning", date(2026, 5, 1), "CERV-2026-CITIZENS-TOWN-TT"),
        ("cerv", date(2026, 9, 23), "CERV-2026-CITIZENS-TOWN-TT"),  # the deadline day still counts
        ("cerv_town_twinning", date(2026, 9, 24), None),
        ("cerv_town_twinning", date(2026, 11, 26), None),
        ("cerv_networks_of_towns", date(2026, 1, 10), "CERV-2026-CITIZENS-TOWN-NT"),
        ("cerv_networks_of_towns", date(2026, 4, 17), None),
        ("erasmus_youth_exchanges", date(2026, 1, 15), "ERASMUS-2026-R1-KA152-YOU"),
        ("erasmus_youth_exchanges", date(2026, 3, 1), "ERASMUS-2026-R2-KA152-YOU"),
        ("erasmus_adult_education_mobility", date(2026, 2, 20), None),
        ("fonds_citoyen_projects", date(2026, 1, 1), None),
        ("horizon_twin_cities", date(2026, 1, 1), None),
    ],
)
def test_next_call(knowledge_url: str, strand_id: str, today: date, call_id) -> None:
    call = api.next_call(strand_id, today)
    assert (call.id if call else None) == call_id


def test_next_call_deadline_is_timezone_aware(knowledge_url: str) -> None:
    call = api.next_call("cerv_town_twinning", date(2026, 5, 1))
    assert call.deadline == datetime(2026, 9, 23, 15, 0, tzinfo=timezone.utc)
    assert call.deadline.utcoffset() == timedelta(hours=2)
    assert call.verified and call.year == 2026 and call.source.startswith("https://")
    assert "23 septembre 2026" in call.deadline_text


def test_next_call_with_datetime(knowledge_url: str) -> None:
    before = datetime(2026, 9, 23, 14, 0, tzinfo=timezone.utc)
    after = datetime(2026, 9, 23, 16, 0, tzinfo=timezone.utc)
    assert api.next_call("cerv_town_twinning", before) is not None
    assert api.next_call("cerv_town_twinning", after) is None


def test_unverified_round_is_flagged(knowledge_url: str) -> None:
    call = api.next_call("erasmus_youth_exchanges", date(2026, 3, 1))
    assert call.verified is False


def test_rolling_strand(knowledge_url: str) -> None:
    strand = api.get_strand("fonds_citoyen")
    assert strand.rolling and "6 semaines" in strand.usual_pattern


@pytest.mark.parametrize(
    "strand_id, topic, expected",
    [
        ("cerv_town_twinning", None, ["cidem", "afccre", "europe_direct", "commission_representation", "eacea"]),
        ("cerv", "cerv_help", ["cidem", "afccre", "eacea"]),
        ("cerv", "human", ["cidem", "afccre", "europe_direct", "commission_representation"]),
        ("ofaj_youth_meetings", "ofaj_help", ["ofaj", "fafa"]),
        ("horizon_twin_cities", "horizon_help", ["netzerocities", "pcn_horizon_europe"]),
    ],
)
def test_contacts_for_strand(knowledge_url: str, strand_id: str, topic, expected: list) -> None:
    assert [c.id for c in api.contacts_for(strand_id, topic)] == expected


@pytest.mark.parametrize(
    "topic, must_include",
    [
        ("twinning_setup", "afccre"),
        ("partner_search", "afccre"),
        ("eu_info", "europe_direct"),
        ("eu_info", "commission_representation"),
        ("human", "europe_direct"),
        ("cerv_help", "cidem"),
        ("erasmus_help", "agence_erasmus_jeunesse_sport"),
        ("fonds_citoyen_help", "fonds_citoyen"),
    ],
)
def test_contacts_for_topic(knowledge_url: str, topic: str, must_include: str) -> None:
    contacts = api.contacts_for(topic=topic)
    assert must_include in [c.id for c in contacts]
    assert all(topic in c.topics for c in contacts)


@pytest.mark.parametrize("value", DESIGN_CONTACT_VALUES)
def test_every_contact_entity_resolves(knowledge_url: str, value: str) -> None:
    assert api.get_contacts(value)


def test_agence_erasmus_alias(knowledge_url: str) -> None:
    ids = [c.id for c in api.get_contacts("agence_erasmus")]
    assert ids == ["agence_erasmus_education_formation", "agence_erasmus_jeunesse_sport"]


def test_contact_details_keep_verification(knowledge_url: str) -> None:
    (europe_direct,) = api.get_contacts("europe_direct")
    assert europe_direct.url.value == "https://european-union.europa.eu/contact-eu/meet-us_fr?country=FR"
    assert europe_direct.phone.value == "00 800 6 7 8 9 10 11"
    (representation,) = api.get_contacts("commission_representation")
    emails = {d.value: d.verified for d in representation.details if d.kind == "email"}
    assert emails == {"comm-rep-mrs-territoires@ec.europa.eu": True, "comm-rep-mrs@ec.europa.eu": False}
    (cidem,) = api.get_contacts("cidem")
    assert cidem.url.verified is False and cidem.email is None and cidem.phone is None


def test_every_example_resolves(knowledge_url: str) -> None:
    strands = {s.id: s for s in api.list_strands()}
    examples = [e for sid in strands for e in api.examples_for(sid)]
    assert len(examples) >= 13
    for example in examples:
        assert example.id in strands[example.strand_id].example_ids
        assert example.programme_id == strands[example.strand_id].programme_id
        assert example.sources
        for code in example.partner_countries:
            assert api.country_name(code)


def test_examples_for_programme_and_history(knowledge_url: str) -> None:
    by_id = {e.id: e for e in api.examples_for("cerv")}
    st_yrieix = by_id["st_yrieix_2024"]
    assert (st_yrieix.amount_eur, st_yrieix.partner_countries, st_yrieix.year, st_yrieix.verified) == (8455, ("PL",), 2024, False)
    for historical in ("tulle_2021", "veauche_chazelles_2021", "pompadour_2019"):
        assert by_id[historical].historical_note
    assert {e.id for e in api.examples_for("erasmus_plus")} >= {
        "coevrons_erasmus_youth", "coulaines_erasmus", "aulnay_de_saintonge_erasmus"
    }
    assert api.examples_for("nope") == []


def test_key_figures(knowledge_url: str) -> None:
    figures = api.key_figures()
    assert figures and all(f.topic == "key_figure" and f.sources for f in figures)
    by_id = {f.id: f for f in figures}
    assert by_id["twinned_authorities"].verified is False
    assert len(api.facts("twinning_definition")) == 1


def test_countries(knowledge_url: str) -> None:
    assert api.country_name("de") == "Allemagne"
    assert api.country_name("ZZ") is None
    assert api.country_name(None) is None
    assert all(api.country_name(code) for code in DESIGN_COUNTRIES)
