"""The partner: its country from its town, a young public from ages, a network from several countries."""

from __future__ import annotations

import re
from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, ENTITY_ATTRIBUTE_TYPE, TEXT
from rasa.shared.nlu.training_data.message import Message

from actions.parsing import normalize, parse_answers
from bot.nlu.component import (
    IMPLIED,
    Stateless,
    add_entity,
    entity_types,
    entity_values,
    partner_countries,
)
from knowledge.vocabulary import HOME_PROJECT, MINOR_AUDIENCES


def _token_spans(text: str) -> List[tuple]:
    """Character spans of the words, as :func:`knowledge.geo._tokens` splits them."""
    return [match.span() for match in re.finditer(r"[^\W_]+", text)]


# Ages that make a public young: the youth schemes stop at 30 (Erasmus+, OFAJ).
YOUTH_MAX_AGE = 30
CHILD_MAX_AGE = 12


_NEGATION = re.compile(r"(?:\bsans|\bpas de|\bpas d'|\baucuns?|\baucunes?|\bni)\s*$")


def _drop_contained_entities(message: Message) -> None:
    """An activity inside a longer form is part of its name: "réseau de chaleur" (energy) is no network.

    Only activities: a programme's name may well say its theme ("la mission climat").
    """
    entities = message.get(ENTITIES) or []
    spans = [(e.get("start"), e.get("end")) for e in entities]
    kept = [e for e in entities if not (e.get(ENTITY_ATTRIBUTE_TYPE) == "activity" and isinstance(e.get("start"), int)
                                        and e.get("end", 0) > e["start"] and any(
        isinstance(s, int) and s <= e["start"] and e["end"] <= end and (s, end) != (e["start"], e["end"])
        for s, end in spans))]
    if len(kept) != len(entities):
        message.set(ENTITIES, kept, add_to_output=True)


# "des rencontres avec les élus", "débattre avec nos élus": the officials are whom the participants
# meet, not who takes part, and such a meeting at home is no trip to the partner.
_MEETING_OFFICIALS = re.compile(
    r"\b(?:rencontres?|rencontrer|d[ée]bats?|d[ée]battre|dialogues?|dialoguer|[ée]changes?|[ée]changer|discuter"
    r"|conf[ée]rences?)\s+avec\s+(?:les|leurs|nos|des|ses|vos)\s+(?:[ée]lu(?:e)?s|conseillers municipaux)\b",
    re.IGNORECASE)


def _drop_officials_met(message: Message, text: str) -> None:
    """Drop the officials (and the meeting) of "rencontres avec les élus": counterparts, not participants."""
    spans = [match.span() for match in _MEETING_OFFICIALS.finditer(text)]
    if not spans:
        return
    entities = message.get(ENTITIES) or []
    kept = [e for e in entities if not (
        e.get(ENTITY_ATTRIBUTE_TYPE) in ("audience", "activity") and isinstance(e.get("start"), int)
        and e.get("end", 0) > e["start"] and any(start <= e["start"] and e["end"] <= end for start, end in spans))]
    if len(kept) != len(entities):
        message.set(ENTITIES, kept, add_to_output=True)


# "faible participation des jeunes", "l'emploi des jeunes": young people as the subject of a project
# that others (elected officials, associations) carry out.
# (Read on the message as written: its entities' offsets are in that text.)
_YOUTH_AS_SUBJECT = re.compile(
    r"\b(?:participation|place|engagement|implication|emploi|insertion|absence|manque|d[ée]part|exode|avenir|attentes"
    r"|besoins|sant[ée]|ch[ôo]mage|d[ée]crochage)\s+(?:des|de\s+nos|de\s+leurs)\s+jeunes\b", re.IGNORECASE)


