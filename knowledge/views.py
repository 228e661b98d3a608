"""Frozen dataclasses returned by :mod:`knowledge.api` (never ORM objects).

Every fact-bearing view has ``verified`` and ``sources``; when ``verified`` is false the assistant
says so and sends the user to the strand's ``official_url``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Dict, Mapping, Optional, Tuple


@dataclass(frozen=True)
class SourceView:
    """Where a fact comes from: ``url``, the date we checked it, the source's own date if known."""

    url: str
    checked_on: date
    published: Optional[str] = None
    third_party: bool = False
    title: Optional[str] = None


Sources = Tuple[SourceView, ...]


@dataclass(frozen=True)
class CheckView:
    """A machine-checkable condition of a rule (see ``schema.Check``).

    ``value`` is a number, a bool, a code/choice string, or a tuple of choices for ``in``/``not_in``.
    """

    answer: str
    op: str
    value: Any
    unclear: Tuple[str, ...] = ()
    unclear_note: Optional[str] = None


@dataclass(frozen=True)
class RuleView:
    """An eligibility rule; ``value`` is set for numeric rules (e.g. 50 participants).

    ``checks`` (all required) make it machine-checkable; ``applies_if`` limits it to some projects.
    """

    key: str
    text: str
    value: Optional[float]
    unit: Optional[str]
    call_year: Optional[int]
    verified: bool
    sources: Sources
    checks: Tuple[CheckView, ...] = ()
    applies_if: Optional[CheckView] = None


@dataclass(frozen=True)
class AmountView:
    """An amount or range; ``min_eur``/``max_eur`` are None when no source gives them."""

    text: str
    min_eur: Optional[int]
    max_eur: Optional[int]
    call_year: Optional[int]
    verified: bool
    sources: Sources


@dataclass(frozen=True)
class CallView:
    """A call or submission round.

    ``deadline`` is timezone-aware; when the source gives no hour it is set at 23:59 local time
    and ``deadline_has_time`` is False.
    """

    id: str
    strand_id: str
    year: int
    opening: Optional[date]
    deadline: Optional[datetime]
    deadline_has_time: bool
    deadline_text: str
    note: Optional[str]
    verified: bool
    sources: Sources

    @property
    def source(self) -> Optional[str]:
        """URL of the first source, if any."""
        return self.sources[0].url if self.sources else None


@dataclass(frozen=True)
class EligibleCountriesView:
    """Partner-country rule: ``eu_and_associated`` (+ listed associated countries), ``list`` or ``any``."""

    rule: str
    countries: Tuple[str, ...]
    note: Optional[str]
    verified: bool
    sources: Sources


@dataclass(frozen=True)
class StrandView:
    """A fundable strand with everything the assistant may say about it."""

    id: str
    programme_id: str
    programme_name: str
    programme_short_name: str
    is_default: bool
    name_fr: str
    short_name: str
    priority: int
    summary: str
    funds: str
    who_can_apply: str
    how_to_apply: str
    official_url: str
    usual_pattern: str
    rolling: bool
    needs: Tuple[Tuple[str, float], ...]
    audiences: Tuple[str, ...]
    excluded_audiences: Tuple[str, ...]
    themes: Tuple[str, ...]
    activities: Tuple[str, ...]
    eligible_countries: EligibleCountriesView
    rules: Tuple[RuleView, ...]
    amounts: Tuple[AmountView, ...]
    calls: Tuple[CallView, ...]
    contact_ids: Tuple[str, ...]
    example_ids: Tuple[str, ...]
    verified: bool
    sources: Sources

    def need_weight(self, need: Optional[str]) -> float:
        """Return how well the strand serves ``need`` (0 when it does not)."""
        return dict(self.needs).get(need, 0.0) if need else 0.0

    def rule(self, key: str) -> Optional[RuleView]:
        """Return the rule with this key, if any."""
        return next((rule for rule in self.rules if rule.key == key), None)


@dataclass(frozen=True)
class ContactDetailView:
    """One channel of a contact: ``kind`` is url, email, phone or address."""

    kind: str
    value: str
    note: Optional[str]
    verified: bool
    sources: Sources


