"""Rule-by-rule eligibility checks (knowledge.eligibility through knowledge.api) and the `check` schema."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Dict

import pytest

from knowledge import api
from knowledge.answers import ANSWER_ORDER, ANSWERS
from knowledge.eligibility import answer_labels_fr
from knowledge.loader import KnowledgeDataError, load_data
from knowledge.views import ProjectAnswers
from tests.knowledge.test_knowledge_loader import _edit

STRANDS = (
    "cerv_town_twinning",
    "cerv_networks_of_towns",
    "erasmus_youth_exchanges",
    "erasmus_small_scale_partnerships",
    "erasmus_cooperation_partnerships",
    "ofaj_youth_meetings",
    "fonds_citoyen_projects",
)

TT_OK = dict(applicant_type="comite_jumelage", partner_countries=("PL",), participants=60, invited_participants=30)
NT_OK = dict(applicant_type="commune", partner_countries=("DE", "PL", "IT"), duration_months=18)
KA152_OK = dict(
    partner_countries=("DE",), participants=30, min_age=15, max_age=18, leaders_adult=True, duration_days=8
)
OFAJ_OK = dict(partner_countries=("DE",), meeting_format="visite", participants=20, max_age=17, duration_days=6)
FC_OK = dict(applicant_type="association", partner_countries=("DE",), is_youth_only=False, weeks_until_start=10)


def _with(base: dict, **changes) -> dict:
    return {**base, **changes}


# (strand, answers, verdict, {rule_key: outcome} that must hold)
VERDICTS = [
    # CERV town twinning
    pytest.param("cerv_town_twinning", TT_OK, "eligible", {"min_participants": "ok"}, id="tt-eligible"),
    pytest.param("cerv", TT_OK, "eligible", {}, id="tt-via-programme-id"),
    pytest.param(
        "cerv_town_twinning", _with(TT_OK, applicant_type="particulier"), "not_eligible",
        {"applicant_types": "fails"}, id="tt-individual-fails",
    ),
    pytest.param(
        "cerv_town_twinning", _with(TT_OK, partner_countries=()), "not_eligible",
        {"min_countries": "fails"}, id="tt-no-partner-fails",
    ),
    pytest.param(
        "cerv_town_twinning", _with(TT_OK, participants=30, invited_participants=10), "unknown",
        {"min_participants": "to_verify", "min_invited_international_participants": "to_verify"},
        id="tt-2024-participant-rule-only-to-verify",
    ),
    pytest.param(
        "cerv_town_twinning", _with(TT_OK, applicant_type="association"), "unknown",
        {"applicant_types": "unknown"}, id="tt-plain-association-unclear",
    ),
    pytest.param(
        "cerv_town_twinning", _with(TT_OK, partner_countries=("UA",)), "unknown",
        {"eligible_countries": "to_verify", "min_countries": "ok"}, id="tt-associated-country-to-verify",
    ),
    pytest.param(
        "cerv_town_twinning", {"applicant_type": "commune"}, "unknown",
        {"min_countries": "unknown", "min_participants": "unknown"}, id="tt-missing-answers",
    ),
    # CERV networks of towns
    pytest.param("cerv_networks_of_towns", NT_OK, "eligible", {"min_countries": "ok"}, id="nt-eligible"),
    pytest.param(
        "cerv_networks_of_towns", _with(NT_OK, partner_countries=("DE",)), "not_eligible",
        {"min_countries": "fails"}, id="nt-two-countries-fails-2026-rule",
    ),
    # The 2026 call names non-profit bodies representing local authorities; only the 2025 lead rule is open.
    pytest.param(
        "cerv_networks_of_towns", _with(NT_OK, applicant_type="association_non_lucrative_representant_communes"),
        "unknown", {"applicant_types": "ok", "lead_applicant_local_authority": "to_verify"},
        id="nt-body-representing-towns-may-apply",
    ),
    pytest.param(
        "cerv_networks_of_towns", _with(NT_OK, applicant_type="comite_jumelage"), "unknown",
        {"applicant_types": "ok", "lead_applicant_local_authority": "to_verify"}, id="nt-committee-lead-to-verify",
    ),
    pytest.param(
        "cerv_networks_of_towns", _with(NT_OK, applicant_type="groupe_informel"), "not_eligible",
        {"applicant_types": "fails"}, id="nt-informal-group-fails",
    ),
    # Erasmus+ youth exchanges
    pytest.param("erasmus_youth_exchanges", KA152_OK, "eligible", {"participant_age": "ok"}, id="ka152-eligible"),
    pytest.param(
        "erasmus_youth_exchanges", _with(KA152_OK, duration_days=3), "not_eligible",
        {"activity_duration": "fails"}, id="ka152-3-days-fails",
    ),
    pytest.param(
        "erasmus_youth_exchanges", _with(KA152_OK, max_age=35), "not_eligible",
        {"participant_age": "fails"}, id="ka152-too-old-fails",
    ),
    pytest.param(
        "erasmus_youth_exchanges", _with(KA152_OK, participants=80), "unknown",
        {"group_size": "to_verify"}, id="ka152-third-party-group-size-to-verify",
    ),
    pytest.param(
        "erasmus_youth_exchanges", _with(KA152_OK, leaders_adult=None), "unknown",
        {"participant_age": "unknown"}, id="ka152-leaders-unknown",
    ),
    # OFAJ
    pytest.param("ofaj_youth_meetings", OFAJ_OK, "eligible", {"group_size_visit": "ok"}, id="ofaj-eligible"),
    pytest.param(
        "ofaj_youth_meetings", _with(OFAJ_OK, partner_countries=("PL",)), "not_eligible",
        {"eligible_countries": "fails"}, id="ofaj-no-german-partner-fails",
    ),
    pytest.param(
        "ofaj_youth_meetings", _with(OFAJ_OK, participants=50), "not_eligible",
        {"group_size_visit": "fails"}, id="ofaj-visit-too-big",
    ),
    pytest.param(
        "ofaj_youth_meetings", _with(OFAJ_OK, participants=50, meeting_format="lieu_tiers"), "eligible",
        {"group_size_third_place": "ok"}, id="ofaj-third-place-50-ok",
    ),
    pytest.param(
        "ofaj_youth_meetings", _with(OFAJ_OK, participants=50, meeting_format=None), "unknown",
        {"group_size_visit": "unknown", "group_size_third_place": "ok"}, id="ofaj-format-decides",
    ),
    pytest.param(
        "ofaj_youth_meetings", _with(OFAJ_OK, max_age=30), "eligible", {"participant_age": "ok"},
        id="ofaj-up-to-30-years-ok",
    ),
    # Sources disagree on the minimum (5 days, 4 days, 3 full days): a short meeting is never refused.
    pytest.param(
        "ofaj_youth_meetings", _with(OFAJ_OK, duration_days=4), "unknown",
        {"min_programme_days": "to_verify"}, id="ofaj-4-days-to-verify",
    ),
    pytest.param(
        "ofaj_youth_meetings", _with(OFAJ_OK, duration_days=3), "unknown",
        {"min_programme_days": "to_verify"}, id="ofaj-3-days-to-verify",
    ),
    # Fonds citoyen
    pytest.param("fonds_citoyen_projects", FC_OK, "eligible", {"applicant_types": "ok"}, id="fc-eligible"),
    pytest.param("fonds_citoyen", _with(FC_OK, applicant_type="groupe_informel"), "eligible", {}, id="fc-informal-group"),
    pytest.param(
        "fonds_citoyen_projects", _with(FC_OK, is_youth_only=True), "not_eligible",
        {"youth_only_excluded": "fails"}, id="fc-youth-only-fails",
    ),
    pytest.param(
        "fonds_citoyen_projects", _with(FC_OK, weeks_until_start=3), "not_eligible",
        {"min_notice_weeks": "fails"}, id="fc-too-late-fails",
    ),
    pytest.param(
        "fonds_citoyen_projects", _with(FC_OK, partner_countries=("IT",)), "not_eligible",
        {"eligible_countries": "fails"}, id="fc-not-franco-german-fails",
    ),
    pytest.param(
        "fonds_citoyen_projects", _with(FC_OK, weeks_until_start=None), "unknown",
        {"min_notice_weeks": "unknown"}, id="fc-start-unknown",
    ),
]


@pytest.mark.parametrize("strand_id, answers, verdict, outcomes", VERDICTS)
def test_verdict_rule_by_rule(knowledge_url: str, strand_id: str, answers: dict, verdict: str, outcomes: Dict[str, str]) -> None:
    report = api.check_eligibility(strand_id, ProjectAnswers(**answers))
    by_key = {r.rule_key: r for r in report.results}
    assert report.verdict == verdict, [(r.rule_key, r.outcome, r.explanation_fr) for r in report.results]
    for key, outcome in outcomes.items():
        assert by_key[key].outcome == outcome, by_key[key].explanation_fr


# Answers that break every rule at once: the worst project possible.
WORST = dict(
    applicant_type="particulier", partner_countries=("GB",), participants=1, invited_participants=0,
    duration_days=1, duration_months=1, min_age=5, max_age=99, leaders_adult=False, is_youth_only=True,
    meeting_format="visite", weeks_until_start=0,
)


@pytest.mark.parametrize("strand_id", STRANDS)
def test_unverified_rule_never_fails_firmly(knowledge_url: str, strand_id: str) -> None:
    report = api.check_eligibility(strand_id, ProjectAnswers(**WORST))
    assert report.results
    for result in report.results:
        if not result.verified:
            assert result.outcome in ("to_verify", "ok", "unknown"), result
        if result.outcome == "to_verify":
            assert "vérifier" in result.explanation_fr
    assert all(r.verified for r in report.failing)


@pytest.mark.parametrize("strand_id", STRANDS)
def test_every_result_carries_text_source_and_year(knowledge_url: str, strand_id: str) -> None:
    report = api.check_eligibility(strand_id, ProjectAnswers())
    assert report.verdict == "unknown"
    assert set(report.missing) == set(api.required_answers(strand_id))
    strand = api.get_strand(strand_id)
    for result in report.results:
        assert result.text and result.explanation_fr
        assert result.source_url and result.source_url.startswith("http")
        if result.rule_key != "eligible_countries":
            assert result.call_year == strand.rule(result.rule_key).call_year
            assert result.verified == strand.rule(result.rule_key).verified


@pytest.mark.parametrize(
    "strand_id, expected",
    [
        ("cerv_town_twinning", ("applicant_type", "partner_countries", "participants", "invited_participants")),
        ("cerv_networks_of_towns", ("applicant_type", "partner_countries", "duration_months")),
        (
            "erasmus_youth_exchanges",
            ("partner_countries", "participants", "min_age", "max_age", "leaders_adult", "duration_days"),
        ),
        ("ofaj_youth_meetings", ("partner_countries", "meeting_format", "participants", "max_age", "duration_days")),
        ("fonds_citoyen_projects", ("applicant_type", "partner_countries", "is_youth_only", "weeks_until_start")),
        ("erasmus_plus", ("partner_countries", "duration_months")),  # default strand KA210: its partners and length
    ],
)
def test_required_answers_in_asking_order(knowledge_url: str, strand_id: str, expected: tuple) -> None:
    answers = api.required_answers(strand_id)
    assert answers == expected
    assert list(answers) == sorted(answers, key=ANSWER_ORDER.index)


def test_eligibility_strands(knowledge_url: str) -> None:
    assert set(api.eligibility_strands()) == set(STRANDS)


def test_answer_labels_cover_every_answer() -> None:
    assert set(answer_labels_fr()) == set(ANSWER_ORDER)
    assert all(answer.label for answer in ANSWERS)
    assert answer_labels_fr(["participants"]) == {"participants": "Combien de personnes participeront en tout ?"}
    assert all(label.endswith("?") for label in answer_labels_fr().values())
    assert api.answer_labels_fr is answer_labels_fr


def test_missing_lists_only_what_is_needed(knowledge_url: str) -> None:
    report = api.check_eligibility("cerv_town_twinning", {"applicant_type": "commune", "participants": 60})
    assert report.missing == ("partner_countries", "invited_participants")


def test_not_checked_rules_are_listed_and_do_not_change_verdict(knowledge_url: str) -> None:
    report = api.check_eligibility("fonds_citoyen_projects", FC_OK)
    assert report.verdict == "eligible"
    assert [r.rule_key for r in report.not_checked] == ["max_share_of_costs"]
    assert all(r.outcome == "to_verify" for r in report.not_checked)


def test_explanations_are_french_and_merge_ranges(knowledge_url: str) -> None:
    report = api.check_eligibility("erasmus_youth_exchanges", _with(KA152_OK, duration_days=3))
    result = next(r for r in report.results if r.rule_key == "activity_duration")
    assert result.explanation_fr == "Non conforme : Durée de la rencontre (jours) : 3 (exigé : entre 5 et 21)."


def test_answers_are_normalised() -> None:
    answers = ProjectAnswers.from_mapping({"partner_countries": ["pl", "PL", " de "], "foo": 1, "participants": None})
    assert answers.partner_countries == ("PL", "DE")
    assert answers.as_dict() == {"partner_countries": ("PL", "DE"), "home_country": "FR"}


def test_unknown_strand_and_bad_answer_raise(knowledge_url: str) -> None:
    with pytest.raises(ValueError, match="unknown strand"):
        api.check_eligibility("nope", ProjectAnswers())
    with pytest.raises(ValueError, match="unknown strand"):
        api.required_answers("nope")
    with pytest.raises(ValueError, match="unknown applicant_type 'mairie'"):
        api.check_eligibility("cerv", ProjectAnswers(applicant_type="mairie"))


# ---------------------------------------------------------------------------- schema of `check`

_TT_RULES = "programmes.yml: programmes[0].strands[0].rules"


def _set_check(index: int, check) -> Callable[[dict], None]:
    def change(data: dict) -> None:
        data["programmes"][0]["strands"][0]["rules"][index]["check"] = check

    return change


BAD_CHECKS = [
    pytest.param(
        _set_check(3, {"answer": "participantz", "op": ">=", "value": 50}),
        f"{_TT_RULES}[3].check[0].answer: unknown answer 'participantz'", id="unknown-answer",
    ),
    pytest.param(
        _set_check(3, {"answer": "participants", "op": "=>", "value": 50}),
        f"{_TT_RULES}[3].check[0].op: unknown op '=>' for answer 'participants'", id="unknown-op",
    ),
    pytest.param(
        _set_check(3, {"answer": "participants", "op": ">=", "value": "cinquante"}),
        f"{_TT_RULES}[3].check[0].value: expected a number for answer 'participants'", id="value-not-number",
    ),
    pytest.param(
        _set_check(0, [{"answer": "applicant_type", "op": "in", "value": ["commune", "mairie"]}]),
        f"{_TT_RULES}[0].check[0].value: unknown applicant_type 'mairie'", id="unknown-applicant-type",
    ),
    pytest.param(
        _set_check(3, {"answer": "participants", "op": ">=", "value": 50, "unclear": ["association"]}),
        f"{_TT_RULES}[3].check[0].unclear: 'unclear' only applies to", id="unclear-on-number",
    ),
    pytest.param(
        _set_check(3, {"answer": "participants", "op": ">="}),
        f"{_TT_RULES}[3].check[0].value: field required", id="missing-value",
    ),
    pytest.param(
        _set_check(3, {"answer": "participants", "op": ">=", "value": 50, "typo": 1}),
        f"{_TT_RULES}[3].check[0].typo: extra fields not permitted", id="extra-field",
    ),
]


@pytest.mark.parametrize("change, expected", BAD_CHECKS)
def test_bad_check_names_file_and_field(data_dir: Path, change, expected: str) -> None:
    _edit(data_dir, "programmes.yml", change)
    with pytest.raises(KnowledgeDataError) as excinfo:
        load_data(data_dir)
    assert expected in str(excinfo.value)


def test_real_checks_load() -> None:
    from bot.settings import KNOWLEDGE_DATA_DIR

    strands = {s.id: s for p in load_data(KNOWLEDGE_DATA_DIR).programmes for s in p.strands}
    rule = next(r for r in strands["cerv_town_twinning"].rules if r.key == "min_participants")
    assert [(c.answer, c.op, c.value) for c in rule.checks] == [("participants", ">=", 50)]


def test_strand_without_checks_gives_no_verdict(knowledge_url: str) -> None:
    report = api.check_eligibility("erasmus_adult_education_mobility", FC_OK)
    assert (report.verdict, report.results, report.missing) == ("unknown", (), ())
    assert {r.rule_key for r in report.not_checked} == {"applicant_types", "max_participants", "project_duration"}


def test_a_three_year_partnership_of_three_countries_is_a_cooperation_partnership(knowledge_url: str) -> None:
    """A small-scale partnership lasts 24 months at most; a cooperation partnership needs 3 countries."""
    three_years = dict(partner_countries=("HR", "SI"), duration_months=36)
    assert api.check_eligibility("erasmus_small_scale_partnerships", three_years).verdict == "not_eligible"
    assert api.check_eligibility("erasmus_cooperation_partnerships", three_years).verdict == "eligible"
    two_countries = dict(partner_countries=("SI",), duration_months=18)
    assert api.check_eligibility("erasmus_cooperation_partnerships", two_countries).verdict == "not_eligible"
