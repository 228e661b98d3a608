"""Words the message reader's checks share: the funding intents, the programme questions, twinning, comparing."""

from __future__ import annotations

import re

from knowledge.vocabulary import INTENT_NEEDS

# The intents that ask for funding (the generic one and one per need), and those about one programme.
FUNDING_INTENTS = ("ask_funding", *INTENT_NEEDS)
PROGRAMME_QUESTIONS = {
    "ask_programme_info", "ask_programme_amount", "ask_programme_deadline", "ask_programme_how_to_apply",
    "ask_programme_eligibility",
}
# Twinning itself: "les jumelages", "jumeler", "nos villes jumelles", "le comité de jumelage".
TWINNING = re.compile(r"\b(?:jumelages?|jumeler|jumelees?|villes jumelles|communes jumelles|comites? de jumelage)\b")
# Words that compare: "quelle différence", "lequel choisir", "plutôt A ou B", "vaut mieux".
COMPARES = re.compile(r"\b(?:differen\w*|compar\w* (?:les deux|entre|ces deux|avec)|comparaison|mieux|plutot"
                       r"|ou bien|versus|vs|lequel|laquelle|lesquels"
                       r"|choisir entre|quoi choisir|que choisir|qu'est-ce qui change|qu'est ce qui change|pareil que)\b")
