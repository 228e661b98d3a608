"""Places read from a message by :func:`knowledge.geo.locate` (French communes and départements)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple


@dataclass(frozen=True)
class Place:
    """Another commune the user's words may designate (to ask "Brive-la-Gaillarde (19) ou ... ?")."""

    commune: str
    insee: str
    departement_code: str
    departement_name: str
    population: Optional[int]


@dataclass(frozen=True)
class Location:
    """A place resolved by :func:`knowledge.geo.locate`.

    ``commune``/``insee`` are None when the user named only a département. ``matched_by`` says how
    the text was read: ``postal_code``, ``departement_code``, ``departement_name`` or ``commune``.
    ``alternatives`` lists other communes the same words fit, most populated first.
    """

    departement_code: str
    departement_name: str
    region_code: str
    region_name: str
    matched_by: str
    commune: Optional[str] = None
    insee: Optional[str] = None
    postal_code: Optional[str] = None
    alternatives: Tuple[Place, ...] = ()

    @property
    def ambiguous(self) -> bool:
        """True when an alternative lies in another département: the assistant should ask."""
        return any(place.departement_code != self.departement_code for place in self.alternatives)
