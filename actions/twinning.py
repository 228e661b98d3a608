"""Examples of funded projects, what a twinning is, and the national figures."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import formatting
from actions.common import KnowledgeAction
from knowledge import api

# Without a programme in context, the brochure's example (a CERV town twinning) is the one to give.
DEFAULT_EXAMPLE_STRAND = "cerv_town_twinning"
MAX_EXAMPLES = 2


class ActionGiveExample(KnowledgeAction):
    """Give real funded projects for the programme in context (current programmes first)."""

    def name(self) -> Text:
        return "action_give_example"

    def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        programme = tracker.get_slot("programme") or tracker.get_slot("recommended_programme")
        strand = api.get_strand(programme or DEFAULT_EXAMPLE_STRAND)
        examples = api.examples_for(strand.id) if strand else []
        if not examples and strand is not None:
            examples = api.examples_for(strand.programme_id)
        if not examples:
            dispatcher.utter_message(
                text=(
                    f"Je n'ai pas d'exemple sourcé pour {strand.short_name if strand else 'ce programme'}. "
                    f"Les projets financés sont publiés sur la page officielle"
                    + (f" : {strand.official_url}" if strand else ".")
                )
            )
            return []
        country = tracker.get_slot("country")
        # Current programmes before predecessors, the user's partner country first.
        examples.sort(key=lambda e: (e.historical_note is not None, country not in e.partner_countries))
        lines = [f"Exemples de projets financés ({strand.short_name}) :"]
        for example in examples[:MAX_EXAMPLES]:
            lines.append("• " + formatting.example_text(example) + " " + formatting.source_line(example.sources))
        dispatcher.utter_message(text="\n".join(lines))
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
        dispatcher.utter_message(text="\n".join(line for line in lines if line))
        return []


class ActionGiveKeyFigures(KnowledgeAction):
    """Give the national figures on twinning, each with its source."""

    def name(self) -> Text:
        return "action_give_key_figures"

    def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(text=formatting.figures_text(api.key_figures()))
        return []
