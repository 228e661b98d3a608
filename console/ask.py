"""The ask page: everything the assistant weighs for a pasted question, and its own reply to paste."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Dict, Iterable, List, Optional, Sequence

from aiohttp import web

from actions import formatting
from actions.common import guessed_intent
from actions.recommend import FUNDING_INTENTS, recommendation_reply
from console.audit import SourceRow, is_stale
from console.pages import CONSOLE_PARSER, checked_form, in_thread, render, today
from knowledge import api, ranking
from knowledge.views import Recommendation, SourceView, StrandView

logger = logging.getLogger(__name__)

CANDIDATE_LIMIT = 100
QUESTION_MAX_CHARS = 5000


@dataclass
class Candidate:
    rec: Recommendation
    next_call: Any
    deadline_text: str
    contacts: list
    examples: list
    sources: List[SourceRow] = field(default_factory=list)


def _collect_sources(strand: StrandView, contacts: Sequence, examples: Sequence, today: date) -> List[SourceRow]:
    rows: List[SourceRow] = []
    seen = set()

    def add(label: str, sources: Iterable[SourceView]) -> None:
        for source in sources:
            key = (label, source.url)
            if key in seen:
                continue
            seen.add(key)
            rows.append(SourceRow(label, source.url, source.checked_on, source.third_party, is_stale(source, today)))

    add("Volet", strand.sources)
    add("Pays partenaires", strand.eligible_countries.sources)
    for rule in strand.rules:
        add(f"Règle « {rule.key} »", rule.sources)
    for amount in strand.amounts:
        add("Montant", amount.sources)
    for call in strand.calls:
        add(f"Appel {call.id}", call.sources)
    for contact in contacts:
        add(f"Contact {contact.short_name}", contact.sources)
    for example in examples:
        add(f"Exemple {example.commune}", example.sources)
    return rows


def analyse(text: str, parse: Optional[Dict[str, Any]], today: date) -> Dict[str, Any]:
    """Everything the assistant would weigh for ``text`` as a first message (blocking: database reads).

    The reply is the assistant's own (:func:`actions.recommend.recommendation_reply`), answered as
    the NLU's best guess even when it fell back, so that staff always get a reply to start from.
    """
    message = {**(parse or {}), "text": text}
    intent = (message.get("intent") or {}).get("name")
    guess = guessed_intent(message) if intent == "nlu_fallback" else intent
    reply = recommendation_reply(message, {}, guess, today)
    profile = reply.profile
    need, inferred = ranking.infer_need(profile)
    candidates: List[Candidate] = []
    for rec in api.recommend(profile, today=today, limit=CANDIDATE_LIMIT, every_candidate=True):
        strand = rec.strand
        call = ranking.next_call(strand.calls, today)
        contacts = api.contacts_for(strand.id)
        examples = api.examples_for(strand.id)
        candidates.append(
            Candidate(
                rec=rec,
                next_call=call,
                deadline_text=formatting.deadline_text(strand, call, today),
                contacts=contacts,
                examples=examples,
                sources=_collect_sources(strand, contacts, examples, today),
            )
        )
    try:
        place = api.nearest_europe_direct(text)
    except Exception:  # noqa: BLE001 - the place lookup is a bonus, never a failure of the page
        logger.exception("console: place lookup failed")
        place = None
    return {
        "profile": profile,
        "intent": intent,
        "guess": guess,
        "need": need,
        "need_inferred": inferred,
        "need_label": ranking.NEED_LABELS.get(need, need),
        "candidates": candidates,
        "reply": reply.text,
        "place": place,
        "funding_intent": guess in FUNDING_INTENTS,
    }


async def ask_page(request: web.Request) -> web.Response:
    text = ""
    if request.method == "POST":
        form, refused = await checked_form(request)
        if refused is not None:
            return refused
        text = str(form.get("question") or "").strip()[:QUESTION_MAX_CHARS]
    if not text:
        return render(request, "ask.html", question="", result=None, nlu=None, nlu_status="")
    parser = request.config_dict[CONSOLE_PARSER]
    try:
        parse = await parser(text)
        nlu_status = getattr(parser, "status", "") if parse is None else ""
        if parse is None and not nlu_status:
            nlu_status = "Modèle indisponible."
    except Exception as error:  # noqa: BLE001 - show the rest of the reasoning anyway
        logger.exception("console: NLU failed")
        parse, nlu_status = None, f"Erreur de l'analyse NLU ({type(error).__name__})."
    day = today(request)
    result = await in_thread(analyse, text, parse, day)
    return render(request, "ask.html", question=text, result=result, nlu=parse, nlu_status=nlu_status, today=day)
