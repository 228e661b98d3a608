"""Read API of the knowledge base, used by the Rasa actions (contract: docs/design.md).

Each function opens its own short-lived session and returns frozen dataclasses from
:mod:`knowledge.views`; answers are kept in memory until the database is rebuilt
(:mod:`knowledge.cache`). The optional ``url`` argument selects another database (tests); by default
the URL comes from :class:`bot.settings.Settings`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time
from typing import Any, List, Mapping, Optional, Sequence, Tuple, Union
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from knowledge import eligibility, geo, models, ranking, towns
from knowledge.cache import per_build
from knowledge.db import session_scope
from knowledge.views import (
    AmountView,
    CallView,
    CentreView,
    CheckView,
    EligibilityReport,
    ProjectAnswers,
    RuleResult,
    ContactDetailView,
    ContactView,
    EligibleCountriesView,
    ExampleView,
    FactView,
    Location,
    LocatorAnswer,
    NeedProfile,
    Recommendation,
    RuleView,
    SourceView,
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
    "list_strands",
    "resolve_programme",
    "next_call",
    "contacts_for",
    "get_contacts",
    "examples_for",
    "key_figures",
    "facts",
    "country_name",
    "country_status",
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
    "europe_direct_centres",
    "europe_direct_for",
    "nearest_europe_direct",
]

Today = Union[date, datetime]


# ------------------------------------------------------------------------------ conversions


def _sources(raw: Sequence[dict]) -> tuple:
    return tuple(
        SourceView(
            url=item["url"],
            checked_on=date.fromisoformat(item["checked_on"]),
            published=item.get("published"),
            third_party=item.get("third_party", False),
            title=item.get("title"),
        )
        for item in raw
    )


def _check_view(raw: dict) -> CheckView:
    value = raw["value"]
    return CheckView(
        answer=raw["answer"],
        op=raw["op"],
        value=tuple(value) if isinstance(value, list) else value,  # keep views hashable
        unclear=tuple(raw.get("unclear") or ()),
        unclear_note=raw.get("unclear_note"),
    )


def _call_view(call: models.Call) -> CallView:
    deadline = None
    if call.deadline is not None:
        # Without an hour, keep the whole day open rather than closing at midnight.
        hour = time.fromisoformat(call.deadline_time) if call.deadline_time else time(23, 59)
        deadline = datetime.combine(call.deadline, hour, tzinfo=ZoneInfo(call.timezone))
    return CallView(
        id=call.id,
        strand_id=call.strand_id,
        year=call.year,
        opening=call.opening,
        deadline=deadline,
        deadline_has_time=call.deadline_time is not None,
        deadline_text=call.deadline_text,
        note=call.note,
        verified=call.verified,
        sources=_sources(call.sources),
    )


def _strand_view(strand: models.Strand) -> StrandView:
    programme = strand.programme
    return StrandView(
        id=strand.id,
        programme_id=programme.id,
        programme_name=programme.name_fr,
        programme_short_name=programme.short_name,
        is_default=programme.default_strand_id == strand.id,
        name_fr=strand.name_fr,
        short_name=strand.short_name,
        priority=strand.priority,
        summary=strand.summary,
        funds=strand.funds,
        who_can_apply=strand.who_can_apply,
        how_to_apply=strand.how_to_apply,
        official_url=strand.official_url,
        usual_pattern=strand.usual_pattern,
        rolling=strand.rolling,
        needs=tuple((need.need, need.weight) for need in strand.needs),
        audiences=tuple(strand.audiences),
        excluded_audiences=tuple(strand.excluded_audiences),
        themes=tuple(strand.themes),
        activities=tuple(strand.activities),
        eligible_countries=EligibleCountriesView(
            rule=strand.country_rule,
            countries=tuple(strand.country_codes),
            note=strand.country_note,
            verified=strand.country_verified,
            sources=_sources(strand.country_sources),
        ),
        rules=tuple(
            RuleView(
                key=rule.key, text=rule.text, value=rule.value, unit=rule.unit,
                call_year=rule.call_year, verified=rule.verified, sources=_sources(rule.sources),
                checks=tuple(_check_view(c) for c in rule.checks or ()),
                applies_if=_check_view(rule.applies_if) if rule.applies_if else None,
            )
            for rule in strand.rules
        ),
        amounts=tuple(
            AmountView(
                text=amount.text, min_eur=amount.min_eur, max_eur=amount.max_eur,
                call_year=amount.call_year, verified=amount.verified,
                sources=_sources(amount.sources),
            )
            for amount in strand.amounts
        ),
        calls=tuple(_call_view(call) for call in strand.calls),
        contact_ids=tuple(link.contact_id for link in strand.contact_links),
        example_ids=tuple(example.id for example in strand.examples),
        verified=strand.verified,
        sources=_sources(strand.sources),
    )


def _detail_views(details) -> tuple:
    """Views of the channels (url, email, phone, address) of a contact or a centre."""
    return tuple(
        ContactDetailView(
            kind=detail.kind, value=detail.value, note=detail.note,
            verified=detail.verified, sources=_sources(detail.sources),
        )
        for detail in details
    )


def _contact_view(contact: models.Contact) -> ContactView:
    return ContactView(
        id=contact.id,
        name=contact.name,
        short_name=contact.short_name,
        role=contact.role,
        topics=tuple(contact.topics),
        aliases=tuple(contact.aliases),
        details=_detail_views(contact.details),
        verified=contact.verified,
        sources=_sources(contact.sources),
    )


def _example_view(example: models.Example) -> ExampleView:
    return ExampleView(
        id=example.id,
        strand_id=example.strand_id,
        strand_short_name=example.strand.short_name,
        programme_id=example.strand.programme_id,
        commune=example.commune,
        partner_countries=tuple(example.partner_countries),
        year=example.year,
        period=example.period,
        title=example.title,
        description=example.description,
        amount_eur=example.amount_eur,
        historical_note=example.historical_note,
        verified=example.verified,
        sources=_sources(example.sources),
    )


def _fact_view(fact: models.Fact) -> FactView:
    return FactView(
        id=fact.id, topic=fact.topic, text=fact.text, note=fact.note,
        verified=fact.verified, sources=_sources(fact.sources),
    )


_STRAND_LOADING = (
    selectinload(models.Strand.programme),
    selectinload(models.Strand.needs),
    selectinload(models.Strand.rules),
    selectinload(models.Strand.amounts),
    selectinload(models.Strand.calls),
    selectinload(models.Strand.contact_links),
    selectinload(models.Strand.examples),
)


def _load_strands(session: Session, programme_id: Optional[str] = None) -> List[StrandView]:
    query = select(models.Strand).options(*_STRAND_LOADING).order_by(models.Strand.position)
    if programme_id:
        query = query.where(models.Strand.programme_id == programme_id)
    return [_strand_view(strand) for strand in session.scalars(query)]


def _resolve(session: Session, value: Optional[str]) -> Optional[str]:
    if not value:
        return None
    key = value.strip().lower()
    if session.get(models.Strand, key) is not None:
        return key
    programme = session.get(models.Programme, key)
    return programme.default_strand_id if programme else None


# ------------------------------------------------------------------------------------ API


@per_build
def resolve_programme(entity_value: Optional[str], url: Optional[str] = None) -> Optional[str]:
    """Map a ``programme`` entity value to a strand id ("cerv" -> "cerv_town_twinning").

    Args:
        entity_value: a programme id or a strand id.
        url: database URL (default from the settings).

    Returns:
        The strand id, or None when the value is unknown.
    """
    with session_scope(url) as session:
        return _resolve(session, entity_value)


@per_build
def get_strand(strand_or_programme_id: Optional[str], url: Optional[str] = None) -> Optional[StrandView]:
    """Return a strand; a programme id resolves to its default strand.

    Args:
        strand_or_programme_id: e.g. ``"cerv"`` or ``"erasmus_youth_exchanges"``.
        url: database URL (default from the settings).
    """
    with session_scope(url) as session:
        strand_id = _resolve(session, strand_or_programme_id)
        if strand_id is None:
            return None
        query = select(models.Strand).options(*_STRAND_LOADING).where(models.Strand.id == strand_id)
        strand = session.scalars(query).one_or_none()
        return _strand_view(strand) if strand else None


def strand_for(strand_or_programme_id: Optional[str], profile: NeedProfile, url: Optional[str] = None) -> Optional[StrandView]:
    """The strand meant: a strand id as is; a programme ("Erasmus+") its strand that fits the project best.

    "Erasmus+, qui contacter ?" in a conversation about young people means the youth exchanges, not
    the programme's default strand (school partnerships).
    """
    strand = get_strand(strand_or_programme_id, url=url)
    if strand is None or strand_or_programme_id != strand.programme_id:
        return strand
    if profile.describes_anything:
        candidates = {s.id for s in list_strands(strand.programme_id, url=url)}
        for rec in recommend(profile, url=url, limit=20, every_candidate=True):
            if rec.strand.id in candidates:
                return rec.strand
    return strand


@per_build
def list_strands(programme_id: Optional[str] = None, url: Optional[str] = None) -> List[StrandView]:
    """Return all strands (optionally of one programme) in the order of programmes.yml."""
    with session_scope(url) as session:
        return _load_strands(session, programme_id)


@per_build
def recommend(
    profile: NeedProfile,
    today: Optional[Today] = None,
    url: Optional[str] = None,
    limit: int = ranking.DEFAULT_LIMIT,
    every_candidate: bool = False,
) -> List[Recommendation]:
    """Recommend strands for a need profile, best first (see :mod:`knowledge.ranking`).

    Args:
        profile: need and entities, as canonical values.
        today: date used for the "next deadline" reason (default: today).
        url: database URL (default from the settings).
        limit: maximum number of recommendations.
        every_candidate: every strand that serves the need, not only the fitting alternatives.

    Returns:
        Up to ``limit`` recommendations; empty if nothing fits.
    """
    with session_scope(url) as session:
        strands = _load_strands(session)
        countries = {c.code: (c.name_fr, c.status) for c in session.scalars(select(models.Country))}
    return ranking.rank_strands(
        strands,
        profile,
        countries=countries,
        today=today or date.today(),
        limit=limit,
        every_candidate=every_candidate,
    )


@per_build
def next_call(strand_id: str, today: Optional[Today] = None, url: Optional[str] = None) -> Optional[CallView]:
    """Return the strand's next call whose deadline is on or after ``today``.

    Args:
        strand_id: strand id or programme id.
        today: reference date (default: today). A deadline on that very day still counts.
        url: database URL (default from the settings).

    Returns:
        The call, or None when no future deadline is known: the caller then says the call is
        closed and gives ``StrandView.usual_pattern`` (or says applications are open all year
        when ``StrandView.rolling``).
    """
    strand = get_strand(strand_id, url=url)
    if strand is None:
        return None
    return ranking.next_call(strand.calls, today or date.today())


@per_build
def contacts_for(
    strand_id: Optional[str] = None, topic: Optional[str] = None, url: Optional[str] = None
) -> List[ContactView]:
    """Return contacts for a strand and/or a topic.

    Args:
        strand_id: strand or programme id: the strand's contacts in their listed order.
        topic: e.g. ``"cerv_help"``, ``"twinning_setup"``, ``"eu_info"``, ``"human"``; keeps
            only contacts with that topic.
        url: database URL (default from the settings).

    Returns:
        Matching contacts (all contacts when both arguments are None); empty for an unknown strand.
    """
    with session_scope(url) as session:
        loading = selectinload(models.Contact.details)
        if strand_id:
            resolved = _resolve(session, strand_id)
            if resolved is None:
                return []
            query = (
                select(models.Contact)
                .join(models.StrandContact)
                .where(models.StrandContact.strand_id == resolved)
                .order_by(models.StrandContact.position)
            )
        else:
            query = select(models.Contact).order_by(models.Contact.position)
        contacts = [_contact_view(c) for c in session.scalars(query.options(loading))]
    if topic:
        contacts = [contact for contact in contacts if topic in contact.topics]
    return contacts


@per_build
def get_contacts(entity_value: Optional[str], url: Optional[str] = None) -> List[ContactView]:
    """Return the contacts named by a ``contact`` entity value (id or alias, e.g. ``agence_erasmus``)."""
    if not entity_value:
        return []
    key = entity_value.strip().lower()
    return [c for c in contacts_for(url=url) if c.id == key or key in c.aliases]


@per_build
def examples_for(strand_id: Optional[str], url: Optional[str] = None) -> List[ExampleView]:
    """Return the examples of a strand, or of every strand of a programme when given a programme id."""
    if not strand_id:
        return []
    with session_scope(url) as session:
        key = strand_id.strip().lower()
        query = select(models.Example).options(selectinload(models.Example.strand))
        if session.get(models.Programme, key) is not None:
            query = query.join(models.Strand).where(models.Strand.programme_id == key)
        else:
            query = query.where(models.Example.strand_id == key)
        return [_example_view(e) for e in session.scalars(query.order_by(models.Example.position))]


@per_build
def facts(topic: Optional[str] = None, url: Optional[str] = None) -> List[FactView]:
    """Return the facts of ``figures.yml`` (optionally of one topic) in file order."""
    with session_scope(url) as session:
        query = select(models.Fact).order_by(models.Fact.position)
        if topic:
            query = query.where(models.Fact.topic == topic)
        return [_fact_view(fact) for fact in session.scalars(query)]


@per_build
def key_figures(url: Optional[str] = None) -> List[FactView]:
    """Return the national key figures about twinning."""
    return facts("key_figure", url=url)


@per_build
def country_name(code: Optional[str], url: Optional[str] = None) -> Optional[str]:
    """Return the French name of an ISO alpha-2 code ("DE" -> "Allemagne"), or None."""
    if not code:
        return None
    with session_scope(url) as session:
        country = session.get(models.Country, code.strip().upper())
        return country.name_fr if country else None


@per_build
def country_status(code: Optional[str], url: Optional[str] = None) -> Optional[str]:
    """Return ``member``, ``candidate`` or ``other`` for an ISO code, or None when unknown."""
    if not code:
        return None
    with session_scope(url) as session:
        country = session.get(models.Country, code.strip().upper())
        return country.status if country else None


# ------------------------------------------------------------------------------ eligibility


def _load_strand_or_raise(session: Session, strand_id: Optional[str]) -> StrandView:
    resolved = _resolve(session, strand_id)
    if resolved is None:
        raise ValueError(f"unknown strand or programme '{strand_id}'")
    query = select(models.Strand).options(*_STRAND_LOADING).where(models.Strand.id == resolved)
    return _strand_view(session.scalars(query).one())


@per_build
def required_answers(strand_id: str, url: Optional[str] = None) -> Tuple[str, ...]:
    """Return the answers needed to check eligibility for a strand, in a sensible asking order.

    Args:
        strand_id: strand id or programme id (resolved to its default strand).
        url: database URL (default from the settings).

    Returns:
        Answer names (fields of :class:`ProjectAnswers`), e.g. ``("applicant_type",
        "partner_countries", "participants", ...)``; empty when no rule of the strand is checkable.
        The question to ask for each is in :func:`answer_labels_fr`.

    Raises:
        ValueError: unknown strand or programme id.
    """
    with session_scope(url) as session:
        return eligibility.answers_needed(_load_strand_or_raise(session, strand_id))


@per_build
def check_eligibility(
    strand_id: str,
    answers: Union[ProjectAnswers, Mapping[str, Any]],
    url: Optional[str] = None,
) -> EligibilityReport:
    """Check a project against the strand's rules, rule by rule (see :mod:`knowledge.eligibility`).

    Args:
        strand_id: strand id or programme id (resolved to its default strand).
        answers: the project's answers; a mapping (slots, parser output) is accepted too.
        url: database URL (default from the settings).

    Returns:
        ``verdict`` ("eligible" | "not_eligible" | "unknown"), ``results`` (one
        :class:`RuleResult` per checked rule, with text, source URL, call year and verified flag),
        ``missing`` answers and the ``not_checked`` rules.

    Raises:
        ValueError: unknown strand id, or an answer outside its vocabulary.
    """
    if not isinstance(answers, ProjectAnswers):
        answers = ProjectAnswers.from_mapping(answers)
    with session_scope(url) as session:
        strand = _load_strand_or_raise(session, strand_id)
        countries = {c.code: (c.name_fr, c.status) for c in session.scalars(select(models.Country))}
    return eligibility.evaluate(strand, answers, countries)


@per_build
def eligibility_strands(url: Optional[str] = None) -> List[str]:
    """Return the ids of the strands that have machine-checkable rules, in programmes.yml order."""
    return [strand.id for strand in list_strands(url=url) if eligibility.is_checkable(strand)]


answer_labels_fr = eligibility.answer_labels_fr


# --------------------------------------------------------------------------- Europe Direct

_ACTIVE_CENTRE_STATUSES = ("confirmed", "to_check")  # probably_inactive centres are never proposed


def _centre_view(centre: models.EuropeDirectCentre) -> CentreView:
    departements = geo.departements()
    return CentreView(
        id=centre.id,
        name=centre.name,
        host=centre.host,
        town=centre.town,
        departement_code=centre.departement_code,
        departement_name=departements.get(centre.departement_code) if centre.departement_code else None,
        region_code=centre.region_code,
        region_name=geo.regions().get(centre.region_code) if centre.region_code else None,
        coverage=tuple(item.departement_code for item in centre.coverage),
        coverage_verified=centre.coverage_verified,
        coverage_note=centre.coverage_note,
        coverage_sources=_sources(centre.coverage_sources),
        generation=centre.generation,
        status=centre.status,
        note=centre.note,
        details=_detail_views(centre.details),
        verified=centre.verified,
        sources=_sources(centre.sources),
    )


_CENTRE_LOADING = (
    selectinload(models.EuropeDirectCentre.coverage),
    selectinload(models.EuropeDirectCentre.details),
)


@per_build
def europe_direct_centres(include_inactive: bool = False, url: Optional[str] = None) -> List[CentreView]:
    """Return the EUROPE DIRECT centres of europe_direct_centres.yml in file order.

    Args:
        include_inactive: also return ``probably_inactive`` centres (older generations).
        url: database URL (default from the settings).
    """
    with session_scope(url) as session:
        query = select(models.EuropeDirectCentre).options(*_CENTRE_LOADING)
        if not include_inactive:
            query = query.where(models.EuropeDirectCentre.status.in_(_ACTIVE_CENTRE_STATUSES))
        query = query.order_by(models.EuropeDirectCentre.position)
        return [_centre_view(centre) for centre in session.scalars(query)]


@per_build
def europe_direct_for(department_code: str, url: Optional[str] = None) -> LocatorAnswer:
    """Return the EUROPE DIRECT centres for a département, with the official locator.

    Centres whose ``coverage`` lists the département come first (``coverage_known`` True). When
    none does, the answer holds the centres of the same region instead, NOT confirmed to cover
    the département (``coverage_known`` False; possibly no centre at all): the assistant says
    so and gives ``locator_url``. Centres of older generations (``probably_inactive``) are never
    returned.

    Args:
        department_code: INSEE code, loosely written: "19", "9", "2a", "974".
        url: database URL (default from the settings).

    Raises:
        ValueError: when the code is not a French département (use :func:`nearest_europe_direct`
            for free text).
    """
    location = geo.departement_location(department_code or "")
    if location is None:
        raise ValueError(f"unknown département code {department_code!r}")
    code = location.departement_code
    active = models.EuropeDirectCentre.status.in_(_ACTIVE_CENTRE_STATUSES)
    with session_scope(url) as session:
        locator = session.get(models.EuropeDirectLocator, 1)
        if locator is None:
            raise LookupError("the database has no EUROPE DIRECT locator: rebuild it (python -m knowledge build)")
        locator_url, locator_note = locator.url, locator.note
        query = (
            select(models.EuropeDirectCentre)
            .options(*_CENTRE_LOADING)
            .where(active)
            .order_by(models.EuropeDirectCentre.position)
        )
        covering = query.join(models.EuropeDirectCoverage).where(
            models.EuropeDirectCoverage.departement_code == code
        )
        centres = [_centre_view(c) for c in session.scalars(covering)]
        coverage_known = bool(centres)
        if not coverage_known:
            regional = query.where(models.EuropeDirectCentre.region_code == location.region_code)
            centres = [_centre_view(c) for c in session.scalars(regional)]
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
        locator_url=locator_url,
        locator_note=locator_note,
        location=location,
    )


@per_build
def nearest_europe_direct(text: Optional[str], url: Optional[str] = None) -> Optional[LocatorAnswer]:
    """Find the EUROPE DIRECT centres for a place given in free text.

    Args:
        text: "je suis à Brive", "19100", "en Corrèze", "dép. 29"... (see :func:`knowledge.geo.locate`).
        url: database URL (default from the settings).

    Returns:
        The answer for the place's département, whose ``location`` says how the text was read
        (commune, alternatives to ask about); None when the text names no known place.
    """
    # A town the message places abroad ("notre ville jumelle Valence en Espagne") is not where the user is.
    location = geo.locate(towns.without_foreign_towns(text) if text else text)
    if location is None:
        return None
    answer = europe_direct_for(location.departement_code, url=url)
    return replace(answer, location=location)
