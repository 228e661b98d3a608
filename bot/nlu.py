"""The message reader: three NLU components named in config.yml (Rasa's extension point).

Real messages are letters, e-mails and long stories: "Madame, Monsieur, … Veuillez agréer …" with a
signature, or ten sentences of background around one question. Read whole, the closing formula
wins ("goodbye"), the signature's town is taken for where the user is, and the story drowns the
request.

- :class:`LetterReader` (first in the pipeline) keeps the body: it drops the salutation, the
  closing formula and what follows it (the signature), and trailing signature lines (name, title,
  service, phone, e-mail). Every later component, the actions included, reads the body.
- :class:`PartnerTownReader` (after the entity extractors) adds what the lookup tables cannot give:
  the country of a partner town named alone, a young public from the participants' ages; and drops
  a public the message rules out ("sans adulte").
- :class:`RequestCheck` (last) checks the intent against the project the message describes: a
  message that asks for funding and describes a project (country, public, theme, activity, a twin
  town) gets a funding intent even when the classifier, distracted by the story, said "goodbye",
  "out of scope", "where is Europe Direct" or "check my eligibility" (for no named programme).
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, ENTITY_ATTRIBUTE_TYPE, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from actions.parsing import normalize, parse_answers
from knowledge.vocabulary import INTENT_NEEDS, MINOR_AUDIENCES, PROFILE_ENTITIES

class _Stateless(GraphComponent):
    """A component with nothing to train, configure or store: Rasa creates it as is."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        return cls()


# ------------------------------------------------------------------------------- the letter

_SALUTATION = re.compile(
    r"^(?:madame|monsieur|mesdames|messieurs|mme|m\.|bonjour|bonsoir|salut|slt|bjr|hello|coucou|cher|chere|chers|cheres)"
    r"\b[^.?!\n]{0,60}?(?:[,!:]|$)\s*"
)
_CLOSING = re.compile(
    r"^(?:veuillez|je vous prie|nous vous prions|recevez|dans l'attente|en vous remerciant|en te remerciant"
    r"|merci (?:d'avance|par avance|beaucoup|bien|pour votre|de votre|a vous|infiniment)|merci\s*$|mercii*\b"
    r"|cordialement|bien cordialement|tres cordialement|cdlt|bien a vous|bien a toi|salutations|sinceres salutations"
    r"|respectueusement|bonne (?:journee|soiree|fin de journee)|belle journee|amicalement|bien amicalement"
    r"|a bientot|au plaisir|avec mes|avec nos|je reste a votre disposition|nous restons a votre disposition"
    r"|restant a votre disposition|en restant a votre disposition|dans l'attente de vous lire)"
)
_THANKS = re.compile(r"^(?:je vous remercie|nous vous remercions|merci(?: beaucoup| bien| pour \w+)?|super merci|ok merci|parfait)\W*$")
_SIGNATURE_LINE = re.compile(
    r"(?:\b(?:tel|tél|telephone|portable|mob|fax)\b\s*[.:]?\s*\+?\d|\b0\d(?:[ .]?\d{2}){4}\b|\+33|@|www\."
    r"|^(?:le |la |l')?(?:maire|adjointe?|premier adjoint|secretaire|charge(?:e)? de|directeur|directrice|president(?:e)?"
    r"|service|mairie|hotel de ville|commune de|ville de|conseill(?:er|ere)|dgs|responsable|animat(?:eur|rice)"
    r"|coordinat(?:eur|rice)|comite de jumelage)\b)"
)
# A name alone on its line, above the title of a signature: "Marie Martin", "J.-P. Durand".
_NAME_LINE = re.compile(r"^(?:[A-ZÉÈÀÂÎÔÛÇ][\w.'-]*\s*){1,4}$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)")
MIN_BODY_WORDS = 3


def _segments(text: str) -> List[str]:
    """Lines, and the sentences of each line, in order."""
    pieces: List[str] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        pieces += [part.strip() for part in _SENTENCE_END.split(line.strip()) if part.strip()]
    return pieces


def _words(segments: List[str]) -> int:
    return sum(len(s.split()) for s in segments)


