"""An inquiry that describes several projects, split into one description per project.

Staff paste whole e-mails: "Nous avons deux projets : 1) un échange de jeunes… 2) une rencontre…".
The text is cut where a project begins — a paragraph, an enumerated item ("1)", "2.", "a)", "-",
"•") or a "premier / deuxième / autre projet" — and each piece is later read by the NLU; the pieces
that describe a project are answered each through the assistant's answer path (:mod:`console.ask`).
"""

from __future__ import annotations

import re
from typing import List

MAX_PIECES = 12  # an inquiry is a letter, not a catalogue: beyond this, the rest stays with the last piece

# A line that starts an item of a list.
_ITEM_START = re.compile(r"^\s*(?:[-–•*▪]\s+|\(?\d{1,2}\s*[).°]\s*|\(?[a-hA-H]\)\s*|projet\s+(?:n°\s*)?\d+\b)",
                         re.IGNORECASE)
# Inside a line, an enumeration "1) … 2) …" (cut only when numbered from 1 in order) and a
# "deuxième / autre projet" after the end of a sentence.
_INLINE_NUMBER = re.compile(r"(?:^|(?<=[\s;:,.]))\(?([1-9])\s*\)\s*(?=\w)")
_INLINE_ORDINAL = re.compile(
    r"(?<=[.;:!?])\s+(?=(?:le |la |un |notre )?(?:premier|deuxième|second|troisième|quatrième|autre|dernier)"
    r"\s+projet\b)",
    re.IGNORECASE,
)


def _items(paragraph: str) -> List[str]:
    """The items of a paragraph: lines starting a list item begin a new piece, others continue it."""
    items: List[str] = []
    for line in paragraph.splitlines():
        if not line.strip():
            continue
        if not items or _ITEM_START.match(line):
            items.append(line.strip())
        else:
            items[-1] += " " + line.strip()
    return items


def _inline(piece: str) -> List[str]:
    """A piece cut where an inline enumeration ("1) … 2) …") or "deuxième projet" starts."""
    numbers = list(_INLINE_NUMBER.finditer(piece))
    ordered = [int(m.group(1)) for m in numbers] == list(range(1, len(numbers) + 1)) and len(numbers) > 1
    cuts = {m.start() for m in numbers} if ordered else set()
    cuts |= {m.start() for m in _INLINE_ORDINAL.finditer(piece)}
    bounds = [0, *sorted(c for c in cuts if c > 0), len(piece)]
    return [piece[a:b].strip() for a, b in zip(bounds, bounds[1:]) if piece[a:b].strip()]


def split_inquiry(text: str) -> List[str]:
    """The pieces of an inquiry in order: paragraphs, list items, inline enumerations (at most 12)."""
    pieces: List[str] = []
    for paragraph in re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n")):
        for item in _items(paragraph):
            pieces.extend(_inline(item))
    if len(pieces) > MAX_PIECES:
        pieces[MAX_PIECES - 1:] = [" ".join(pieces[MAX_PIECES - 1:])]
    return pieces