def _drop_youth_as_subject(message: Message, text: str) -> None:
    """Young people named only as a subject ("la participation des jeunes"), with others taking part: not the public."""
    entities = message.get(ENTITIES) or []
    young = [e for e in entities if e.get(ENTITY_ATTRIBUTE_TYPE) == "audience" and e.get("value") == "jeunes"]
    others = entity_values(message, "audience") - set(MINOR_AUDIENCES)
    if not young or not others or not all(isinstance(e.get("start"), int) for e in young):
        return
    spans = [match.span() for match in _YOUTH_AS_SUBJECT.finditer(text)]
    if all(any(start <= e["start"] and e["end"] <= end for start, end in spans) for e in young):
        _drop_audiences(message, {"jeunes"})


def _drop_negated_publics(message: Message, text: str) -> None:
    """"on peut le faire sans adulte ?": a public the message rules out is not the project's."""
    entities = message.get(ENTITIES) or []
    kept = [e for e in entities if not (e.get(ENTITY_ATTRIBUTE_TYPE) == "audience" and isinstance(e.get("start"), int)
                                         and _NEGATION.search(normalize(text[max(0, e["start"] - 12):e["start"]])))]
    if len(kept) != len(entities):
        message.set(ENTITIES, kept, add_to_output=True)


# Publics that say nothing of age: "plusieurs résidents (18-28 ans)" are young residents.
_AGELESS_PUBLICS = {"citoyens", "benevoles", "associations"}


# "30 habitants de Lauf viennent chez nous": residents travelling (not "une commune de 3 000 habitants").
_RESIDENTS_BY_NUMBER = re.compile(r"(?<!commune de )(?<!ville de )(?<!village de )\b\d+ habitants (?:de|d'|du|des|viennent|vont|partent|iront)\b")


def _add_residents_by_number(message: Message, norm: str) -> None:
    if "citoyens" not in entity_values(message, "audience") and _RESIDENTS_BY_NUMBER.search(norm):
        add_entity(message, "audience", "citoyens")


def _add_public_from_ages(message: Message, text: str) -> None:
    """"des jeunes de 15 à 17 ans", "des résidents (18-28 ans)": the public is young (children up to 12)."""
    if not entity_values(message, "audience") <= _AGELESS_PUBLICS:
        return
    oldest = parse_answers(text).get("max_age")
    if oldest is None or oldest > YOUTH_MAX_AGE:
        return
    _drop_audiences(message, {"citoyens"})
    add_entity(message, "audience", "enfants" if oldest <= CHILD_MAX_AGE else "jeunes")


def _drop_audiences(message: Message, values: set) -> None:
    entities = message.get(ENTITIES) or []
    message.set(ENTITIES, [e for e in entities if not (e.get(ENTITY_ATTRIBUTE_TYPE) == "audience"
                                                       and e.get("value") in values)], add_to_output=True)


# "avec Bad Kissingen, pas la Pologne", "les Italiens se désistent, on se rabat sur Wendlingen": one
# partner replacing another, not several partners.
_PARTNER_SWITCH = re.compile(
    r"\b(?:pas (?:la|le|les|l'|en|au|aux|avec)|plus (?:la|le|les|avec)|desist\w*|a la place|au lieu|plutot"
    r"|trompe|se rabat\w*|rabattre|finalement|annul\w*|remplac\w*|change\w* de)\b")


def _add_network_from_countries(message: Message, norm: str) -> None:
    """Partner towns in two foreign countries or more ("avec Bühl, Ostrołęka et Ptuj"): a network of towns.

    Only when the message names no activity and no young public (young people of several
    countries meet in a multilateral youth exchange).
    """
    if len(partner_countries(message)) < 2 or "activity" in entity_types(message):
        return
    if entity_values(message, "audience") & MINOR_AUDIENCES or _PARTNER_SWITCH.search(norm):
        return
    add_entity(message, "activity", "reseau")


# Residents of all ages ("grands-parents et petits-enfants", "ouvert à tous", the old and the young of
# the town): a meeting of residents, which the twinning schemes fund, not a youth exchange.
_ALL_AGES = re.compile(
    r"\b(?:tous (?:les )?ages|toutes (?:les )?generations|de tout age|ouverte? a tous|ouverts a tous|grands[- ]parents"
    r"|petits[- ]enfants|de 7 a 77 ans|jeunes et (?:moins jeunes|anciens|vieux)|petits et grands)\b")


