"""French text of the answers, built from knowledge views (pure functions, no I/O).

Every answer names what the user asked for first, then the figures, an example, a contact and the
source with the date it was checked. Links are named (``[page officielle](url)``, see
:mod:`actions.answer`); an unverified fact is said to be so once per answer, where it matters
(:func:`to_confirm`).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Callable, Iterable, List, Optional, Sequence, Tuple

from babel.dates import format_date
from babel.numbers import format_decimal

from actions.answer import Line, link, site_name
from knowledge.views import (
    AmountView,
    CallView,
    ContactView,
    ExampleView,
    FactView,
    HasChannels,
    RuleView,
    SourceView,
    StrandView,
)

UNVERIFIED = "(à confirmer sur la page officielle)"
UNVERIFIED_WINDOW = "(à confirmer)"
OFFICIAL_PAGE = "page officielle"


def french_date(value: date) -> str:
    """``23 septembre 2026``, ``1er octobre 2026``."""
    text = format_date(value, "d MMMM y", locale="fr_FR")
    return "1er" + text[1:] if value.day == 1 else text


def euros(amount: int) -> str:
    """``8 455 €`` with the French thousands separator."""
    return f"{format_decimal(amount, locale='fr_FR')} €"


def official_link(url: Optional[str]) -> str:
    """``[page officielle](url)``."""
    return link(OFFICIAL_PAGE, url)


def source_link(sources: Sequence[SourceView], fallback_url: Optional[str] = None) -> str:
    """``[source : site](URL), vérifiée le 26 novembre 2026`` for the first first-hand source."""
    first_hand = [s for s in sources if not s.third_party] or list(sources)
    if first_hand:
        source = first_hand[0]
        return f"{link(site_name(source.url), source.url)}, vérifiée le {french_date(source.checked_on)}"
    return official_link(fallback_url) if fallback_url else ""


def source_line(sources: Sequence[SourceView], fallback_url: Optional[str] = None) -> str:
    """``Source : [site](URL), vérifiée le 26 novembre 2026``."""
    text = source_link(sources, fallback_url)
    return f"Source : {text}" if text else ""


def to_confirm(items: Sequence[str], url: Optional[str]) -> Optional[Line]:
    """The one "à confirmer" line of an answer: what is unverified, and where to check it."""
    items = list(dict.fromkeys(item for item in items if item))
    if not items:
        return None
    where = f"sur la {official_link(url)}" if url else "sur les pages officielles"
    return Line("À confirmer", f"{', '.join(items)}, {where}.")


def _mark(text: str, verified: bool) -> str:
    return text if verified else f"{text} {UNVERIFIED}"


def amount_fact(strand: StrandView) -> Tuple[str, bool]:
    """The per-project amount (the newest amount that speaks of a project, else a pointer), and whether it is verified."""
    if not strand.amounts:
        return f"non précisé dans nos sources, voir la {official_link(strand.official_url)}.", True
    amount: AmountView = strand.amounts[0]
    return amount.text.rstrip(".") + ".", amount.verified


def amount_text(strand: StrandView) -> str:
    """``Montant : …`` marked when unverified."""
    text, verified = amount_fact(strand)
    return "Montant : " + (text if verified else _mark(text.rstrip("."), verified) + ".")


def deadline_parts(
    strand: StrandView,
    call: Optional[CallView],
    today: date,
    open_all_year: Sequence[StrandView] = (),
    contact: Optional[ContactView] = None,
    partner_country: Optional[str] = None,
) -> Tuple[str, Tuple[Line, ...], bool]:
    """The next deadline in a few words, the lines that detail it, and whether it is verified.

    When every known call is past, the short text says so; the details give the usual window and,
    given ``open_all_year`` strands or a ``contact``, what can be done meanwhile.
    """
    if strand.rolling and call is None:
        return strand.usual_pattern.rstrip(".") + ".", (), True
    if call is None or call.deadline is None:
        last = _last_past_call(strand.calls, today)
        short = (
            f"l'appel {last.year} est clos depuis le {french_date(last.deadline.date())} ; "
            "le prochain n'est pas encore publié."
            if last is not None and last.deadline is not None
            else "aucun appel ouvert n'est connu à ce jour."
        )
        details = [Line("Calendrier habituel", strand.usual_pattern.rstrip(".") + ".")]
        meanwhile = meanwhile_text(strand, open_all_year, contact, partner_country)
        if meanwhile:
            details.append(Line("En attendant", meanwhile))
        return short, tuple(details), last is None or last.verified
    days_left = (call.deadline.date() - today).days
    when = "aujourd'hui" if days_left == 0 else f"dans {days_left} jour{'s' if days_left > 1 else ''}"
    return f"{call.deadline_text}, {when}.", (Line("Appel", call.id),), call.verified


def deadline_text(strand: StrandView, call: Optional[CallView], today: date, **context: Any) -> str:
    """The next deadline with its year and the days left, or why there is none to give, as one text.

    ``context``: the keyword arguments of :func:`deadline_parts` (what can be done meanwhile).
    """
    short, details, verified = deadline_parts(strand, call, today, **context)
    label = "Prochaine date limite" if call is not None and call.deadline is not None else "Date limite"
    short = short[0].upper() + short[1:]
    return "\n".join([f"{label} : {_mark(short, verified)}"] + [line.plain() for line in details])


def meanwhile_text(
    strand: StrandView,
    open_all_year: Sequence[StrandView],
    contact: Optional[ContactView],
    partner_country: Optional[str] = None,
) -> str:
    """What a commune can do while no call of ``strand`` is open: prepare, ask, or apply elsewhere now.

    ``open_all_year`` are strands accepting applications all year that fit the project (the caller
    chooses them). A scheme reserved to some countries (OFAJ, Fonds citoyen: Germany) is named only
    when the partner's country is known and accepted.
    """
    if not open_all_year and contact is None:
        return ""
    parts = ["préparez dès maintenant le projet (partenaires, programme, budget)"]
    if contact is not None:
        parts.append(f"pour vous aider : {contact.short_name}")
    others = [
        other for other in open_all_year
        if other.id != strand.id
        and (accepts_country(other, partner_country) if partner_country else other.eligible_countries.rule != "list")
    ]
    if others:
        names = " et ".join(other.short_name for other in others)
        parts.append(f"{names} {'accepte' if len(others) == 1 else 'acceptent'} les demandes toute l'année")
    return " ; ".join(parts) + "."


def _last_past_call(calls: Iterable[CallView], today: date) -> Optional[CallView]:
    past = [(c.deadline, c) for c in calls if c.deadline is not None and c.deadline.date() < today]
    return max(past, key=lambda pair: pair[0])[1] if past else None


def rules_text(rules: Sequence[RuleView], marks: bool = True) -> List[str]:
    """One line per eligibility rule, with the year of the call it comes from."""
    lines = []
    for rule in rules:
        year = f" [appel {rule.call_year}]" if rule.call_year else ""
        text = rule.text.rstrip(".") + "." + year
        lines.append("• " + (_mark(text, rule.verified) if marks else text))
    return lines


def channels_text(holder: HasChannels, marks: bool = True) -> str:
    """``site ; e-mail : … ; tél. : …`` for a contact or a centre: only the channels our sources give.

    The site is a link named "site"; ``marks`` says after each unverified channel that it is.
    """
    channels = []
    for label, detail in (("site", holder.url), ("e-mail", holder.email), ("tél.", holder.phone),
                          ("adresse", holder.address)):
        if detail is None:
            continue
        text = link("site", detail.value) if label == "site" else f"{label} : {detail.value}"
        channels.append(_mark(text, detail.verified) if marks else text)
    return " ; ".join(channels) + "." if channels else ""


def unverified_channels(holder: HasChannels) -> bool:
    return any(not detail.verified for detail in holder.details)


def contact_text(contact: ContactView, marks: bool = True) -> str:
    """``CIDEM – … — rôle. site ; e-mail : …`` with only the channels our sources give."""
    text = f"{contact.name} — {contact.role.rstrip('.')}."
    channels = channels_text(contact, marks)
    return f"{text} {channels}" if channels else text


def contact_short(contact: ContactView) -> str:
    """``[CIDEM](site), e-mail : …, tél. : …``: the contact's name linked to its site, and how to reach it."""
    parts = [link(contact.short_name, contact.url.value if contact.url else None)]
    parts += [f"{label} : {detail.value}" for label, detail in (("e-mail", contact.email), ("tél.", contact.phone))
              if detail is not None]
    return ", ".join(parts) + "."


