"""The EUROPE DIRECT centres of ``europe_direct_centres.yml`` and the official locator."""

from __future__ import annotations

import re
from typing import Optional, Tuple

from pydantic import StrictBool, StrictStr, root_validator, validator

from knowledge import geo
from knowledge.schema_base import (
    Channels,
    ContactDetail,
    Source,
    Sourced,
    StrictModel,
    check_departement,
    check_id,
    check_url,
    check_vocabulary,
)

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


class EuropeDirectCentre(Sourced, Channels):
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

    _id = validator("id", allow_reuse=True)(check_id)
    _departement = validator("departement", allow_reuse=True)(check_departement)
    _coverage = validator("coverage", each_item=True, allow_reuse=True)(check_departement)

    @validator("region", always=True)
    def _region(cls, value: Optional[str], values: dict) -> Optional[str]:
        departement = values.get("departement")
        if value is None:
            # Named from the département when the file leaves it out: one region per centre, always.
            found = geo.region_of(departement) if departement else None
            return found[1] if found else None
        if departement:
            found = geo.region_of(departement)
            expected = found[1] if found else None
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
        check_vocabulary([value], CENTRE_GENERATIONS, "generation")
        return value

    @validator("status")
    def _status(cls, value: str, values: dict) -> str:
        check_vocabulary([value], CENTRE_STATUSES, "status")
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


class Locator(Sourced):
    """The official EUROPE DIRECT locator, given in every answer about centres."""

    url: str
    note: Optional[str] = None

    _url = validator("url", allow_reuse=True)(check_url)


class EuropeDirectFile(StrictModel):
    """knowledge/data/europe_direct_centres.yml."""

    locator: Locator
    centres: Tuple[EuropeDirectCentre, ...]
