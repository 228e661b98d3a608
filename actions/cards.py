"""The structured answers about programmes (pure functions, no I/O): the recommendation card, the
short follow-up when one detail of the project changed, and the answers about one programme.

A card puts first what decides (programme, why in one line, amount, next deadline, contact), then
an example, then details and sources (see :mod:`actions.answer`). "À confirmer" comes once, naming
the decisive facts our sources do not confirm.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Callable, Dict, List, Optional, Sequence

from actions.answer import Answer, Line, link, visible
from actions.formatting import (
    amount_fact,
    contact_short,
    contact_text,
    countries_text,
    deadline_parts,
    example_text,
    official_link,
    rules_text,
    source_link,
    to_confirm,
    unverified_channels,
)
from actions.words_fr import in_words
from knowledge.ranking import NEED_LABELS
from knowledge.views import (
    CallView,
    ContactView,
    ExampleView,
    NeedProfile,
    Recommendation,
    StrandView,
)

FULL_CARD_TITLE = "Voir la fiche complète"
# A follow-up stays under this many words (the rest is in the full card).
FOLLOWUP_MAX_WORDS = 60
# Below this weight a strand only "may also suit" the need (as knowledge.ranking words it).
SERVES_NEED = 0.5


def full_card_button(strand_id: str) -> Dict[str, str]:
    """The quick reply that asks for the whole card of a programme."""
    return {"title": FULL_CARD_TITLE, "payload": f'/ask_programme_info{{"programme": "{strand_id}"}}'}


# What the partner's country means for a strand, in the card's "Pourquoi" and in a follow-up.
PARTNER_WHY = {
    "listed": "dispositif réservé aux partenariats avec ce pays ({name})",
    "member": "partenaire dans l'UE ({name}), éligible",
    "associated": "pays associé au programme ({name}), éligible",
    "excluded": "partenaire hors UE ({name}) : non admis",
    "unsure": "partenaire hors UE ({name}) : admis seulement si ce pays est associé au programme",
}
PARTNER_FOLLOWUP = {
    "listed": "{name}, le pays auquel ce dispositif est réservé.",
    "member": "{name}, dans l'UE : partenaire éligible.",
    "associated": "{name}, pays associé au programme : partenaire éligible.",
    "excluded": "{name}, hors UE : non admis.",
    "unsure": "{name}, hors UE : admis seulement si ce pays est associé au programme ({confirm}).",
}


def partner_check(strand: StrandView, country: Optional[str], country_status: Optional[str]) -> Optional[str]:
    """How ``strand`` takes a partner from ``country``: a key of :data:`PARTNER_WHY`, or None when it does not matter."""
    rule = strand.eligible_countries
    if not country or rule.rule not in ("list", "eu_and_associated"):
        return None
    if rule.rule == "list":
        return "listed" if country in rule.countries else None  # the ranking leaves such a strand out
    if country_status == "member":
        return "member"
    if country in rule.countries:
        return "associated"
    return "excluded" if rule.verified else "unsure"


def _doubt(check: Optional[str], name: Optional[str]) -> str:
    return f"l'éligibilité d'un partenaire de ce pays ({name})" if check == "unsure" else ""


def why_text(strand: StrandView, need: Optional[str], profile: NeedProfile, partner: Optional[str]) -> str:
    """One line: the need the programme serves, the public, the theme and the partner's country."""
    parts: List[str] = []
    if need in NEED_LABELS:
        fits = "il finance" if strand.need_weight(need) >= SERVES_NEED else "il peut aussi convenir à"
        parts.append(f"{fits} ce type de projet ({NEED_LABELS[need]})")
    if profile.audience and profile.audience in strand.audiences:
        parts.append(f"pour des {in_words(profile.audience)}")
    if profile.theme and profile.theme in strand.themes:
        parts.append(f"thème : {in_words(profile.theme)}")
    if partner:
        parts.append(partner)
    return " ; ".join(parts) + "." if parts else ""


def _contact_items(contact: Optional[ContactView]) -> List[str]:
    return ["les coordonnées du contact"] if contact is not None and unverified_channels(contact) else []


