"""The knowledge tables: written from the validated YAML, read back as the same validated objects.

A column has the name of the schema field it stores (:mod:`knowledge.models`), so one pair of
functions maps every table both ways (:func:`_row`, :func:`_validated`); only what the tables
spread over several columns or rows (a strand's needs, contacts and partner-country rule, a
centre's coverage) is spelt out below. Reading validates again: what the snapshot serves is what
the schema accepts.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Type, TypeVar

from pydantic import BaseModel
from sqlalchemy import JSON, inspect, select
from sqlalchemy.orm import Session, selectinload

from knowledge import geo, models, schema

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class KnowledgeBundle:
    """The validated content of the data directory (or of a database built from it)."""

    programmes: List[schema.Programme]
    contacts: List[schema.Contact]
    examples: List[schema.Example]
    facts: List[schema.Fact]
    countries: schema.CountriesFile
    europe_direct: Optional[schema.EuropeDirectFile] = None


def _json(value: Any) -> Any:
    """A validated value as JSON data (dates as ISO strings)."""
    if isinstance(value, BaseModel):
        return json.loads(value.json(exclude_none=True))
    if isinstance(value, (list, tuple)):
        return [_json(item) for item in value]
    return value


def _row(table: Type[models.Base], obj: BaseModel, **values: Any) -> models.Base:
    """A row of ``table`` holding ``obj``'s fields of the same name, and ``values``."""
    for column in inspect(table).column_attrs:
        key = column.key
        if key in values or key not in obj.__fields__:
            continue
        value = getattr(obj, key)
        values[key] = _json(value) if isinstance(column.columns[0].type, JSON) else value
    return table(**values)


def _validated(model: Type[M], row: models.Base, **values: Any) -> M:
    """The ``model`` object stored in ``row`` (its columns of the same name, and ``values``)."""
    for column in inspect(type(row)).column_attrs:
        if column.key not in values and column.key in model.__fields__:
            values[column.key] = getattr(row, column.key)
    return model.parse_obj(values)


# ------------------------------------------------------------------------------------ write


def rows(bundle: KnowledgeBundle) -> List[models.Base]:
    """The rows of the validated bundle, parents before children."""
    countries = bundle.countries
    result: List[models.Base] = [
        _row(models.Country, country, position=i, verified=countries.verified, sources=_json(countries.sources))
        for i, country in enumerate(countries.countries)
    ]
    result += [
        _row(models.Contact, contact, position=i,
             details=[_row(models.ContactDetail, d, position=j) for j, d in enumerate(contact.details)])
        for i, contact in enumerate(bundle.contacts)
    ]
    position = 0
    for i, programme in enumerate(bundle.programmes):
        result.append(_row(models.Programme, programme, position=i))
        for strand in programme.strands:
            result.append(_strand_row(strand, programme.id, position))
            position += 1
    result += [_row(models.Example, example, position=i) for i, example in enumerate(bundle.examples)]
    result += [_row(models.Fact, fact, position=i) for i, fact in enumerate(bundle.facts)]
    if bundle.europe_direct is not None:
        result.append(_row(models.EuropeDirectLocator, bundle.europe_direct.locator, id=1))
        result += [
            _row(models.EuropeDirectCentre, centre, position=i, region_code=centre.region_code,
                 coverage=[models.EuropeDirectCoverage(departement_code=code, position=j)
                           for j, code in enumerate(centre.coverage)],
                 details=[_row(models.EuropeDirectDetail, d, position=j) for j, d in enumerate(centre.details)])
            for i, centre in enumerate(bundle.europe_direct.centres)
        ]
    return result


def _strand_row(strand: schema.Strand, programme_id: str, position: int) -> models.Base:
    countries = strand.eligible_countries
    return _row(
        models.Strand, strand, programme_id=programme_id, position=position,
        country_rule=countries.rule, country_codes=list(countries.countries), country_note=countries.note,
        country_verified=countries.verified, country_sources=_json(countries.sources),
        needs=[models.StrandNeed(need=need, weight=weight) for need, weight in strand.needs.items()],
        rules=[_row(models.Rule, rule, position=i) for i, rule in enumerate(strand.rules)],
        amounts=[_row(models.Amount, amount, position=i) for i, amount in enumerate(strand.amounts)],
        calls=[_row(models.Call, call, position=i) for i, call in enumerate(strand.calls)],
        contact_links=[models.StrandContact(contact_id=cid, position=i) for i, cid in enumerate(strand.contact_ids)],
    )


# ------------------------------------------------------------------------------------- read


def read(session: Session) -> KnowledgeBundle:
    """The validated bundle a database holds (what :func:`rows` wrote)."""
    strand_rows = session.scalars(
        select(models.Strand)
        .options(*(selectinload(getattr(models.Strand, name))
                   for name in ("needs", "rules", "amounts", "calls", "contact_links")))
        .order_by(models.Strand.position)
    )
    strands: Dict[str, List[schema.Strand]] = defaultdict(list)
    for row in strand_rows:
        strands[row.programme_id].append(_strand(row))
    programmes = [
        _validated(schema.Programme, row, strands=strands[row.id])
        for row in session.scalars(select(models.Programme).order_by(models.Programme.position))
    ]
    contacts = [
        _validated(schema.Contact, row, details=[_validated(schema.ContactDetail, d) for d in row.details])
        for row in session.scalars(
            select(models.Contact).options(selectinload(models.Contact.details)).order_by(models.Contact.position))
    ]
    examples = [_validated(schema.Example, row)
                for row in session.scalars(select(models.Example).order_by(models.Example.position))]
    facts = [_validated(schema.Fact, row) for row in session.scalars(select(models.Fact).order_by(models.Fact.position))]
    country_rows = list(session.scalars(select(models.Country).order_by(models.Country.position)))
    # The file's verified flag and sources are stored with each of its countries.
    countries = (
        schema.CountriesFile(verified=country_rows[0].verified, sources=country_rows[0].sources,
                             countries=tuple(_validated(schema.Country, row) for row in country_rows))
        if country_rows else schema.CountriesFile.construct(verified=True, sources=[], countries=[])
    )
    return KnowledgeBundle(programmes, contacts, examples, facts, countries, _europe_direct(session))


def _strand(row: models.Strand) -> schema.Strand:
    return _validated(
        schema.Strand, row,
        needs={need.need: need.weight for need in row.needs},
        eligible_countries=schema.CountryRule(
            rule=row.country_rule, countries=row.country_codes, note=row.country_note,
            verified=row.country_verified, sources=row.country_sources,
        ),
        rules=[_validated(schema.Rule, rule) for rule in row.rules],
        amounts=[_validated(schema.Amount, amount) for amount in row.amounts],
        calls=[_validated(schema.Call, call) for call in row.calls],
        contact_ids=[link.contact_id for link in row.contact_links],
    )


def _europe_direct(session: Session) -> Optional[schema.EuropeDirectFile]:
    locator = session.get(models.EuropeDirectLocator, 1)
    if locator is None:
        return None
    query = (
        select(models.EuropeDirectCentre)
        .options(selectinload(models.EuropeDirectCentre.coverage), selectinload(models.EuropeDirectCentre.details))
        .order_by(models.EuropeDirectCentre.position)
    )
    centres = tuple(
        _validated(
            schema.EuropeDirectCentre, row,
            coverage=[item.departement_code for item in row.coverage],
            region=geo.regions().get(row.region_code) if row.region_code else None,  # stored by code
            details=[_validated(schema.ContactDetail, d) for d in row.details],
        )
        for row in session.scalars(query)
    )
    return schema.EuropeDirectFile(locator=_validated(schema.Locator, locator), centres=centres)