class HasChannels:
    """Channels of an organisation (its ``details``): the first of each kind, or None."""

    details: Tuple[ContactDetailView, ...]

    def _first(self, kind: str) -> Optional[ContactDetailView]:
        return next((detail for detail in self.details if detail.kind == kind), None)

    @property
    def url(self) -> Optional[ContactDetailView]:
        return self._first("url")

    @property
    def email(self) -> Optional[ContactDetailView]:
        return self._first("email")

    @property
    def phone(self) -> Optional[ContactDetailView]:
        return self._first("phone")

    @property
    def address(self) -> Optional[ContactDetailView]:
        return self._first("address")


@dataclass(frozen=True)
class ContactView(HasChannels):
    """An organisation to contact; the properties return the first channel of each kind."""

    id: str
    name: str
    short_name: str
    role: str
    topics: Tuple[str, ...]
    aliases: Tuple[str, ...]
    details: Tuple[ContactDetailView, ...]
    verified: bool
    sources: Sources



@dataclass(frozen=True)
class ExampleView:
    """A real project; ``historical_note`` says when it was funded by a predecessor programme."""

    id: str
    strand_id: str
    strand_short_name: str
    programme_id: str
    commune: str
    partner_countries: Tuple[str, ...]
    year: Optional[int]
    period: Optional[str]
    title: str
    description: str
    amount_eur: Optional[int]
    historical_note: Optional[str]
    verified: bool
    sources: Sources


@dataclass(frozen=True)
class FactView:
    """A key figure or general statement (``topic``: key_figure, twinning_definition, twinning_benefit)."""

    id: str
    topic: str
    text: str
    note: Optional[str]
    verified: bool
    sources: Sources


@dataclass(frozen=True)
class NeedProfile:
    """What the user asked for, as canonical entity values (see docs/design.md)."""

    need: Optional[str] = None
    audience: Optional[str] = None
    country: Optional[str] = None
    theme: Optional[str] = None
    activity: Optional[str] = None

    @property
    def describes_anything(self) -> bool:
        """Whether the user said anything of the project (a need or one of the entities)."""
        return any((self.need, self.audience, self.country, self.theme, self.activity))


@dataclass(frozen=True)
class Recommendation:
    """A recommended strand, its score and the reasons in French."""

    strand: StrandView
    score: float
    reasons: Tuple[str, ...]


# ----------------------------------------------------------------------------- eligibility


@dataclass(frozen=True)
class ProjectAnswers:
    """What the user told us about the project; every field is optional (None = not asked yet).

    ``partner_countries`` are ISO alpha-2 codes of the partner towns' countries; the applicant's
    own country is ``home_country`` (a French commune by default) and is counted in
    ``countries_count``. ``weeks_until_start`` is the time left before the project starts.
    """

    partner_countries: Optional[Tuple[str, ...]] = None
    participants: Optional[int] = None
    invited_participants: Optional[int] = None
    duration_days: Optional[int] = None
    duration_months: Optional[int] = None
    applicant_type: Optional[str] = None
    min_age: Optional[int] = None
    max_age: Optional[int] = None
    leaders_adult: Optional[bool] = None
    is_youth_only: Optional[bool] = None
    meeting_format: Optional[str] = None
    weeks_until_start: Optional[int] = None
    home_country: str = "FR"

    def __post_init__(self) -> None:
        # Slots and parsers give lists and lower-case codes; normalise once here.
        if self.partner_countries is not None:
            codes = tuple(dict.fromkeys(c.strip().upper() for c in self.partner_countries if c and c.strip()))
            object.__setattr__(self, "partner_countries", codes)
        object.__setattr__(self, "home_country", self.home_country.strip().upper())

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> "ProjectAnswers":
        """Build from a dict (slots, ``actions.parsing.parse_answers``); unknown keys and None are ignored."""
        names = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in values.items() if k in names and v is not None})

    def as_dict(self) -> Dict[str, Any]:
        """The answers given so far (None fields left out)."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__ if getattr(self, k) is not None}


@dataclass(frozen=True)
class RuleResult:
    """How one rule applies to the project.

    ``outcome``: ``ok``, ``fails`` (verified rule not met), ``to_verify`` (rule not met but the rule
    itself is unverified or from an older call, so never a firm no) or ``unknown`` (an answer is
    missing or does not settle it). ``explanation_fr`` is ready to show.
    """

    rule_key: str
    text: str
    outcome: str
    explanation_fr: str
    source_url: Optional[str]
    call_year: Optional[int]
    verified: bool


@dataclass(frozen=True)
class EligibilityReport:
    """Eligibility of a project for one strand, rule by rule.

    ``verdict``: ``not_eligible`` if a verified rule fails, ``eligible`` if every checked rule is
    ``ok``, else ``unknown``. ``missing`` lists the answers still needed, in asking order.
    ``not_checked`` are the strand's rules the checker cannot assess (outcome ``to_verify``); they
    do not change the verdict, which therefore covers the checkable rules only.
    """

    strand_id: str
    verdict: str
    results: Tuple[RuleResult, ...]
    missing: Tuple[str, ...]
    not_checked: Tuple[RuleResult, ...] = ()
    official_url: Optional[str] = None

    @property
    def failing(self) -> Tuple[RuleResult, ...]:
        """Results that are firmly not met."""
        return tuple(r for r in self.results if r.outcome == "fails")

    @property
    def to_verify(self) -> Tuple[RuleResult, ...]:
        """Results not met by an unverified rule (to check on the official page)."""
        return tuple(r for r in self.results if r.outcome == "to_verify")


# ------------------------------------------------------------------ places and Europe Direct


@dataclass(frozen=True)
class Place:
    """Another commune the user's words may designate (to ask "Brive-la-Gaillarde (19) ou ... ?")."""

    commune: str
    insee: str
    departement_code: str
    departement_name: str
    population: Optional[int]


