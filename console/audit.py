"""The knowledge audit page: programmes, calls by next deadline, contacts, examples, facts to check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from aiohttp import web

from console.pages import in_thread, render, today
from knowledge import api
from knowledge.views import SourceView

STALE_MONTHS = 12


@dataclass
class SourceRow:
    label: str
    url: str
    checked_on: date
    third_party: bool
    stale: bool


def months_before(day: date, months: int) -> date:
    """The same day ``months`` earlier (the 28th/29th... clamped to the month's end)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    return date(year, month, 28)


def is_stale(source: SourceView, today: date) -> bool:
    """A source last checked more than 12 months before ``today``."""
    return source.checked_on < months_before(today, STALE_MONTHS)


def _call_order(calls: Iterable, today: date) -> List[Tuple[Any, str]]:
    """Upcoming calls by nearest deadline, then closed ones (latest first), then undated ones."""
    upcoming, closed, undated = [], [], []
    for call in calls:
        if call.deadline is None:
            undated.append(call)
        elif call.deadline.date() >= today:
            upcoming.append(call)
        else:
            closed.append(call)
    upcoming.sort(key=lambda c: c.deadline)
    closed.sort(key=lambda c: c.deadline, reverse=True)
    return [(c, "upcoming") for c in upcoming] + [(c, "closed") for c in closed] + [(c, "undated") for c in undated]


@dataclass
class ProgrammeAudit:
    """How many facts of a programme (its strands, rules, amounts, calls, examples) need a look."""

    name: str
    facts: int = 0
    unverified: int = 0
    stale: int = 0  # facts with a source checked more than STALE_MONTHS ago


def knowledge_overview(today: date) -> Dict[str, Any]:
    """Everything the knowledge page shows, and the facts the next audit should start with (blocking)."""
    strands = api.list_strands()
    names = {s.id: s.short_name for s in strands}
    calls = _call_order((call for strand in strands for call in strand.calls), today)
    contacts = api.contacts_for()
    examples = []
    for programme_id in dict.fromkeys(s.programme_id for s in strands):
        examples.extend(api.examples_for(programme_id))
    facts = api.facts()

    unverified: List[str] = []
    stale: List[Tuple[str, SourceRow]] = []
    # Per programme, the facts the next audit should start with (a fact counts once per column).
    by_programme: Dict[str, ProgrammeAudit] = {}
    for strand in strands:
        by_programme.setdefault(strand.programme_id, ProgrammeAudit(strand.programme_name))

    def audit(label: str, verified: bool, sources: Sequence[SourceView], programme_id: Optional[str] = None) -> None:
        row = by_programme.get(programme_id) if programme_id else None
        if row is not None:
            row.facts += 1
        if not verified:
            unverified.append(label)
            if row is not None:
                row.unverified += 1
        old = [source for source in sources if is_stale(source, today)]
        for source in old:
            stale.append((label, SourceRow(label, source.url, source.checked_on, source.third_party, True)))
        if old and row is not None:
            row.stale += 1

    for strand in strands:
        programme = strand.programme_id
        audit(f"{strand.short_name} (volet)", strand.verified, strand.sources, programme)
        audit(f"{strand.short_name} : pays partenaires", strand.eligible_countries.verified,
              strand.eligible_countries.sources, programme)
        for rule in strand.rules:
            audit(f"{strand.short_name} : règle {rule.key}", rule.verified, rule.sources, programme)
        for amount in strand.amounts:
            audit(f"{strand.short_name} : montant", amount.verified, amount.sources, programme)
        for call in strand.calls:
            audit(f"{strand.short_name} : appel {call.id}", call.verified, call.sources, programme)
    for contact in contacts:
        audit(f"Contact {contact.short_name}", contact.verified, contact.sources)
        for detail in contact.details:
            audit(f"Contact {contact.short_name} : {detail.kind}", detail.verified, detail.sources)
    for example in examples:
        audit(f"Exemple {example.commune}", example.verified, example.sources, example.programme_id)
    for fact in facts:
        audit(f"Chiffre {fact.id}", fact.verified, fact.sources)
    return {
        "strands": strands,
        "strand_names": names,
        "calls": calls,
        "contacts": contacts,
        "examples": examples,
        "facts": facts,
        "unverified": unverified,
        "stale": stale,
        "programme_audit": list(by_programme.values()),
        "stale_limit": months_before(today, STALE_MONTHS),
    }


async def knowledge_page(request: web.Request) -> web.Response:
    day = today(request)
    overview = await in_thread(knowledge_overview, day)
    return render(request, "knowledge.html", today=day, **overview)
