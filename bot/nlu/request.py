"""The request: the intent checked against the project the message describes."""

from __future__ import annotations

import re
from typing import List, Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_RANKING_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from actions.parsing import normalize
from actions.words_fr import SAME_PROJECT
from bot.nlu.component import Stateless, entity_types, entity_values, partner_countries
from bot.nlu.social import only_a_place, social_reading
from bot.nlu.words import COMPARES, FUNDING_INTENTS, PROGRAMME_QUESTIONS, TWINNING
from knowledge.vocabulary import MINOR_AUDIENCES, PROFILE_ENTITIES

# Intents a story or a letter is wrongly read as when it asks for funding for a described project.
_DISTRACTED = {
    "goodbye", "thank", "greet", "affirm", "deny", "out_of_scope", "nlu_fallback", "ask_capabilities",
    "inform_location", "ask_europe_direct", "check_eligibility", "ask_twinning_setup", "ask_what_is_twinning",
    "bot_challenge", "stop", "ask_human",
}
# "Ça rentre dans quoi ?", "vers quoi se tourner ?", "y a un programme pour ça ?": which scheme fits.
_WHICH_SCHEME = (r"(?:rentre|rentrerait|entre) (?:dans|ds) quoi|(?:dans|ds) quelle case|(?:financable|finance|finances)"
                 r" par quoi|vers quoi (?:se|nous|me) tourner"
                 r"|(?:un|des) (?:programmes?|dispositifs?) (?:pour|pr) (?:ca|cela|nous|ce projet|ce genre)"
                 r"|financable|subventionnable")
# A request for money: "aide" only as a noun of funding ("quelles aides", "une aide européenne"),
# never the verb ("l'AFCCRE aide-t-elle à trouver une ville jumelle ?").
_ASKS_FOR_MONEY = re.compile(
    r"\b(?:financ\w*|cofinanc\w*|subvention\w*|fonds|budget|payer|paie|paye|prise en charge|prendre en charge|argent"
    r"|thunes?|(?:des|les|de) sous|(?:quelles?|des|une|les|d'|aucune|d'autres) ?aides?(?!-)|aides? (?:europeennes?|financieres?|de l'europe)"
    r"|soutien financier|programmes? europeens?|dispositifs?|appels? a projets?"
    r"|quels? (?:programmes?|financements?|dispositifs?)"
    # "L'Union européenne peut-elle nous aider ?", "que leur conseiller ?" (a relayed project)
    r"|(?:l'union europeenne|l'europe|l'ue|bruxelles) (?:peut|pourrait)(?:[- ](?:elle|il))? (?:nous |les |leur )?aider"
    r"|(?:que|quoi) (?:leur|lui|nous|me) (?:conseiller|proposer|recommander)"
    rf"|{_WHICH_SCHEME})\b"
)
# "je voudrais parler à quelqu'un": a person, whatever project the message describes.
_WANTS_A_PERSON = re.compile(r"\b(?:quelqu'un|une personne|une vraie personne|un humain|un etre humain|un conseiller"
                             r"|une conseillere|un interlocuteur|une interlocutrice)\b")