def _sources_line(strand: StrandView) -> Line:
    return Line("Sources", f"{official_link(strand.official_url)} ; {source_link(strand.sources, strand.official_url)}")


def recommendation_card(
    rec: Recommendation,
    need: Optional[str],
    profile: NeedProfile,
    next_call: Optional[CallView],
    example: Optional[ExampleView],
    contact: Optional[ContactView],
    alternatives: Sequence[Recommendation],
    today: date,
    open_all_year: Sequence[StrandView] = (),
    country_name: Optional[str] = None,
    country_status: Optional[str] = None,
) -> Answer:
    """The full recommendation: programme, why, amount, deadline, contact, example; then the details."""
    strand = rec.strand
    name = country_name or profile.country
    check = partner_check(strand, profile.country, country_status)
    partner = PARTNER_WHY[check].format(name=name) if check else None
    amount, amount_ok = amount_fact(strand)
    deadline, deadline_details, deadline_ok = deadline_parts(
        strand, next_call, today, open_all_year, contact, profile.country)
    facts = [Line("Pourquoi", why_text(strand, need, profile, partner)), Line("Montant", amount),
             Line("Date limite", deadline)]
    if contact is not None:
        facts.append(Line("Contact", contact_short(contact)))
    if example is not None:
        # Say so when the example comes from another strand than the one recommended.
        label = "Exemple" if example.strand_id == strand.id else f"Exemple (projet financé au titre de {example.strand_short_name})"
        facts.append(Line(label, example_text(example, marks=False)))
    doubts = [_doubt(check, name), "" if amount_ok else "le montant", "" if deadline_ok else "la date limite",
              "" if example is None or example.verified else "l'exemple", *_contact_items(contact)]
    note = to_confirm(doubts, strand.official_url)
    details = [
        Line("Programme", strand.programme_name),
        Line("Ce qu'il finance", strand.funds.rstrip(".") + "."),
        Line("Qui peut candidater", strand.who_can_apply.rstrip(".") + "."),
        *deadline_details,
    ]
    if contact is not None:
        details.append(Line("Rôle du contact", contact_text(contact, marks=False)))
    if alternatives:
        details.append(Line("Autres pistes possibles", ", ".join(alt.strand.short_name for alt in alternatives) + "."))
    details.append(_sources_line(strand))
    title = f"Le programme le plus adapté à votre projet : {strand.short_name}"
    return Answer(
        title=title,
        facts=tuple(line for line in facts + ([note] if note else []) if line.text),
        details=tuple(details),
        summary=f"{title}. Montant, date limite et contact dans la réponse.",
    )


def followup_card(
    rec: Recommendation,
    previous_strand_id: Optional[str],
    profile: NeedProfile,
    country_name: Optional[str],
    country_status: Optional[str],
    contact: Optional[ContactView] = None,
    example: Optional[ExampleView] = None,
) -> Answer:
    """The answer to a new partner country: what changed, in a few words (the full card on request).

    The contact and an example are named (linked) in a line each: whom to call and who did it before
    are what a person acts on, even when the programme stays the same.
    """
    strand = rec.strand
    name = country_name or profile.country
    same = strand.id == previous_strand_id
    if same:
        head = f"Nouveau pays partenaire, {name} : {strand.short_name} reste le programme le plus adapté."
    else:
        head = f"Nouveau pays partenaire, {name} : le programme le plus adapté devient {strand.short_name}."
    facts = [Line("", head)]
    check = partner_check(strand, profile.country, country_status)
    if check:
        confirm = f"à confirmer sur la {official_link(strand.official_url)}"
        facts.append(Line("Pays partenaire", PARTNER_FOLLOWUP[check].format(name=name, confirm=confirm)))
    people = []
    if contact is not None:
        people.append(Line("Contact", link(contact.short_name, contact.url.value if contact.url else None)))
    if example is not None and example.programme_id == strand.programme_id:  # another scheme's needs the full card
        name = re.sub(r"\s*\(.*\)$", "", example.commune)  # "… des Coëvrons (Mayenne, 29 communes)": the name
        people.append(Line("Exemple", link(name, example.sources[0].url if example.sources else None)))
    if same:
        facts += [*people, Line("", "Le reste est inchangé.")]
    else:
        # What changed with the programme, as far as it stays short: the amount, then the rest on request.
        amount = Line("Montant", amount_fact(strand)[0])
        if _words(facts + people + [amount]) <= FOLLOWUP_MAX_WORDS - 10:
            facts.append(amount)
        facts += [*people, Line("", "Date limite et détails : dans la fiche complète.")]
    return Answer(facts=tuple(facts), summary=head)