# Whom a project serves rather than who takes part: "au profit des personnes âgées", "aider les aînés".
_FOR_THEM = re.compile(r"\b(?:au profit|au service|aupres) d|\b(?:aider|accompagner|visiter|rendre visite a) (?:les|des|nos)\b")


def _residents_of_all_ages(message: Message, norm: str) -> None:
    """Young and older residents together: the public is the residents ("citoyens"), not the young alone.

    Elderly people beside the young take part too ("les aînés du club et les enfants de l'école"),
    unless the project is for them ("un projet bénévole au profit des personnes âgées isolées").
    """
    publics = entity_values(message, "audience")
    if not publics & MINOR_AUDIENCES:
        return
    if not ("citoyens" in publics or "seniors" in publics and not _FOR_THEM.search(norm)
            or "intergenerationnel" in entity_values(message, "theme") or _ALL_AGES.search(norm)):
        return
    _drop_audiences(message, set(MINOR_AUDIENCES))
    if "citoyens" not in publics:
        add_entity(message, "audience", "citoyens")


# Making teaching material with the partner: "construire avec Kranj un module de formation commun",
# "rédiger ensemble un guide". The lookup table has the set phrases ("modules communs"); this reads the
# verb and its object apart.
_MAKES = r"(?:construire|elaborer|concevoir|creer|rediger|developper|produire|ecrire|mettre au point|co-?ecrire)"
_MATERIAL = (r"(?:modules?|methodes?|guides?|outils?|supports?|ressources?|kits?|manuels?|referentiels?|cursus|curriculum"
             r"|programmes? pedagogiques?|parcours|mallettes?|formations? communes?|cours en ligne|mooc)")
_COCREATION = re.compile(rf"\b{_MAKES}\b[^.?!;]{{0,80}}?\b{_MATERIAL}\b")
_TOGETHER = re.compile(r"\b(?:communs?|communes?|ensemble|avec|partag\w*|conjoint\w*)\b")


def _add_cocreation(message: Message, norm: str) -> None:
    """Teaching material made with the partner is what partnerships fund: the activity ``cocreation``."""
    if "cocreation" in entity_values(message, "activity"):
        return
    for match in _COCREATION.finditer(norm):
        if _TOGETHER.search(norm[match.start():match.end() + 40]):
            add_entity(message, "activity", "cocreation")
            return


# Young people with their elected officials, in a youth council, about voting: their participation in
# democratic life (Erasmus+ youth participation), when no theme of their own is named.
_PARTICIPATION = re.compile(
    r"\b(?:conseils? municipa(?:l|ux) (?:des |de )?(?:jeunes|enfants)|conseils? (?:des |de )jeunes|cmj|cmjs"
    r"|(?:propositions?|recommandations?) (?:aux|a leurs|a nos|pour les|pour nos) elus|aller voter|voter"
    r"|democratie locale|engagement (?:des jeunes|citoyen|civique)|citoyennete active"
    r"|(?:debat\w*|rencontres?|echanger|dialogue\w*) avec (?:les|leurs|nos|des) elus)\b")


def _add_participation_theme(message: Message, norm: str) -> None:
    """A youth council, proposals to the elected officials, voting: the theme is democracy."""
    if "jeunes" in entity_values(message, "audience") and not entity_values(message, "theme") and (
            _PARTICIPATION.search(norm)):
        add_entity(message, "theme", "democratie")


# The Franco-German schemes exist only with Germany: naming one names the partner's country.
_FRANCO_GERMAN_SCHEMES = {"ofaj", "fonds_citoyen"}


