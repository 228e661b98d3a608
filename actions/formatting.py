"""French text of the answers, built from knowledge views (pure functions, no I/O).

Every answer names what the user asked for first, then the figures, an example, a contact and the
source with the date it was checked. An unverified fact is said to be so, with the official page.
"""

from __future__ import annotations

from datetime import date
from typing import Callable, Iterable, List, Optional, Sequence

from babel.dates import format_date
from babel.numbers import format_decimal

from knowledge.views import (
    AmountView,
    CallView,
    ContactView,
    ExampleView,
    FactView,
    HasChannels,
    Recommendation,
    RuleView,
    SourceView,
    StrandView,
)

UNVERIFIED = "(à confirmer sur la page officielle)"
UNVERIFIED_WINDOW = "(à confirmer)"


def french_date(value: date) -> str:
    """``23 septembre 2026``, ``1er octobre 2026``."""
    text = format_date(value, "d MMMM y", locale="fr_FR")
    return "1er" + text[1:] if value.day == 1 else text


def euros(amount: int) -> str:
    """``8 455 €`` with the French thousands separator."""
    return f"{format_decimal(amount, locale='fr_FR')} €"


def source_line(sources: Sequence[SourceView], fallback_url: Optional[str] = None) -> str:
    """``Source : URL (vérifié le 26 novembre 2026)`` for the first first-hand source."""
    first_hand = [s for s in sources if not s.third_party] or list(sources)
    if first_hand:
        source = first_hand[0]
        return f"Source : {source.url} (vérifiée le {french_date(source.checked_on)})"
    return f"Source : {fallback_url}" if fallback_url else ""


def _mark(text: str, verified: bool) -> str:
    return text if verified else f"{text} {UNVERIFIED}"


def amount_text(strand: StrandView) -> str:
    """The per-project amount: the newest amount that speaks of a project, else a pointer."""
    if not strand.amounts:
        return f"Montant : non précisé dans nos sources, voir {strand.official_url}"
    amount: AmountView = strand.amounts[0]
    return "Montant : " + _mark(amount.text.rstrip("."), amount.verified) + "."


def deadline_text(
    strand: StrandView,
    call: Optional[CallView],
    today: date,
    open_all_year: Sequence[StrandView] = (),
    contact: Optional[ContactView] = None,
    partner_country: Optional[str] = None,
) -> str:
    """The next deadline with its year and the days left, or why there is none to give.

    When every known call is past, one line says so, the next gives the usual window "à confirmer",
    and, given ``open_all_year`` strands or a ``contact``, a third says what can be done meanwhile.
    """
    if strand.rolling and call is None:
        return "Date limite : " + strand.usual_pattern
    if call is None or call.deadline is None:
        last = _last_past_call(strand.calls, today)
        closed = (
            f"L'appel {last.year} est clos depuis le {french_date(last.deadline.date())}"
            f"{'' if last.verified else ' (date non vérifiée)'} et le prochain n'est pas encore publié."
            if last is not None and last.deadline is not None
            else "Aucun appel ouvert n'est connu à ce jour."
        )
        lines = [
            "Date limite : " + closed,
            f"Calendrier habituel {UNVERIFIED_WINDOW} : {strand.usual_pattern.rstrip('.')}.",
            meanwhile_text(strand, open_all_year, contact, partner_country),
        ]
        return "\n".join(line for line in lines if line)
    days_left = (call.deadline.date() - today).days
    when = "aujourd'hui" if days_left == 0 else f"dans {days_left} jour{'s' if days_left > 1 else ''}"
    text = f"Prochaine date limite : {call.deadline_text} ({call.id}), {when}."
    return _mark(text, call.verified)


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
    return "En attendant : " + " ; ".join(parts) + "."


def _last_past_call(calls: Iterable[CallView], today: date) -> Optional[CallView]:
    past = [c for c in calls if c.deadline is not None and c.deadline.date() < today]
    return max(past, key=lambda c: c.deadline) if past else None


def rules_text(rules: Sequence[RuleView]) -> List[str]:
    """One line per eligibility rule, with the year of the call it comes from."""
    lines = []
    for rule in rules:
        year = f" [appel {rule.call_year}]" if rule.call_year else ""
        lines.append("• " + _mark(rule.text.rstrip(".") + "." + year, rule.verified))
    return lines


def channels_text(holder: HasChannels) -> str:
    """``site : … ; e-mail : …`` for a contact or a centre: only the channels our sources give."""
    channels = []
    for label, detail in (
        ("site", holder.url),
        ("e-mail", holder.email),
        ("tél.", holder.phone),
        ("adresse", holder.address),
    ):
        if detail is not None:
            channels.append(f"{label} : {_mark(detail.value, detail.verified)}")
    return " ; ".join(channels) + "." if channels else ""


def contact_text(contact: ContactView) -> str:
    """``CIDEM – … : rôle. Site : … ; e-mail : …`` with only the channels our sources give."""
    text = f"{contact.name} — {contact.role.rstrip('.')}."
    channels = channels_text(contact)
    return f"{text} {channels}" if channels else text


def example_text(example: ExampleView) -> str:
    """A funded project, with its amount and year when the source gives them."""
    text = f"{example.commune} : {example.description.rstrip('.')}."
    if example.historical_note:
        text += f" ({example.historical_note.rstrip('.')}.)"
    if not example.verified:
        text += f" {UNVERIFIED}"
    return text


