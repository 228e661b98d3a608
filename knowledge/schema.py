"""Pydantic (v1) models describing the YAML files in ``knowledge/data/``.

Each model validates one file section; the loader turns pydantic's error locations into
``file.yml: programmes[0].strands[1].calls[0].deadline: ...`` messages. Cross-file checks
(unknown ids, duplicates) live in :mod:`knowledge.loader`.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Dict, Optional, Sequence, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, StrictBool, StrictStr, root_validator, validator

from knowledge import answers, geo
from knowledge import vocabulary as voc

_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_TIME_RE = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
_COUNTRY_RE = re.compile(r"^[A-Z]{2}$")

# Labelling periods of EUROPE DIRECT centres, and whether a centre is known to be labelled now.
CENTRE_GENERATIONS = ("2026_2030", "2021_2025", "older")
CENTRE_STATUSES = ("confirmed", "to_check", "probably_inactive")
# The 2021-2025 labels were the first after this year: evidence only from before it says nothing of today.
CURRENT_EVIDENCE_FROM_YEAR = 2021
_YEAR_RE = re.compile(r"(?:19|20)\d\d")


def published_year(published: Optional[str]) -> Optional[int]:
    """The year a source's ``published`` text gives ("~2016", "2021-12", "≥2024"), or None if undated."""
    match = _YEAR_RE.search(published or "")
    return int(match.group()) if match else None


class IsoDate(date):
    """A ``YYYY-MM-DD`` date; YAML dates are kept as strings by the loader and parsed here."""

    @classmethod
    def __get_validators__(cls):
        yield cls.validate

    @classmethod
    def validate(cls, value: object) -> date:
        """Parse an ISO date, with an error message a data editor understands."""
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            raise ValueError(f"invalid date '{value}' (expected YYYY-MM-DD)") from None


def _check_id(value: str) -> str:
    if not _ID_RE.match(value):
        raise ValueError(f"invalid id '{value}' (expected lower_snake_case, e.g. 'cerv_town_twinning')")
    return value


def _check_url(value: str) -> str:
    if not value.startswith(("https://", "http://")):
        raise ValueError(f"invalid url '{value}' (expected http:// or https://)")
    return value


def _check_departement(value: str) -> str:
    # Checked against the official list shipped in knowledge/data/geo/ (read once, lazily).
    if geo.departement_code(value) != value:
        raise ValueError(
            f"unknown département code '{value}' (expected an INSEE code in quotes, e.g. \"19\", \"2A\", \"974\")"
        )
    return value


def _check_vocabulary(values: Sequence[str], allowed: Tuple[str, ...], what: str) -> Tuple[str, ...]:
    for value in values:
        if value not in allowed:
            raise ValueError(f"unknown {what} '{value}' (allowed: {', '.join(allowed)})")
    if len(set(values)) != len(values):
        raise ValueError(f"duplicate {what} in list")
    return tuple(values)


class _Model(BaseModel):
    class Config:
        extra = "forbid"  # a misspelt key is an error, not silently ignored
        anystr_strip_whitespace = True
        min_anystr_length = 1
        allow_mutation = False  # the snapshot shares these objects between every request
        allow_population_by_field_name = True  # read back from the tables by field name


class Source(_Model):
    """Where a fact comes from and when we checked it."""

    url: str
    checked_on: IsoDate
    published: Optional[str] = None  # the source's own date, as precise as known ("2024", "~2025")
    third_party: StrictBool = False  # aggregator/blog only: indicative
    title: Optional[str] = None

    _url = validator("url", allow_reuse=True)(_check_url)


class _Sourced(_Model):
    verified: StrictBool
    sources: Tuple[Source, ...]

    @validator("sources")
    def _at_least_one_source(cls, value: Tuple[Source, ...]) -> Tuple[Source, ...]:
        if not value:
            raise ValueError("at least one source is required")
        return value


# ------------------------------------------------------------------ machine-checkable rules

# Answers a rule ``check`` may test, and their kinds: the table of knowledge.answers.
CHECK_CHOICE_ANSWERS = {a.name: tuple(a.choices) for a in answers.ANSWERS if a.kind == "choice"}
CHECK_ANSWERS = tuple(answers.ANSWERS_BY_NAME)

