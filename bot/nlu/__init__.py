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
  "out of scope", "where is Europe Direct" or "check my eligibility" (for no named programme). What a
  message says besides a project (a greeting, a yes, a bot or a person, a place) is read in
  ``bot/nlu/social.py``; the words the checks share are in ``bot/nlu/words.py``.
"""

from bot.nlu.letter import LANGUAGE, LetterReader, french_gist, is_english, read_letter
from bot.nlu.partner import PartnerTownReader
from bot.nlu.request import RequestCheck, corrected_intent
from bot.nlu.words import FUNDING_INTENTS

__all__ = [
    "FUNDING_INTENTS", "LANGUAGE", "LetterReader", "PartnerTownReader", "RequestCheck", "corrected_intent",
    "french_gist", "is_english", "read_letter",
]
