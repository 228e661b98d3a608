"""The Analyser page: the reply to paste first, as an e-mail; every project of an inquiry answered."""

from __future__ import annotations

import html as html_module
import re

from actions.recommend import recommendation_reply
from console.email_reply import (
    SIGNATURE,
    ProjectReply,
    compose_email,
    excerpt,
    message_text,
    reply_messages,
)
from console.projects import split_inquiry
from tests.console.conftest import TODAY, form_token, login
from tests.support.console_stand_ins import KeywordParser

TWO_PROJECTS = """Bonjour,

Notre commune de Saint-Yrieix est jumelée depuis 1992 avec une ville d'Allemagne. Nous avons deux projets pour 2027 :
1) un échange de jeunes de 15 à 17 ans avec notre ville jumelle, l'été prochain ;
2) un réseau de villes sur le climat avec des communes d'Italie.

Merci d'avance pour votre aide.
Cordialement,
Marie Dupont, secrétaire de mairie"""


async def _ask(client, question: str) -> str:
    await login(client)
    response = await client.post("/console/ask", data={"question": question, "csrf": await form_token(client)})
    assert response.status == 200
    return await response.text()


def _email(html: str) -> str:
    return html_module.unescape(re.search(r'<pre class="reply">(.*?)</pre>', html, re.S).group(1))


async def _own_reply(piece: str, slots: dict) -> str:
    """What the assistant itself answers to ``piece`` (the same answer path, the same stand-in NLU)."""
    parse = await KeywordParser()(piece)
    reply = recommendation_reply(parse, slots, parse["intent"]["name"], TODAY)
    return compose_email([ProjectReply(piece, reply_messages(reply))]).split("\n\n", 2)[2].rsplit("\n\nJe reste", 1)[0]


async def test_the_reply_is_an_email_an_agent_signs_and_comes_first(make_client):
    client = await make_client(parser=KeywordParser())
    html = await _ask(client, "Une rencontre des habitants avec notre ville jumelle polonaise : quel financement ?")
    email = _email(html)
    assert email.startswith("Bonjour,\n\nMerci pour votre message.\n\n")
    assert email.endswith("Bien cordialement,\n\n" + SIGNATURE)
    assert "[Prénom Nom]" in email
    assert "CERV – Jumelage de villes" in email
    # first on the page: before the form, what the assistant understood and the programmes weighed
    start = html.index('<pre class="reply">')
    assert start < html.index('<textarea id="question"') < html.index("Intention :") < html.index('class="card candidate"')


async def test_an_inquiry_with_two_projects_gets_each_answered(make_client):
    parser = KeywordParser()
    client = await make_client(parser=parser)
    html = await _ask(client, TWO_PROJECTS)
    email = _email(html)
    # each piece was read; the greeting, the introduction and the signature are not projects
    assert TWO_PROJECTS in parser.texts and len(parser.texts) == 1 + len(split_inquiry(TWO_PROJECTS))
    assert "Vous nous présentez deux projets : voici notre réponse pour chacun." in email
    youth = "1) un échange de jeunes de 15 à 17 ans avec notre ville jumelle, l'été prochain ;"
    network = "2) un réseau de villes sur le climat avec des communes d'Italie."
    first = email.index("1. Votre projet « un échange de jeunes de 15 à 17 ans avec notre ville jumelle, l'été prochain »")
    second = email.index("2. Votre projet « un réseau de villes sur le climat avec des communes d'Italie »")
    assert first < second
    # each project is answered by the assistant's own answer path; the introduction's country
    # (Germany) is the context of the project that names none
    youth_reply = await _own_reply(youth, {"country": "DE"})
    network_reply = await _own_reply(network, {"country": "DE"})
    assert youth_reply != network_reply
    assert email.index(youth_reply) > first and email.index(network_reply) > second
    assert "CERV – Réseaux de villes" in email[second:]
    # the reasoning of each project follows, in order
    assert html.count('<section class="project"') == 2
    assert "Projet 1 : ce que l'assistant comprend" in html and "Projet 2 : ce que l'assistant comprend" in html
    assert html.count("Pays partenaire : DE") == 1 and "Pays partenaire : IT" in html


async def test_one_project_told_in_several_paragraphs_gets_one_answer(make_client):
    client = await make_client(parser=KeywordParser())
    email = _email(await _ask(client, "Bonjour,\n\nNous préparons un échange de jeunes avec l'Allemagne.\n\n"
                                      "Les jeunes ont entre 14 et 17 ans.\n\nMerci, cordialement"))
    assert "projets" not in email and "Votre projet «" not in email
    assert email.startswith("Bonjour,\n\nMerci pour votre message.\n\n")