_OPS_BY_KIND = {
    "number": (">=", "<=", ">", "<", "==", "!="),
    "bool": ("==", "!="),
    "list": ("contains",),
    "choice": ("==", "!=", "in", "not_in"),
}
CHECK_OPS = (">=", "<=", ">", "<", "==", "!=", "in", "not_in", "contains")


def answer_kind(answer: str) -> str:
    """Return ``number``, ``bool``, ``list`` or ``choice`` for a known answer name."""
    return answers.ANSWERS_BY_NAME[answer].kind


class Check(_Model):
    """One machine-checkable condition of a rule: ``{answer: participants, op: ">=", value: 50}``.

    ``unclear`` (choice answers only) lists values for which the rule cannot decide, e.g. a plain
    ``association`` for CERV town twinning (eligible only if it represents communes);
    ``unclear_note`` says why, in French.
    """

    answer: str
    op: str
    value: Any = Field(...)  # required even though Any would allow it to be missing
    unclear: Tuple[str, ...] = ()
    unclear_note: Optional[str] = None

    @validator("answer")
    def _answer(cls, value: str) -> str:
        if value not in CHECK_ANSWERS:
            raise ValueError(f"unknown answer '{value}' (allowed: {', '.join(CHECK_ANSWERS)})")
        return value

    @validator("op")
    def _op(cls, value: str, values: dict) -> str:
        answer = values.get("answer")
        allowed = _OPS_BY_KIND[answer_kind(answer)] if answer else CHECK_OPS
        if value not in allowed:
            raise ValueError(f"unknown op '{value}' for answer '{answer}' (allowed: {', '.join(allowed)})")
        return value

    @validator("value")
    def _value(cls, value: Any, values: dict) -> Any:
        answer, op = values.get("answer"), values.get("op")
        if answer is None or op is None:
            return value  # already reported on answer/op
        kind = answer_kind(answer)
        if kind == "number":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"expected a number for answer '{answer}' (got {value!r})")
            return value
        if kind == "bool":
            if not isinstance(value, bool):
                raise ValueError(f"expected true or false for answer '{answer}' (got {value!r})")
            return value
        if kind == "list":
            if not isinstance(value, str) or not _COUNTRY_RE.match(value):
                raise ValueError(f"expected an ISO country code (e.g. 'DE') for answer '{answer}' (got {value!r})")
            return value
        allowed = CHECK_CHOICE_ANSWERS[answer]
        if op in ("in", "not_in"):
            if not isinstance(value, list) or not value:
                raise ValueError(f"op '{op}' needs a non-empty list of values (got {value!r})")
            return _check_vocabulary([str(v) for v in value], allowed, answer)
        return _check_vocabulary([str(value)], allowed, answer)[0]

    @validator("unclear")
    def _unclear(cls, value: Tuple[str, ...], values: dict) -> Tuple[str, ...]:
        answer = values.get("answer")
        if value and answer not in CHECK_CHOICE_ANSWERS:
            raise ValueError(f"'unclear' only applies to {', '.join(CHECK_CHOICE_ANSWERS)}")
        return _check_vocabulary(value, CHECK_CHOICE_ANSWERS.get(answer, ()), answer or "value")


class Rule(_Sourced):
    """One eligibility rule, e.g. the minimum number of participants.

    ``check`` (one condition or a list, all required) makes the rule machine-checkable;
    ``applies_if`` restricts it to some projects (e.g. the OFAJ group size of a visit).
    """

    key: str
    text: str
    value: Optional[float] = None
    unit: Optional[str] = None
    call_year: Optional[int] = None
    checks: Tuple[Check, ...] = Field((), alias="check")  # `check:` in the YAML
    applies_if: Optional[Check] = None

    _key = validator("key", allow_reuse=True)(_check_id)

    @validator("checks", pre=True)
    def _one_or_many(cls, value: Any) -> Any:
        # `check: {...}` is the common case; a list is for rules with several conditions.
        return [value] if isinstance(value, dict) else value