_DESCRIBES_PROJECT = re.compile(
    r"\b(?:jumel\w*|ville (?:jumelle|partenaire|amie)|commune (?:jumelle|partenaire)|echanges?|rencontres?|delegations?"
    r"|sejours?|voyages?|accueillir|recevoir|inviter|projets?)\b"
)
# "Ça change quelque chose (pour le programme) ?": a detail of the project under discussion, to re-rank.
_CHANGES_ANYTHING = re.compile(r"\b(?:ca|cela|c|est-ce que ca) (?:change|changerait|changera) (?:quelque chose|qqch|quoi|rien)\b")
# Readings that a new detail of the project under discussion is mistaken for ("Ah non, ce sera juste
# avec Fano, en Italie", "et pour l'Italie ? on a aussi un jumelage avec Lucca").
_DETAIL_MISREAD = {"goodbye", "thank", "affirm", "deny", "ask_what_is_twinning"}
_FOLLOW_UP = re.compile(r"^(?:et|mais|ok|bon|sinon|d'accord)\b[ ,]*(?:si on le faisait |si c'etait )?(?:pour|avec|en|au|aux)\b")
# A follow-up that only moves the project elsewhere, however unsure the classifier was of it.
_FOLLOW_UP_FROM = {*FUNDING_INTENTS, "nlu_fallback"}
_WHO_MANAGES = re.compile(
    r"\b(?:qui gere|gere par qui|geres? par qui|qui s'occupe|qui pilote|gestionnaire"
    # "qui pourrait nous conseiller pour monter le dossier ?": whom to address, not the check
    r"|qui (?:pourrait|peut|pourra|saurait|pourrait-il) (?:nous |m'|me |les |leur )?(?:conseiller|accompagner|renseigner|orienter)"
    r"|(?:a|aupres de) qui (?:s'adresser|nous adresser|demander conseil)|aupres de qui|a qui (?:deposer|envoyer|adresser)"
    # "ils peuvent m'aider à remplir le dossier ou il faut voir quelqu'un d'autre ?"
    r"|(?:peuvent|pourraient|peut|pourrait)[- ](?:ils|elles|il|elle) (?:m'|nous )?aider|voir quelqu'un d'autre)\b")
# A request for the funding itself, not for a detail of a programme.
_ASKS_TO_FUND = re.compile(
    r"\b(?:financer|financement|financements|subventionner|subventions?|qui (?:finance|paie|paye)|quels? programmes?"
    r"|(?:quelles?|des|une) aides?(?!-)|aides? (?:europeennes?|financieres?)|(?:quelles?|des|d'autres) pistes?"
    rf"|{_WHICH_SCHEME})\b"
)
# "Where can I get help near me": the only reading that sends the user to a Europe Direct centre.
# Naming a centre is not asking for one: "je travaille au centre Europe Direct de Rennes" introduces
# the Europe Direct agent who relays a commune's question.
_ASKS_WHERE = re.compile(
    r"\b(?:pres de (?:chez|nous|moi|eux)|proches?|a cote|le plus pres|dans (?:mon|notre|leur|le|la) (?:departement|coin"
    r"|secteur|region|ville)|ou (?:trouver|s'adresser|aller|est|se trouve)|localis\w*|quels? centres?"
    r"|(?:le|un) centre (?:le plus|de mon|de notre|pres|proche|dans))\b"
)
_PROJECT_ENTITIES = set(PROFILE_ENTITIES)
# "Notre commune est jumelée avec Třeboň. On pensait organiser un échange entre habitants." A project
# with the twin town, stated and nothing asked: what the user wants from this assistant is its funding.
_TWINNED = re.compile(
    r"\b(?:jumelee?s? avec|(?:est|sommes|sont|etes) jumel\w*|(?:notre|nos|leur|leurs) (?:villes?|communes?) jumelles?"
    r"|(?:notre|nos) jumel(?:le|les)|nos jumeaux|(?:ville|commune) jumelle (?:de|d')|nos amis (?:de|d')"
    r"|(?:deux|trois|quatre|cinq|\d+) (?:villes|communes) jumelles)")
# What asks for an example: "un exemple", "qui l'a déjà fait", "un cas concret", "d'autres communes".
_ASKS_EXAMPLE = re.compile(
    r"\b(?:exemples?|deja (?:fait|obtenu|finance|eu|monte|realise|beneficie)|l'ont fait|l'a fait|cas concrets?"
    r"|retours? d'experience|d'autres (?:communes|villes|comites)|qui a (?:deja|eu|obtenu))\b")
