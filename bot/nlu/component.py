"""What the message reader's components share."""

from __future__ import annotations

from typing import Any, Dict, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, ENTITY_ATTRIBUTE_TYPE
from rasa.shared.nlu.training_data.message import Message


class Stateless(GraphComponent):
    """A component with nothing to train, configure or store: Rasa creates it as is."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        return cls()


# An entity a named scheme implies: it tells the project's country or kind, but says nothing of a
# project the message would describe ("Comment fonctionne le Fonds citoyen ?" describes none).
IMPLIED = "implied"


def entity_types(message: Message) -> set:
    """The types of the entities the message says (not those a named scheme implies)."""
    return {entity.get(ENTITY_ATTRIBUTE_TYPE) for entity in message.get(ENTITIES) or [] if not entity.get(IMPLIED)}


def entity_values(message: Message, entity_type: str) -> set:
    """The values of the message's entities of one type, implied ones included."""
    return {entity.get("value") for entity in message.get(ENTITIES) or [] if entity.get(ENTITY_ATTRIBUTE_TYPE) == entity_type}


def partner_countries(message: Message) -> set:
    """The partner countries the message names (ISO codes, France left out)."""
    return {str(code).upper() for code in entity_values(message, "country")} - {"FR"}


def add_entity(message: Message, entity_type: str, value: str, **extra: Any) -> None:
    """Add an entity the message reader derived (no span of its own)."""
    derived = {"entity": entity_type, "value": value, "start": 0, "end": 0, "extractor": "PartnerTownReader", **extra}
    message.set(ENTITIES, [*(message.get(ENTITIES) or []), derived], add_to_output=True)