def read_letter(text: str) -> str:
    """The body of a letter or e-mail: without salutation, closing formula and signature.

    A message that is only a salutation or a closing ("Bonjour", "Merci, bonne journée") is returned
    unchanged: it is a greeting or a thank-you, not a letter.
    """
    segments = _segments(text)
    if _words(segments) <= MIN_BODY_WORDS:
        return text
    # The closing formula and everything after it (the signature), unless a question follows.
    for index, segment in enumerate(segments[1:], start=1):
        if _CLOSING.match(normalize(segment)) and not any("?" in s for s in segments[index + 1:]):
            if _words(segments[:index]) >= MIN_BODY_WORDS:
                segments = segments[:index]
            break
    # Trailing signature lines without a closing formula: title, service, phone, e-mail, then the name.
    signed = False
    while len(segments) > 1 and "?" not in segments[-1] and len(segments[-1].split()) <= 10 and _SIGNATURE_LINE.search(
        normalize(segments[-1])
    ):
        segments, signed = segments[:-1], True
    if signed and len(segments) > 1 and _NAME_LINE.match(segments[-1]):
        segments = segments[:-1]
    # Thanks before a new question ("Je vous remercie. Quel montant pouvons-nous espérer ?").
    if len(segments) > 1 and "?" not in segments[0] and _THANKS.match(normalize(segments[0])):
        segments = segments[1:]
    # The salutation ("Madame, Monsieur,", "Bonjour,"): a first line of its own or the first words.
    while segments:
        first = normalize(segments[0])
        match = _SALUTATION.match(first)
        rest_words = first[match.end():].split() if match else []
        if not match or not (len(segments) > 1 or len(rest_words) >= MIN_BODY_WORDS):
            break
        # normalize() keeps one character per character here (no œ in a salutation): cut by length.
        rest = segments[0][len(segments[0]) - len(first[match.end():]):].strip() if rest_words else ""
        segments = ([rest] if rest else []) + segments[1:]
    body = " ".join(segments).strip()
    return body if _words([body]) >= MIN_BODY_WORDS else text


# ----------------------------------------------------------------------------- English

# Partner towns' committees and foreign residents write in English. The assistant answers in French
# (and says so in English, with the gist); to understand the request, the message is read through
# this glossary, the words that decide the programme and the contact, longest phrase first.
ENGLISH_GLOSSARY: Dict[str, str] = {
    "town twinning association": "comité de jumelage", "twinning association": "comité de jumelage",
    "twinning committee": "comité de jumelage", "partnership committee": "comité de jumelage",
    "twin towns": "villes jumelles", "twin town": "ville jumelle", "twin city": "ville jumelle",
    "twin cities": "villes jumelles", "partner town": "ville jumelle", "sister city": "ville jumelle",
    "twinned with": "jumelée avec", "town twinning call": "appel CERV jumelage de villes",
    "town twinning": "CERV jumelage de villes", "twinning": "jumelage",
    "youth exchanges": "échange de jeunes", "youth exchange": "échange de jeunes",
    "young people": "jeunes", "youngsters": "jeunes", "teenagers": "jeunes", "teens": "jeunes", "youth": "jeunes",
    "students": "jeunes étudiants", "pupils": "élèves", "schools": "écoles", "school": "école", "teachers": "enseignants",
    "adult education": "éducation des adultes", "older people": "seniors", "elderly": "seniors", "adults": "adultes",
    "citizens": "habitants", "residents": "habitants", "inhabitants": "habitants",
    "funding": "financement", "funds": "finance", "fund": "financer", "grants": "subvention", "grant": "subvention",
    "subsidy": "subvention", "money": "financement", "financial support": "financement",
    "european union": "européen", "eu": "européen", "scheme": "programme", "program": "programme",
    "long-term network": "réseau de villes", "network": "réseau de villes", "networks": "réseau de villes",
    "climate neutrality": "neutralité climatique", "climate-neutral": "neutralité climatique", "climate": "climat",
    "pilot city": "ville pilote", "debates": "débats", "debate": "débat", "democracy": "démocratie",
    "workshops": "ateliers", "workshop": "atelier", "meeting": "rencontre", "meetings": "rencontres",
    "visit": "visite", "exchange": "échange", "anniversary": "anniversaire", "heritage": "patrimoine",
    "germany": "Allemagne", "german": "allemand", "poland": "Pologne", "polish": "polonais", "italy": "Italie",
    "italian": "italien", "spain": "Espagne", "spanish": "espagnol", "portugal": "Portugal", "romania": "Roumanie",
    "romanian": "roumain", "greece": "Grèce", "greek": "grec", "ireland": "Irlande", "irish": "irlandais",
    "netherlands": "Pays-Bas", "dutch": "néerlandais", "belgium": "Belgique", "austria": "Autriche",
    "hungary": "Hongrie", "croatia": "Croatie", "czech republic": "Tchéquie", "slovenia": "Slovénie",
    "estonia": "Estonie", "lithuania": "Lituanie", "latvia": "Lettonie", "sweden": "Suède", "finland": "Finlande",
    "denmark": "Danemark", "bulgaria": "Bulgarie", "slovakia": "Slovaquie", "france": "France", "french": "français",
    "who should we ask": "qui contacter", "who should we contact": "qui contacter", "who can help": "qui contacter",
    "contact person": "qui contacter", "who runs it": "qui contacter", "who is in charge": "qui contacter",
    "how much": "combien", "deadline": "date limite", "how to apply": "comment candidater", "apply": "candidater",
    "eligible": "éligible", "what is": "c'est quoi", "what's": "c'est quoi", "near": "près de",
    "europe direct office": "centre Europe Direct", "find a twin town": "trouver une ville jumelle",
    "get a twin town": "trouver une ville jumelle", "start a twinning": "créer un jumelage",
    "is there": "y a-t-il", "are there": "y a-t-il", "which": "quel", "who": "qui", "when": "quand",
}
_ENGLISH_WORDS = frozenset(
    "the and to of we our is are for with would like could you please how what which who there this that "
    "hello hi thanks dear town do does can".split()
)
_FRENCH_WORDS = frozenset("le la les de des et est nous notre pour avec une un je vous qui quel on".split())
_GLOSSARY_RE = re.compile(
    r"\b(" + "|".join(re.escape(k) for k in sorted(ENGLISH_GLOSSARY, key=len, reverse=True)) + r")\b", re.IGNORECASE
)
LANGUAGE = "language"