# Several towns without naming their countries: "avec nos trois jumelles", "un réseau", "plusieurs villes".
_NETWORK_WORDS = re.compile(r"\b(?:reseaux?|plusieurs (?:villes|communes)|(?:trois|quatre|cinq|six) (?:villes|communes|jumelles)"
                            r"|toutes nos (?:villes )?jumelles|nos (?:autres )?jumelles)\b")
# A question about what a programme is or does.
_WHAT_IS = re.compile(r"\b(?:sert a quoi|servent a quoi|c'est quoi|qu'est-ce que c'est|qu'est ce que c'est|comment (?:ca )?"
                      r"(?:fonctionne|marche)|a quoi (?:ca )?sert|c'est pour qui|c'est (?:uniquement|seulement) pour)\b")
# "C'est trop tard ?", "on s'y prend à temps ?": when to apply.
_ASKS_TIMING = re.compile(r"\b(?:trop tard|a temps|dans les temps|encore temps|pas trop tot|trop tot|s'y prend\w*"
                          r"|quand (?:deposer|candidater|faut-il deposer)|combien de temps avant|a quel moment)\b")
# What asks for a figure at all.
_FIGURE_WORDS = re.compile(r"\b(?:combien|nombre|chiffres?|statistiques?|pourcentage|proportion|beaucoup de|la plupart)\b")
# "Combien y a-t-il de…", "le nombre de…": a figure.
_HOW_MANY = re.compile(r"\b(?:combien (?:y a-t-il|y a t il|de (?:communes|villes|centres|jumelages|projets|collectivites))"
                       r"|nombre de (?:communes|villes|centres|jumelages|projets|collectivites))\b")
# Readings of a short question that mean the classifier did not know.
_UNSURE = {"nlu_fallback", "affirm", "deny", "inform", "thank", "greet"}
_WHO_IS = re.compile(r"\b(?:ce que c'est|c'est qui|qui est|qui sont|c'est quoi|qu'est-ce que (?:le|la|les|l')"
                     r"|qu'est ce que (?:le|la|les|l'))")
# Above this confidence the classifier's funding reading stands, grounded in the message or not.
_SURE = 0.8
_LEARNERS = {"scolaires", "enseignants", "adultes"}
_CLIMATE_THEMES = {"climat", "energie", "ville_intelligente", "mobilite", "environnement"}
# "C'est possible ?", "est-ce faisable ?": whether the project stated can be done (funded, here).
_FEASIBLE = re.compile(r"\b(?:c'est|c|est-ce|est ce|ce serait|serait-ce) (?:possible|faisable|jouable|envisageable)\s*\?")
# Creating a twinning, or finding a partner: the AFCCRE's question, however long the story around it.
_SETS_UP = re.compile(
    r"\b(?:jumeler (?:la|notre|ma|une) commune|trouver une (?:ville|commune) (?:jumelle|partenaire)|trouver une jumelle"
    r"|(?:creer|monter|lancer|demarrer) (?:un|notre|notre premier|le) jumelage|se jumeler|chercher une (?:ville|commune)"
    r" (?:jumelle|partenaire)|relancer (?:un|notre|le) jumelage|premier jumelage)\b")
_STATEMENT_MISREAD = {"ask_twinning_setup", "out_of_scope", "nlu_fallback", "ask_what_is_twinning", "ask_capabilities"}



# "Are WE eligible to CERV?" asks for the eligibility check of the user's own project; "who can apply
# to CERV?" asks about the programme.
_ABOUT_US = re.compile(
    r"\b(?:on|qu ?on|nous|notre|nos|sommes[- ]nous|peut[- ]on|pourrait[- ]on|pouvons[- ]nous|serions[- ]nous|ma|mon"
    # "une commune de 600 habitants peut-elle candidater ?": a case described, the user's own
    r"|(?:une|un) (?:petite |petit )?(?:commune|ville|village|association|asso|comite) de \d[\d ]*(?:habitants|membres|adherents))\b"
)
# "peut-on y participer", "nos jeunes peuvent-ils demander…", "est-ce qu'on peut avoir Erasmus+ pour…"
_CAN_WE = (r"(?:peut|peuvent|pourrait|pourraient|pouvons|pourrions)(?:[- ](?:on|il|elle|ils|elles))?"
           r" (?:y )?(?:participer|candidater|postuler|demander|deposer|avoir|obtenir)")