def _add_what_a_scheme_implies(message: Message) -> None:
    """Naming a Franco-German scheme names Germany; naming Interreg, a cross-border project."""
    programmes = entity_values(message, "programme")
    if programmes & _FRANCO_GERMAN_SCHEMES and not entity_values(message, "country"):
        add_entity(message, "country", "DE", **{IMPLIED: True})
    if "interreg" in programmes and "transfrontalier" not in entity_values(message, "activity"):
        add_entity(message, "activity", "transfrontalier", **{IMPLIED: True})


# Young people's own project where they live: no partner abroad, no trip (the Solidarity Corps'
# projects). The project is where the message ends up: "après l'échange, nos jeunes voudraient lancer
# un projet dans leur propre quartier" is at home; "les jeunes d'ici partent en échange" is not.
_AT_HOME = re.compile(
    r"(?<!de )(?<!d')\b(?:ici|chez nous|chez eux|localement|en local|dans (?:leur|notre|mon|son|le|la) (?:propre )?"
    r"(?:quartier|village|commune|ville|cite)|pour (?:le|leur|notre|la) (?:quartier|village|commune|cite)"
    r"|pas (?:encore )?de (?:ville )?jumel\w*|sans (?:partenaire|jumelage)|(?:au profit|au service) (?:des|du|de la|de l')"
    r"|aupres des (?:personnes|habitants|aines|familles))\b")
_TRAVEL = re.compile(r"\b(?:echanges?|sejours?|voyages?|partir|partent|aller|visites?|rencontres?|accueillir|recevoir)\b")
_VOLUNTEERING = re.compile(r"\b(?:benevol\w*|volontariat|solidaire\w*)\b")


def _mark_home_project(message: Message, norm: str) -> None:
    """Young people's project at home: say so (``home_project``), and a volunteering one is solidarity."""
    if "jeunes" not in entity_values(message, "audience"):
        return
    home = [match.end() for match in _AT_HOME.finditer(norm)]
    travel = [match.end() for match in _TRAVEL.finditer(norm)]
    if not home or (travel and travel[-1] > home[-1]):
        return
    if not entity_values(message, "theme") and (
            "benevoles" in entity_values(message, "audience") or _VOLUNTEERING.search(norm)):
        add_entity(message, "theme", "solidarite")
    message.set(HOME_PROJECT, True, add_to_output=True)


def _add_countries_from_towns(message: Message, text: str, towns: list) -> None:
    """A country entity for each partner town abroad the message names, spanning the town's name."""
    if not towns:
        return
    spans = _token_spans(text)
    entities = list(message.get(ENTITIES) or [])
    for town in towns:
        start, end = (spans[town.start][0], spans[town.end - 1][1]) if town.end <= len(spans) else (0, len(text))
        entities.append({"entity": "country", "value": town.country, "start": start, "end": end,
                         "extractor": "PartnerTownReader", "town": town.name})
    message.set(ENTITIES, entities, add_to_output=True)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class PartnerTownReader(Stateless):
    """Reads the partner's country from its town: "nos amis de Ravensburg" -> country DE.

    Only when the message names no country itself; the towns are those of
    :func:`knowledge.towns.foreign_towns` (a French commune's name only when placed abroad). It
    also reads a young public from the ages a message gives ("18-25 ans") when it names none, and a
    network of towns from partner towns in several foreign countries.
    """

    def process(self, messages: List[Message]) -> List[Message]:
        from knowledge.towns import foreign_towns

        for message in messages:
            text = message.get(TEXT) or ""
            norm = normalize(text)  # once per message: every reading below is of the folded text
            _drop_contained_entities(message)
            _drop_negated_publics(message, text)
            _drop_officials_met(message, text)
            _drop_youth_as_subject(message, text)
            _add_residents_by_number(message, norm)
            _residents_of_all_ages(message, norm)
            if text:
                _add_public_from_ages(message, text)
            if text and "country" not in entity_types(message):
                _add_countries_from_towns(message, text, foreign_towns(text))
            _add_network_from_countries(message, norm)
            _add_participation_theme(message, norm)
            _add_cocreation(message, norm)
            _mark_home_project(message, norm)
            _add_what_a_scheme_implies(message)
        return messages