class Amount(_Sourced):
    """An amount or grant range; ``min_eur``/``max_eur`` only when a source gives them."""

    text: str
    min_eur: Optional[int] = None
    max_eur: Optional[int] = None
    call_year: Optional[int] = None

    @validator("max_eur")
    def _range(cls, value: Optional[int], values: dict) -> Optional[int]:
        low = values.get("min_eur")
        if value is not None and low is not None and value < low:
            raise ValueError(f"max_eur {value} is lower than min_eur {low}")
        return value


class Call(_Sourced):
    """One call for proposals (or submission round), with its year."""

    id: str
    year: int
    opening: Optional[IsoDate] = None
    deadline: Optional[IsoDate] = None
    deadline_time: Optional[str] = None  # HH:MM local time; None when the source gives no hour
    timezone: str = "Europe/Brussels"
    deadline_text: str
    note: Optional[str] = None

    @validator("deadline_time")
    def _time(cls, value: Optional[str]) -> Optional[str]:
        if value is not None and not _TIME_RE.match(value):
            raise ValueError(f"invalid time '{value}' (expected HH:MM)")
        return value

    @validator("timezone")
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone '{value}' (e.g. 'Europe/Brussels')") from None
        return value

    @validator("deadline")
    def _after_opening(cls, value: Optional[date], values: dict) -> Optional[date]:
        opening = values.get("opening")
        if value is not None and opening is not None and value < opening:
            raise ValueError(f"deadline {value} is before opening {opening}")
        return value


class CountryRule(_Sourced):
    """Which partner countries a strand accepts (see ``vocabulary.COUNTRY_RULES``)."""

    rule: str
    countries: Tuple[str, ...] = ()
    note: Optional[str] = None

    @validator("rule")
    def _rule(cls, value: str) -> str:
        _check_vocabulary([value], voc.COUNTRY_RULES, "country rule")
        return value

    @validator("countries", each_item=True)
    def _code(cls, value: str) -> str:
        if not _COUNTRY_RE.match(value):
            raise ValueError(f"invalid country code '{value}' (expected ISO alpha-2, e.g. 'DE')")
        return value


class Strand(_Sourced):
    """A fundable action of a programme; what the assistant recommends."""

    id: str
    name_fr: str
    short_name: str
    priority: int = 1  # 1 = main answer, 3 = never the first answer
    summary: str
    funds: str
    who_can_apply: str
    how_to_apply: str
    official_url: str
    usual_pattern: str
    rolling: StrictBool = False  # applications accepted all year
    needs: Dict[str, float]
    audiences: Tuple[str, ...] = ()
    excluded_audiences: Tuple[str, ...] = ()
    themes: Tuple[str, ...] = ()
    activities: Tuple[str, ...] = ()
    eligible_countries: CountryRule
    rules: Tuple[Rule, ...] = ()
    amounts: Tuple[Amount, ...] = ()
    calls: Tuple[Call, ...] = ()
    contact_ids: Tuple[str, ...] = ()

    _id = validator("id", allow_reuse=True)(_check_id)

    _url = validator("official_url", allow_reuse=True)(_check_url)

    @validator("needs")
    def _needs(cls, value: Dict[str, float]) -> Dict[str, float]:
        _check_vocabulary(list(value), voc.NEEDS, "need")
        for need, weight in value.items():
            if not 0 < weight <= 1:
                raise ValueError(f"weight of need '{need}' must be in ]0, 1], got {weight}")
        return value

    @validator("audiences", "excluded_audiences")
    def _audiences(cls, value: Tuple[str, ...]) -> Tuple[str, ...]:
        return _check_vocabulary(value, voc.AUDIENCES, "audience")

    @validator("themes")
    def _themes(cls, value: Tuple[str, ...]) -> Tuple[str, ...]:
        return _check_vocabulary(value, voc.THEMES, "theme")

    @validator("activities")
    def _activities(cls, value: Tuple[str, ...]) -> Tuple[str, ...]:
        return _check_vocabulary(value, voc.ACTIVITIES, "activity")