# The terms of eligibility that both readings below share.
_ELIGIBILITY_TERMS = (r"el+igib\w*|criteres|pretendre|remplit|remplissons|rentre(?:ons)? dans les (?:cases|clous)"
                      r"|recevables?|admissibles?|(?:rentre|entre|rentrerait|entrerait) dans le cadre|beneficier")
_ELIGIBLE = re.compile(
    rf"\b(?:{_ELIGIBILITY_TERMS}|conditions"
    # "ça passe pour le CERV ?", "notre dossier tient ?", "on a une chance au Fonds citoyen ?"
    r"|(?:ca|il|elle|on|dossier|projet) (?:passe|passerait|tient|tiendrait)|(?:a|ait|aurait|avons) (?:une|nos|des) chances?"
    rf"|faire partie|{_CAN_WE})\b"
)
# A project told at some length: more than a detail added to the one under discussion.
_STORY_MIN_WORDS = 15
# The words of eligibility itself (not "peut-on demander", which may ask what to apply for).
_ELIGIBLE_WORDS = re.compile(
    rf"\b(?:{_ELIGIBILITY_TERMS}|(?:avons|aurions|a|aurait)(?:[- ](?:nous|t-on|on|t-il|t-elle))? droit|concernes?"
    r"|(?:peut|pourrait|pouvons|pourrions)[- ](?:on|nous) (?:y )?(?:candidater|postuler)|ca passe|conformes? aux)\b")
# "éligibles à quoi ?", "à quels programmes ?": which programme fits, a recommendation.
_WHICH_ONE = re.compile(r"\b(?:a quoi|de quoi|quels?|quelles?|lesquels|lesquelles|lequel|laquelle|auxquel\w*|desquel\w*"
                        r"|(?:les|des) (?:dispositifs|programmes|aides|financements))\b")
# "on peut avoir combien ?": the amount, not the check.
_ASKS_AMOUNT = re.compile(r"\b(?:combien|montant|somme)\b")
# "On peut demander combien ?", "combien peut-on toucher ?", "quel montant ?": the money for the
# project, not a national figure.
_ASKS_OUR_AMOUNT = re.compile(
    r"\b(?:(?:on|nous) (?:peut|pourrait|pourra|peuvent|pouvons) (?:demander|toucher|obtenir|avoir|recevoir|esperer) combien"
    r"|combien (?:(?:on|nous) )?(?:peut|pourrait|pourra|pouvons|peuvent)(?:[- ](?:on|nous))? (?:demander|toucher|obtenir|avoir"
    r"|recevoir|esperer)|quel montant|combien d'argent|(?:demander|toucher|obtenir) combien)\b")
# "c'est 30 000 ou 60 000 ?", "5 000 € c'est le maximum ?": amounts quoted, not people counted.
_QUOTES_AMOUNT = re.compile(r"\b\d{1,3}(?:[  .]?000)+\b(?! (?:habitants|personnes|participants|jeunes|visiteurs))"
                            r"|\b\d+ ?(?:€|euros?|k€|keur)")
_ELIGIBILITY_FROM = {"ask_programme_eligibility", "ask_programme_info", "ask_programme_how_to_apply", "nlu_fallback",
                     *FUNDING_INTENTS}


