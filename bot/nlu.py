"""The message reader: two NLU components named in config.yml (Rasa's extension point).

Real messages are letters, e-mails and long stories: "Madame, Monsieur, … Veuillez agréer …" with a
signature, or ten sentences of background around one question. Read whole, the closing formula
wins ("goodbye"), the signature's town is taken for where the user is, and the story drowns the
request.

- :class:`LetterReader` (first in the pipeline) keeps the body: it drops the salutation, the
  closing formula and what follows it (the signature), and trailing signature lines (name, title,
  service, phone, e-mail). Every later component, the actions included, reads the body.
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

from actions.parsing import normalize
from knowledge.vocabulary import INTENT_NEEDS

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
    r"|a bientot|au plaisir|avec mes|avec nos|je reste a votre disposition|nous restons a votre disposition)"
)
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


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class LetterReader(GraphComponent):
    """Keeps the body of a letter or e-mail for every later component (see :func:`read_letter`)."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LetterReader":
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if text:
                body = read_letter(text)
                if body != text:
                    message.set(TEXT, body)
        return messages


# ------------------------------------------------------------------------------ the request

FUNDING_INTENTS = ("ask_funding", *INTENT_NEEDS)
# Intents a story or a letter is wrongly read as when it asks for funding for a described project.
_DISTRACTED = {
    "goodbye", "thank", "greet", "affirm", "deny", "out_of_scope", "nlu_fallback", "ask_capabilities",
    "inform_location", "ask_europe_direct", "check_eligibility", "ask_twinning_setup", "ask_what_is_twinning",
    "bot_challenge", "stop",
}
_ASKS_FOR_MONEY = re.compile(
    r"\b(?:financ\w*|subvention\w*|fonds|budget|payer|paie|paye|prise en charge|prendre en charge|argent|thunes?"
    r"|aides?|soutien\w*|cofinanc\w*|programmes?|dispositifs?|appels? a projets?|bourses?)\b"
)
_DESCRIBES_PROJECT = re.compile(
    r"\b(?:jumel\w*|ville (?:jumelle|partenaire|amie)|commune (?:jumelle|partenaire)|echanges?|rencontres?|delegations?"
    r"|sejours?|voyages?|accueillir|recevoir|inviter|projets?)\b"
)
# "Where can I get help near me": the only reading that sends the user to a Europe Direct centre.
_ASKS_WHERE = re.compile(
    r"\b(?:pres de (?:chez|nous|moi)|proche|a cote|le plus pres|dans (?:mon|notre|le|la) (?:departement|coin|secteur|region"
    r"|ville)|centres? europe direct|europe direct (?:le plus|pres|dans|a )|ou (?:trouver|s'adresser|aller)|localis\w*)\b"
)
_PROJECT_ENTITIES = {"country", "audience", "theme", "activity"}


def _entity_types(message: Message) -> set:
    return {entity.get(ENTITY_ATTRIBUTE_TYPE) for entity in message.get(ENTITIES) or []}


def corrected_intent(message: Message) -> Optional[str]:
    """The funding intent a distracted reading should give way to, else None (keep the NLU's)."""
    intent = (message.get(INTENT) or {}).get("name")
    if intent not in _DISTRACTED:
        return None
    text = normalize(message.get(TEXT) or "")
    types = _entity_types(message)
    if "national_scheme" in types:
        return None  # a French national scheme: out of scope, said so by the actions
    if intent in ("inform_location", "ask_europe_direct") and _ASKS_WHERE.search(text):
        return None
    if intent == "check_eligibility" and "programme" in types:
        return None  # "sommes-nous éligibles au CERV ?": the check for that programme
    if not _ASKS_FOR_MONEY.search(text):
        return None
    if not (types & _PROJECT_ENTITIES or _DESCRIBES_PROJECT.search(text)):
        return None
    for candidate in message.get(INTENT_RANKING_KEY) or []:
        if candidate.get("name") in FUNDING_INTENTS:
            return candidate["name"]
    return "ask_funding"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class RequestCheck(GraphComponent):
    """Gives a funding request for a described project its funding intent (see :func:`corrected_intent`)."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "RequestCheck":
        return cls()

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


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class PartnerTownReader(GraphComponent):
    """Reads the partner's country from its town: "nos amis de Ravensburg" -> country DE.

    Only when the message names no country itself; the towns are those of
    :func:`knowledge.towns.foreign_towns` (a French commune's name only when placed abroad).
    """

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "PartnerTownReader":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        from knowledge.towns import foreign_towns

        for message in messages:
            text = message.get(TEXT) or ""
            if not text or "country" in _entity_types(message):
                continue
            towns = foreign_towns(text)
            if not towns:
                continue
            spans = _token_spans(text)
            entities = list(message.get(ENTITIES) or [])
            for town in towns:
                start, end = (spans[town.start][0], spans[town.end - 1][1]) if town.end <= len(spans) else (0, len(text))
                entities.append({"entity": "country", "value": town.country, "start": start, "end": end,
                                 "extractor": "PartnerTownReader", "town": town.name})
            message.set(ENTITIES, entities, add_to_output=True)
        return messages