def _words(lines: Sequence[Line]) -> int:
    return sum(len(visible(line.plain()).split()) for line in lines)


def programme_card(
    strand: StrandView,
    topic: str,
    next_call: Optional[CallView],
    today: date,
    country_names: Callable[[str], str] = str,
    partner_country: Optional[str] = None,
    open_all_year: Sequence[StrandView] = (),
    contact: Optional[ContactView] = None,
) -> Answer:
    """Answer one question (``info``, ``amount``, ``deadline``, ``eligibility``, ``how_to_apply``).

    ``partner_country`` (a code) adds a warning when the strand does not accept that country;
    ``open_all_year`` and ``contact`` say what can be done while no call is open.
    """
    title = strand.short_name
    amount, amount_ok = amount_fact(strand)
    deadline, deadline_details, deadline_ok = deadline_parts(
        strand, next_call, today, open_all_year, contact, partner_country)
    doubts: List[str] = []
    facts: List[Line] = []
    details: List[Line] = []
    if topic == "amount":
        facts = [Line("Montant", amount)]
        facts += [Line("", f"• {a.text.rstrip('.')}.") for a in strand.amounts[1:]]
        doubts = ["le montant" if not all(a.verified for a in strand.amounts) else ""]
    elif topic == "deadline":
        facts, details = [Line("Date limite", deadline)], list(deadline_details)
        doubts = ["" if deadline_ok else "la date limite"]
    elif topic == "eligibility":
        title = f"Qui peut candidater à {title}"
        facts = [Line("", strand.who_can_apply.rstrip(".") + ".")]
        facts += [Line("", line) for line in rules_text(strand.rules, marks=False)]
        facts.append(Line("Pays partenaires", countries_text(strand, country_names, label=False)))
        doubts = ["" if all(rule.verified for rule in strand.rules) else "certaines règles",
                  "" if strand.eligible_countries.verified else "les pays partenaires"]
    elif topic == "how_to_apply":
        title = f"Comment candidater à {title}"
        facts = [Line("", strand.how_to_apply.rstrip(".") + "."), Line("Date limite", deadline)]
        details = list(deadline_details)
        doubts = ["" if deadline_ok else "la date limite"]
    else:
        facts = [Line("", strand.summary.rstrip(".") + "."), Line("Montant", amount), Line("Date limite", deadline)]
        if contact is not None:
            facts.append(Line("Contact", contact_short(contact)))
        details = [Line("Programme", strand.programme_name),
                   Line("Ce qu'il finance", strand.funds.rstrip(".") + "."),
                   Line("Qui peut candidater", strand.who_can_apply.rstrip(".") + "."),
                   Line("Pays partenaires", countries_text(strand, country_names, label=False)),
                   *deadline_details]
        doubts = ["" if amount_ok else "le montant", "" if deadline_ok else "la date limite", *_contact_items(contact)]
    if partner_country and strand.eligible_countries.rule == "list" and partner_country not in strand.eligible_countries.countries:
        facts.insert(0, Line("Attention", f"{strand.short_name} ne convient pas à un partenariat avec ce pays "
                                          f"({country_names(partner_country)}). {countries_text(strand, country_names)}"))
    note = to_confirm(doubts, strand.official_url)
    details.append(_sources_line(strand))
    return Answer(title=title, facts=tuple(line for line in facts + ([note] if note else []) if line.text),
                  details=tuple(line for line in details if line.text))