class Programme(_Sourced):
    """A funding programme or scheme grouping strands."""

    id: str
    name_fr: str
    short_name: str
    summary: str
    managing_body: Optional[str] = None
    official_url: str
    default_strand: str
    strands: Tuple[Strand, ...]

    _id = validator("id", allow_reuse=True)(_check_id)
    _url = validator("official_url", allow_reuse=True)(_check_url)

    @validator("strands")
    def _not_empty(cls, value: Tuple[Strand, ...]) -> Tuple[Strand, ...]:
        if not value:
            raise ValueError("a programme needs at least one strand")
        return value


class ContactDetail(_Sourced):
    """One way to reach a contact (web site, email, phone, postal address)."""

    kind: str
    value: str
    note: Optional[str] = None

    @validator("kind")
    def _kind(cls, value: str) -> str:
        _check_vocabulary([value], voc.CONTACT_DETAIL_KINDS, "contact detail kind")
        return value


class Channels:
    """The first channel of each kind among an organisation's ``details`` (None when it has none)."""

    if TYPE_CHECKING:
        details: Tuple[ContactDetail, ...]

    def _first(self, kind: str) -> Optional[ContactDetail]:
        return next((detail for detail in self.details if detail.kind == kind), None)

    @property
    def url(self) -> Optional[ContactDetail]:
        return self._first("url")

    @property
    def email(self) -> Optional[ContactDetail]:
        return self._first("email")

    @property
    def phone(self) -> Optional[ContactDetail]:
        return self._first("phone")

    @property
    def address(self) -> Optional[ContactDetail]:
        return self._first("address")


class Contact(_Sourced, Channels):
    """An organisation that advises communes; the properties give the first channel of each kind."""

    id: str
    name: str
    short_name: str
    role: str
    topics: Tuple[str, ...]
    aliases: Tuple[str, ...] = ()  # NLU `contact` entity values that point here (e.g. agence_erasmus)
    details: Tuple[ContactDetail, ...] = ()

    _id = validator("id", allow_reuse=True)(_check_id)

    @validator("topics")
    def _topics(cls, value: Tuple[str, ...]) -> Tuple[str, ...]:
        return _check_vocabulary(value, voc.CONTACT_TOPICS, "topic")


class Example(_Sourced):
    """A real project a commune ran with a strand."""

    id: str
    strand_id: str
    commune: str
    partner_countries: Tuple[str, ...] = ()
    year: Optional[int] = None
    period: Optional[str] = None  # when a single year does not fit, e.g. "2012-2022"
    title: str
    description: str
    amount_eur: Optional[int] = None
    historical_note: Optional[str] = None  # e.g. funded by the predecessor programme

    _id = validator("id", allow_reuse=True)(_check_id)


class Fact(_Sourced):
    """A national key figure or a general statement about twinning."""

    id: str
    topic: str
    text: str
    note: Optional[str] = None

    _id = validator("id", allow_reuse=True)(_check_id)

    @validator("topic")
    def _topic(cls, value: str) -> str:
        _check_vocabulary([value], voc.FACT_TOPICS, "fact topic")
        return value


class Country(_Model):
    """A country the assistant knows by ISO code."""

    code: str
    name_fr: str
    status: str
    note: Optional[str] = None

    @validator("code")
    def _code(cls, value: str) -> str:
        if not _COUNTRY_RE.match(value):
            raise ValueError(f"invalid country code '{value}' (expected ISO alpha-2, e.g. 'DE')")
        return value

    @validator("status")
    def _status(cls, value: str) -> str:
        _check_vocabulary([value], voc.COUNTRY_STATUSES, "country status")
        return value


