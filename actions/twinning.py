"""Examples of funded projects, what a twinning is, and the national figures."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Sequence, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import common, formatting
from actions.answer import Answer, Line, send, text_answer
from actions.common import KnowledgeAction, latest_entity_values, profile_from
from actions.words_fr import normalize
from knowledge import api, ranking
from knowledge.views import FactView
from knowledge.vocabulary import PROFILE_ENTITIES

# Without a programme in context, the brochure's example (a CERV town twinning) is the one to give.
DEFAULT_EXAMPLE_STRAND = "cerv_town_twinning"
MAX_EXAMPLES = 2


def _strand_for_example(tracker: Tracker):
    """The programme named now; else the best for the project this message describes; else the context."""
    named = latest_entity_values(tracker, "programme")
    if named:
        # "une commune qui a monté un réseau de villes avec le CERV ?": the CERV strand of that project.
        return api.strand_for(named[0], profile_from(tracker, tracker.get_slot("need")))
    if any(latest_entity_values(tracker, entity) for entity in PROFILE_ENTITIES):
        # "Un exemple de ville qui a fait un échange de jeunes avec l'Allemagne ?"
        recommendations = api.recommend(profile_from(tracker, tracker.get_slot("need")), today=common.today())
        if recommendations:
            return recommendations[0].strand
    programme = tracker.get_slot("programme") or tracker.get_slot("recommended_programme")
    return api.get_strand(programme or DEFAULT_EXAMPLE_STRAND)


class ActionGiveExample(KnowledgeAction):
    """Give real funded projects for the programme in context (current programmes first)."""

    def name(self) -> Text:
        return "action_give_example"

    def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        strand = _strand_for_example(tracker)
        examples = api.examples_for(strand.id) if strand else []
        if not examples and strand is not None:
            examples = api.examples_for(strand.programme_id)
        if not examples:
            name = strand.short_name if strand else "ce programme"
            page = formatting.official_link(strand.official_url if strand else None)
            send(dispatcher, text_answer(f"Je n'ai pas d'exemple sourcé pour {name}. "
                                         f"Les projets financés sont publiés sur la {page}."))
            return []
        shown = ranking.examples_in_order(examples, tracker.get_slot("country"))[:MAX_EXAMPLES]
        facts = [Line("", f"• {formatting.example_text(example, marks=False)} "
                          f"({formatting.source_line(example.sources)})") for example in shown]
        note = formatting.to_confirm(["" if all(e.verified for e in shown) else "certains exemples"],
                                     strand.official_url)
        send(dispatcher, Answer(title=f"Exemples de projets financés ({strand.short_name}) :",
                                facts=tuple(facts + ([note] if note else []))))
        return []


class ActionExplainTwinning(KnowledgeAction):
    """Say what a twinning is and what it brings, with the source."""

    def name(self) -> Text:
        return "action_explain_twinning"

    def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        definition = api.facts("twinning_definition")
        benefits = api.facts("twinning_benefit")
        lines = [fact.text for fact in definition]
        if benefits:
            lines.append("Ce qu'il apporte :")
            lines += ["• " + fact.text for fact in benefits]
        sources = [s for fact in definition + benefits for s in fact.sources]
        lines.append(formatting.source_line(sources))
        send(dispatcher, text_answer("\n".join(line for line in lines if line)))
        return []


class ActionGiveKeyFigures(KnowledgeAction):
    """Give the national figures on twinning, each with its source."""

    def name(self) -> Text:
        return "action_give_key_figures"

    def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        text = tracker.latest_message.get("text") or ""
        named = [strand for value in latest_entity_values(tracker, "programme") if (strand := api.get_strand(value))]
        facts = api.key_figures()
        if not named:
            send(dispatcher, text_answer(formatting.figures_text(figures_asked(text, facts))))
            return []
        # "Beaucoup de communes demandent le CERV ?": the figures of that programme, or say there are
        # none here, with the general ones that name no other programme.
        strand = named[0]
        about = [fact for fact in facts if _programme_key(strand) in normalize(fact.text)]
        if about:
            title = f"{strand.short_name} en chiffres :"
        else:
            keys = {_programme_key(other) for other in api.list_strands()}
            about = [fact for fact in facts if not any(key in normalize(fact.text) for key in keys)]
            title = (f"{strand.short_name} : je n'ai pas de chiffre publié sur ce point "
                     f"(voir la {formatting.official_link(strand.official_url)}). Les jumelages en chiffres :")
        send(dispatcher, text_answer(formatting.figures_text(about, title=title)))
        return []


def _programme_key(strand: Any) -> str:
    """The word that names a programme in a figure's text ("cerv", "mission", "ofaj", "fonds", "erasmus")."""
    return normalize(strand.short_name.split(" – ")[0]).split()[0]


# Words too common in figure questions and figures to tell one figure from another.
_GENERIC_WORDS = frozenset(
    "combien nombre chiffre chiffres france francais francaises francaise environ sont font jumelage jumelages"
    " jumelee jumelees jumeles villes".split()
)


def _content_words(text: str) -> set:
    return {word for word in re.findall(r"[a-z0-9]+", normalize(text)) if len(word) >= 4} - _GENERIC_WORDS


def figures_asked(question: str, facts: Sequence[FactView]) -> List[FactView]:
    """The figure(s) a question asks about ("combien de villes dans la mission ?"), else them all."""
    asked = _content_words(question)
    scores = [len(asked & _content_words(fact.text)) for fact in facts]
    best = max(scores, default=0)
    return [fact for fact, score in zip(facts, scores) if score == best] if best > 0 else list(facts)