def corrected_intent(message: Message) -> Optional[str]:
    """The intent a distracted reading should give way to, else None (keep the NLU's).

    A funding request for a described project gets its funding intent; a question whether the
    user's own project is eligible to a named programme starts the eligibility check.
    """
    intent = (message.get(INTENT) or {}).get("name")
    text = normalize(message.get(TEXT) or "")
    types = entity_types(message)
    reading = social_reading(intent, text, types) or _programme_detail(intent, text, types)
    if reading:
        return reading
    if (intent in _ELIGIBILITY_FROM and "programme" in types and _ELIGIBLE.search(text) and _ABOUT_US.search(text)
            and not _ASKS_AMOUNT.search(text)):
        return "check_eligibility"
    if intent == "inform" and len(text.split()) >= _STORY_MIN_WORDS and types & _PROJECT_ENTITIES and _ASKS_TO_FUND.search(text):
        # "Nous coordonnons un projet associant des municipalités de Slovénie, de Croatie… quel programme ?"
        return _best_funding_intent(message, skip="inform")
    if (intent in FUNDING_INTENTS and "programme" not in types and _ELIGIBLE_WORDS.search(text) and _ABOUT_US.search(text)
            and not _WHICH_ONE.search(text) and not _ASKS_AMOUNT.search(text)):
        return "check_eligibility"  # "notre projet remplit-il les critères ?": the check (it asks which programme)
    if intent in FUNDING_INTENTS and "programme" in types and _WHAT_IS.search(text) and not _ASKS_FOR_MONEY.search(text):
        return "ask_programme_info"  # "les « villes jumelles » de la mission climat, qu'est-ce que c'est exactement ?"
    if (intent in FUNDING_INTENTS and intent != "ask_funding" and (message.get(INTENT) or {}).get("confidence", 1) < _SURE
            and not _supported(intent, message)):
        return _best_funding_intent(message, skip=intent)  # "climate" heard in a project on disability, say
    if intent in ("inform", "nlu_fallback") and not types and only_a_place(message.get(TEXT) or ""):
        return "inform_location"  # "Guingamp, 22200", "on est à côté de Figeac": where the user is
    if (intent == "ask_funding_youth_exchange" and not _supported(intent, message)
            and "erasmus_plus" not in entity_values(message, "programme")):
        # However sure the classifier is, a youth exchange needs young people: a message that names
        # none ("faire venir nos amis de Ponte da Barca, une trentaine") is a funding request whose
        # public the conversation or the project's profile decides.
        return "ask_funding"
    if intent == "compare_programmes" and not COMPARES.search(text) and len(entity_values(message, "programme")) < 2:
        # A comparison needs two things to compare, or words that compare: else the next reading, itself
        # checked like any other (an unsure one is a fallback).
        following = next((c for c in message.get(INTENT_RANKING_KEY) or []
                          if c.get("name") not in ("compare_programmes", "nlu_fallback")), None)
        if following is None or (following.get("confidence") or 0) < MIN_GUESS_CONFIDENCE:
            following = {"name": "nlu_fallback", "confidence": 0.0}
        reread = corrected_intent(Message(data={**message.data, INTENT: following}))
        if reread is None and following["name"] == "nlu_fallback" and types & _PROJECT_ENTITIES:
            return _best_funding_intent(message)  # a project told, and no other reading to speak of
        return reread or following["name"]
    if intent in ("ask_twinning_figures", "nlu_fallback") and _ASKS_OUR_AMOUNT.search(text):
        return "ask_programme_amount"  # "une asso de Cottbus, une quinzaine de bénévoles. On peut demander combien ?"
    if (intent in _UNSURE | {"check_eligibility"} and "?" in text and "programme" not in types
            and not types & _PROJECT_ENTITIES and _QUOTES_AMOUNT.search(text)):
        return "ask_programme_amount"  # "c'est 30 000 ou 60 000 c'est ça ? comment on choisit ?"
    if intent == "ask_twinning_figures" and not _FIGURE_WORDS.search(text) and types & _PROJECT_ENTITIES and (
            _DESCRIBES_PROJECT.search(text) or "activity" in types):
        return _best_funding_intent(message)  # a project told, no figure asked ("un atelier réparation avec Cottbus")
    if intent == "ask_funding_franco_german" and not _names_germany(message) and not text.startswith("/"):
        # Nothing German in the message (no country, town or Franco-German scheme): the classifier
        # guessed; the next funding reading decides.
        return _best_funding_intent(message, skip="ask_funding_franco_german")
    if intent == "ask_funding" and not types & _PROJECT_ENTITIES and TWINNING.search(text):
        # "quelles aides européennes existent pour les jumelages ?": the twinning scheme, then details.
        return "ask_funding_twinning"
    if intent in _UNSURE and not types and _CHANGES_ANYTHING.search(text):
        return "inform"  # "et ce serait du 12 au 15 mai, ça change quelque chose ?": a detail of the project
    if intent == "nlu_fallback" and "country" in types and SAME_PROJECT.search(text):
        return "inform"  # "exactement pareil avec nos jumeaux italiens, l'OFAJ marcherait ?": the same project there
    if intent in _FOLLOW_UP_FROM and types and types <= {"country"} and _FOLLOW_UP.match(text):
        return "inform"  # "et pour l'Italie ? on a aussi un jumelage avec Lucca": the same project, elsewhere
    if (intent == "check_eligibility" and "programme" not in types and not _ELIGIBLE.search(text)
            and _FOLLOW_UP.match(text)):
        return "inform"  # "et pour nos U15, même chose ?": a detail of the project under discussion
    if intent == "ask_funding_network_of_towns" and not _network_possible(message):
        # "la même table ronde avec notre autre ville jumelle, en Italie": one partner is no network.
        return _best_funding_intent(message, skip=intent)
    if intent == "ask_example" and not _ASKS_EXAMPLE.search(text) and types & _PROJECT_ENTITIES and (
            _DESCRIBES_PROJECT.search(text) or _ASKS_FOR_MONEY.search(text)):
        # A project told at length ("cinq villes … un travail de mémoire partagé") asks for no example.
        return _best_funding_intent(message)
    if intent in _UNSURE and "?" in text and not types & _PROJECT_ENTITIES:
        # A short question the classifier was unsure of, in the conversation about a programme.
        if _ASKS_TIMING.search(text):
            return "ask_programme_deadline"  # "on s'y prend fin avril pour une marche mi-juin, c'est trop tard ?"
        if _HOW_MANY.search(text):
            return "ask_twinning_figures"  # "Combien y a-t-il de centres Europe Direct en France ?"
        if _ASKS_EXAMPLE.search(text):
            return "ask_example"  # "ya des communes françaises qui l'ont fait ?"
    if (intent in PROGRAMME_QUESTIONS | {"check_eligibility", "nlu_fallback"}
            or intent in FUNDING_INTENTS and not types & _PROJECT_ENTITIES) and _WHO_MANAGES.search(text):
        return "ask_contact"  # "c'est géré par qui au niveau européen ?": whom to address
    if (intent not in ("ask_europe_direct", "inform_location") and "europe direct" in text
            and (_ASKS_WHERE.search(text) or re.search(r"\bpres d", text))):
        return "ask_europe_direct"  # "où trouver un centre Europe Direct près de chez eux ?"
    if (intent in PROGRAMME_QUESTIONS or intent == "ask_contact" and "contact" not in types) and (
            "programme" not in types and _ASKS_TO_FUND.search(text)):
        # "Y a-t-il un programme pour financer notre semaine culturelle avec Mantoue ?" names no
        # programme: it asks which one funds the project (a recommendation), when it describes one.
        if types & _PROJECT_ENTITIES or _DESCRIBES_PROJECT.search(text):
            return _best_funding_intent(message)
        return None
    if intent not in _DISTRACTED:
        return None
    if "national_scheme" in types:
        return None  # a French national scheme: out of scope, said so by the actions
    if intent == "ask_human" and _WANTS_A_PERSON.search(text):
        return None
    if intent in ("inform_location", "ask_europe_direct") and _ASKS_WHERE.search(text):
        return None
    if intent == "check_eligibility" and "programme" in types and types & _PROJECT_ENTITIES and not _ELIGIBLE.search(text):
        # "le « CERV jumelage » pour nos 50 ans avec Bitonto : comment ça marche ?", "un projet entre nos
        # deux écoles, c possible avec erasmus ?": what fits this project, no rule-by-rule check asked.
        return _best_funding_intent(message)
    if intent == "check_eligibility" and "programme" in types and (_ELIGIBLE.search(text) or not types & _PROJECT_ENTITIES):
        # "sommes-nous éligibles au CERV ?": the check for that programme. "Une aide Erasmus pour
        # l'échange de classes avec Valence ?" asks what fits the project: the recommendation.
        return None
    if intent in {"ask_capabilities", "out_of_scope", "nlu_fallback"} and _SETS_UP.search(text):
        return "ask_twinning_setup"  # "j'avais promis de jumeler la commune […] Par où commencer ?"
    if intent == "ask_europe_direct" and not _ASKS_WHERE.search(text) and entity_values(message, "contact") - {"europe_direct"}:
        return "ask_contact"  # "c'est qui l'AFCCRE ?": that organisation, not a centre near me
    if intent == "nlu_fallback" and "contact" in types and not types & {"country", "activity"} and (
            _WHAT_IS.search(text) or _WHO_IS.search(text)):
        return "ask_contact"  # "ce que c'est le CIDEM", "c'est qui l'AFCCRE ?": the organisation, its role
    if intent == "nlu_fallback" and "programme" in types and _WHAT_IS.search(text):
        # "L'OFAJ, ça sert à quoi ? C'est seulement pour les échanges scolaires ?": about the programme.
        return next((c["name"] for c in message.get(INTENT_RANKING_KEY) or [] if c.get("name") in PROGRAMME_QUESTIONS),
                    "ask_programme_info")
    describes = bool(types & _PROJECT_ENTITIES or _DESCRIBES_PROJECT.search(text))
    if (intent in _STATEMENT_MISREAD and {"activity", "country"} <= types and _TWINNED.search(text)
            and ("?" not in text or _FEASIBLE.search(text))):
        return _best_funding_intent(message)
    if intent == "nlu_fallback" and types & _PROJECT_ENTITIES and _DESCRIBES_PROJECT.search(text):
        # An unsure reading of a clear project ("Rencontre d'habitants avec Dillingen en mai. Quel
        # programme ?") still gets a recommendation.
        return _best_funding_intent(message)
    if not _ASKS_FOR_MONEY.search(text):
        # "on se rabat sur Wendlingen en Allemagne, même projet": a new detail of the project under
        # discussion, which the recommendation re-ranks (inform), not a goodbye.
        if intent in _DETAIL_MISREAD and types & _PROJECT_ENTITIES and describes:
            return "inform"
        return None
    if not describes:
        return None
    return _best_funding_intent(message)


