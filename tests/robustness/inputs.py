"""Hostile and odd inputs shared by the robustness tests, and a check that an answer is French."""

from __future__ import annotations

import re

from hypothesis import strategies as st

# Text a person, a bot or an attacker may send, as a message or (through an entity) as a slot value.
NASTY_TEXTS = [
    "",
    " ",
    "   \t  \n ",
    "\u00a0\u2003",
    "'; DROP TABLE strands; --",
    "' OR '1'='1",
    "1; DELETE FROM contacts WHERE 1=1",
    "Robert'); DROP TABLE events;--",
    "% _ \\ %' --",
    '"; SELECT * FROM events; --',
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    "<b>gras</b> &amp; &lt;",
    "javascript:alert(1)",
    "{{7*7}} ${7*7} #{7*7}",
    "😀🇫🇷👨‍👩‍👧‍👦 jumelage 🤝",
    "\x00",
    "\x00\x01\x02\x1b[31mrouge\x1b[0m\x7f",
    "ligne 1\r\nligne 2\rligne 3",
    "\u202eegnahc\u202c",
    "\u200b\u200c\u200d\ufeff",
    "Ǆ ﬁ ß İ ǅ",
    "١٢٣ ²³ ① ½",
    "NaN",
    "Infinity",
    "-1",
    "1e309",
    "99999999999999999999999999",
    "0x1F",
    "/",
    "/greet",
    "/greet@0.5",
    "/greet@1.2.3",
    '/inform{"programme": "cerv"}',
    '/inform{"country": "DE"}',
    '/inform{"country": "\'; DROP TABLE x;--"}',
    "/inform{pas du json}",
    "/intention_inconnue",
    '/check_eligibility{"programme": "erasmus_youth_exchanges"}',
    "cerv",
    "erasmus_plus",
    "DE",
    "jeunes",
    "19",
    "2A",
    "75001",
    "Brive-la-Gaillarde",
    "soixante-dix personnes",
    "oui",
    "non",
    "stop",
    "Bonjour",
    "Quel financement pour un échange de jeunes avec l'Allemagne ?",
    "on sera 60 dont 30 Polonais, sur 4 jours, la commune porte le projet",
    "a" * 3000,
    "jumelage " * 400,
]

FRENCH_WORDS = sorted(
    {"bonjour", "jumelage", "projet", "commune", "jeunes", "avec", "pour", "le", "la", "des",
     "échange", "Allemagne", "Pologne", "combien", "subvention", "financement", "oui", "non",
     "stop", "CERV", "Erasmus+", "60", "4 jours", "personnes", "association", "comité"}
)

# Unicode text without lone surrogates (the channels remove those before Rasa sees them).
unicode_text = st.text(st.characters(codec="utf-8"), max_size=200)
texts = st.one_of(
    st.sampled_from(NASTY_TEXTS),
    unicode_text,
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x7F), max_size=80),
    st.lists(st.sampled_from(FRENCH_WORDS + NASTY_TEXTS[:30]), min_size=1, max_size=8).map(" ".join),
)
# Any JSON value (for request bodies and their fields).
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=10,
)

# Words and accents that only a French answer has (the assistant's answers are never in English).
_FRENCH = re.compile(
    r"[àâçéèêëîïôûùœ]|\b(je|vous|votre|vos|le|la|les|des|du|de|un|une|et|pour|est|sur|pas|avec)\b",
    re.IGNORECASE,
)


def looks_french(text: str) -> bool:
    """Whether ``text`` reads as French (a few function words or accents)."""
    return bool(_FRENCH.search(text or ""))
