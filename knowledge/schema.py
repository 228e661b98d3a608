"""Pydantic (v1) models describing the YAML files in ``knowledge/data/``.

Each model validates one file section; the loader turns pydantic's error locations into
``file.yml: programmes[0].strands[1].calls[0].deadline: ...`` messages. Cross-file checks
(unknown ids, duplicates) live in :mod:`knowledge.loader`. What every model shares is in
:mod:`knowledge.schema_base`; the EUROPE DIRECT centres are in :mod:`knowledge.schema_centres`.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Dict, Optional, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, StrictBool, validator

from knowledge import answers
from knowledge import vocabulary as voc
from knowledge.schema_base import (  # noqa: F401 (re-exported: the schema is one namespace)
    COUNTRY_RE,
    Channels,
    ContactDetail,
    IsoDate,
    Source,
    Sourced,
    StrictModel,
    check_id,
    check_url,
    check_vocabulary,
)
from knowledge.schema_centres import (  # noqa: F401 (re-exported)
    CENTRE_GENERATIONS,
    CENTRE_STATUSES,
    EuropeDirectCentre,
    EuropeDirectFile,
    Locator,
    published_year,
)

_TIME_RE = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


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


class Check(StrictModel):
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
            if not isinstance(value, str) or not COUNTRY_RE.match(value):
                raise ValueError(f"expected an ISO country code (e.g. 'DE') for answer '{answer}' (got {value!r})")
            return value
        allowed = CHECK_CHOICE_ANSWERS[answer]
        if op in ("in", "not_in"):
            if not isinstance(value, list) or not value:
                raise ValueError(f"op '{op}' needs a non-empty list of values (got {value!r})")
            return check_vocabulary([str(v) for v in value], allowed, answer)
        return check_vocabulary([str(value)], allowed, answer)[0]

    @validator("unclear")
    def _unclear(cls, value: Tuple[str, ...], values: dict) -> Tuple[str, ...]:
        answer = values.get("answer")
        if value and answer not in CHECK_CHOICE_ANSWERS:
            raise ValueError(f"'unclear' only applies to {', '.join(CHECK_CHOICE_ANSWERS)}")
        return check_vocabulary(value, CHECK_CHOICE_ANSWERS.get(answer or "", ()), answer or "value")


class Rule(Sourced):
    """One eligibility rule, e.g. the minimum number of participants.

    ``check`` (one condition or a list, all required) makes the rule machine-checkable;
    ``applies_if`` restricts it to some projects (e.g. the OFAJ group size of a visit).
    """

    key: str
    text: str
    value: Optional[float] = None
    unit: Optional[str] = None
    call_year: Optional[int] = None
    checks: Tuple[Check, ...] = Field(default=(), alias="check")  # `check:` in the YAML
    applies_if: Optional[Check] = None

    _key = validator("key", allow_reuse=True)(check_id)

    @validator("checks", pre=True)
    def _one_or_many(cls, value: Any) -> Any:
        # `check: {...}` is the common case; a list is for rules with several conditions.
        return [value] if isinstance(value, dict) else value


class Amount(Sourced):
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


class Call(Sourced):
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


class CountryRule(Sourced):
    """Which partner countries a strand accepts (see ``vocabulary.COUNTRY_RULES``)."""

    rule: str
    countries: Tuple[str, ...] = ()
    note: Optional[str] = None

    @validator("rule")
    def _rule(cls, value: str) -> str:
        check_vocabulary([value], voc.COUNTRY_RULES, "country rule")
        return value

    @validator("countries", each_item=True)
    def _code(cls, value: str) -> str:
        if not COUNTRY_RE.match(value):
            raise ValueError(f"invalid country code '{value}' (expected ISO alpha-2, e.g. 'DE')")
        return value


class Strand(Sourced):
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

    _id = validator("id", allow_reuse=True)(check_id)

    _url = validator("official_url", allow_reuse=True)(check_url)

    @validator("needs")
    def _needs(cls, value: Dict[str, float]) -> Dict[str, float]:
        check_vocabulary(list(value), voc.NEEDS, "need")
        for need, weight in value.items():
            if not 0 < weight <= 1:
                raise ValueError(f"weight of need '{need}' must be in ]0, 1], got {weight}")
        return value

    @validator("audiences", "excluded_audiences")
    def _audiences(cls, value: Tuple[str, ...]) -> Tuple[str, ...]:
        return check_vocabulary(value, voc.AUDIENCES, "audience")

    @validator("themes")
    def _themes(cls, value: Tuple[str, ...]) -> Tuple[str, ...]:
        return check_vocabulary(value, voc.THEMES, "theme")

    @validator("activities")
    def _activities(cls, value: Tuple[str, ...]) -> Tuple[str, ...]:
        return check_vocabulary(value, voc.ACTIVITIES, "activity")


class Programme(Sourced):
    """A funding programme or scheme grouping strands."""

    id: str
    name_fr: str
    short_name: str
    summary: str
    managing_body: Optional[str] = None
    official_url: str
    default_strand: str
    strands: Tuple[Strand, ...]

    _id = validator("id", allow_reuse=True)(check_id)
    _url = validator("official_url", allow_reuse=True)(check_url)

    @validator("strands")
    def _not_empty(cls, value: Tuple[Strand, ...]) -> Tuple[Strand, ...]:
        if not value:
            raise ValueError("a programme needs at least one strand")
        return value


class Contact(Sourced, Channels):
    """An organisation that advises communes; the properties give the first channel of each kind."""

    id: str
    name: str
    short_name: str
    role: str
    topics: Tuple[str, ...]
    aliases: Tuple[str, ...] = ()  # NLU `contact` entity values that point here (e.g. agence_erasmus)
    details: Tuple[ContactDetail, ...] = ()

    _id = validator("id", allow_reuse=True)(check_id)

    @validator("topics")
    def _topics(cls, value: Tuple[str, ...]) -> Tuple[str, ...]:
        return check_vocabulary(value, voc.CONTACT_TOPICS, "topic")


class Example(Sourced):
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

    _id = validator("id", allow_reuse=True)(check_id)


class Fact(Sourced):
    """A national key figure or a general statement about twinning."""

    id: str
    topic: str
    text: str
    note: Optional[str] = None

    _id = validator("id", allow_reuse=True)(check_id)

    @validator("topic")
    def _topic(cls, value: str) -> str:
        check_vocabulary([value], voc.FACT_TOPICS, "fact topic")
        return value


class Country(StrictModel):
    """A country the assistant knows by ISO code."""

    code: str
    name_fr: str
    status: str
    note: Optional[str] = None

    @validator("code")
    def _code(cls, value: str) -> str:
        if not COUNTRY_RE.match(value):
            raise ValueError(f"invalid country code '{value}' (expected ISO alpha-2, e.g. 'DE')")
        return value

    @validator("status")
    def _status(cls, value: str) -> str:
        check_vocabulary([value], voc.COUNTRY_STATUSES, "country status")
        return value


class ProgrammesFile(StrictModel):
    """knowledge/data/programmes.yml."""

    programmes: Tuple[Programme, ...]


class ContactsFile(StrictModel):
    """knowledge/data/contacts.yml."""

    contacts: Tuple[Contact, ...]


class ExamplesFile(StrictModel):
    """knowledge/data/examples.yml."""

    examples: Tuple[Example, ...]


class FiguresFile(StrictModel):
    """knowledge/data/figures.yml."""

    facts: Tuple[Fact, ...]


class CountriesFile(Sourced):
    """knowledge/data/countries.yml."""

    note: Optional[str] = None
    countries: Tuple[Country, ...]