def contact_line(contact: ContactView) -> str:
    """``[CIDEM](site) — what it is, e-mail : …, tél. : …``: one line of a list of people to ask."""
    what = re.split(r" : | ; |\. ", contact.role.strip(), maxsplit=1)[0].rstrip(".")
    head = contact_short(contact).rstrip(".").split(", ", 1)
    if what[1:2].islower():  # "Association qui…" reads on after the dash; an acronym stays as it is
        what = what[0].lower() + what[1:]
    return f"{head[0]} — {what}" + (f", {head[1]}." if len(head) > 1 else ".")


def example_text(example: ExampleView, marks: bool = True) -> str:
    """A funded project, with its amount and year when the source gives them."""
    text = f"{example.commune} : {example.description.rstrip('.')}."
    if example.historical_note:
        text += f" ({example.historical_note.rstrip('.')}.)"
    if marks and not example.verified:
        text += f" {UNVERIFIED}"
    return text


def not_for_country(strand: StrandView, country_name: str, country_names: Callable[[str], str] = str) -> str:
    """Why a scheme asked about does not fit the partner's country ("réservé à l'Allemagne")."""
    return (f"{strand.short_name}, que vous évoquiez, ne convient pas à un partenariat avec ce pays "
            f"({country_name}). {countries_text(strand, country_names)}").strip()


