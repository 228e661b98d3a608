"""Frozen dataclasses returned by :mod:`knowledge.api` (never ORM objects).

Every fact-bearing view has ``verified`` and ``sources``; when ``verified`` is false the assistant
says so and sends the user to the strand's ``official_url``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Optional, Tuple

# The eligibility check's input and report live with the table of answers they derive from.
from knowledge.answers import EligibilityReport, ProjectAnswers, RuleResult  # noqa: F401 (re-exported)


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
