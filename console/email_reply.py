"""The reply to paste into an e-mail: the assistant's own messages, framed as a Europe Direct agent signs.

The wording of the answer is never written here: it comes from the single answer path
(:func:`actions.recommend.recommendation_reply`). This module only turns the messages the assistant
would send (Rasa's dispatcher shape: ``text``, ``buttons``, ``custom``, ``json_message``,
``attachment``, ``image``) into plain text, whatever their structure, and adds what an e-mail needs
around them: a greeting, one part per project, a closing and a signature to fill in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Sequence

# An e-mail pasted as text has no links: the answer's named links written out as "name (address)".
from actions.answer import written_out as links_written_out

GREETING = "Bonjour,"
THANKS = "Merci pour votre message."
CLOSING = "Je reste à votre disposition pour toute précision.\n\nBien cordialement,"
SIGNATURE = "[Prénom Nom]\nCentre EUROPE DIRECT [ville]\n[téléphone] — [adresse e-mail]"

NUMBER_WORDS = {2: "deux", 3: "trois", 4: "quatre", 5: "cinq", 6: "six", 7: "sept", 8: "huit"}
EXCERPT_CHARS = 90

# Keys of a structured payload that carry machine values, never text for a reader.
_MACHINE_KEYS = {"type", "kind", "id", "payload", "style", "icon", "class", "css", "format", "parse_mode",
                 "lang", "locale", "version", "key", "name_id", "strand_id", "programme_id"}
_LINK_KEYS = ("url", "href", "link")
_LABEL_KEYS = ("label", "title", "name", "text")
_FIRST_KEYS = ("title", "heading", "summary")  # a structured answer reads from its title down
_PAYLOAD_KEYS = ("custom", "json_message", "attachment", "image", "elements")

def _is_url(value: Any) -> bool:
    return isinstance(value, str) and re.match(r"^(https?://|mailto:)", value.strip(), re.IGNORECASE) is not None


def _one_line(value: Any) -> str:
    return re.sub(r"\s+", " ", str(value)).strip()


def payload_text(value: Any) -> str:
    """Plain text of any structured payload: strings in order, links as ``label : URL``, no keys."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, (str, int, float)):
        return str(value).strip()
    if isinstance(value, Mapping):
        url = next((value[k] for k in _LINK_KEYS if _is_url(value.get(k))), None)
        label = next((value[k] for k in _LABEL_KEYS if isinstance(value.get(k), str) and not _is_url(value[k])), None)
        rest = [k for k in value if k not in _MACHINE_KEYS and k not in _LINK_KEYS and value[k] != label]
        if url and not rest:  # a link: {"label": "page officielle", "url": "https://…"}
            return f"{_one_line(label)} : {url.strip()}" if label else url.strip()
        fact = next((k for k in ("value", "text") if k in value), None)
        if "label" in value and fact and set(value) <= {"label", fact, *_MACHINE_KEYS}:
            # a fact: {"label": "Montant", "value": "…"} (an empty label: the text alone)
            inner = payload_text(value[fact])
            return f"{_one_line(value['label'])} : {inner}" if inner and value["label"] else inner
        keys = [k for k in _FIRST_KEYS if k in value] + [k for k in value if k not in _FIRST_KEYS]
        if "title" in value:  # a summary says the title again (for screen readers)
            keys = [k for k in keys if k != "summary"]
        parts = [payload_text(value[k]) for k in keys if k not in _MACHINE_KEYS and k not in _LINK_KEYS]
        if url:
            parts.append(url.strip())
        return "\n".join(part for part in parts if part)
    if isinstance(value, (list, tuple)):
        lines = []
        for item in value:
            text = payload_text(item)
            if text:
                lines.append(f"• {text}" if "\n" not in text and not isinstance(item, Mapping) else text)
        return "\n".join(lines)
    return ""


def button_line(button: Mapping[str, Any]) -> str:
    """A button as an e-mail shows it: its title, and its address when it opens a page."""
    title = _one_line(button.get("title") or "")
    target = button.get("url") or button.get("payload")
    if _is_url(target):
        return f"{title} : {target}" if title else str(target)
    return f"• {title}" if title else ""


def message_text(message: Mapping[str, Any]) -> str:
    """One message of the assistant as plain text.

    ``text`` is the message every channel can show; a structured payload is read only when there is
    no text (it is then the whole message). Buttons follow as a list of choices. Named links are
    written out, ``name (address)``.
    """
    text = str(message.get("text") or "").strip()
    if not text:
        text = "\n".join(filter(None, (payload_text(message.get(key)) for key in _PAYLOAD_KEYS)))
    buttons = [button_line(b) for b in (message.get("buttons") or message.get("quick_replies") or [])
               if isinstance(b, Mapping)]
    return links_written_out("\n".join(part for part in (text, *buttons) if part))


def messages_text(messages: Sequence[Mapping[str, Any]]) -> str:
    """The assistant's messages of one answer, one paragraph each."""
    return "\n\n".join(filter(None, (message_text(m) for m in messages)))


def reply_messages(reply: Any) -> List[Dict[str, Any]]:
    """The messages of a :class:`actions.recommend.RecommendationReply`, as the dispatcher would send them.

    A reply that lists its own ``messages`` gives them; otherwise its dispatcher fields (``text``,
    ``buttons``, ``custom``, ``json_message``, ``attachment``, ``image``) make one message.
    """
    messages = getattr(reply, "messages", None)
    if callable(messages):
        messages = messages()
    if messages:
        return [dict(m) for m in messages]
    fields = ("text", "buttons", *_PAYLOAD_KEYS)
    message = {key: getattr(reply, key) for key in fields if getattr(reply, key, None)}
    if message.get("buttons"):
        message["buttons"] = [dict(b) for b in message["buttons"]]
    return [message] if message else []


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The first words of a project's description, cut at a word, without the enumeration mark."""
    words = _one_line(text)
    words = re.sub(r"^(?:[-–•*▪]|\(?\d{1,2}[).°]|\(?[a-hA-H]\))\s*", "", words).rstrip(" ;,.:")
    if len(words) <= limit:
        return words
    return words[:limit].rsplit(" ", 1)[0].rstrip(" ;,.:") + "…"


@dataclass(frozen=True)
class ProjectReply:
    """One project of an inquiry (its words) and the assistant's messages that answer it."""

    description: str
    messages: Sequence[Mapping[str, Any]]


def compose_email(projects: Sequence[ProjectReply]) -> str:
    """The e-mail to paste: greeting, each project's answer (in order), closing, signature to fill in."""
    parts = [GREETING, THANKS]
    if len(projects) == 1:
        parts.append(messages_text(projects[0].messages))
    else:
        count = NUMBER_WORDS.get(len(projects), str(len(projects)))
        parts[-1] += f" Vous nous présentez {count} projets : voici notre réponse pour chacun."
        for number, project in enumerate(projects, 1):
            parts.append(f"{number}. Votre projet « {excerpt(project.description)} »\n\n"
                         + messages_text(project.messages))
    parts += [CLOSING, SIGNATURE]
    return "\n\n".join(part for part in parts if part)
