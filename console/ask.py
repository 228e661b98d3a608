"""The ask page ("Analyser"): the assistant's own reply to a pasted inquiry, as an e-mail, then its reasoning.

An inquiry that describes several projects (:mod:`console.projects`) gets each project answered,
each through the assistant's single answer path; what the other pieces say (the partner's country
in an introduction…) is the context of every project, as slots are in a conversation.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from aiohttp import web

from actions import formatting
from actions.common import entity_values, guessed_intent
from actions.recommend import FUNDING_INTENTS, recommendation_reply
from console.audit import SourceRow, is_stale
from console.email_reply import ProjectReply, compose_email, reply_messages
from console.pages import CONSOLE_PARSER, checked_form, in_thread, render, today
from console.projects import split_inquiry
from knowledge import api, ranking
from knowledge.views import Recommendation, SourceView, StrandView
from knowledge.vocabulary import PROFILE_ENTITIES

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


def analyse(text: str, parse: Optional[Dict[str, Any]], today: date,
            slots: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """Everything the assistant would weigh for ``text`` as a first message (blocking: database reads).

    The reply is the assistant's own (:func:`actions.recommend.recommendation_reply`), answered as
    the NLU's best guess even when it fell back, so that staff always get a reply to start from;
    ``slots`` carry the context of the inquiry it comes from.
    """
    message = {**(parse or {}), "text": text}
    intent = (message.get("intent") or {}).get("name")
    guess = guessed_intent(message) if intent == "nlu_fallback" else intent
    reply = recommendation_reply(message, slots or {}, guess, today)
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
    return {
        "text": text,
        "nlu": parse,
        "profile": profile,
        "intent": intent,
        "guess": guess,
        "need": need,
        "need_inferred": inferred,
        "need_label": ranking.NEED_LABELS.get(need, need),
        "candidates": candidates,
        "messages": reply_messages(reply),
        "funding_intent": guess in FUNDING_INTENTS,
    }


def _named(parse: Dict[str, Any], entity: str) -> bool:
    """Whether the words of the piece name ``entity`` (not a value inferred, without a span, from elsewhere)."""
    return any(e.get("entity") == entity and _spoken(e) for e in parse.get("entities") or [])


def _spoken(entity: Dict[str, Any]) -> bool:
    return (entity.get("end") or 0) > (entity.get("start") or 0)


def describes_a_project(text: str, parse: Optional[Dict[str, Any]], today: date) -> Optional[Tuple]:
    """The project profile a piece of an inquiry describes (a need, a public, a theme, an activity named), else None.

    A piece that only names countries or towns ("jumelée avec Ostróda et Lauterbach"), a greeting or
    a signature describes none: it is context.
    """
    if parse is None:
        return None
    message = {**parse, "text": text}
    intent = (parse.get("intent") or {}).get("name")
    reply = recommendation_reply(message, {}, guessed_intent(message) if intent == "nlu_fallback" else intent, today)
    profile = reply.profile
    if reply.kind not in ("recommend", "nothing") or not (
            reply.need or profile.audience or profile.theme or _named(message, "activity")):
        return None
    return (profile.need, profile.audience, profile.country, profile.theme, profile.activity)


def context_slots(parses: Sequence[Optional[Dict[str, Any]]]) -> Dict[str, Any]:
    """What the pieces that are not projects name without ambiguity (one country, one public…), as slots."""
    named = [e for parse in parses if parse for e in parse.get("entities") or [] if _spoken(e)]
    slots = {}
    for name in PROFILE_ENTITIES:
        values = entity_values({"entities": named}, name)
        if len(values) == 1:
            slots[name] = values[0]
    return slots


Piece = Tuple[str, Optional[Dict[str, Any]]]


def _compatible(one: Tuple, other: Tuple) -> bool:
    """Two profiles that may be the same project: no field set in both differs."""
    return all(a is None or b is None or a == b for a, b in zip(one, other))


def _join(first: Piece, second: Piece) -> Piece:
    """Two pieces read as one: the texts joined, the second's entities moved to their place in it."""
    text = f"{first[0]} {second[0]}"
    shift = len(first[0]) + 1
    moved = [{**e, "start": (e.get("start") or 0) + shift, "end": (e.get("end") or 0) + shift}
             if _spoken(e) else e
             for e in (second[1] or {}).get("entities") or []]
    parse = {**(first[1] or {}), "text": text, "entities": [*((first[1] or {}).get("entities") or []), *moved]}
    return text, parse


def split_projects(pieces: Sequence[Piece], today: date) -> Tuple[List[Piece], Dict[str, Any]]:
    """The distinct projects the pieces describe (a piece that adds to an earlier project joins it), and
    the context slots of the pieces that describe none.
    """
    projects: List[List[Any]] = []  # [piece, profile]
    context = []
    for piece in pieces:
        profile = describes_a_project(piece[0], piece[1], today)
        if profile is None:
            context.append(piece[1])
            continue
        same = next((project for project in projects if _compatible(project[1], profile)), None)
        if same is None:
            projects.append([piece, profile])
        else:  # "Les jeunes ont entre 14 et 17 ans." after "un échange de jeunes avec l'Allemagne"
            same[0] = _join(same[0], piece)
            same[1] = tuple(a if a is not None else b for a, b in zip(same[1], profile))
    return [project[0] for project in projects], context_slots(context)


def inquiry(text: str, whole: Optional[Dict[str, Any]], pieces: Sequence[Piece], today: date) -> Dict[str, Any]:
    """The analysis of a pasted inquiry: one per project it describes, the e-mail answering them all (blocking)."""
    found, slots = split_projects(pieces, today) if len(pieces) > 1 else ([], {})
    if len(found) > 1:
        projects = [analyse(piece_text, parse, today, slots) for piece_text, parse in found]
    else:
        projects = [analyse(text, whole, today)]
    try:
        place = api.nearest_europe_direct(text)
    except Exception:  # noqa: BLE001 - the place lookup is a bonus, never a failure of the page
        logger.exception("console: place lookup failed")
        place = None
    email = compose_email([ProjectReply(p["text"], p["messages"]) for p in projects])
    return {"projects": projects, "email": email, "context": slots, "place": place}


async def _parse(parser: Any, text: str) -> Tuple[Optional[Dict[str, Any]], str]:
    """The NLU's parse of ``text`` and, when there is none, why (in French)."""
    try:
        parse = await parser(text)
    except Exception as error:  # noqa: BLE001 - show the rest of the reasoning anyway
        logger.exception("console: NLU failed")
        return None, f"Erreur de l'analyse NLU ({type(error).__name__})."
    if parse is None:
        return None, getattr(parser, "status", "") or "Modèle indisponible."
    return parse, ""


async def ask_page(request: web.Request) -> web.Response:
    text = ""
    if request.method == "POST":
        form, refused = await checked_form(request)
        if refused is not None:
            return refused
        text = str(form.get("question") or "").strip()[:QUESTION_MAX_CHARS]
    if not text:
        return render(request, "ask.html", question="", result=None, nlu_status="")
    parser = request.config_dict[CONSOLE_PARSER]
    whole, nlu_status = await _parse(parser, text)
    pieces: List[Piece] = []
    split = split_inquiry(text)
    if whole is not None and len(split) > 1:  # without the NLU, no project can be told apart
        pieces = [(piece, (await _parse(parser, piece))[0]) for piece in split]
    day = today(request)
    result = await in_thread(inquiry, text, whole, pieces, day)
    return render(request, "ask.html", question=text, result=result, nlu_status=nlu_status, today=day)
