"""SQLAlchemy 1.4 declarative models of the knowledge base.

Entity graph::

    Programme --(1..n)--> Strand --(1..n)--> Call
                            |  |----(1..n)--> Rule
                            |  |----(1..n)--> Amount
                            |  |----(1..n)--> StrandNeed (need, weight)
                            |  |----(1..n)--> Example
                            |  '----(n..m, ordered)--> Contact --(1..n)--> ContactDetail
                            |                 via StrandContact
    Fact (key figures, what a twinning is)        Country (ISO code, French name, EU status)

Each column has the name of the schema field it stores (:mod:`knowledge.schema`), so that
:mod:`knowledge.store` maps rows and validated objects both ways by name. Short lists of canonical
values (audiences, themes, topics...), conditions and ``sources`` lists
(``[{url, checked_on, published, third_party, title}]``) are stored as JSON: they are always read
with their row. The whole base is read once per build (:mod:`knowledge.snapshot`).

Declarations use the 1.4 API (``declarative_base``, ``Column``); queries elsewhere use the
2.0 style (``select()`` + ``Session.scalars()``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base, relationship

Base: Any = declarative_base()  # untyped in SQLAlchemy 1.4


class Sourced:
    """Columns of every fact: whether it was verified, and its ``sources``."""

    verified = Column(Boolean, nullable=False)
    sources = Column(JSON, nullable=False)


class Channel(Sourced):
    """Columns of one channel of a contact or a centre: url, email, phone or address."""

    id = Column(Integer, primary_key=True)
    position = Column(Integer, nullable=False)
    kind = Column(String(16), nullable=False)
    value = Column(Text, nullable=False)
    note = Column(Text)


class Programme(Sourced, Base):
    """A funding programme (CERV, Erasmus+, ...)."""

    __tablename__ = "programmes"

    id = Column(String(64), primary_key=True)
    position = Column(Integer, nullable=False)
    name_fr = Column(Text, nullable=False)
    short_name = Column(String(200), nullable=False)
    summary = Column(Text, nullable=False)
    managing_body = Column(Text)
    official_url = Column(Text, nullable=False)
    default_strand = Column("default_strand_id", String(64), nullable=False)

    strands = relationship("Strand", back_populates="programme", order_by="Strand.position")


class Strand(Sourced, Base):
    """A fundable strand of a programme; what the assistant recommends."""

    __tablename__ = "strands"

    id = Column(String(64), primary_key=True)
    programme_id = Column(ForeignKey("programmes.id"), nullable=False, index=True)
    position = Column(Integer, nullable=False)
    priority = Column(Integer, nullable=False)
    name_fr = Column(Text, nullable=False)
    short_name = Column(String(200), nullable=False)
    summary = Column(Text, nullable=False)
    funds = Column(Text, nullable=False)
    who_can_apply = Column(Text, nullable=False)
    how_to_apply = Column(Text, nullable=False)
    official_url = Column(Text, nullable=False)
    usual_pattern = Column(Text, nullable=False)
    rolling = Column(Boolean, nullable=False)
    audiences = Column(JSON, nullable=False)
    excluded_audiences = Column(JSON, nullable=False)
    themes = Column(JSON, nullable=False)
    activities = Column(JSON, nullable=False)
    country_rule = Column(String(32), nullable=False)
    country_codes = Column(JSON, nullable=False)
    country_note = Column(Text)
    country_verified = Column(Boolean, nullable=False)
    country_sources = Column(JSON, nullable=False)

    programme = relationship("Programme", back_populates="strands")
    needs = relationship("StrandNeed", order_by="StrandNeed.need", cascade="all, delete-orphan")
    rules = relationship("Rule", order_by="Rule.position", cascade="all, delete-orphan")
    amounts = relationship("Amount", order_by="Amount.position", cascade="all, delete-orphan")
    calls = relationship("Call", order_by="Call.position", cascade="all, delete-orphan")
    examples = relationship("Example", back_populates="strand", order_by="Example.position")
    contact_links = relationship(
        "StrandContact", order_by="StrandContact.position", cascade="all, delete-orphan"
    )


class StrandNeed(Base):
    """How well a strand serves one of the six needs (weight in ]0, 1])."""

    __tablename__ = "strand_needs"

    strand_id = Column(ForeignKey("strands.id"), primary_key=True)
    need = Column(String(32), primary_key=True)
    weight = Column(Float, nullable=False)


class Rule(Sourced, Base):
    """An eligibility rule of a strand, with the call year it was read for."""

    __tablename__ = "rules"

    id = Column(Integer, primary_key=True)
    strand_id = Column(ForeignKey("strands.id"), nullable=False, index=True)
    position = Column(Integer, nullable=False)
    key = Column(String(64), nullable=False)
    text = Column(Text, nullable=False)
    value = Column(Float)
    unit = Column(String(64))
    call_year = Column(Integer)
    # Machine-checkable conditions ([{answer, op, value, unclear, unclear_note}]), read with the rule.
    checks = Column(JSON, nullable=False, default=list)
    applies_if = Column(JSON)

    __table_args__ = (UniqueConstraint("strand_id", "key"),)


class Amount(Sourced, Base):
    """An amount or grant range of a strand."""

    __tablename__ = "amounts"

    id = Column(Integer, primary_key=True)
    strand_id = Column(ForeignKey("strands.id"), nullable=False, index=True)
    position = Column(Integer, nullable=False)
    text = Column(Text, nullable=False)
    min_eur = Column(Integer)
    max_eur = Column(Integer)
    call_year = Column(Integer)


class Call(Sourced, Base):
    """A call for proposals or submission round, with its deadline."""

    __tablename__ = "calls"

    id = Column(String(100), primary_key=True)  # the call identifier, e.g. CERV-2026-CITIZENS-TOWN-TT
    strand_id = Column(ForeignKey("strands.id"), nullable=False, index=True)
    position = Column(Integer, nullable=False)
    year = Column(Integer, nullable=False)
    opening = Column(Date)
    deadline = Column(Date, index=True)
    deadline_time = Column(String(5))  # "HH:MM" local time in `timezone`; NULL when unknown
    timezone = Column(String(64), nullable=False)
    deadline_text = Column(Text, nullable=False)
    note = Column(Text)


class Contact(Sourced, Base):
    """An organisation that advises communes."""

    __tablename__ = "contacts"

    id = Column(String(64), primary_key=True)
    position = Column(Integer, nullable=False)
    name = Column(Text, nullable=False)
    short_name = Column(String(200), nullable=False)
    role = Column(Text, nullable=False)
    topics = Column(JSON, nullable=False)
    aliases = Column(JSON, nullable=False)

    details = relationship(
        "ContactDetail", order_by="ContactDetail.position", cascade="all, delete-orphan"
    )


class ContactDetail(Channel, Base):
    """One channel of a contact: url, email, phone or address."""

    __tablename__ = "contact_details"

    contact_id = Column(ForeignKey("contacts.id"), nullable=False, index=True)


class StrandContact(Base):
    """Ordered link between a strand and its contacts."""

    __tablename__ = "strand_contacts"

    strand_id = Column(ForeignKey("strands.id"), primary_key=True)
    contact_id = Column(ForeignKey("contacts.id"), primary_key=True)
    position = Column(Integer, nullable=False)

    contact = relationship("Contact")


class Example(Sourced, Base):
    """A real project run by a commune with a strand."""

    __tablename__ = "examples"

    id = Column(String(64), primary_key=True)
    strand_id = Column(ForeignKey("strands.id"), nullable=False, index=True)
    position = Column(Integer, nullable=False)
    commune = Column(Text, nullable=False)
    partner_countries = Column(JSON, nullable=False)
    year = Column(Integer)
    period = Column(String(64))
    title = Column(Text, nullable=False)
    description = Column(Text, nullable=False)
    amount_eur = Column(Integer)
    historical_note = Column(Text)

    strand = relationship("Strand", back_populates="examples")


class Fact(Sourced, Base):
    """A key figure or a general statement about twinning."""

    __tablename__ = "facts"

    id = Column(String(64), primary_key=True)
    position = Column(Integer, nullable=False)
    topic = Column(String(32), nullable=False, index=True)
    text = Column(Text, nullable=False)
    note = Column(Text)


class Country(Sourced, Base):
    """A country known by its ISO alpha-2 code."""

    __tablename__ = "countries"

    code = Column(String(2), primary_key=True)
    position = Column(Integer, nullable=False)
    name_fr = Column(String(100), nullable=False)
    status = Column(String(16), nullable=False)
    note = Column(Text)


class EuropeDirectLocator(Sourced, Base):
    """The official EUROPE DIRECT locator (a single row)."""

    __tablename__ = "europe_direct_locator"

    id = Column(Integer, primary_key=True)
    url = Column(Text, nullable=False)
    note = Column(Text)


class EuropeDirectCentre(Sourced, Base):
    """A EUROPE DIRECT centre; ``departement`` is where its host is (None when unknown)."""

    __tablename__ = "europe_direct_centres"

    id = Column(String(64), primary_key=True)
    position = Column(Integer, nullable=False)
    name = Column(Text, nullable=False)
    host = Column(Text)
    town = Column(Text)
    departement = Column("departement_code", String(3), index=True)
    region_code = Column(String(3), index=True)
    coverage_verified = Column(Boolean, nullable=False)
    coverage_note = Column(Text)
    coverage_sources = Column(JSON, nullable=False)
    generation = Column(String(16), nullable=False)
    status = Column(String(32), nullable=False, index=True)
    note = Column(Text)

    coverage = relationship(
        "EuropeDirectCoverage", order_by="EuropeDirectCoverage.position", cascade="all, delete-orphan"
    )
    details = relationship(
        "EuropeDirectDetail", order_by="EuropeDirectDetail.position", cascade="all, delete-orphan"
    )


class EuropeDirectCoverage(Base):
    """A département a centre serves; its own table because the locator selects centres by it."""

    __tablename__ = "europe_direct_coverage"

    centre_id = Column(ForeignKey("europe_direct_centres.id"), primary_key=True)
    departement_code = Column(String(3), primary_key=True, index=True)
    position = Column(Integer, nullable=False)


class EuropeDirectDetail(Channel, Base):
    """One channel of a centre: url, email, phone or address."""

    __tablename__ = "europe_direct_details"

    centre_id = Column(ForeignKey("europe_direct_centres.id"), nullable=False, index=True)


class Build(Base):
    """One row written by each build: lets readers cache what they read until the next build."""

    __tablename__ = "knowledge_build"

    id = Column(Integer, primary_key=True)
    build_id = Column(String(32), nullable=False)
    built_at = Column(String(32), nullable=False)
