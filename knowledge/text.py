"""Accent folding shared by the parser, the place search and the entity generator."""

from __future__ import annotations

import unicodedata


def strip_accents(text: str) -> str:
    """Return ``text`` without diacritics, case and ligatures kept ("Œuvre à Zürich" -> "Œuvre a Zurich")."""
    return "".join(char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char))