# Below this confidence a funding intent of the ranking says nothing: the project's profile decides.
MIN_GUESS_CONFIDENCE = 0.1


# A detail of a programme named, asked as such ("Les Réseaux de villes, c'est combien par projet ?").
_DETAIL_ASKED = (
    ("ask_programme_amount", re.compile(r"\b(?:c'est combien|combien par (?:projet|an|participant)|quel montant|montants?)\b")),
    ("ask_programme_deadline", re.compile(r"\b(?:prochain appel|prochains appels|date limite|dates limites|jusqu'a quand"
                                          r"|quand (?:deposer|candidater|postuler)|calendrier)\b")),
    ("ask_programme_how_to_apply", re.compile(r"\b(?:procedure|demarches?|comment (?:deposer|candidater|postuler|faire la demande)"
                                              r"|par ou (?:je|on|nous) passe|formulaire|dossier de candidature)\b")),
    ("ask_programme_eligibility", re.compile(r"\b(?:peu(?:t|vent)(?:[- ](?:il|elle|ils|elles))? (?:etre partenaires?|candidater"
                                             r"|postuler|participer)|qui peut|quel age|age minimum|age maximum)\b")),
)
# "Combien de partenaires…", "quelle part des jumelages…": a national figure.
_SHARE_OF = re.compile(r"\b(?:quelle part|quelle proportion|combien de (?:partenaires|jumelages|communes|villes))\b")