class EuropeDirectCentre(_Sourced, Channels):
    """A EUROPE DIRECT centre, with the départements it serves (see europe_direct_centres.yml)."""

    id: str
    name: str
    host: Optional[str] = None
    town: Optional[str] = None
    departement: Optional[StrictStr] = None  # where the host is; a bare YAML number is an error
    region: Optional[str] = None
    coverage: Tuple[StrictStr, ...] = ()
    coverage_verified: StrictBool = False
    coverage_note: Optional[str] = None
    coverage_sources: Tuple[Source, ...] = ()
    generation: str
    status: str
    note: Optional[str] = None
    details: Tuple[ContactDetail, ...] = ()

    _id = validator("id", allow_reuse=True)(_check_id)
    _departement = validator("departement", allow_reuse=True)(_check_departement)
    _coverage = validator("coverage", each_item=True, allow_reuse=True)(_check_departement)

    @validator("region", always=True)
    def _region(cls, value: Optional[str], values: dict) -> Optional[str]:
        departement = values.get("departement")
        if value is None:
            # Named from the département when the file leaves it out: one region per centre, always.
            found = geo.region_of(departement) if departement else None
            return found[1] if found else None
        if departement:
            expected = geo.region_of(departement)[1]
            if value != expected:
                raise ValueError(f"region '{value}' does not match département {departement} (expected '{expected}')")
        elif value not in geo.regions().values():
            raise ValueError(f"unknown region '{value}' (expected an official name, e.g. 'Nouvelle-Aquitaine')")
        return value

    @property
    def departement_code(self) -> Optional[str]:
        """The INSEE code of the host's département (None when unknown)."""
        return self.departement

    @property
    def departement_name(self) -> Optional[str]:
        return geo.departements().get(self.departement) if self.departement else None

    @property
    def region_code(self) -> Optional[str]:
        """The code of ``region`` (None when the centre's region is unknown)."""
        return next((code for code, name in geo.regions().items() if name == self.region), None)

    @property
    def region_name(self) -> Optional[str]:
        return self.region

    @validator("coverage")
    def _unique_coverage(cls, value: Tuple[str, ...]) -> Tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("duplicate département code in list")
        return value

    @validator("coverage_verified")
    def _verified_needs_coverage(cls, value: bool, values: dict) -> bool:
        if value and not values.get("coverage"):
            raise ValueError("coverage_verified is true but coverage is empty")
        return value

    @validator("coverage_sources")
    def _coverage_sourced(cls, value: Tuple[Source, ...], values: dict) -> Tuple[Source, ...]:
        if values.get("coverage") and not value:
            raise ValueError("a coverage needs at least one source")
        return value

    @validator("generation")
    def _generation(cls, value: str) -> str:
        _check_vocabulary([value], CENTRE_GENERATIONS, "generation")
        return value

    @validator("status")
    def _status(cls, value: str, values: dict) -> str:
        _check_vocabulary([value], CENTRE_STATUSES, "status")
        if value == "confirmed" and values.get("generation") != "2026_2030":
            raise ValueError("status 'confirmed' needs generation '2026_2030'")
        if values.get("generation") == "older" and value != "probably_inactive":
            raise ValueError("generation 'older' needs status 'probably_inactive' (never proposed as current)")
        return value

    @root_validator(skip_on_failure=True)
    def _evidence_not_only_old(cls, values: dict) -> dict:
        # A centre known only from sources older than 2021 may have lost its label: never current.
        sources = list(values["sources"]) + list(values["coverage_sources"])
        sources += [source for detail in values["details"] for source in detail.sources]
        years = [year for year in (published_year(source.published) for source in sources) if year is not None]
        if (
            years
            and max(years) < CURRENT_EVIDENCE_FROM_YEAR
            and (values["generation"], values["status"]) != ("older", "probably_inactive")
        ):
            raise ValueError(
                f"every dated source is older than {CURRENT_EVIDENCE_FROM_YEAR} (newest: {max(years)}): "
                "set generation 'older' and status 'probably_inactive'"
            )
        return values


class Locator(_Sourced):
    """The official EUROPE DIRECT locator, given in every answer about centres."""

    url: str
    note: Optional[str] = None

    _url = validator("url", allow_reuse=True)(_check_url)


class ProgrammesFile(_Model):
    programmes: Tuple[Programme, ...]


class ContactsFile(_Model):
    contacts: Tuple[Contact, ...]


class ExamplesFile(_Model):
    examples: Tuple[Example, ...]


class FiguresFile(_Model):
    facts: Tuple[Fact, ...]


class CountriesFile(_Sourced):
    note: Optional[str] = None
    countries: Tuple[Country, ...]


class EuropeDirectFile(_Model):
    locator: Locator
    centres: Tuple[EuropeDirectCentre, ...]