@dataclass(frozen=True)
class Location:
    """A place resolved by :func:`knowledge.geo.locate`.

    ``commune``/``insee`` are None when the user named only a département. ``matched_by`` says how
    the text was read: ``postal_code``, ``departement_code``, ``departement_name`` or ``commune``.
    ``alternatives`` lists other communes the same words fit, most populated first.
    """

    departement_code: str
    departement_name: str
    region_code: str
    region_name: str
    matched_by: str
    commune: Optional[str] = None
    insee: Optional[str] = None
    postal_code: Optional[str] = None
    alternatives: Tuple[Place, ...] = ()

    @property
    def ambiguous(self) -> bool:
        """True when an alternative lies in another département: the assistant should ask."""
        return any(place.departement_code != self.departement_code for place in self.alternatives)


@dataclass(frozen=True)
class CentreView(HasChannels):
    """A EUROPE DIRECT centre.

    ``coverage`` lists the département codes it serves according to ``coverage_sources``
    (``coverage_verified`` false: inferred, e.g. from its name, or only its host département).
    ``generation`` is the labelling period a source attests (``2026_2030``, ``2021_2025``, ``older``)
    and ``status`` whether it is known to be labelled now (``confirmed``, ``to_check``,
    ``probably_inactive``). ``details`` are its sourced channels (url, email, phone, address).
    """

    id: str
    name: str
    host: Optional[str]
    town: Optional[str]
    departement_code: Optional[str]
    departement_name: Optional[str]
    region_code: Optional[str]
    region_name: Optional[str]
    coverage: Tuple[str, ...]
    coverage_verified: bool
    coverage_note: Optional[str]
    coverage_sources: Sources
    generation: str
    status: str
    note: Optional[str]
    details: Tuple[ContactDetailView, ...]
    verified: bool
    sources: Sources



@dataclass(frozen=True)
class LocatorAnswer:
    """The EUROPE DIRECT centres for a département.

    When ``coverage_known`` is True, ``centres`` are the centres whose coverage includes the
    département (``coverage_verified``: at least one of them has a verified coverage). When False,
    no centre is known to cover it: ``centres`` are then the centres of the same region, NOT
    confirmed to cover the département (possibly none), and the assistant must say so and give
    ``locator_url``, the official list, which it should give in every answer anyway.
    """

    departement_code: str
    departement_name: str
    region_code: str
    region_name: str
    coverage_known: bool
    coverage_verified: bool
    centres: Tuple[CentreView, ...]
    locator_url: str
    locator_note: Optional[str] = None
    location: Optional[Location] = None

    @property
    def regional_fallback(self) -> bool:
        """True when ``centres`` are nearby centres of the region, not confirmed for the département."""
        return not self.coverage_known and bool(self.centres)
