"""What a message says besides a project: a greeting, a yes, whether this is a bot, a person wanted, a place."""

from __future__ import annotations

import re
from typing import Optional

from bot.nlu.words import COMPARES, FUNDING_INTENTS, PROGRAMME_QUESTIONS, TWINNING

# "Vous êtes un robot ?", "je parle à une vraie personne ?": whether the assistant is a bot.
_ASKS_IF_BOT = re.compile(
    r"\b(?:robots?|bot|chatbot|ia|intelligence artificielle|machine|automatique|programme informatique"
    r"|(?:un|une) (?:humain|vraie personne|personne reelle|etre humain))\b")
# "je voudrais parler à quelqu'un", "passez-moi un conseiller": to be put in touch with a person.
_WANTS_TO_TALK = re.compile(
    r"\b(?:parler|joindre|contacter|echanger|passer|passez|transferer|appeler|mettre en (?:relation|contact)|veux|voudrais"
    r"|veut|aimerais|prefere|souhaite|besoin d'|laisse tomber|please|svp|stp)\b"
    r"[^.?!]{0,30}\b(?:quelqu'un|une personne|un humain|un etre humain|un conseiller|une conseillere"
    r"|un interlocuteur|une interlocutrice|un agent|une vraie personne)\b"
    r"|\b(?:quelqu'un|un humain|un conseiller|une vraie personne) (?:svp|stp|please|s'il vous plait)\b")


def social_reading(intent: Optional[str], text: str, types: set) -> Optional[str]:
    """Small talk told apart: whether this is a bot or a person wanted, a bare yes, a call for help."""
    if intent in ("ask_human", "inform") and _ASKS_IF_BOT.search(text) and not _WANTS_TO_TALK.search(text):
        return "bot_challenge"  # "je parle à une vraie personne là ?": whether this is a bot
    if intent in ("bot_challenge", "inform", "nlu_fallback") and _WANTS_TO_TALK.search(text):
        return "ask_human"  # "laisse tomber le bot, un humain please", "PARLER A UN CONSEILLER": a person
    if intent in ("inform", "nlu_fallback", "ask_programme_info", "ask_capabilities") and _JUST_HELLO.match(text):
        return "greet"  # "bonsoir madame", "bonjour à toute l'équipe !"
    if intent in ("inform", "nlu_fallback") and not types and _JUST_YES.match(text):
        return "affirm"  # "c'est ça", "d'accord": a yes, with nothing new
    if intent == "bot_challenge" and "programme" in types:
        # "et le CERV, c'est quoi au juste ?": a question about a programme (or two compared), not about the bot.
        return "compare_programmes" if COMPARES.search(text) else "ask_programme_info"
    if intent in FUNDING_INTENTS and _CALL_FOR_HELP.match(text):
        return "ask_capabilities"  # "aide", "help": what the assistant can do
    if (intent in (*FUNDING_INTENTS, *PROGRAMME_QUESTIONS, "nlu_fallback", "inform") and not types
            and _ASKS_CAPABILITIES.search(text)):
        return "ask_capabilities"  # "vous pouvez m'aider sur quoi exactement ?"
    if intent in ("inform", "nlu_fallback") and not types and "?" in text and TWINNING.search(text) and (
            _WHAT_TWINNING_IS.search(text)):
        return "ask_what_is_twinning"  # "qu'apporte concrètement un jumelage aux habitants ?"
    return None


# What the assistant can do: "que savez-vous faire ?", "vous servez à quoi ?", "c'est dans vos compétences ?"
_ASKS_CAPABILITIES = re.compile(
    r"\b(?:(?:savez|pouvez)[- ]vous faire|(?:sais|peux)[- ]tu faire|(?:vous|tu) (?:servez|sers) a quoi|a quoi (?:vous|tu) "
    r"(?:servez|sers)|(?:vous|tu) (?:pouvez|peux) m'aider (?:sur|pour|a) quoi|competen\w*|vos domaines|ce (?:service|chat"
    r"|assistant),? (?:ca )?(?:sert|marche|fonctionne)|comment (?:ce (?:service|chat|assistant)|cet assistant) (?:marche|fonctionne))\b")
# What a twinning is or brings: "qu'apporte un jumelage ?", "l'intérêt d'un jumelage", "d'où vient l'idée".
_WHAT_TWINNING_IS = re.compile(
    r"\b(?:qu'apporte\w*|apporte[- ]t[- ]il|a quoi sert|a quoi servent|c'est quoi|qu'est-ce qu'un|qu'est ce qu'un|definition"
    r"|l'interet|les interets|les avantages|les benefices|d'ou vient|origine)\b")


# A greeting and nothing else, however polite.
_JUST_HELLO = re.compile(
    r"^\s*(?:bonjour|bonsoir|salut|coucou|hello|bjr|slt|hey|allo|re)(?:\s*(?:,|!|\.))?(?:\s*(?:madame|monsieur|messieurs"
    r"|mesdames|a (?:vous|tous|toutes|toute l'equipe)|tout le monde|l'equipe|chers? \w+|a vous tous))*\s*[.!,]*\s*$")
# "c'est ça", "d'accord", "tout à fait !": a yes and nothing else.
_JUST_YES = re.compile(r"^\s*(?:oui|ouais|ok|okay|d'accord|dac|c'est (?:bien )?ca|exact|exactement|tout a fait|bien sur"
                       r"|parfait|entendu|ca marche|voila|absolument|c'est exact|affirmatif)\s*[.!]*\s*$")
_CALL_FOR_HELP = re.compile(r"^\s*(?:aide|help|aidez-moi|aide-moi|a l'aide|au secours|menu|\?+)\s*[.!?]*\s*$")

# A message that only says where the user is is short: a place, perhaps with "je suis à", a postal code.
_PLACE_MAX_WORDS = 10


def only_a_place(text: str) -> bool:
    """Whether a short message names a French place (a town the message places abroad is none)."""
    from knowledge import api

    return 0 < len(text.split()) <= _PLACE_MAX_WORDS and api.place_of(text) is not None