def _programme_detail(intent: Optional[str], text: str, types: set) -> Optional[str]:
    """A funding reading of a question about one detail of a programme (its amount, call, procedure, rules)."""
    if intent in (*FUNDING_INTENTS, "ask_programme_amount") and _SHARE_OF.search(text) and not _ASKS_TO_FUND.search(text):
        return "ask_twinning_figures"  # "quelle part des jumelages concerne l'Allemagne ?"
    if intent not in FUNDING_INTENTS or _ASKS_TO_FUND.search(text) or _ABOUT_US_PROJECT.search(text) and "?" not in text:
        return None
    if types & {"audience", "country", "theme"} and "programme" not in types:
        return None  # a project described: what funds it, whatever detail it asks besides
    for question, pattern in _DETAIL_ASKED:
        if pattern.search(text) and (question != "ask_programme_eligibility" or "programme" in types):
            return question
    return None


_ABOUT_US_PROJECT = re.compile(r"\b(?:notre|nos) (?:projet|comite|commune|association)\b")


def _names_germany(message: Message) -> bool:
    return "DE" in partner_countries(message)


def _network_possible(message: Message) -> bool:
    """A network of towns is a reading the message must allow: not one partner country without a network."""
    return (len(partner_countries(message)) != 1 or "reseau" in entity_values(message, "activity")
            or bool(_NETWORK_WORDS.search(normalize(message.get(TEXT) or ""))))