async def test_without_the_nlu_the_whole_inquiry_is_answered_once(make_client):
    from tests.console.conftest import StubParser

    client = await make_client(parser=StubParser(None, status="Aucun modèle entraîné."))
    html = await _ask(client, TWO_PROJECTS)
    assert html.count('<section class="project"') == 1 and "Analyse NLU indisponible" in html


def test_split_inquiry_finds_paragraphs_items_and_inline_enumerations():
    assert split_inquiry(TWO_PROJECTS)[2:4] == [
        "1) un échange de jeunes de 15 à 17 ans avec notre ville jumelle, l'été prochain ;",
        "2) un réseau de villes sur le climat avec des communes d'Italie.",
    ]
    assert split_inquiry("Premier projet : des jeunes en juillet. Deuxième projet : un réseau sur le climat.") == [
        "Premier projet : des jeunes en juillet.", "Deuxième projet : un réseau sur le climat."]
    assert split_inquiry("Nous voulons 1) un échange de jeunes 2) une rencontre d'habitants.") == [
        "Nous voulons", "1) un échange de jeunes", "2) une rencontre d'habitants."]
    # a number in a sentence is not an enumeration; a line that continues an item stays with it
    assert split_inquiry("Une rencontre pour 2) personnes") == ["Une rencontre pour 2) personnes"]
    assert split_inquiry("- un échange\n  de jeunes\n- une rencontre") == ["- un échange de jeunes", "- une rencontre"]


def test_messages_of_any_shape_read_as_plain_text():
    assert message_text({"text": "Quel est votre projet ?", "buttons": [
        {"title": "Échange de jeunes", "payload": "/ask_funding_youth_exchange"},
        {"title": "Page officielle", "payload": "https://example.eu/x"}]}) == (
        "Quel est votre projet ?\n• Échange de jeunes\nPage officielle : https://example.eu/x")
    structured = {"custom": {"type": "answer", "title": "CERV – Jumelage de villes",
                             "facts": [{"label": "Montant", "value": "jusqu'à 60 000 €"},
                                       {"label": "Contact", "value": {"label": "CIDEM", "url": "https://cidem.org"}}],
                             "details": {"summary": "Ce qu'il finance", "text": "Des rencontres entre habitants."},
                             "sources": [{"label": "page officielle", "url": "https://ec.europa.eu/x", "id": "s1"}]}}
    assert message_text(structured) == (
        "CERV – Jumelage de villes\nMontant : jusqu'à 60 000 €\nContact : CIDEM : https://cidem.org\n"
        "Ce qu'il finance\nDes rencontres entre habitants.\npage officielle : https://ec.europa.eu/x")
    # the text is what every channel shows: a payload beside it is that text's richer twin
    assert message_text({"text": "Bonjour", "custom": {"title": "Autre chose"}}) == "Bonjour"
    assert message_text({"json_message": ["un", "deux"]}) == "• un\n• deux"


def test_excerpt_keeps_the_first_words_without_the_enumeration_mark():
    assert excerpt("2) une rencontre des habitants ;") == "une rencontre des habitants"
    long = excerpt("un échange " * 30)
    assert len(long) <= 91 and long.endswith("…") and not long.endswith(" …")


def test_named_links_are_written_out_for_an_email():
    text = ("Contact : [CIDEM](https://cervfr.org/) ; [écrire](mailto:contact@cidem.org?subject=Jumelage)\n"
            "Sources : [page officielle](https://ec.europa.eu/x), vérifiée le 26 novembre 2026")
    assert message_text({"text": text}) == (
        "Contact : CIDEM (https://cervfr.org/) ; écrire (contact@cidem.org)\n"
        "Sources : page officielle (https://ec.europa.eu/x), vérifiée le 26 novembre 2026")
    # the answer model as a payload: title, facts with their labels, details
    answer = {"answer": {"title": "CERV – Jumelage de villes", "summary": "CERV – Jumelage de villes",
                         "facts": [{"label": "Montant", "text": "8 455 € à 50 745 €"},
                                   {"label": "", "text": "Un appel par an."}],
                         "details_title": "Détails et sources",
                         "details": [{"label": "Sources", "text": "[page officielle](https://ec.europa.eu/x)"}]}}
    assert message_text({"json_message": answer}) == (
        "CERV – Jumelage de villes\nMontant : 8 455 € à 50 745 €\nUn appel par an.\nDétails et sources\n"
        "Sources : page officielle (https://ec.europa.eu/x)")