def is_english(text: str) -> bool:
    """Whether the message is written in English rather than French (function words counted)."""
    words = re.findall(r"[a-z']+", normalize(text))
    english = sum(word in _ENGLISH_WORDS for word in words)
    french = sum(word in _FRENCH_WORDS for word in words)
    return english >= 2 and english > 2 * french


def french_gist(text: str) -> str:
    """The English message with the words that decide the answer put in French (for the NLU)."""
    return _GLOSSARY_RE.sub(lambda m: ENGLISH_GLOSSARY[m.group(1).lower()], text)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class LetterReader(_Stateless):
    """Keeps the body of a letter or e-mail for every later component (see :func:`read_letter`).

    A message in English is read through :data:`ENGLISH_GLOSSARY` and marked ``language: en``, so
    that the actions say in English that the assistant answers in French.
    """

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            body = read_letter(text)
            if is_english(body):
                body = french_gist(body)
                message.set(LANGUAGE, "en", add_to_output=True)
            if body != text:
                message.set(TEXT, body)
        return messages


# ------------------------------------------------------------------------------ the request

FUNDING_INTENTS = ("ask_funding", *INTENT_NEEDS)
# Intents a story or a letter is wrongly read as when it asks for funding for a described project.
_DISTRACTED = {
    "goodbye", "thank", "greet", "affirm", "deny", "out_of_scope", "nlu_fallback", "ask_capabilities",
    "inform_location", "ask_europe_direct", "check_eligibility", "ask_twinning_setup", "ask_what_is_twinning",
    "bot_challenge", "stop", "ask_human",
}
# A request for money: "aide" only as a noun of funding ("quelles aides", "une aide européenne"),
# never the verb ("l'AFCCRE aide-t-elle à trouver une ville jumelle ?").
_ASKS_FOR_MONEY = re.compile(
    r"\b(?:financ\w*|cofinanc\w*|subvention\w*|fonds|budget|payer|paie|paye|prise en charge|prendre en charge|argent"
    r"|thunes?|(?:des|les|de) sous|(?:quelles?|des|une|les|d'|aucune|d'autres) ?aides?(?!-)|aides? (?:europeennes?|financieres?|de l'europe)"
    r"|soutien financier|programmes? europeens?|dispositifs?|appels? a projets?"
    r"|quels? (?:programmes?|financements?|dispositifs?)"
    # "L'Union européenne peut-elle nous aider ?", "que leur conseiller ?" (a relayed project)
    r"|(?:l'union europeenne|l'europe|l'ue|bruxelles) (?:peut|pourrait)(?:[- ](?:elle|il))? (?:nous |les |leur )?aider"
    r"|(?:que|quoi) (?:leur|lui|nous|me) (?:conseiller|proposer|recommander))\b"
)
# "je voudrais parler à quelqu'un": a person, whatever project the message describes.
_WANTS_A_PERSON = re.compile(r"\b(?:quelqu'un|une personne|une vraie personne|un humain|un etre humain|un conseiller"
                             r"|une conseillere|un interlocuteur|une interlocutrice)\b")