def accepts_country(strand: StrandView, country: str) -> bool:
    """False only when the strand lists its partner countries and ``country`` is not one of them."""
    rule = strand.eligible_countries
    return not (rule.rule == "list" and rule.countries and country not in rule.countries)


def countries_text(strand: StrandView, country_names: Callable[[str], str] = str, label: bool = True) -> str:
    """``Pays partenaires : uniquement Allemagne.``, or the note of the strand's rule (empty without one)."""
    countries = strand.eligible_countries
    if countries.rule == "list" and countries.countries:
        text = "uniquement " + ", ".join(country_names(code) for code in countries.countries) + "."
    elif countries.note:
        text = countries.note.rstrip(".") + "."
    else:
        return ""
    return f"Pays partenaires : {text}" if label else text


def comparison_block(
    strand: StrandView,
    next_call: Optional[CallView],
    today: date,
    country_names: Callable[[str], str] = str,
) -> Tuple[List[Line], bool]:
    """One programme of a side-by-side comparison (the same headings for each), and whether all of it is verified."""
    amount, amount_ok = amount_fact(strand)
    deadline, _, deadline_ok = deadline_parts(strand, next_call, today)
    lines = [
        Line("", f"▸ {strand.short_name} ({strand.programme_name})"),
        Line("Pour quoi", f"{strand.summary.rstrip('.')}."),
        Line("Montant", amount),
        Line("Qui peut candidater", f"{strand.who_can_apply.rstrip('.')}."),
        Line("Pays partenaires", countries_text(strand, country_names, label=False) or "voir la page officielle."),
        Line("Date limite", deadline),
        Line("Pour en savoir plus", official_link(strand.official_url)),
    ]
    return lines, amount_ok and deadline_ok


def figures_text(facts: Sequence[FactView]) -> str:
    """The national key figures, each with its source."""
    lines = ["Les jumelages en chiffres :"]
    for fact in facts:
        line = "• " + fact.text.rstrip(".") + "." + ("" if fact.verified else " *")
        if fact.sources:
            line += f" ({source_line(fact.sources)})"
        lines.append(line)
    if not all(fact.verified for fact in facts):
        lines.append("* À confirmer : chiffre qu'aucune source officielle ne confirme.")
    return "\n".join(lines)
