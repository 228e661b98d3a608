"""The letter: the body of a letter or e-mail, and English messages read through a glossary."""

from __future__ import annotations

import re
from typing import Dict, List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from actions.parsing import normalize
from bot.nlu.component import Stateless

# "Madame la Maire, …", "Monsieur le Directeur de la représentation,"; a greeting takes a few words at
# most ("Bonjour à toutes et à tous,"): "bjr instit ds un village jumelé avec …," is the message.
_SALUTATION = re.compile(
    r"^(?:(?:madame|monsieur|mesdames|messieurs|mme|m\.|cher|chere|chers|cheres)\b[^.?!\n]{0,60}?"
    r"|(?:bonjour|bonsoir|salut|slt|bjr|hello|coucou)\b(?:\s+[^\s.?!,:]+){0,5}?)\s*(?:[,!:]|$)\s*"
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
class LetterReader(Stateless):
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
