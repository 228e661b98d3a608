"""Partner towns abroad: named without their country, they still give it; never read as French communes."""

from __future__ import annotations

import pytest

from knowledge import api
from knowledge.towns import foreign_towns


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Notre comité veut inviter nos amis de Ravensburg", [("Ravensburg", "DE")]),
        # French names of towns abroad.
        ("un échange avec Ratisbonne et Varsovie", [("Regensburg", "DE"), ("Warsaw", "PL")]),
        ("notre ville jumelle est Timișoara", [("Timişoara", "RO")]),
        # A French commune's name is the foreign town only when the message places it abroad.
        ("nos amis de Valence en Espagne viennent en mai", [("Valencia", "ES")]),
        ("je suis à Valence, où est le centre Europe Direct ?", []),
        ("Pour notre fête, Notre comité", []),
    ],
)
def test_foreign_towns(text, expected):
    assert [(town.name, town.country) for town in foreign_towns(text)] == expected


def test_a_partner_town_is_not_where_the_user_is(knowledge_url):
    # Tulle is the user's commune; Schorndorf, its partner, is not a French commune to locate.
    answer = api.nearest_europe_direct("Nous sommes à Tulle, jumelée avec Schorndorf")
    assert answer is not None and answer.departement_code == "19"
    assert api.nearest_europe_direct("nos amis de Ravensburg arrivent") is None