_DESCRIBES_PROJECT = re.compile(
    r"\b(?:jumel\w*|ville (?:jumelle|partenaire|amie)|commune (?:jumelle|partenaire)|echanges?|rencontres?|delegations?"
    r"|sejours?|voyages?|accueillir|recevoir|inviter|projets?)\b"
)
# Readings that a new detail of the project under discussion is mistaken for ("Ah non, ce sera juste
# avec Fano, en Italie", "et pour l'Italie ? on a aussi un jumelage avec Lucca").
_DETAIL_MISREAD = {"goodbye", "thank", "affirm", "deny", "ask_what_is_twinning"}
_FOLLOW_UP = re.compile(r"^(?:et|mais|ok|bon|sinon|d'accord)\b[ ,]*(?:si on le faisait |si c'etait )?(?:pour|avec|en|au|aux)\b")
# A follow-up that only moves the project elsewhere, however unsure the classifier was of it.
_FOLLOW_UP_FROM = {*FUNDING_INTENTS, "nlu_fallback"}
_WHO_MANAGES = re.compile(r"\b(?:qui gere|gere par qui|geres? par qui|qui s'occupe|qui pilote|gestionnaire)\b")
_PROGRAMME_QUESTIONS = {
    "ask_programme_info", "ask_programme_amount", "ask_programme_deadline", "ask_programme_how_to_apply",
    "ask_programme_eligibility",
}
# A request for the funding itself, not for a detail of a programme.
_ASKS_TO_FUND = re.compile(
    r"\b(?:financer|financement|financements|subventionner|subventions?|qui (?:finance|paie|paye)|quels? programmes?"
    r"|(?:quelles?|des|une) aides?(?!-)|aides? (?:europeennes?|financieres?))\b"
)
# "Where can I get help near me": the only reading that sends the user to a Europe Direct centre.
# Naming a centre is not asking for one: "je travaille au centre Europe Direct de Rennes" introduces
# the Europe Direct agent who relays a commune's question.
_ASKS_WHERE = re.compile(
    r"\b(?:pres de (?:chez|nous|moi|eux)|proches?|a cote|le plus pres|dans (?:mon|notre|leur|le|la) (?:departement|coin"
    r"|secteur|region|ville)|ou (?:trouver|s'adresser|aller|est|se trouve)|localis\w*|quels? centres?"
    r"|(?:le|un) centre (?:le plus|de mon|de notre|pres|proche|dans))\b"
)
_PROJECT_ENTITIES = set(PROFILE_ENTITIES)


def _entity_types(message: Message) -> set:
    return {entity.get(ENTITY_ATTRIBUTE_TYPE) for entity in message.get(ENTITIES) or []}


# "Are WE eligible to CERV?" asks for the eligibility check of the user's own project; "who can apply
# to CERV?" asks about the programme.
_ABOUT_US = re.compile(
    r"\b(?:on|qu ?on|nous|notre|nos|sommes[- ]nous|peut[- ]on|pourrait[- ]on|pouvons[- ]nous|serions[- ]nous|ma|mon)\b"
)
# "peut-on y participer", "nos jeunes peuvent-ils demander…", "est-ce qu'on peut avoir Erasmus+ pour…"
_CAN_WE = (r"(?:peut|peuvent|pourrait|pourraient|pouvons|pourrions)(?:[- ](?:on|il|elle|ils|elles))?"
           r" (?:y )?(?:participer|candidater|postuler|demander|deposer|avoir|obtenir)")
