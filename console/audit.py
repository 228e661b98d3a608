"""The knowledge audit page: programmes, calls by next deadline, contacts, examples, facts to check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Dict, List, Optional, Sequence, Tuple

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


@dataclass
class CallRow:
    """A row of the calls' table: a call, its state, and for a closed one what the data says of the next.

    ``state`` is ``upcoming`` (deadline to come), ``closed`` (the last call of a strand with none to
    come), ``undated`` or ``past`` (an older call, in the history). ``next_call`` is a later call
    of the same strand known with its opening date (never guessed); without one the page says
    "non publiée" and links the strand's official page.
    """

    call: Any
    state: str
    strand: Any
    next_call: Any = None


def call_rows(strands: Sequence[Any], today: date) -> Tuple[List[CallRow], List[CallRow]]:
    """The current calls (upcoming by nearest deadline, then each strand's last closed call, then undated
    ones) and the history (the older past calls, latest first).
    """
    upcoming, closed, undated, past = [], [], [], []
    for strand in strands:
        ended = sorted((c for c in strand.calls if c.deadline is not None and c.deadline.date() < today),
                       key=lambda c: c.deadline, reverse=True)
        coming = [c for c in strand.calls if c.deadline is not None and c.deadline.date() >= today]
        upcoming += [CallRow(c, "upcoming", strand) for c in coming]
        undated += [CallRow(c, "undated", strand) for c in strand.calls if c.deadline is None]
        if ended and not coming:
            announced = [c for c in strand.calls if c.deadline is None and c.opening and c.opening >= today]
            closed.append(CallRow(ended[0], "closed", strand, min(announced, key=lambda c: c.opening, default=None)))
            ended = ended[1:]
        past += [CallRow(c, "past", strand) for c in ended]
    upcoming.sort(key=lambda row: row.call.deadline)
    closed.sort(key=lambda row: row.call.deadline, reverse=True)
    past.sort(key=lambda row: row.call.deadline, reverse=True)
    return upcoming + closed + undated, past


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
    calls, history = call_rows(strands, today)
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
        "calls": calls,
        "history": history,
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
