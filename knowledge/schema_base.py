"""What every model of :mod:`knowledge.schema` shares: strict parsing, sources, dates, ids, channels."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import TYPE_CHECKING, Optional, Sequence, Tuple

from pydantic import BaseModel, StrictBool, validator

from knowledge import geo
from knowledge import vocabulary as voc

_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")


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


def check_id(value: str) -> str:
    """An id in lower_snake_case, else a validation error."""
    if not _ID_RE.match(value):
        raise ValueError(f"invalid id '{value}' (expected lower_snake_case, e.g. 'cerv_town_twinning')")
    return value


def check_url(value: str) -> str:
    """An http(s) address, else a validation error."""
    if not value.startswith(("https://", "http://")):
        raise ValueError(f"invalid url '{value}' (expected http:// or https://)")
    return value


def check_departement(value: str) -> str:
    """A French département code of the official list, else a validation error."""
    # Checked against the official list shipped in knowledge/data/geo/ (read once, lazily).
    if geo.departement_code(value) != value:
        raise ValueError(
            f"unknown département code '{value}' (expected an INSEE code in quotes, e.g. \"19\", \"2A\", \"974\")"
        )
    return value


def check_vocabulary(values: Sequence[str], allowed: Tuple[str, ...], what: str) -> Tuple[str, ...]:
    """Values of a closed vocabulary (knowledge/vocabulary.py), else a validation error naming ``what``."""
    for value in values:
        if value not in allowed:
            raise ValueError(f"unknown {what} '{value}' (allowed: {', '.join(allowed)})")
    if len(set(values)) != len(values):
        raise ValueError(f"duplicate {what} in list")
    return tuple(values)


class StrictModel(BaseModel):
    """A model of the YAML data: an unknown key is an error, and the objects are immutable."""

    class Config:
        extra = "forbid"  # a misspelt key is an error, not silently ignored
        anystr_strip_whitespace = True
        min_anystr_length = 1
        allow_mutation = False  # the snapshot shares these objects between every request
        allow_population_by_field_name = True  # read back from the tables by field name


class Source(StrictModel):
    """Where a fact comes from and when we checked it."""

    url: str
    checked_on: IsoDate
    published: Optional[str] = None  # the source's own date, as precise as known ("2024", "~2025")
    third_party: StrictBool = False  # aggregator/blog only: indicative
    title: Optional[str] = None

    _url = validator("url", allow_reuse=True)(check_url)


class Sourced(StrictModel):
    """A fact with its sources and whether an official source confirms it."""

    verified: StrictBool
    sources: Tuple[Source, ...]

    @validator("sources")
    def _at_least_one_source(cls, value: Tuple[Source, ...]) -> Tuple[Source, ...]:
        if not value:
            raise ValueError("at least one source is required")
        return value


class ContactDetail(Sourced):
    """One way to reach a contact (web site, email, phone, postal address)."""

    kind: str
    value: str
    note: Optional[str] = None

    @validator("kind")
    def _kind(cls, value: str) -> str:
        check_vocabulary([value], voc.CONTACT_DETAIL_KINDS, "contact detail kind")
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