_ELIGIBLE = re.compile(
    r"\b(?:el+igib\w*|criteres|conditions|pretendre|remplit|remplissons|rentre(?:ons)? dans les (?:cases|clous)"
    rf"|faire partie|beneficier|{_CAN_WE})\b"
)
# "on peut avoir combien ?": the amount, not the check.
_ASKS_AMOUNT = re.compile(r"\b(?:combien|montant|somme)\b")
_ELIGIBILITY_FROM = {"ask_programme_eligibility", "ask_programme_info", "ask_programme_how_to_apply", "nlu_fallback",
                     *FUNDING_INTENTS}


def corrected_intent(message: Message) -> Optional[str]:
    """The intent a distracted reading should give way to, else None (keep the NLU's).

    A funding request for a described project gets its funding intent; a question whether the
    user's own project is eligible to a named programme starts the eligibility check.
    """
    intent = (message.get(INTENT) or {}).get("name")
    text = normalize(message.get(TEXT) or "")
    types = _entity_types(message)
    if (intent in _ELIGIBILITY_FROM and "programme" in types and _ELIGIBLE.search(text) and _ABOUT_US.search(text)
            and not _ASKS_AMOUNT.search(text)):
        return "check_eligibility"
    if intent in _FOLLOW_UP_FROM and types and types <= {"country"} and _FOLLOW_UP.match(text):
        return "inform"  # "et pour l'Italie ? on a aussi un jumelage avec Lucca": the same project, elsewhere
    if intent in _PROGRAMME_QUESTIONS and _WHO_MANAGES.search(text):
        return "ask_contact"  # "c'est géré par qui au niveau européen ?": whom to address
    if (intent not in ("ask_europe_direct", "inform_location") and "europe direct" in text
            and (_ASKS_WHERE.search(text) or re.search(r"\bpres d", text))):
        return "ask_europe_direct"  # "où trouver un centre Europe Direct près de chez eux ?"
    if intent in _PROGRAMME_QUESTIONS and "programme" not in types and _ASKS_TO_FUND.search(text):
        # "Y a-t-il un programme pour financer notre semaine culturelle avec Mantoue ?" names no
        # programme: it asks which one funds the project (a recommendation), when it describes one.
        if types & _PROJECT_ENTITIES or _DESCRIBES_PROJECT.search(text):
            return _best_funding_intent(message)
        return None
    if intent not in _DISTRACTED:
        return None
    if "national_scheme" in types:
        return None  # a French national scheme: out of scope, said so by the actions
    if intent == "ask_human" and _WANTS_A_PERSON.search(text):
        return None
    if intent in ("inform_location", "ask_europe_direct") and _ASKS_WHERE.search(text):
        return None
    if intent == "check_eligibility" and "programme" in types:
        return None  # "sommes-nous éligibles au CERV ?": the check for that programme
    describes = bool(types & _PROJECT_ENTITIES or _DESCRIBES_PROJECT.search(text))
    if intent == "nlu_fallback" and types & _PROJECT_ENTITIES and _DESCRIBES_PROJECT.search(text):
        # An unsure reading of a clear project ("Rencontre d'habitants avec Dillingen en mai. Quel
        # programme ?") still gets a recommendation.
        return _best_funding_intent(message)
    if not _ASKS_FOR_MONEY.search(text):
        # "on se rabat sur Wendlingen en Allemagne, même projet": a new detail of the project under
        # discussion, which the recommendation re-ranks (inform), not a goodbye.
        if intent in _DETAIL_MISREAD and types & _PROJECT_ENTITIES and describes:
            return "inform"
        return None
    if not describes:
        return None
    return _best_funding_intent(message)


# Below this confidence a funding intent of the ranking says nothing: the project's profile decides.
MIN_GUESS_CONFIDENCE = 0.05


