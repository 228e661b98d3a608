"""Compare programmes side by side: the ones named, or the best ones for the project described."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import common, formatting
from actions.answer import Answer, Line, send, text_answer
from actions.common import KnowledgeAction, latest_entity_values, profile_from
from actions.recommend import ActionRecommendProgramme, example_for
from knowledge import api
from knowledge.views import NeedProfile, StrandView


class ActionComparePrograms(KnowledgeAction):
    """"Quelle différence entre CERV et Erasmus+ ?" / "lequel pour 20 lycéens ?"."""

    def name(self) -> Text:
        return "action_compare_programmes"

    def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        day = common.today()
        profile = profile_from(tracker, tracker.get_slot("need"))
        strands = _unique([api.strand_for(value, profile) for value in latest_entity_values(tracker, "programme")])
        intro = "Comparaison :"
        if len(strands) < 2:
            # One or no programme named: compare with the best ones for the project described.
            ranked = [rec.strand for rec in api.recommend(profile, today=day)] if profile.describes_anything else []
            context = api.get_strand(tracker.get_slot("programme"))
            strands = _unique(strands + ranked + ([context] if context else []))[:2]
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
        best = _best_for_project(strands, profile, day)
        if best is not None:
            strands = [best] + [strand for strand in strands if strand.id != best.id]
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
        if best is not None:
            # "on doit demander à l'OFAJ ou au Fonds citoyen ?" for a described project: which one fits,
            # whom to call and who did it before, as in a recommendation.
            intro = f"Pour ce projet, le plus adapté est {best.short_name}. Comparaison :"
            contacts = api.contacts_for(best.id)
            example = example_for((best.id, best.programme_id), profile.country)
            if contacts:
                facts.append(Line(f"Contact ({best.short_name})", formatting.contact_short(contacts[0])))
            if example is not None:
                facts.append(Line(f"Exemple ({best.short_name})", formatting.example_text(example, marks=False)))
        if not all(verified for _, verified in blocks):
            facts.append(Line("À confirmer", "certains montants ou dates, sur les pages officielles."))
        send(dispatcher, Answer(title=intro, facts=tuple(facts)))
        return [SlotSet("programme", strands[0].id)]


def _best_for_project(strands: Sequence[StrandView], profile: NeedProfile, day) -> Optional[StrandView]:
    """The compared strand that fits the project described best (moved first), or None without a project."""
    if not profile.describes_anything:
        return None
    compared = {strand.id: strand for strand in strands}
    ranked = api.recommend(profile, today=day, limit=20, every_candidate=True)
    return next((compared[rec.strand.id] for rec in ranked if rec.strand.id in compared), None)


def _unique(strands: Sequence[Optional[StrandView]]) -> List[StrandView]:
    seen, result = set(), []
    for strand in strands:
        if strand is not None and strand.id not in seen:
            seen.add(strand.id)
            result.append(strand)
    return result
