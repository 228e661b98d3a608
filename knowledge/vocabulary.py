"""Closed vocabularies shared by the YAML data, the ranking and the NLU (see docs/design.md)."""

from __future__ import annotations

from typing import Dict, Tuple

NEEDS = (
    "twinning_meeting",
    "network_of_towns",
    "youth_exchange",
    "education_training",
    "climate_cities",
    "franco_german",
    "cross_border",
    "youth_participation",
)

# The need each funding intent of the NLU expresses (docs/design.md).
INTENT_NEEDS = {
    "ask_funding_twinning": "twinning_meeting",
    "ask_funding_network_of_towns": "network_of_towns",
    "ask_funding_youth_exchange": "youth_exchange",
    "ask_funding_education_training": "education_training",
    "ask_funding_climate_cities": "climate_cities",
    "ask_funding_franco_german": "franco_german",
}

# The entities that describe a project (beside the need): its public, partner country, theme, activity.
PROFILE_ENTITIES = ("audience", "country", "theme", "activity")

AUDIENCES = (
    "jeunes",
    "scolaires",
    "enfants",
    "citoyens",
    "elus",
    "agents",
    "seniors",
    "benevoles",
    "enseignants",
    "adultes",
    "associations",
)
# The publics under age: the youth schemes are theirs, and they meet their peers in an exchange.
MINOR_AUDIENCES = frozenset({"jeunes", "enfants", "scolaires"})
# Set by the message reader on a young people's project at home (no partner abroad, no trip): the
# partner country and the trip of the conversation so far are not this project's.
HOME_PROJECT = "home_project"
# Activities that take people to the partner town (or bring the partner's here).
TRAVEL_ACTIVITIES = frozenset({"echange", "rencontre", "visite", "mobilite"})

THEMES = (
    "climat",
    "environnement",
    "energie",
    "ville_intelligente",
    "mobilite",
    "inclusion",
    "memoire",
    "culture",
    "patrimoine",
    "valeurs_europeennes",
    "democratie",
    "egalite",
    "solidarite",
    "sport",
    "education",
    "numerique",
    "sante",
    "intergenerationnel",
)

ACTIVITIES = (
    "echange",
    "rencontre",
    "atelier",
    "formation",
    "reseau",
    "conference",
    "visite",
    "festival",
    "mobilite",
    "transfrontalier",
    "cocreation",
)

# Topics a contact can help with; actions ask for contacts by topic.
CONTACT_TOPICS = (
    "cerv_help",
    "twinning_setup",
    "partner_search",
    "eu_info",
    "human",
    "erasmus_help",
    "ofaj_help",
    "fonds_citoyen_help",
    "horizon_help",
)

CONTACT_DETAIL_KINDS = ("url", "email", "phone", "address")

COUNTRY_STATUSES = ("member", "candidate", "other")

# How a strand restricts the partner country.
COUNTRY_RULES = (
    "eu_and_associated",  # EU members, plus the listed associated countries
    "list",  # only the listed countries (e.g. DE for the Franco-German schemes)
    "any",  # the partner country does not matter
)

FACT_TOPICS = ("key_figure", "twinning_definition", "twinning_benefit")

# Accent-less French forms of the countries in knowledge/data/countries.yml (+ CH); a trailing
# plural "s" is accepted when matching.
COUNTRY_FORMS: Dict[str, Tuple[str, ...]] = {
    "FR": ("france", "francais", "francaise"),
    "DE": ("allemagne", "allemand", "allemande", "germany", "deutschland", "rfa", "franco-allemand", "franco-allemande"),
    "AT": ("autriche", "autrichien", "autrichienne"),
    "BE": ("belgique", "belge", "wallonie", "flandre"),
    "BG": ("bulgarie", "bulgare"),
    "HR": ("croatie", "croate"),
    "CY": ("chypre", "chypriote", "cypriote"),
    "CZ": ("republique tcheque", "tchequie", "tcheque"),
    "DK": ("danemark", "danois", "danoise"),
    "EE": ("estonie", "estonien", "estonienne"),
    "FI": ("finlande", "finlandais", "finlandaise"),
    "GR": ("grece", "grec", "grecque"),
    "HU": ("hongrie", "hongrois", "hongroise"),
    "IE": ("irlande", "irlandais", "irlandaise"),
    "IT": ("italie", "italien", "italienne", "franco-italien", "franco-italienne"),
    "LV": ("lettonie", "letton", "lettone", "lettonne"),
    "LT": ("lituanie", "lituanien", "lituanienne"),
    "LU": ("luxembourg", "luxembourgeois", "luxembourgeoise"),
    "MT": ("malte", "maltais", "maltaise"),
    "NL": ("pays-bas", "pays bas", "hollande", "neerlandais", "neerlandaise", "hollandais", "hollandaise"),
    "PL": ("pologne", "polonais", "polonaise", "franco-polonais", "franco-polonaise"),
    "PT": ("portugal", "portugais", "portugaise"),
    "RO": ("roumanie", "roumain", "roumaine"),
    "SK": ("slovaquie", "slovaque"),
    "SI": ("slovenie", "slovene"),
    "ES": ("espagne", "espagnol", "espagnole", "franco-espagnol", "franco-espagnole"),
    "SE": ("suede", "suedois", "suedoise"),
    "AL": ("albanie", "albanais", "albanaise"),
    "BA": ("bosnie-herzegovine", "bosnie", "bosnien", "bosnienne", "bosniaque"),
    "GE": ("georgie", "georgien", "georgienne"),
    "MD": ("moldavie", "moldave"),
    "ME": ("montenegro", "montenegrin", "montenegrine"),
    "MK": ("macedoine du nord", "macedoine", "macedonien", "macedonienne"),
    "RS": ("serbie", "serbe"),
    "TR": ("turquie", "turc", "turque"),
    "UA": ("ukraine", "ukrainien", "ukrainienne"),
    "XK": ("kosovo", "kosovar", "kosovare"),
    "GB": ("royaume-uni", "royaume uni", "angleterre", "ecosse", "pays de galles", "anglais", "anglaise", "britannique"),
    "NO": ("norvege", "norvegien", "norvegienne"),
    "IS": ("islande", "islandais", "islandaise"),
    "LI": ("liechtenstein",),
    "CH": ("suisse",),
}
COUNTRY_CODES_BY_FORM: Dict[str, str] = {
    form: code for code, forms in COUNTRY_FORMS.items() for form in forms
}
