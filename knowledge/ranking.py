"""Rank strands for a need profile. Pure functions over :class:`~knowledge.views.StrandView`.

The need dominates (weight x 10); the partner country then filters or boosts (the Franco-German
schemes only exist with Germany); audience, theme and activity matches add small bonuses.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from knowledge.views import (
    CallView,
    ExampleView,
    NeedProfile,
    Recommendation,
    StrandView,
)
from knowledge.vocabulary import MINOR_AUDIENCES, TRAVEL_ACTIVITIES

NEED_FACTOR = 10.0
COUNTRY_MATCH_BONUS = 6.0  # a scheme made for this very country beats a generic one
COUNTRY_UNCERTAIN_PENALTY = 3.0
AUDIENCE_BONUS = 3.0
EXCLUDED_AUDIENCE_PENALTY = 5.0
THEME_BONUS = 1.0
ACTIVITY_BONUS = 1.0
# Making something together with the partner (a method, shared modules) is what partnerships are for:
# it outweighs who takes part (seniors or adults also go on a mobility) when the strand funds it.
COCREATION_BONUS = AUDIENCE_BONUS + ACTIVITY_BONUS
PRIORITY_PENALTY = 0.5  # per priority level below 1
# Young people's own project at home (no partner abroad, no trip), on a theme of a scheme made for
# that (the Solidarity Corps' projects): it beats the exchanges, which need a partner and a trip.
HOME_PROJECT_BONUS = NEED_FACTOR  # as if it served the need fully: such projects are what it is for
DEFAULT_LIMIT = 3

NEED_LABELS = {
    "twinning_meeting": "rencontres entre villes jumelées",
    "network_of_towns": "réseau de plusieurs villes",
    "youth_exchange": "échange de jeunes",
    "education_training": "éducation et formation",
    "climate_cities": "coopération entre villes pour le climat",
    "franco_german": "projet citoyen franco-allemand",
    "cross_border": "coopération transfrontalière de proximité",
    "youth_participation": "participation des jeunes à la vie démocratique",
}

_YOUTH_AUDIENCES = {"jeunes", "enfants"}
# Pupils and teachers make a project educational; adults and seniors only with a learning side.
_EDUCATION_AUDIENCES = {"scolaires", "enseignants"}
_CLIMATE_THEMES = {"climat", "energie", "ville_intelligente"}
# Audiences of the cities mission (a council and its staff); residents meeting on the climate are a twinning.
_CLIMATE_AUDIENCES = {None, "elus", "agents"}
_MINORS = MINOR_AUDIENCES
# An alternative is named only when it serves the project's need at least this much (needs: in programmes.yml).
ALTERNATIVE_MIN_WEIGHT = 0.5


def infer_need(profile: NeedProfile) -> Tuple[str, Optional[str]]:
    """Return the need to rank for, and a French reason when it was deduced from the entities.

    Args:
        profile: the user's profile; ``profile.need`` wins when set.

    Returns:
        ``(need, reason)``; ``reason`` is None when the need was given.
    """
    if profile.need:
        return _reconciled(profile.need, profile.audience, profile.country, profile.activity, profile.theme), None
    learning = profile.activity == "formation" or profile.theme == "education"
    if profile.theme in _CLIMATE_THEMES and profile.audience in _CLIMATE_AUDIENCES:
        need, why = "climate_cities", f"thème « {_label(profile.theme)} »"
    elif profile.activity == "transfrontalier" and profile.audience not in _MINORS:
        need, why = "cross_border", "projet transfrontalier"
    elif profile.activity == "reseau":
        need, why = "network_of_towns", "activité « réseau »"
    elif _youth_participation(profile.audience, profile.theme, profile.activity):
        need, why = "youth_participation", "des jeunes et la démocratie"
    elif profile.audience in _YOUTH_AUDIENCES:
        need, why = "youth_exchange", f"public « {profile.audience} »"
    elif profile.audience in _EDUCATION_AUDIENCES or learning:
        need, why = "education_training", "public ou activité de formation"
    elif profile.country == "DE":
        need, why = "franco_german", "partenaire en Allemagne"
    else:
        need, why = "twinning_meeting", "demande générale"
    return need, f"Besoin déduit de votre demande ({why}) : {NEED_LABELS[need]}."


# Who takes part decides between needs that serve different publics: adults meeting their twin town
# on the climate are a twinning, not the cities mission; young people are a youth exchange.
_ADULT_PUBLICS = {"citoyens", "seniors", "adultes", "benevoles", "associations"}


def _youth_participation(audience: Optional[str], theme: Optional[str], activity: Optional[str]) -> bool:
    """Young people debating, campaigning or working with elected officials at home: their participation.

    The message reader gives the theme when young people work with their elected officials or a youth
    council; a debate alone ("un match et une soirée débat") is no participation project.
    """
    return audience == "jeunes" and activity not in TRAVEL_ACTIVITIES and theme == "democratie"


def _reconciled(need: str, audience: Optional[str], country: Optional[str] = None,
                activity: Optional[str] = None, theme: Optional[str] = None) -> str:
    """The need the classifier read, unless the public or the country the message names contradicts it."""
    if need == "franco_german" and country and country.upper() != "DE":
        # "Franco-German" heard, but the partner is Italian: the same kind of project, with Italy.
        need = "youth_exchange" if audience in _YOUTH_AUDIENCES else "twinning_meeting"
    if need == "network_of_towns" and audience in _MINORS:
        # Young people or pupils meeting their peers, of one twin town or several: a youth exchange.
        need = "youth_exchange"
    if need == "twinning_meeting" and activity == "reseau" and audience not in _MINORS:
        # Towns of several countries working together; a Franco-German project stays one (the Fonds
        # citoyen takes a third country's partners too).
        return "network_of_towns"
    if need in ("twinning_meeting", "network_of_towns") and activity == "transfrontalier" and audience not in _MINORS:
        return "cross_border"  # with the neighbouring commune across the border: Interreg's micro-projects
    if need in ("youth_exchange", "twinning_meeting") and _youth_participation(audience, theme, activity):
        return "youth_participation"
    # A class and its teachers: a school project (with Germany: the OFAJ's). Not for a twinning: its
    # meetings often include the schools, beside the residents the profile cannot keep as well.
    if (need in ("youth_exchange", "climate_cities") and audience in _EDUCATION_AUDIENCES
            and (country or "").upper() != "DE"):
        return "education_training"
    if (need == "education_training" and audience == "scolaires" and (country or "").upper() == "DE"
            and activity in TRAVEL_ACTIVITIES):
        return "youth_exchange"  # pupils meeting their German partners: the OFAJ's school exchanges
    if need in ("climate_cities", "twinning_meeting") and audience in _YOUTH_AUDIENCES:
        return "youth_exchange"
    if need == "climate_cities" and audience in _ADULT_PUBLICS:
        return "twinning_meeting"
    if need == "youth_exchange" and audience in _ADULT_PUBLICS:
        return "twinning_meeting"
    if need == "education_training" and audience == "citoyens":
        return "twinning_meeting"  # residents meeting residents: no school, no training
    return need


def suits_public(strand: StrandView, audience: Optional[str]) -> bool:
    """Whether the strand is for this public: youth schemes for minors, the others for adults."""
    if audience is None:
        return True
    if audience in strand.excluded_audiences:
        return False
    publics = set(strand.audiences)
    if audience in _MINORS:
        return bool(publics & _MINORS)
    return not _youth_only(strand)


def _youth_only(strand: StrandView) -> bool:
    return bool(strand.audiences) and set(strand.audiences) <= _MINORS


def rank_strands(
    strands: Iterable[StrandView],
    profile: NeedProfile,
    countries: Optional[Mapping[str, Tuple[str, str]]] = None,
    today: Optional[Union[date, datetime]] = None,
    limit: int = DEFAULT_LIMIT,
    every_candidate: bool = False,
) -> List[Recommendation]:
    """Score the strands for ``profile`` and return the best ones, best first.

    Args:
        strands: candidate strands.
        profile: canonical need, audience, country (ISO code), theme, activity.
        countries: ISO code -> (French name, ``member``/``candidate``/``other``); an unknown
            country is treated as a non-member.
        today: when given, a reason about the next deadline is appended.
        limit: maximum number of recommendations.
        every_candidate: keep every strand that serves the need (the staff console's analysis),
            not only the alternatives the project could really apply to (the user's answer).

    Returns:
        Up to ``limit`` recommendations; strands that do not serve the need or exclude the
        country are left out.
    """
    need, inferred_reason = infer_need(profile)
    country = profile.country.upper() if profile.country else None
    if country is None and need == "franco_german":
        country = "DE"  # a Franco-German project implies a German partner
    name, country_status = (countries or {}).get(country, (country, None)) if country else (None, None)

    scored = []
    for strand in strands:
        result = _score(strand, need, profile, country, country_status, name)
        if result is None:
            continue
        score, reasons = result
        if inferred_reason:
            reasons.insert(0, inferred_reason)
        if today is not None:
            reasons.append(_deadline_reason(strand, today))
        scored.append(Recommendation(strand=strand, score=round(score, 2), reasons=tuple(reasons)))

    # Stable tie-break: main strands first, then the order of programmes.yml.
    scored.sort(key=lambda rec: (-rec.score, rec.strand.priority))
    if not scored or every_candidate:
        return scored[:limit]
    best, others = scored[0], scored[1:]
    home = _home_project(best.strand, profile)
    return ([best] + [rec for rec in others if _could_apply(rec.strand, best.strand, need, profile.audience)
                      and (not home or _home_project(rec.strand, profile))])[:limit]


def _home_project(strand: StrandView, profile: NeedProfile) -> bool:
    """Young people's own project at home, which ``strand`` funds without a partner abroad or a trip.

    When the best answer is such a scheme, an alternative must be one too: an exchange needs the
    partner and the trip the project does not have.
    """
    return (strand.eligible_countries.rule == "any" and profile.country is None
            and profile.audience in _YOUTH_AUDIENCES and profile.audience in strand.audiences
            and profile.theme in strand.themes and profile.activity not in TRAVEL_ACTIVITIES)


def _could_apply(strand: StrandView, best: StrandView, need: str, audience: Optional[str]) -> bool:
    """Whether a project could really apply to ``strand``: named as an alternative only then.

    It must serve the need itself (not "may also suit"), and be for the project's public: young
    people are not offered an adults' scheme, nor adults a youth-only one. When the message names
    no public, the best strand's stands for it.
    """
    if strand.need_weight(need) < ALTERNATIVE_MIN_WEIGHT:
        return False
    if audience is None:
        return _youth_only(strand) == _youth_only(best)
    if audience == "enfants":
        return "enfants" in strand.audiences  # a youth exchange starts at 13: children need a scheme that takes them
    return suits_public(strand, audience)


def _score(
    strand: StrandView,
    need: str,
    profile: NeedProfile,
    country: Optional[str],
    country_status: Optional[str],
    name: Optional[str],
) -> Optional[Tuple[float, List[str]]]:
    weight = strand.need_weight(need)
    if weight <= 0:
        return None
    score = NEED_FACTOR * weight - PRIORITY_PENALTY * (strand.priority - 1)
    reasons = [
        f"Répond à votre besoin : {NEED_LABELS[need]}."
        if weight >= 0.5
        else f"Peut aussi convenir pour : {NEED_LABELS[need]}."
    ]

    rule = strand.eligible_countries
    if rule.rule == "list":
        # Bilateral schemes (OFAJ, Fonds citoyen) exist only for their country.
        if country not in rule.countries:
            return None
        score += COUNTRY_MATCH_BONUS
        reasons.append(f"Dispositif dédié aux partenariats avec ce pays ({name}).")
    elif rule.rule == "eu_and_associated" and country:
        if country_status == "member":
            reasons.append(f"Pays membre de l'UE ({name}) : partenaire éligible.")
        elif country in rule.countries:
            reasons.append(f"Pays associé au programme ({name}) : partenaire éligible.")
        elif rule.verified:
            return None
        else:
            score -= COUNTRY_UNCERTAIN_PENALTY
            reasons.append(
                f"Éligibilité d'un partenaire de ce pays ({name}) à vérifier : hors UE, seuls "
                "les pays associés au programme sont admis."
            )

    if country is None and _home_project(strand, profile):
        score += HOME_PROJECT_BONUS
        reasons.append("Projet mené chez vous par des jeunes, sans partenaire à l'étranger.")
    if profile.audience:
        if profile.audience in strand.excluded_audiences:
            score -= EXCLUDED_AUDIENCE_PENALTY
            reasons.append(f"Les projets réservés au public « {profile.audience} » n'en relèvent pas.")
        elif profile.audience in strand.audiences:
            score += AUDIENCE_BONUS
            reasons.append(f"Adapté au public « {profile.audience} ».")
    if profile.theme and profile.theme in strand.themes:
        score += THEME_BONUS
        reasons.append(f"Thème couvert : {_label(profile.theme)}.")
    if profile.activity and profile.activity in strand.activities:
        score += COCREATION_BONUS if profile.activity == "cocreation" else ACTIVITY_BONUS
        reasons.append(f"Activité prévue : {_label(profile.activity)}.")
    elif profile.activity == "cocreation":
        score -= AUDIENCE_BONUS  # going to learn there (a mobility) is not making something together
    return score, reasons


def next_call(calls: Iterable[CallView], today: Union[date, datetime]) -> Optional[CallView]:
    """Return the call with the earliest deadline on or after ``today``, or None.

    Args:
        calls: calls of one strand.
        today: a date (a deadline on that day still counts) or an aware datetime.
    """
    upcoming = [
        call
        for call in calls
        if call.deadline is not None and _not_past(call.deadline, today)
    ]
    return min(upcoming, key=lambda call: call.deadline, default=None)  # type: ignore[arg-type,return-value]  # every upcoming call has a deadline


def examples_in_order(examples: Sequence[ExampleView], country: Optional[str]) -> List[ExampleView]:
    """Examples to give first: current ones (not a predecessor programme's), then the partner country's.

    Args:
        examples: examples of one strand or programme, in the knowledge base's order (kept among equals).
        country: the user's partner country code, if any.
    """
    return sorted(examples, key=lambda example: (example.historical_note is not None,
                                                 country not in example.partner_countries))


def _not_past(deadline: datetime, today: Union[date, datetime]) -> bool:
    if isinstance(today, datetime):
        if today.tzinfo is None:
            today = today.replace(tzinfo=deadline.tzinfo)
        return deadline >= today
    return deadline.date() >= today


def _deadline_reason(strand: StrandView, today: Union[date, datetime]) -> str:
    if strand.rolling:
        return "Dépôt possible toute l'année."
    call = next_call(strand.calls, today)
    if call is None:
        return "Pas de date limite à venir connue : voir le calendrier habituel."
    suffix = "" if call.verified else " (à confirmer)"
    return f"Prochaine date limite : {call.deadline:%d/%m/%Y}{suffix}."


def _label(value: str) -> str:
    return value.replace("_", " ")

