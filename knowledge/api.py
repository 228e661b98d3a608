"""Read API of the knowledge base, used by the Rasa actions (contract: docs/design.md).

Every function reads the snapshot of the database's current build (:mod:`knowledge.snapshot`):
lookups in memory, and the pure functions of :mod:`knowledge.ranking` and
:mod:`knowledge.eligibility` over them. The database comes from :class:`bot.settings.Settings`; a
database that cannot be read raises ``sqlalchemy.exc.SQLAlchemyError``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any, List, Mapping, Optional, Tuple, Union

from knowledge import eligibility, geo, ranking, towns
from knowledge.snapshot import current
from knowledge.views import (
    CallView,
    CentreView,
    ContactView,
    EligibilityReport,
    ExampleView,
    FactView,
    Location,
    LocatorAnswer,
    NeedProfile,
    ProjectAnswers,
    Recommendation,
    RuleResult,
    StrandView,
)

__all__ = [
    "NeedProfile",
    "Recommendation",
    "StrandView",
    "CallView",
    "ContactView",
    "ExampleView",
    "FactView",
    "recommend",
    "get_strand",
    "strand_for",
    "list_strands",
    "next_call",
    "contacts_for",
    "get_contacts",
    "examples_for",
    "key_figures",
    "facts",
    "country_name",
    "ProjectAnswers",
    "EligibilityReport",
    "RuleResult",
    "required_answers",
    "check_eligibility",
    "answer_labels_fr",
    "eligibility_strands",
    "CentreView",
    "Location",
    "LocatorAnswer",
    "europe_direct_for",
    "nearest_europe_direct",
    "place_of",
]

Today = Union[date, datetime]


def get_strand(strand_or_programme_id: Optional[str]) -> Optional[StrandView]:
    """Return a strand; a programme id resolves to its default strand.

    Args:
        strand_or_programme_id: e.g. ``"cerv"`` or ``"erasmus_youth_exchanges"``.
    """
    snapshot = current()
    strand_id = snapshot.strand_id(strand_or_programme_id)
    return snapshot.strands_by_id.get(strand_id) if strand_id else None


def strand_for(strand_or_programme_id: Optional[str], profile: NeedProfile) -> Optional[StrandView]:
    """The strand meant: a strand id as is; a programme ("Erasmus+") its strand that fits the project best.

    "Erasmus+, qui contacter ?" in a conversation about young people means the youth exchanges, not
    the programme's default strand (school partnerships).
    """
    strand = get_strand(strand_or_programme_id)
    if strand is None or strand_or_programme_id != strand.programme_id:
        return strand
    if profile.describes_anything:
        candidates = {s.id for s in list_strands(strand.programme_id)}
        for rec in recommend(profile, limit=20, every_candidate=True):
            if rec.strand.id in candidates:
                return rec.strand
    return strand


def list_strands(programme_id: Optional[str] = None) -> List[StrandView]:
    """Return all strands (optionally of one programme) in the order of programmes.yml."""
    return [s for s in current().strands if not programme_id or s.programme_id == programme_id]


# The answers that describe a project's shape, which a recommendation takes into account. (Not the
# partner countries: a message names some of them, "un réseau avec des communes d'Italie", not all.)
SHAPE_ANSWERS = ("duration_months",)


def recommend(
    profile: NeedProfile,
    today: Optional[Today] = None,
    limit: int = ranking.DEFAULT_LIMIT,
    every_candidate: bool = False,
    answers: Optional[Mapping[str, Any]] = None,
) -> List[Recommendation]:
    """Recommend strands for a need profile, best first (see :mod:`knowledge.ranking`).

    Args:
        profile: need and entities, as canonical values.
        today: date used for the "next deadline" reason (default: today).
        limit: maximum number of recommendations.
        every_candidate: every strand that serves the need, not only the fitting alternatives.
        answers: what the user said of the project's shape (``duration_months``): a strand whose
            verified rules the project fails is left out ("sur trois ans" rules out a partnership of
            24 months at most).

    Returns:
        Up to ``limit`` recommendations; empty if nothing fits.
    """
    snapshot = current()
    strands = list(snapshot.strands)
    shape = {key: value for key, value in (answers or {}).items() if key in SHAPE_ANSWERS and value}
    if shape:
        project, countries = ProjectAnswers.from_mapping(shape), dict(snapshot.countries)
        strands = [strand for strand in strands if not eligibility.is_checkable(strand)
                   or eligibility.evaluate(strand, project, countries).verdict != "not_eligible"]
    return ranking.rank_strands(
        strands,
        profile,
        countries=snapshot.countries,
        today=today or date.today(),
        limit=limit,
        every_candidate=every_candidate,
    )


def next_call(strand_id: str, today: Optional[Today] = None) -> Optional[CallView]:
    """Return the strand's next call whose deadline is on or after ``today``.

    Args:
        strand_id: strand id or programme id.
        today: reference date (default: today). A deadline on that very day still counts.

    Returns:
        The call, or None when no future deadline is known: the caller then says the call is
        closed and gives ``StrandView.usual_pattern`` (or says applications are open all year
        when ``StrandView.rolling``).
    """
    strand = get_strand(strand_id)
    if strand is None:
        return None
    return ranking.next_call(strand.calls, today or date.today())


def contacts_for(strand_id: Optional[str] = None, topic: Optional[str] = None) -> List[ContactView]:
    """Return contacts for a strand and/or a topic.

    Args:
        strand_id: strand or programme id: the strand's contacts in their listed order.
        topic: e.g. ``"cerv_help"``, ``"twinning_setup"``, ``"eu_info"``, ``"human"``; keeps
            only contacts with that topic.

    Returns:
        Matching contacts (all contacts when both arguments are None); empty for an unknown strand.
    """
    snapshot = current()
    contacts = list(snapshot.contacts)
    if strand_id:
        strand = get_strand(strand_id)
        if strand is None:
            return []
        by_id = {contact.id: contact for contact in contacts}
        contacts = [by_id[contact_id] for contact_id in strand.contact_ids]
    return [contact for contact in contacts if not topic or topic in contact.topics]


def get_contacts(entity_value: Optional[str]) -> List[ContactView]:
    """Return the contacts named by a ``contact`` entity value (id or alias, e.g. ``agence_erasmus``)."""
    if not entity_value:
        return []
    key = entity_value.strip().lower()
    return [c for c in current().contacts if c.id == key or key in c.aliases]


def examples_for(strand_id: Optional[str]) -> List[ExampleView]:
    """Return the examples of a strand, or of every strand of a programme when given a programme id."""
    if not strand_id:
        return []
    snapshot = current()
    key = strand_id.strip().lower()
    if key in snapshot.default_strands:
        return [e for e in snapshot.examples if e.programme_id == key]
    return [e for e in snapshot.examples if e.strand_id == key]


def facts(topic: Optional[str] = None) -> List[FactView]:
    """Return the facts of ``figures.yml`` (optionally of one topic) in file order."""
    return [fact for fact in current().facts if not topic or fact.topic == topic]


def key_figures() -> List[FactView]:
    """Return the national key figures about twinning."""
    return facts("key_figure")


def country_name(code: Optional[str]) -> Optional[str]:
    """Return the French name of an ISO alpha-2 code ("DE" -> "Allemagne"), or None."""
    if not code:
        return None
    country = current().countries.get(code.strip().upper())
    return country[0] if country else None


def country_status(code: Optional[str]) -> Optional[str]:
    """Return ``member``, ``candidate`` or ``other`` for an ISO code, or None when unknown."""
    if not code:
        return None
    country = current().countries.get(code.strip().upper())
    return country[1] if country else None


# ------------------------------------------------------------------------------ eligibility


def _strand_or_raise(strand_id: Optional[str]) -> StrandView:
    strand = get_strand(strand_id)
    if strand is None:
        raise ValueError(f"unknown strand or programme '{strand_id}'")
    return strand


def required_answers(strand_id: str) -> Tuple[str, ...]:
    """Return the answers needed to check eligibility for a strand, in a sensible asking order.

    Args:
        strand_id: strand id or programme id (resolved to its default strand).

    Returns:
        Answer names (fields of :class:`ProjectAnswers`), e.g. ``("applicant_type",
        "partner_countries", "participants", ...)``; empty when no rule of the strand is checkable.
        The question to ask for each is in :func:`answer_labels_fr`.

    Raises:
        ValueError: unknown strand or programme id.
    """
    return eligibility.answers_needed(_strand_or_raise(strand_id))


def check_eligibility(strand_id: str, answers: Union[ProjectAnswers, Mapping[str, Any]]) -> EligibilityReport:
    """Check a project against the strand's rules, rule by rule (see :mod:`knowledge.eligibility`).

    Args:
        strand_id: strand id or programme id (resolved to its default strand).
        answers: the project's answers; a mapping (slots, parser output) is accepted too.

    Returns:
        ``verdict`` ("eligible" | "not_eligible" | "unknown"), ``results`` (one
        :class:`RuleResult` per checked rule, with text, source URL, call year and verified flag),
        ``missing`` answers and the ``not_checked`` rules.

    Raises:
        ValueError: unknown strand id, or an answer outside its vocabulary.
    """
    project = answers if isinstance(answers, ProjectAnswers) else ProjectAnswers.from_mapping(answers)
    strand = _strand_or_raise(strand_id)
    return eligibility.evaluate(strand, project, dict(current().countries))


def eligibility_strands() -> List[str]:
    """Return the ids of the strands that have machine-checkable rules, in programmes.yml order."""
    return [strand.id for strand in list_strands() if eligibility.is_checkable(strand)]


answer_labels_fr = eligibility.answer_labels_fr


# --------------------------------------------------------------------------- Europe Direct

ACTIVE_CENTRE_STATUSES = ("confirmed", "to_check")  # probably_inactive centres are never proposed


def europe_direct_for(department_code: str) -> LocatorAnswer:
    """Return the EUROPE DIRECT centres for a département, with the official locator.

    Centres whose ``coverage`` lists the département come first (``coverage_known`` True). When
    none does, the answer holds the centres of the same region instead, NOT confirmed to cover
    the département (``coverage_known`` False; possibly no centre at all): the assistant says
    so and gives ``locator_url``. Centres of older generations (``probably_inactive``) are never
    returned.

    Args:
        department_code: INSEE code, loosely written: "19", "9", "2a", "974".

    Raises:
        ValueError: when the code is not a French département (use :func:`nearest_europe_direct`
            for free text).
    """
    location = geo.departement_location(department_code or "")
    if location is None:
        raise ValueError(f"unknown département code {department_code!r}")
    code = location.departement_code
    snapshot = current()
    if snapshot.locator is None:
        raise LookupError("the database has no EUROPE DIRECT locator: rebuild it (python -m knowledge build)")
    active = [centre for centre in snapshot.centres if centre.status in ACTIVE_CENTRE_STATUSES]
    centres = [centre for centre in active if code in centre.coverage]
    coverage_known = bool(centres)
    if not coverage_known:
        centres = [centre for centre in active if centre.region_code == location.region_code]
    # Confirmed 2026-2030 centres first, then verified coverage, then file order (stable sort).
    centres.sort(key=lambda c: (c.status != "confirmed", not c.coverage_verified))
    return LocatorAnswer(
        departement_code=code,
        departement_name=location.departement_name,
        region_code=location.region_code,
        region_name=location.region_name,
        coverage_known=coverage_known,
        coverage_verified=coverage_known and any(c.coverage_verified for c in centres),
        centres=tuple(centres),
        locator_url=snapshot.locator.url,
        locator_note=snapshot.locator.note,
        location=location,
    )


def place_of(text: Optional[str]) -> Optional[Location]:
    """The French place a free text names ("je suis à Brive", "19100"), or None.

    A town the message places abroad ("notre ville jumelle Valence en Espagne") is not where the user is.
    """
    return geo.locate(towns.without_foreign_towns(text) if text else text)


def nearest_europe_direct(text: Optional[str]) -> Optional[LocatorAnswer]:
    """Find the EUROPE DIRECT centres for a place given in free text.

    Args:
        text: "je suis à Brive", "19100", "en Corrèze", "dép. 29"... (see :func:`knowledge.geo.locate`).

    Returns:
        The answer for the place's département, whose ``location`` says how the text was read
        (commune, alternatives to ask about); None when the text names no known place.
    """
    location = place_of(text)
    if location is None:
        return None
    answer = europe_direct_for(location.departement_code)
    return replace(answer, location=location)