def _supported(intent: str, message: Message) -> bool:
    """Whether the message gives a reason for this funding guess (a guess must be grounded in what it says)."""
    publics, programmes = entity_values(message, "audience"), entity_values(message, "programme")
    if intent == "ask_funding_network_of_towns":
        return _network_possible(message)
    if intent == "ask_funding_youth_exchange":
        return bool(publics & MINOR_AUDIENCES or programmes & {"ofaj", "european_solidarity_corps"})
    if intent == "ask_funding_education_training":
        return bool(publics & _LEARNERS or entity_values(message, "activity") & {"formation", "cocreation"}
                    or "education" in entity_values(message, "theme") or "erasmus_plus" in programmes)
    if intent == "ask_funding_climate_cities":
        return bool(entity_values(message, "theme") & _CLIMATE_THEMES or "horizon_cities_mission" in programmes)
    if intent == "ask_funding_franco_german":
        return _names_germany(message)
    return True


def _best_funding_intent(message: Message, skip: Optional[str] = None) -> str:
    """The first funding intent of the classifier's ranking that the message supports, or the generic one.

    A corrected reading is a guess: "youth exchange" for a message that names no young people, or
    "climate" with no climate in it, would steer the recommendation on nothing.
    """
    for candidate in message.get(INTENT_RANKING_KEY) or []:
        if candidate.get("name") == skip or not _supported(candidate.get("name") or "", message):
            continue
        if candidate.get("name") in FUNDING_INTENTS:
            return candidate["name"] if (candidate.get("confidence") or 0) >= MIN_GUESS_CONFIDENCE else "ask_funding"
    return "ask_funding"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class RequestCheck(Stateless):
    """Gives a funding request for a described project its funding intent (see :func:`corrected_intent`)."""

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = corrected_intent(message)
            if intent is None:
                continue
            ranking = message.get(INTENT_RANKING_KEY) or []
            confidence = next((c.get("confidence") for c in ranking if c.get("name") == intent), None)
            previous = (message.get(INTENT) or {}).get("name")
            message.set(INTENT, {"name": intent, "confidence": confidence or 0.5, "corrected_from": previous},
                        add_to_output=True)
        return messages