def _best_funding_intent(message: Message) -> str:
    """The funding intent the classifier ranks first, or the generic one when it barely considered any."""
    for candidate in message.get(INTENT_RANKING_KEY) or []:
        if candidate.get("name") in FUNDING_INTENTS:
            return candidate["name"] if (candidate.get("confidence") or 0) >= MIN_GUESS_CONFIDENCE else "ask_funding"
    return "ask_funding"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class RequestCheck(_Stateless):
    """Gives a funding request for a described project its funding intent (see :func:`corrected_intent`)."""

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = corrected_intent(message)
            if intent is None:
                continue
            ranking = message.get(INTENT_RANKING_KEY) or []
            confidence = next((c.get("confidence") for c in ranking if c.get("name") == intent), None)
            previous = (message.get(INTENT) or {}).get("name")
            message.set(INTENT, {"name": intent, "confidence": confidence or 0.5, "corrected_from": previous},
                        add_to_output=True)
        return messages


# ------------------------------------------------------------------------------- the partner


def _token_spans(text: str) -> List[tuple]:
    """Character spans of the words, as :func:`knowledge.geo._tokens` splits them."""
    return [match.span() for match in re.finditer(r"[^\W_]+", text)]


# Ages that make a public young: the youth schemes stop at 30 (Erasmus+, OFAJ).
YOUTH_MAX_AGE = 30
CHILD_MAX_AGE = 12


_NEGATION = re.compile(r"(?:\bsans|\bpas de|\bpas d'|\baucuns?|\baucunes?|\bni)\s*$")


def _drop_negated_publics(message: Message, text: str) -> None:
    """"on peut le faire sans adulte ?": a public the message rules out is not the project's."""
    entities = message.get(ENTITIES) or []
    kept = [e for e in entities if not (e.get(ENTITY_ATTRIBUTE_TYPE) == "audience" and isinstance(e.get("start"), int)
                                         and _NEGATION.search(normalize(text[max(0, e["start"] - 12):e["start"]])))]
    if len(kept) != len(entities):
        message.set(ENTITIES, kept, add_to_output=True)


def _add_public_from_ages(message: Message, text: str) -> None:
    """"des jeunes de 15 à 17 ans", "un groupe de 18-25 ans": the public is young (children up to 12)."""
    answers = parse_answers(text)
    oldest = answers.get("max_age")
    if oldest is None or oldest > YOUTH_MAX_AGE:
        return
    value = "enfants" if oldest <= CHILD_MAX_AGE else "jeunes"
    entities = list(message.get(ENTITIES) or [])
    entities.append({"entity": "audience", "value": value, "start": 0, "end": 0, "extractor": "PartnerTownReader"})
    message.set(ENTITIES, entities, add_to_output=True)


# "avec Bad Kissingen, pas la Pologne", "les Italiens se désistent, on se rabat sur Wendlingen": one
# partner replacing another, not several partners.
_PARTNER_SWITCH = re.compile(
    r"\b(?:pas (?:la|le|les|l'|en|au|aux|avec)|plus (?:la|le|les|avec)|desist\w*|a la place|au lieu|plutot"
    r"|trompe|se rabat\w*|rabattre|finalement|annul\w*|remplac\w*|change\w* de)\b")


def _add_network_from_countries(message: Message) -> None:
    """Partner towns in two foreign countries or more ("avec Bühl, Ostrołęka et Ptuj"): a network of towns.

    Only when the message names no activity and no young public (young people of several
    countries meet in a multilateral youth exchange).
    """
    entities = message.get(ENTITIES) or []
    countries = {str(e.get("value")).upper() for e in entities if e.get(ENTITY_ATTRIBUTE_TYPE) == "country"} - {"FR"}
    publics = {e.get("value") for e in entities if e.get(ENTITY_ATTRIBUTE_TYPE) == "audience"}
    if len(countries) < 2 or "activity" in _entity_types(message) or publics & MINOR_AUDIENCES:
        return
    if _PARTNER_SWITCH.search(normalize(message.get(TEXT) or "")):
        return
    message.set(ENTITIES, [*entities, {"entity": "activity", "value": "reseau", "start": 0, "end": 0,
                                       "extractor": "PartnerTownReader"}], add_to_output=True)


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
class PartnerTownReader(_Stateless):
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
            _drop_negated_publics(message, text)
            if text and "audience" not in _entity_types(message):
                _add_public_from_ages(message, text)
            if text and "country" not in _entity_types(message):
                _add_countries_from_towns(message, text, foreign_towns(text))
            _add_network_from_countries(message)
        return messages
