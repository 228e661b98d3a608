"""Closed vocabularies shared by the YAML data, the ranking and the NLU (see docs/design.md)."""

from __future__ import annotations

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
