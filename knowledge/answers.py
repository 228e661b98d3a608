"""The answers of the eligibility check, in one table (:data:`ANSWERS`).

Each :class:`Answer` gives everything the project needs to know about one answer: what a rule
``check`` in ``programmes.yml`` may compare it with (``kind``, ``choices``), the form's question,
the short name used in the checker's explanations, the hint shown after a reply that was not
understood, and the quick replies. Derived from it: the rule schema (:mod:`knowledge.schema`), the
checker (:mod:`knowledge.eligibility`), :class:`ProjectAnswers`, the form and its questions
(``actions/eligibility.py``). ``tests/actions/test_eligibility_domain.py`` checks that
``domain.yml`` has a slot of the right type and a required form slot for each asked answer.

Adding a question: one :class:`Answer` here, in asking order; its slot and required slot in
``domain.yml``; its reading in ``actions/parsing.py`` if the message parser should find it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, make_dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Dict, Mapping, Optional, Tuple

YES_NO_BUTTONS = (("Oui", "/affirm"), ("Non", "/deny"))


@dataclass(frozen=True)
class Answer:
    """One answer of the eligibility check.

    ``kind`` is ``number``, ``bool``, ``list`` (ISO country codes) or ``choice`` (one of
    ``choices``, each with its French label). An answer with ``computed_from`` is never asked: the
    checker computes it from that asked answer (e.g. the number of countries).
    """

    name: str
    kind: str
    label: str  # short French name inside explanations ("Participants : 30 (exigé : au moins 50)")
    question: str = ""  # asked by the form; empty for computed answers
    hint: str = ""  # how to answer, shown when a reply was not understood
    choices: Mapping[str, str] = field(default_factory=dict)  # value -> French label
    buttons: Tuple[Tuple[str, str], ...] = ()  # quick replies: (title, payload)
    computed_from: Optional[str] = None

    @property
    def asked(self) -> bool:
        """True for the answers the user gives (and the form asks)."""
        return self.computed_from is None

    @property
    def slot_type(self) -> str:
        """The type of its Rasa slot in ``domain.yml``."""
        return {"number": "float", "bool": "bool", "list": "list", "choice": "text"}[self.kind]

    def accepts(self, value: Any) -> bool:
        """True when ``value`` is of this answer's kind (a slot may have been set from outside)."""
        if self.kind == "number":
            return isinstance(value, (int, float)) and not isinstance(value, bool)
        if self.kind == "bool":
            return isinstance(value, bool)
        if self.kind == "list":
            return isinstance(value, list) and all(isinstance(code, str) for code in value)
        return value in self.choices


# In asking order: who applies, with whom, what format, how many, how old, how long, when.
ANSWERS: Tuple[Answer, ...] = (
    Answer(
        "applicant_type", "choice", "Porteur de la demande",
        question=(
            "Qui déposerait la demande : la commune, le comité de jumelage, une association, "
            "un groupe informel, une école… ?"
        ),
        hint="Par exemple : « la commune », « le comité de jumelage » ou « une association ».",
        choices={
            "commune": "commune",
            # other local or regional authority: intercommunalité, département, région
            "collectivite": "autre collectivité locale ou régionale",
            "comite_jumelage": "comité de jumelage",
            "association_non_lucrative_representant_communes": "association sans but lucratif représentant des communes",
            "reseau_communes": "réseau de communes",
            "association": "association",  # any other non-profit association
            "groupe_informel": "groupe informel",
            "etablissement_scolaire": "établissement scolaire",
            "fondation": "fondation",
            "organisme_formation": "centre de formation ou institution scientifique",
            "economie_sociale": "acteur de l'économie sociale",
            "entreprise": "entreprise",
            "particulier": "particulier",
        },
    ),
    Answer(
        "partner_countries", "list", "Pays partenaires",
        question="Avec quelles villes partenaires, et de quels pays ?",
        hint="Par exemple : « avec la Pologne » ou « Allemagne et Italie ».",
    ),
    Answer(  # OFAJ: a visit to the partner town or a meeting in a third place
        "meeting_format", "choice", "Format de la rencontre",
        question="La rencontre aura-t-elle lieu chez le partenaire (visite) ou dans un lieu tiers ?",
        hint="Répondez « chez le partenaire » ou « dans un lieu tiers ».",
        choices={"visite": "visite chez le partenaire", "lieu_tiers": "rencontre dans un lieu tiers"},
        buttons=(("Chez le partenaire", "chez le partenaire"), ("Dans un lieu tiers", "dans un lieu tiers")),
    ),
    Answer(
        "participants", "number", "Participants",
        question="Combien de personnes participeront en tout ?",
        hint="Répondez par un nombre, par exemple « 60 personnes ».",
    ),
    Answer(
        "invited_participants", "number", "Participants invités venus de l'étranger",
        question="Combien d'entre elles viendront des villes partenaires à l'étranger ?",
        hint="Répondez par un nombre, par exemple « 30 invités ».",
    ),
    Answer(
        "min_age", "number", "Âge des plus jeunes",
        question="Quel âge auront les plus jeunes participants ?",
        hint="Répondez par un âge, par exemple « 15 ans ».",
    ),
    Answer(
        "max_age", "number", "Âge des plus âgés",
        question="Et quel âge auront les plus âgés ?",
        hint="Répondez par un âge, par exemple « 25 ans ».",
    ),
    Answer(
        "leaders_adult", "bool", "Accompagnateurs majeurs",
        question="Les accompagnateurs auront-ils tous au moins 18 ans ?",
        hint="Répondez par oui ou par non.",
        buttons=YES_NO_BUTTONS,
    ),
    Answer(
        "is_youth_only", "bool", "Projet réservé aux jeunes",
        question="Le projet s'adresse-t-il uniquement à des enfants ou à des jeunes ?",
        hint="Répondez par oui ou par non.",
        buttons=YES_NO_BUTTONS,
    ),
    Answer(
        "duration_days", "number", "Durée de la rencontre (jours)",
        question="Combien de jours durera la rencontre (voyage non compris) ?",
        hint="Répondez par un nombre de jours, par exemple « 5 jours ».",
    ),
    Answer(
        "duration_months", "number", "Durée du projet (mois)",
        question="Sur combien de mois s'étendra le projet, de la préparation au bilan ?",
        hint="Répondez par un nombre de mois, par exemple « 18 mois ».",
    ),
    Answer(
        "weeks_until_start", "number", "Délai avant le début (semaines)",
        question="Dans combien de semaines le projet commence-t-il ?",
        hint="Répondez par un nombre de semaines, par exemple « dans 8 semaines ».",
    ),
    # Computed by the checker from the partner countries, the home country included.
    Answer("countries_count", "number", "Nombre de pays (le vôtre compris)", computed_from="partner_countries"),
    Answer(
        "eu_countries_count", "number", "Nombre d'États membres de l'UE (le vôtre compris)",
        computed_from="partner_countries",
    ),
)

