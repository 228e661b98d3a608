"""One answer model, rendered per channel: short first, details on demand.

An answer is built once by the actions: a title, the few facts that decide (label and text), then
details and sources. Its texts carry their links as Markdown ``[name](url)``: every channel shows
the name ("page officielle", "CIDEM"), never the address. The actions send the plain rendering as
``text`` (any channel can show it) and the model itself as ``custom["answer"]``: the widget shows
the short part with a "Détails et sources" disclosure, Telegram bold labels (bot/channels/).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple
from urllib.parse import urlsplit

from rasa_sdk.executor import CollectingDispatcher

DETAILS_TITLE = "Détails et sources"
# A named link: [name](http(s) or mailto address), the only form a link takes in an answer's text.
LINK = re.compile(r"\[([^\]\n]+)\]\(((?:https?://|mailto:)[^\s)]+)\)")
RAW_URL = re.compile(r"(?:https?://|mailto:|www\.)\S+", re.IGNORECASE)


def link(name: str, url: Optional[str]) -> str:
    """``[name](url)``: a link shown by its name; the name alone without an address."""
    return f"[{name}]({url})" if url else name


# Where anyone can ask a person (the same words in every apology and referral).
EUROPE_DIRECT_LINK = "[trouver un centre Europe Direct](https://european-union.europa.eu/contact-eu/meet-us_fr?country=FR)"
EUROPE_DIRECT_HELP = f"le réseau Europe Direct : 00 800 6 7 8 9 10 11 (appel gratuit) ou {EUROPE_DIRECT_LINK}."


def site_name(url: str) -> str:
    """The site of an address, as a link's name: ``erasmus-plus.ec.europa.eu``."""
    host = urlsplit(url).hostname or url
    return host[4:] if host.startswith("www.") else host


def visible(text: str) -> str:
    """The text as a reader sees it: each link by its name."""
    return LINK.sub(r"\1", text)


def written_out(text: str) -> str:
    """The text for a medium without links (an e-mail to paste): ``name (address)``."""
    def address(url: str) -> str:
        return url[len("mailto:"):].split("?")[0] if url.startswith("mailto:") else url

    return LINK.sub(lambda m: f"{m.group(1)} ({address(m.group(2))})", text)


def raw_urls(text: str) -> List[str]:
    """Addresses a reader would see written out (links shown by their name excepted)."""
    return RAW_URL.findall(visible(text))


@dataclass(frozen=True)
class Line:
    """One line of an answer: ``label`` (may be empty) and its text, links as ``[name](url)``."""

    label: str
    text: str

    def plain(self) -> str:
        return f"{self.label} : {self.text}" if self.label else self.text


@dataclass(frozen=True)
class Answer:
    """An answer before it is rendered.

    ``title`` names what is answered (the programme first); ``facts`` are the short part, the few
    facts that decide; ``details`` come on demand (a disclosure in the widget); ``summary`` is one
    sentence without links, for screen readers; ``copy`` a message the user may copy as it is.
    """

    title: str = ""
    facts: Tuple[Line, ...] = ()
    details: Tuple[Line, ...] = ()
    summary: str = ""
    copy: str = ""

    def plain_text(self) -> str:
        """The answer as plain text: title, facts, copy block, then the details under their heading."""
        lines = [self.title] if self.title else []
        lines += [line.plain() for line in self.facts]
        if self.copy:
            lines += ["---", self.copy, "---"]
        if self.details:
            lines.append(f"{DETAILS_TITLE} :")
            lines += [line.plain() for line in self.details]
        return "\n".join(line for line in lines if line)

    def short_summary(self) -> str:
        """What a screen reader announces: the summary, else the title or first fact, without links."""
        if self.summary:
            return self.summary
        first = self.title or (self.facts[0].plain() if self.facts else "")
        return visible(first)

    def as_dict(self) -> Dict[str, Any]:
        """The model as JSON for the channels (``custom["answer"]``)."""

        def lines(items: Sequence[Line]) -> List[Dict[str, str]]:
            return [{"label": line.label, "text": line.text} for line in items]

        data: Dict[str, Any] = {"title": self.title, "facts": lines(self.facts), "summary": self.short_summary()}
        if self.details:
            data.update(details=lines(self.details), details_title=DETAILS_TITLE)
        if self.copy:
            data["copy"] = self.copy
        return data


# "Source : …", "✓ Conforme : …": a short label opening a line of a text written as such.
_LABELLED = re.compile(r"^([^•:.\[\]\n]{2,30}?) : (\S.*)$")


def text_answer(text: str) -> Answer:
    """An answer written as lines of text: a line opening with a short ``Label : `` keeps it as its label."""
    def line(text: str) -> Line:
        match = _LABELLED.match(text)
        return Line(match.group(1), match.group(2)) if match else Line("", text)

    return Answer(facts=tuple(line(text) for text in text.split("\n") if text))


def send(dispatcher: CollectingDispatcher, answer: Answer, buttons: Sequence[Dict[str, str]] = ()) -> None:
    """Send ``answer``: its plain text for every channel, the model for the channels that render it."""
    dispatcher.utter_message(text=answer.plain_text(), buttons=list(buttons) or None,
                             json_message={"answer": answer.as_dict()})