def recommendation_text(
    rec: Recommendation,
    next_call: Optional[CallView],
    example: Optional[ExampleView],
    contact: Optional[ContactView],
    alternatives: Sequence[Recommendation],
    today: date,
    country_name: Optional[str] = None,
    open_all_year: Sequence[StrandView] = (),
    partner_country: Optional[str] = None,
) -> str:
    """The full recommendation: programme first, why, key figures, example, contact, source."""
    strand = rec.strand
    lines = [f"Le programme le plus adapté à votre projet : {strand.short_name} ({strand.programme_name})."]
    if rec.reasons:
        lines.append("Pourquoi : " + " ; ".join(r.rstrip(".") for r in rec.reasons) + ".")
    lines.append(f"Ce qu'il finance : {strand.funds.rstrip('.')}.")
    lines.append(amount_text(strand))
    lines.append(f"Qui peut candidater : {strand.who_can_apply.rstrip('.')}.")
    lines.append(deadline_text(strand, next_call, today, open_all_year, contact, partner_country))
    if example is not None:
        # Say so when the example comes from another strand than the one recommended.
        label = "Exemple" if example.strand_id == strand.id else f"Exemple (projet financé au titre de {example.strand_short_name})"
        lines.append(f"{label} : " + example_text(example))
    if contact is not None:
        lines.append("Contact : " + contact_text(contact))
    lines.append(f"Page officielle : {strand.official_url}")
    lines.append(source_line(strand.sources, strand.official_url))
    if alternatives:
        names = ", ".join(alt.strand.short_name for alt in alternatives)
        lines.append(f"Autres pistes possibles : {names}.")
    return "\n".join(line for line in lines if line)


def programme_answer(
    strand: StrandView,
    topic: str,
    next_call: Optional[CallView],
    today: date,
    country_names: Callable[[str], str] = str,
    partner_country: Optional[str] = None,
    open_all_year: Sequence[StrandView] = (),
    contact: Optional[ContactView] = None,
) -> str:
    """Answer one question (``info``, ``amount``, ``deadline``, ``eligibility``, ``how_to_apply``).

    ``partner_country`` (a code) adds a warning when the strand does not accept that country;
    ``open_all_year`` and ``contact`` say what can be done while no call is open.
    """
    head = f"{strand.short_name} ({strand.programme_name})"
    if topic == "amount":
        body = [head + ".", amount_text(strand)]
        body += [f"• {_mark(a.text.rstrip('.') + '.', a.verified)}" for a in strand.amounts[1:]]
    elif topic == "deadline":
        body = [head + ".", deadline_text(strand, next_call, today, open_all_year, contact, partner_country)]
    elif topic == "eligibility":
        body = [f"Qui peut candidater à {head} : {strand.who_can_apply.rstrip('.')}."]
        body += rules_text(strand.rules)
        body.append(_countries_text(strand, country_names))
    elif topic == "how_to_apply":
        body = [f"Comment candidater à {head} : {strand.how_to_apply.rstrip('.')}."]
        body.append(deadline_text(strand, next_call, today, open_all_year, contact, partner_country))
    else:
        body = [
            f"{head} : {strand.summary.rstrip('.')}.",
            f"Ce qu'il finance : {strand.funds.rstrip('.')}.",
            amount_text(strand),
            deadline_text(strand, next_call, today, open_all_year, contact, partner_country),
        ]
        body.append(_countries_text(strand, country_names))
    if partner_country and not accepts_country(strand, partner_country):
        body.insert(
            0,
            f"Attention : {strand.short_name} ne convient pas à un partenariat avec ce pays "
            f"({country_names(partner_country)}). {_countries_text(strand, country_names)}",
        )
    body.append(f"Page officielle : {strand.official_url}")
    body.append(source_line(strand.sources, strand.official_url))
    return "\n".join(line for line in body if line)


def not_for_country(strand: StrandView, country_name: str, country_names: Callable[[str], str] = str) -> str:
    """Why a scheme asked about does not fit the partner's country ("réservé à l'Allemagne")."""
    return (f"{strand.short_name}, que vous évoquiez, ne convient pas à un partenariat avec ce pays "
            f"({country_name}). {_countries_text(strand, country_names)}").strip()


def accepts_country(strand: StrandView, country: str) -> bool:
    """False only when the strand lists its partner countries and ``country`` is not one of them."""
    rule = strand.eligible_countries
    return not (rule.rule == "list" and rule.countries and country not in rule.countries)


def _countries_text(strand: StrandView, country_names: Callable[[str], str] = str) -> str:
    countries = strand.eligible_countries
    if countries.rule == "list" and countries.countries:
        names = ", ".join(country_names(code) for code in countries.countries)
        text = "Pays partenaires : uniquement " + names + "."
    elif countries.note:
        text = "Pays partenaires : " + countries.note.rstrip(".") + "."
    else:
        return ""
    return _mark(text, countries.verified)


def comparison_block(
    strand: StrandView,
    next_call: Optional[CallView],
    today: date,
    country_names: Callable[[str], str] = str,
) -> str:
    """One programme of a side-by-side comparison: the same headings for each."""
    lines = [
        f"▸ {strand.short_name} ({strand.programme_name})",
        f"Pour quoi : {strand.summary.rstrip('.')}.",
        amount_text(strand),
        f"Qui peut candidater : {strand.who_can_apply.rstrip('.')}.",
        _countries_text(strand, country_names) or "Pays partenaires : voir la page officielle.",
        deadline_text(strand, next_call, today),
        f"Page officielle : {strand.official_url}",
    ]
    return "\n".join(line for line in lines if line)


def figures_text(facts: Sequence[FactView]) -> str:
    """The national key figures, each with its source."""
    lines = ["Les jumelages en chiffres :"]
    for fact in facts:
        line = "• " + _mark(fact.text.rstrip(".") + ".", fact.verified)
        if fact.sources:
            line += f" ({source_line(fact.sources)})"
        lines.append(line)
    return "\n".join(lines)
