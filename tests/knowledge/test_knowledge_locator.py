"""Nearest EUROPE DIRECT centre: place lookup (knowledge.geo), centres API and data validation."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
import yaml

from bot.settings import KNOWLEDGE_DATA_DIR
from knowledge import api, geo, snapshot
from knowledge.loader import (
    KnowledgeDataError,
    _StrictLoader,
    build_database,
    load_data,
)

LOCATOR_URL = "https://european-union.europa.eu/contact-eu/meet-us_fr?country=FR"
CENTRES_FILE = "europe_direct_centres.yml"


# ------------------------------------------------------------------------------ geo.locate


@pytest.mark.parametrize(
    "text, departement, commune, matched_by",
    [
        ("19100", "19", "Brive-la-Gaillarde", "postal_code"),
        ("je suis à Brive", "19", "Brive-la-Gaillarde", "commune"),
        ("Brive", "19", "Brive-la-Gaillarde", "commune"),
        ("brive-la-gaillarde", "19", "Brive-la-Gaillarde", "commune"),
        ("en Corrèze", "19", None, "departement_name"),
        ("correze", "19", None, "departement_name"),
        ("Haute-Savoie", "74", None, "departement_name"),
        ("je suis en Haute-Savoie", "74", None, "departement_name"),
        ("Finistère", "29", None, "departement_name"),
        ("dép. 29", "29", None, "departement_code"),
        ("29", "29", None, "departement_code"),
        ("dans le 974", "974", None, "departement_code"),
        ("2A", "2A", None, "departement_code"),
        ("2b", "2B", None, "departement_code"),
        ("on est à Saint-Yrieix-sur-Charente", "16", "Saint-Yrieix-sur-Charente", "commune"),
        ("St Yrieix sur Charente", "16", "Saint-Yrieix-sur-Charente", "commune"),
        ("Ste-Maxime", "83", "Sainte-Maxime", "commune"),
        ("Le Havre", "76", "Le Havre", "commune"),
        ("au Havre", "76", "Le Havre", "commune"),
        ("LES SABLES D'OLONNE", "85", "Les Sables-d'Olonne", "commune"),
        ("75011", "75", "Paris", "postal_code"),
        ("20000", "2A", "Ajaccio", "postal_code"),
        ("97200", "972", "Fort-de-France", "postal_code"),
    ],
)
def test_locate(text: str, departement: str, commune: str, matched_by: str) -> None:
    location = geo.locate(text)
    assert location is not None
    assert location.departement_code == departement
    assert location.commune == commune
    assert location.matched_by == matched_by


def test_locate_gives_names_and_region() -> None:
    location = geo.locate("19100")
    assert (location.departement_name, location.region_code, location.region_name) == (
        "Corrèze", "75", "Nouvelle-Aquitaine",
    )
    assert (location.insee, location.postal_code) == ("19031", "19100")
    assert geo.locate("2A").departement_name == "Corse-du-Sud"


@pytest.mark.parametrize(
    "text, best, other",
    [
        ("Saint-Yrieix", ("Saint-Yrieix-sur-Charente", "16"), ("Saint-Yrieix-la-Perche", "87")),
        ("Boulogne", ("Boulogne-Billancourt", "92"), ("Boulogne-sur-Mer", "62")),
        ("Saint-Denis", ("Saint-Denis", "974"), ("Saint-Denis", "93")),
    ],
)
def test_ambiguous_name_returns_most_populated_and_alternatives(text: str, best: tuple, other: tuple) -> None:
    location = geo.locate(text)
    assert (location.commune, location.departement_code) == best
    assert location.ambiguous
    assert other in [(place.commune, place.departement_code) for place in location.alternatives]
    populations = [place.population or 0 for place in location.alternatives]
    assert populations == sorted(populations, reverse=True)


def test_departement_name_offers_same_named_communes() -> None:
    # "Vienne" alone: the département (86); the town of Vienne (Isère) is an alternative.
    location = geo.locate("Vienne")
    assert (location.departement_code, location.commune) == ("86", None)
    assert ("Vienne", "38") in [(p.commune, p.departement_code) for p in location.alternatives]
    # "à Vienne": the town.
    assert geo.locate("je suis à Vienne").departement_code == "38"


def test_postal_code_shared_by_communes_of_one_departement_is_not_ambiguous() -> None:
    location = geo.locate("74500")  # Évian-les-Bains and neighbouring communes
    assert location.departement_code == "74"
    assert location.alternatives
    assert not location.ambiguous


@pytest.mark.parametrize(
    "text", ["", "   ", None, "bonjour", "la mer est belle", "j'ai 12 ans", "xyzzy", "dép. 20", "99999"]
)
def test_unknown_text_returns_none(text) -> None:
    assert geo.locate(text) is None


def test_departement_code_normalises() -> None:
    assert geo.departement_code("9") == "09"
    assert geo.departement_code(" 2a ") == "2A"
    assert geo.departement_code("20") is None
    assert len(geo.departements()) == 109


# ------------------------------------------------------------------------------ API


@pytest.mark.parametrize(
    "code, centre_id",
    [("19", "ed_limousin"), ("74", "ed_ain_genevois"), ("01", "ed_ain_genevois"), ("57", "ed_territoires_lorrains")],
)
def test_covered_departement_returns_its_centres_with_sources(knowledge_url: str, code: str, centre_id: str) -> None:
    answer = api.europe_direct_for(code)
    assert answer.coverage_known
    assert not answer.regional_fallback
    assert answer.locator_url == LOCATOR_URL
    assert centre_id in [c.id for c in answer.centres]
    for centre in answer.centres:
        assert code in centre.coverage
        assert centre.sources and centre.coverage_sources
        assert all(source.url.startswith("http") for source in centre.sources)


def test_centre_view_details(knowledge_url: str) -> None:
    centre = next(c for c in api.europe_direct_for("87").centres if c.id == "ed_limousin")
    assert centre.address.value == "51 avenue Georges Dumas, 87000 Limoges"
    assert centre.address.sources
    assert centre.phone is None and centre.email is None  # no source gives them
    assert (centre.departement_name, centre.region_name) == ("Haute-Vienne", "Nouvelle-Aquitaine")
    assert not centre.coverage_verified  # inferred from the centre's name


def test_verified_coverage_is_reported(knowledge_url: str) -> None:
    assert api.europe_direct_for("976").coverage_verified
    assert not api.europe_direct_for("19").coverage_verified


def test_confirmed_centres_come_first(knowledge_url: str) -> None:
    centres = api.europe_direct_for("59").centres
    assert centres[0].id == "ed_lille_metropole"
    assert centres[0].status == "confirmed"


def test_uncovered_departement_falls_back_to_region(knowledge_url: str) -> None:
    answer = api.europe_direct_for("71")  # Saône-et-Loire: Dijon and Besançon nearby
    assert not answer.coverage_known
    assert not answer.coverage_verified
    assert answer.regional_fallback
    assert answer.locator_url == LOCATOR_URL
    assert [c.region_code for c in answer.centres] == ["27"] * len(answer.centres)
    assert all("71" not in c.coverage for c in answer.centres)


def test_departement_without_known_centre(knowledge_url: str) -> None:
    # Bretagne: the only centre found (Rennes) is known from sources older than 2021.
    answer = api.europe_direct_for("29")
    assert answer.departement_name == "Finistère"
    assert not answer.coverage_known
    assert answer.centres == ()
    assert not answer.regional_fallback
    assert answer.locator_url == LOCATOR_URL


def test_inactive_centres_are_never_proposed(knowledge_url: str) -> None:
    answer = api.europe_direct_for("18")  # Bourges: older generation only
    assert "ed_bourges" not in [c.id for c in answer.centres]
    every = snapshot.current().centres
    active = [c for c in every if c.status in api.ACTIVE_CENTRE_STATUSES]
    assert len(every) > len(active) >= 20
    assert all(c.status != "probably_inactive" for c in active)


def test_unknown_departement_code_raises(knowledge_url: str) -> None:
    with pytest.raises(ValueError, match="unknown département code"):
        api.europe_direct_for("20")


@pytest.mark.parametrize(
    "text, code, commune",
    [("19100", "19", "Brive-la-Gaillarde"), ("je suis en Haute-Savoie", "74", None), ("dép. 29", "29", None)],
)
def test_nearest_europe_direct(knowledge_url: str, text: str, code: str, commune) -> None:
    answer = api.nearest_europe_direct(text)
    assert answer.departement_code == code
    assert answer.location.commune == commune
    assert answer.locator_url == LOCATOR_URL


def test_nearest_europe_direct_unknown_text(knowledge_url: str) -> None:
    assert api.nearest_europe_direct("quel temps fait-il ?") is None


def test_build_counts_centres(tmp_path: Path) -> None:
    counts = build_database(f"sqlite:///{tmp_path / 'kb.sqlite3'}", KNOWLEDGE_DATA_DIR)
    assert counts["europe_direct_centres"] >= 33  # the audit of 29 November 2026 found 36


# --------------------------------------------------------------------------- validation


def _edit_centres(data_dir: Path, change: Callable[[dict], None]) -> None:
    path = data_dir / CENTRES_FILE
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader)
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _set(field: str, value) -> Callable[[dict], None]:
    def change(data: dict) -> None:
        data["centres"][0][field] = value
    return change


def _bad_coverage_item(data: dict) -> None:
    data["centres"][1]["coverage"][1] = "2C"


def _duplicate_id(data: dict) -> None:
    data["centres"][1]["id"] = data["centres"][0]["id"]


def _coverage_without_source(data: dict) -> None:
    data["centres"][0]["coverage_sources"] = []


def _only_old_evidence_but_current(data: dict) -> None:
    # ed_bourges (index 23): only a 2018 source; proposing it as current must be refused.
    centre = data["centres"][23]
    assert centre["id"] == "ed_bourges"
    centre["generation"], centre["status"] = "2021_2025", "to_check"


def _older_generation_still_to_check(data: dict) -> None:
    centre = data["centres"][23]
    centre["status"] = "to_check"


@pytest.mark.parametrize(
    "change, expected",
    [
        pytest.param(_set("departement", "96"), "europe_direct_centres.yml: centres[0].departement: unknown département code '96'", id="bad-departement"),
        pytest.param(_set("departement", 59), "europe_direct_centres.yml: centres[0].departement: str type expected (got 59)", id="unquoted-departement"),
        pytest.param(_bad_coverage_item, "europe_direct_centres.yml: centres[1].coverage[1]: unknown département code '2C'", id="bad-coverage"),
        pytest.param(_set("region", "Bretagne"), "europe_direct_centres.yml: centres[0].region: region 'Bretagne' does not match département 59", id="wrong-region"),
        pytest.param(_set("generation", "2027"), "europe_direct_centres.yml: centres[0].generation: unknown generation '2027'", id="bad-generation"),
        pytest.param(_set("generation", "2021_2025"), "europe_direct_centres.yml: centres[0].status: status 'confirmed' needs generation '2026_2030'", id="confirmed-needs-2026"),
        pytest.param(_coverage_without_source, "europe_direct_centres.yml: centres[0].coverage_sources: a coverage needs at least one source", id="coverage-unsourced"),
        pytest.param(_duplicate_id, "europe_direct_centres.yml: centres[1].id: duplicate centre id 'ed_lille_metropole'", id="duplicate-id"),
        pytest.param(_only_old_evidence_but_current, "europe_direct_centres.yml: centres[23]: every dated source is older than 2021 (newest: 2018)", id="old-evidence-proposed-as-current"),
        pytest.param(_older_generation_still_to_check, "europe_direct_centres.yml: centres[23].status: generation 'older' needs status 'probably_inactive'", id="older-needs-inactive"),
    ],
)
def test_bad_centre_data_names_file_and_field(data_dir: Path, change, expected: str) -> None:
    _edit_centres(data_dir, change)
    with pytest.raises(KnowledgeDataError) as excinfo:
        load_data(data_dir)
    assert expected in str(excinfo.value)


def test_bad_centre_data_leaves_database_untouched(data_dir: Path, tmp_path: Path, use_database) -> None:
    url = f"sqlite:///{tmp_path / 'kb.sqlite3'}"
    build_database(url, data_dir)
    use_database(url)
    _edit_centres(data_dir, _set("departement", "96"))
    with pytest.raises(KnowledgeDataError):
        build_database(url, data_dir)
    assert api.europe_direct_for("59").coverage_known


def test_every_real_centre_is_sourced() -> None:
    centres = load_data(KNOWLEDGE_DATA_DIR).europe_direct.centres
    assert len({c.id for c in centres}) == len(centres)
    for centre in centres:
        assert centre.sources
        for detail in centre.details:
            assert detail.sources


def test_a_lower_case_word_after_an_article_is_not_a_place():
    from knowledge.geo import locate

    assert locate("on m'en a parlé à la réunion des maires du canton") is None
    assert locate("nous sommes en Corrèze, à la réunion du conseil").departement_code == "19"


def test_the_european_union_is_not_the_commune_of_l_union():
    from knowledge.geo import locate

    assert locate("Le site L'Europe des communes dépend-il de l'Union européenne ?") is None
    assert locate("nous habitons L'Union, au nord de Toulouse").departement_code == "31"


def test_our_two_towns_are_no_commune(knowledge_url):
    """"un atelier entre nos deux villes" names the twin towns, not Les Deux-Villes (Ardennes)."""
    assert api.nearest_europe_direct("un atelier d'histoires de famille entre nos deux villes") is None
    assert api.nearest_europe_direct("je suis à Saint-Étienne") is not None
