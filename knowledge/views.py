"""What :mod:`knowledge.api` returns: the validated objects of :mod:`knowledge.schema` themselves.

A fact's fields are declared once, in the schema. The few views below only add what follows from
where an object sits (a strand's programme, a call's deadline as an instant, an example's strand):
they subclass the schema classes and are built by :mod:`knowledge.snapshot`, never by hand. Every
fact-bearing object has ``verified`` and ``sources``; when ``verified`` is false the assistant says
so and sends the user to the strand's ``official_url``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional, Tuple

from knowledge import schema

# The eligibility check's input and report live with the table of answers they derive from.
from knowledge.answers import (  # noqa: F401 (re-exported)
    EligibilityReport,
    ProjectAnswers,
    RuleResult,
)
from knowledge.places import Location, Place  # noqa: F401 (re-exported)

# Objects returned as validated, under the names the actions and the console know them by.
SourceView = schema.Source
CheckView = schema.Check
RuleView = schema.Rule
AmountView = schema.Amount
EligibleCountriesView = schema.CountryRule
ContactDetailView = schema.ContactDetail
ContactView = schema.Contact
FactView = schema.Fact
HasChannels = schema.Channels
CentreView = schema.EuropeDirectCentre

Sources = Tuple[schema.Source, ...]


class CallView(schema.Call):
    """A call of a strand; ``deadline`` is the instant it closes, timezone-aware.

    When the source gives no hour (``deadline_has_time`` False) the deadline is 23:59 local time, so
    the whole day stays open.
    """

    strand_id: str
    deadline: Optional[datetime] = None  # type: ignore[assignment]  # the schema's day, at its hour

    @property
    def deadline_has_time(self) -> bool:
        """Whether the source gives the hour of the deadline."""
        return self.deadline_time is not None

    @property
    def source(self) -> Optional[str]:
        """URL of the first source, if any."""
        return self.sources[0].url if self.sources else None


class StrandView(schema.Strand):
    """A fundable strand with everything the assistant may say about it, and its programme."""

    programme_id: str
    programme_name: str
    programme_short_name: str
    is_default: bool
    calls: Tuple[CallView, ...] = ()
    example_ids: Tuple[str, ...] = ()

    def need_weight(self, need: Optional[str]) -> float:
        """Return how well the strand serves ``need`` (0 when it does not)."""
        return self.needs.get(need, 0.0) if need else 0.0

    def rule(self, key: str) -> Optional[schema.Rule]:
        """Return the rule with this key, if any."""
        return next((rule for rule in self.rules if rule.key == key), None)


class ExampleView(schema.Example):
    """A real project, with the strand and programme it was funded by."""

    strand_short_name: str
    programme_id: str


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
