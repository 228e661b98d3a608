"""Compare programmes side by side: the ones named, or the best ones for the project described."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import common, formatting
from actions.answer import Answer, Line, send, text_answer
from actions.common import KnowledgeAction, latest_entity_values, profile_from
from actions.recommend import ActionRecommendProgramme
from knowledge import api
from knowledge.views import StrandView


class ActionComparePrograms(KnowledgeAction):
    """"Quelle différence entre CERV et Erasmus+ ?" / "lequel pour 20 lycéens ?"."""

    def name(self) -> Text:
        return "action_compare_programmes"

    def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        day = common.today()
        strands = _unique([api.get_strand(value) for value in latest_entity_values(tracker, "programme")])
        profile = profile_from(tracker, tracker.get_slot("need"))
        intro = "Comparaison :"
        if len(strands) < 2:
            # One or no programme named: compare with the best ones for the project described.
            ranked = [rec.strand for rec in api.recommend(profile, today=day)] if profile.describes_anything else []
            context = api.get_strand(tracker.get_slot("programme"))
            strands = _unique(strands + ranked + ([context] if context else []))[:2]
            if ranked and strands and strands[0].id == ranked[0].id:
                intro = f"Pour ce projet, le plus adapté est {strands[0].short_name}. Comparaison :"
        if len(strands) < 2 and tracker.get_slot("recommended_programme"):
            # "ça change quelque chose pour le programme que vous m'indiquez ?": no comparison asked,
            # a detail added to the project under discussion: answer it again with that detail.
            return ActionRecommendProgramme().recommend(dispatcher, tracker, None)
        if len(strands) < 2:
            send(dispatcher, text_answer(
                "Quels programmes voulez-vous comparer ? Par exemple : « Quelle différence entre "
                "le CERV et Erasmus+ ? », ou décrivez votre projet (public, pays partenaire)."
            ))
            return []
        blocks = [
            formatting.comparison_block(
                strand,
                api.next_call(strand.id, today=day),
                day,
                country_names=lambda code: api.country_name(code) or code,
            )
            for strand in strands
        ]
        facts = [line for block, _ in blocks for line in block]
        if not all(verified for _, verified in blocks):
            facts.append(Line("À confirmer", "certains montants ou dates, sur les pages officielles."))
        send(dispatcher, Answer(title=intro, facts=tuple(facts)))
        return [SlotSet("programme", strands[0].id)]


def _unique(strands: Sequence[Optional[StrandView]]) -> List[StrandView]:
    seen, result = set(), []
    for strand in strands:
        if strand is not None and strand.id not in seen:
            seen.add(strand.id)
            result.append(strand)
    return result