ANSWERS_BY_NAME: Mapping[str, Answer] = MappingProxyType({answer.name: answer for answer in ANSWERS})
# The answers the user gives, in asking order (one slot and one question of the form each).
ANSWER_ORDER: Tuple[str, ...] = tuple(answer.name for answer in ANSWERS if answer.asked)
# French label of every choice value ("comite_jumelage" -> "comité de jumelage").
CHOICE_LABELS_FR: Mapping[str, str] = MappingProxyType(
    {value: label for answer in ANSWERS for value, label in answer.choices.items()}
)


class _ProjectAnswersMethods:
    """Methods of :class:`ProjectAnswers` (its fields come from :data:`ANSWERS`)."""

    def __post_init__(self) -> None:
        # Slots and parsers give lists and lower-case codes; normalise once here.
        codes = getattr(self, "partner_countries")
        if codes is not None:
            codes = tuple(dict.fromkeys(c.strip().upper() for c in codes if c and c.strip()))
            object.__setattr__(self, "partner_countries", codes)
        object.__setattr__(self, "home_country", getattr(self, "home_country").strip().upper())

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> Any:
        """Build from a dict (slots, ``actions.parsing.parse_answers``); unknown keys and None are ignored."""
        names = set(getattr(cls, "__dataclass_fields__"))
        return cls(**{k: v for k, v in values.items() if k in names and v is not None})

    def as_dict(self) -> Dict[str, Any]:
        """The answers given so far (None fields left out)."""
        fields = getattr(self, "__dataclass_fields__")
        return {k: getattr(self, k) for k in fields if getattr(self, k) is not None}


_PYTHON_TYPES = {"number": int, "bool": bool, "list": Tuple[str, ...], "choice": str}

# What the user told us about the project: one optional field per asked answer (None = not asked
# yet), plus ``home_country``, the applicant's own country (a French commune by default), counted
# in ``countries_count``. ``partner_countries`` are the ISO alpha-2 codes of the partner towns'
# countries; ``weeks_until_start`` is the time left before the project starts.
if TYPE_CHECKING:

    class ProjectAnswers(_ProjectAnswersMethods):
        """What the type checker knows: the fields are made from the table at run time (below)."""

        home_country: str

        def __init__(self, **answers: Any) -> None: ...

        def __getattr__(self, name: str) -> Any: ...

else:
    ProjectAnswers = make_dataclass(
        "ProjectAnswers",
        [(a.name, Optional[_PYTHON_TYPES[a.kind]], None) for a in ANSWERS if a.asked]
        + [("home_country", str, "FR")],
        bases=(_ProjectAnswersMethods,),
        frozen=True,
        namespace={"__module__": __name__},
    )
    ProjectAnswers.__doc__ = "What the user told us about the project; every answer is optional (None = not asked yet)."


@dataclass(frozen=True)
class RuleResult:
    """How one rule applies to the project.

    ``outcome``: ``ok``, ``fails`` (verified rule not met), ``to_verify`` (rule not met but the rule
    itself is unverified or from an older call, so never a firm no) or ``unknown`` (an answer is
    missing or does not settle it). ``explanation_fr`` is ready to show.
    """

    rule_key: str
    text: str
    outcome: str
    explanation_fr: str
    source_url: Optional[str]
    call_year: Optional[int]
    verified: bool


@dataclass(frozen=True)
class EligibilityReport:
    """Eligibility of a project for one strand, rule by rule.

    ``verdict``: ``not_eligible`` if a verified rule fails, ``eligible`` if every checked rule is
    ``ok``, else ``unknown``. ``missing`` lists the answers still needed, in asking order.
    ``not_checked`` are the strand's rules the checker cannot assess (outcome ``to_verify``); they
    do not change the verdict, which therefore covers the checkable rules only.
    """

    strand_id: str
    verdict: str
    results: Tuple[RuleResult, ...]
    missing: Tuple[str, ...]
    not_checked: Tuple[RuleResult, ...] = ()
    official_url: Optional[str] = None

    @property
    def failing(self) -> Tuple[RuleResult, ...]:
        """Results that are firmly not met."""
        return tuple(r for r in self.results if r.outcome == "fails")

    @property
    def to_verify(self) -> Tuple[RuleResult, ...]:
        """Results not met by an unverified rule (to check on the official page)."""
        return tuple(r for r in self.results if r.outcome == "to_verify")
