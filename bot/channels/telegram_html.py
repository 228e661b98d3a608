"""Telegram HTML: the bot's text and answer models escaped, with links and bold labels, and split
under Telegram's size limit (used by bot/channels/telegram.py).
"""

from __future__ import annotations

import html
import re
from typing import Any, Dict, List

# Telegram's limit: 4096 characters per message (counted after entity parsing; we measure the HTML
# we send, in UTF-16 code units, which is never less).
MESSAGE_LIMIT = 4096

# A named link [name](url) (actions/answer.py), or a bare http(s) address.
_TOKEN = re.compile(r"\[(?P<name>[^\]\n]+)\]\((?P<target>(?:https?://|mailto:)[^\s)]+)\)|(?P<url>https?://[^\s<>\"«»]+)")
_TRAILING = ".,;:!?'\"’)]"


def _url_end(url: str) -> str:
    """Strip the punctuation that ends a sentence rather than the URL (keep balanced ")")."""
    while url and url[-1] in _TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


def _link_html(name: str, url: str) -> str:
    if not url.startswith(("http://", "https://")):
        return html.escape(name, quote=False)  # Telegram opens http(s) links only (no mailto:)
    return f'<a href="{html.escape(url, quote=True)}">{html.escape(name, quote=False)}</a>'


def render_html(text: str) -> str:
    """Bot text as Telegram HTML: everything escaped, named links ``[name](url)`` and bare http(s) URLs as links."""
    out: List[str] = []
    position = 0
    for match in _TOKEN.finditer(text):
        if match.group("name") is not None:
            start, end, piece = match.start(), match.end(), _link_html(match.group("name"), match.group("target"))
        else:
            url = _url_end(match.group("url"))
            if not url:
                continue
            start, end, piece = match.start(), match.start() + len(url), _link_html(url, url)
        out.append(html.escape(text[position:start], quote=False))
        out.append(piece)
        position = end
    out.append(html.escape(text[position:], quote=False))
    return "".join(out)


def _line_html(line: Dict[str, str]) -> str:
    label, text = line.get("label") or "", render_html(line.get("text") or "")
    return f"<b>{html.escape(label, quote=False)}</b> : {text}" if label else text


def render_answer(answer: Dict[str, Any]) -> str:
    """An answer model (actions/answer.py) as one Telegram HTML message: the title and labels in bold,
    the message to copy as a block copied with one tap, the details in a quote the reader expands.
    """
    parts = [f"<b>{render_html(answer['title'])}</b>"] if answer.get("title") else []
    parts += [_line_html(line) for line in answer.get("facts") or []]
    if answer.get("copy"):
        parts.append(f"<pre>{html.escape(answer['copy'], quote=False)}</pre>")
    if answer.get("details"):
        details = "\n".join(_line_html(line) for line in answer["details"])
        parts.append(f"<b>{html.escape(answer.get('details_title') or '', quote=False)}</b>\n"
                     f"<blockquote expandable>{details}</blockquote>")
    return "\n".join(parts)


def fits(rendered: str, limit: int = MESSAGE_LIMIT) -> bool:
    """Whether rendered HTML fits in one Telegram message."""
    return _length(rendered) <= limit


def _length(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


_SEPARATORS = ("\n\n", "\n", " ")


def split_text(text: str, limit: int = MESSAGE_LIMIT) -> List[str]:
    """Split plain text so that each piece, once rendered, fits in one Telegram message.

    Pieces break on paragraphs first, then lines, then spaces; a single "word" longer than a
    message (never seen in practice) is the only thing cut. Rendering happens per piece, so no
    HTML tag can straddle two messages.
    """

    def fits(piece: str) -> bool:
        return _length(render_html(piece)) <= limit

    def split(piece: str, level: int) -> List[str]:
        if fits(piece):
            return [piece]
        if level == len(_SEPARATORS):
            chunks, current = [], ""
            for char in piece:
                if current and not fits(current + char):
                    chunks.append(current)
                    current = ""
                current += char
            return chunks + [current]
        separator = _SEPARATORS[level]
        chunks, current = [], ""
        for part in piece.split(separator):
            candidate = current + separator + part if current else part
            if fits(candidate):
                current = candidate
                continue
            if current:
                chunks.append(current)
            parts = split(part, level + 1)
            chunks.extend(parts[:-1])
            current = parts[-1]
        if current:
            chunks.append(current)
        return chunks

    text = (text or "").strip()
    if not text:
        return []
    return [chunk.strip() for chunk in split(text, 0) if chunk.strip()]
