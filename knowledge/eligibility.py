"""Rule-by-rule eligibility check of a project against a strand (pure functions, no database).

The rules and their machine-checkable conditions come from ``programmes.yml`` (``check`` and
``applies_if`` of each rule, validated by :class:`knowledge.schema.Check`); the strand's
``eligible_countries`` block is checked too, as a pseudo-rule keyed ``eligible_countries``.
:func:`knowledge.api.check_eligibility` and :func:`knowledge.api.required_answers` load the strand
and call :func:`evaluate` / :func:`answers_needed` here.

Outcomes of one rule:

* ``ok`` – every condition holds;
* ``fails`` – a condition does not hold and the rule is verified: a firm "no";
* ``to_verify`` – a condition does not hold but the rule is unverified (older call, third-party
  source): never a firm "no", the user must check the official page;
* ``unknown`` – an answer is missing, or does not settle the rule (e.g. a plain "association" for
  a strand open only to associations representing communes).

Verdict: ``not_eligible`` if any rule ``fails``; ``eligible`` if every checked rule is ``ok``;
else ``unknown``. Rules without ``check`` are listed in ``not_checked`` and do not change the
verdict: "eligible" means "meets every rule we can check".
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from knowledge.answers import (
    ANSWER_ORDER,
    ANSWERS,
    ANSWERS_BY_NAME,
    CHOICE_LABELS_FR,
    EligibilityReport,
    ProjectAnswers,
    RuleResult,
)
from knowledge.views import CheckView, RuleView, StrandView

COUNTRY_RULE_KEY = "eligible_countries"

# code -> (French name, status) as returned by the countries table.
Countries = Mapping[str, Tuple[str, str]]


def answer_labels_fr(answers: Optional[Iterable[str]] = None) -> Dict[str, str]:
    """Return the French question to ask for each answer name (all answers when ``answers`` is None).

    Example: ``answer_labels_fr(["participants"])`` ->
    ``{"participants": "Combien de personnes participeront en tout ?"}``.
    """
    names = ANSWER_ORDER if answers is None else tuple(answers)
    return {name: ANSWERS_BY_NAME[name].question for name in names}


# ----------------------------------------------------------------------------- answers needed


def _raw(answer: str) -> str:
    return ANSWERS_BY_NAME[answer].computed_from or answer


def _rule_answers(rule: RuleView) -> List[str]:
    checks = list(rule.checks) + ([rule.applies_if] if rule.applies_if else [])
    return [_raw(check.answer) for check in checks]


def _ordered(names: Iterable[str]) -> Tuple[str, ...]:
    wanted = set(names)
    return tuple(name for name in ANSWER_ORDER if name in wanted)


def answers_needed(strand: StrandView) -> Tuple[str, ...]:
    """Return the answers the strand's checkable rules use, in asking order (raw answers only)."""
    if not is_checkable(strand):
        return ()
    names = [answer for rule in strand.rules for answer in _rule_answers(rule)]
    if strand.eligible_countries.rule != "any":
        names.append("partner_countries")
    return _ordered(names)


def is_checkable(strand: StrandView) -> bool:
    """True when at least one rule of the strand has a machine-checkable condition."""
    return any(rule.checks for rule in strand.rules)


# --------------------------------------------------------------------------------- evaluation


def _validate(answers: ProjectAnswers) -> None:
    for answer in ANSWERS:
        value = getattr(answers, answer.name) if answer.kind == "choice" else None
        if value is not None and value not in answer.choices:
            raise ValueError(f"unknown {answer.name} '{value}' (allowed: {', '.join(answer.choices)})")


def _values(answers: ProjectAnswers, countries: Countries) -> Dict[str, Any]:
    """Raw answers plus the computed ones (None when their input is missing)."""
    values = {name: getattr(answers, name) for name in ANSWER_ORDER}
    values["countries_count"] = values["eu_countries_count"] = None
    if answers.partner_countries is not None:
        involved = {answers.home_country, *answers.partner_countries}
        values["countries_count"] = len(involved)
        # Unknown codes are not counted as EU members: the country pseudo-rule flags them.
        values["eu_countries_count"] = sum(
            1 for code in involved if countries.get(code, ("", ""))[1] == "member"
        )
    return values


def _label(answer: str) -> str:
    return ANSWERS_BY_NAME[answer].label


def _number(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _show(answer: str, value: Any, countries: Countries) -> str:
    if isinstance(value, bool):
        return "oui" if value else "non"
    if answer == "partner_countries":
        return ", ".join(countries.get(code, (code, ""))[0] for code in value) or "aucun"
    if isinstance(value, str):
        return CHOICE_LABELS_FR.get(value, value)
    return _number(value)


def _requirement(check: CheckView, countries: Countries) -> str:
    value, op = check.value, check.op
    if op in ("in", "not_in"):
        labels = ", ".join(CHOICE_LABELS_FR.get(v, v) for v in value)
        return ("l'un de : " if op == "in" else "aucun de : ") + labels
    if op == "contains":
        return f"{countries.get(value, (value, ''))[0]} parmi eux"
    shown = _show(check.answer, value, countries)
    return {
        ">=": f"au moins {shown}",
        "<=": f"au plus {shown}",
        ">": f"plus de {shown}",
        "<": f"moins de {shown}",
        "==": shown,
        "!=": f"autre que {shown}",
    }[op]


def _holds(op: str, actual: Any, expected: Any) -> bool:
    if op == ">=":
        return actual >= expected
    if op == "<=":
        return actual <= expected
    if op == ">":
        return actual > expected
    if op == "<":
        return actual < expected
    if op == "==":
        return actual == expected
    if op == "!=":
        return actual != expected
    if op == "in":
        return actual in expected
    if op == "not_in":
        return actual not in expected
    if op == "contains":
        return expected in actual
    raise ValueError(f"unknown op '{op}'")  # schema.Check rejects it first


# A condition's state: True / False, "missing" (answer not given) or "unclear" (cannot decide).
def _test(check: CheckView, values: Mapping[str, Any]) -> Union[bool, str]:
    actual = values.get(check.answer)
    if actual is None:
        return "missing"
    if check.unclear and actual in check.unclear:
        return "unclear"
    return _holds(check.op, actual, check.value)


def _describe(check: CheckView, values: Mapping[str, Any], countries: Countries) -> str:
    actual = _show(check.answer, values[check.answer], countries)
    return f"{_label(check.answer)} : {actual} (exigé : {_requirement(check, countries)})"


def _describe_all(checks: Sequence[CheckView], values: Mapping[str, Any], countries: Countries, ok: bool = False) -> str:
    """Describe conditions, merging ``>=``/``<=`` on one answer into "entre a et b"."""
    parts = []
    seen = set()
    for check in checks:
        if check.answer in seen:
            continue
        same = [c for c in checks if c.answer == check.answer]
        low = next((c for c in same if c.op == ">="), None)
        high = next((c for c in same if c.op == "<="), None)
        name = _label(check.answer)
        actual = _show(check.answer, values[check.answer], countries)
        if low is not None and high is not None and len(same) == 2:
            bounds = f"entre {_show(check.answer, low.value, countries)} et {_show(check.answer, high.value, countries)}"
            parts.append(f"{name} : {actual} (exigé : {bounds})")
        elif ok and len(same) == 1 and check.op == "in":
            parts.append(f"{name} : {actual} (accepté)")  # the full list is only useful on failure
        else:
            parts.extend(_describe(c, values, countries) for c in same)
        seen.add(check.answer)
    return " ; ".join(parts)


def _missing_names(checks: Sequence[CheckView]) -> List[str]:
    return list(_ordered(_raw(c.answer) for c in checks))


def _unverified_suffix(rule_year: Optional[int]) -> str:
    origin = f" (lue pour l'appel {rule_year})" if rule_year else ""
    return f" — règle non vérifiée{origin} : à vérifier sur la page officielle."


def _result(rule: RuleView, outcome: str, explanation: str) -> RuleResult:
    return RuleResult(
        rule_key=rule.key,
        text=rule.text,
        outcome=outcome,
        explanation_fr=explanation,
        source_url=rule.sources[0].url if rule.sources else None,
        call_year=rule.call_year,
        verified=rule.verified,
    )


def _evaluate_rule(
    rule: RuleView, values: Mapping[str, Any], countries: Countries
) -> Optional[Tuple[RuleResult, List[str]]]:
    """Return the rule's result and the answers it still needs, or None when it does not apply."""
    condition_state: Union[bool, str] = True
    if rule.applies_if is not None:
        condition_state = _test(rule.applies_if, values)
        if condition_state is False:
            return None  # e.g. the OFAJ visit group size for a meeting in a third place

    states = [(check, _test(check, values)) for check in rule.checks]
    failed = [check for check, state in states if state is False]
    missing = [check for check, state in states if state == "missing"]
    unclear = [check for check, state in states if state == "unclear"]
    # Describe a failing bound together with its other bound ("entre 16 et 60").
    failed_answers = {check.answer for check in failed}
    failed_all = [check for check in rule.checks if check.answer in failed_answers]

    if failed and condition_state is True:
        parts = _describe_all(failed_all, values, countries)
        if rule.verified:
            return _result(rule, "fails", f"Non conforme : {parts}."), []
        return _result(rule, "to_verify", f"Ne semble pas conforme : {parts}{_unverified_suffix(rule.call_year)}"), []
    if missing or unclear or failed:
        needed = _missing_names(missing)
        pieces = []
        if missing:
            pieces.append("il manque : " + ", ".join(_label(c.answer).lower() for c in missing))
        for check in unclear:
            note = f" ; {check.unclear_note.rstrip('.')}" if check.unclear_note else ""
            pieces.append(f"à préciser : {_describe(check, values, countries)}{note}")
        condition = rule.applies_if  # set whenever condition_state is not True
        if condition_state == "missing" and condition is not None:
            needed += _missing_names([condition])
        if failed and condition is not None:  # only when applicability is unknown: the rule may not concern this project
            pieces.append(
                "cela dépend de : " + _label(condition.answer).lower()
                + " (" + _describe_all(failed_all, values, countries) + ")"
            )
        text = "Impossible de conclure : " + " ; ".join(pieces) + "."
        return _result(rule, "unknown", text[0].upper() + text[1:]), needed
    parts = _describe_all([c for c, _ in states], values, countries, ok=True)
    suffix = "" if rule.verified else " (règle non vérifiée)"
    return _result(rule, "ok", f"Conforme : {parts}{suffix}."), []


def _country_rule(strand: StrandView, answers: ProjectAnswers, countries: Countries) -> Optional[Tuple[RuleResult, List[str]]]:
    """The strand's ``eligible_countries`` block as a rule on ``partner_countries``."""
    block = strand.eligible_countries
    if block.rule == "any":
        return None
    listed = [countries.get(code, (code, ""))[0] for code in block.countries]
    text = block.note or (
        f"Pays partenaire : {', '.join(listed)}." if block.rule == "list"
        else "Pays partenaires : États membres de l'UE ou pays associés au programme."
    )
    rule = RuleView(
        key=COUNTRY_RULE_KEY, text=text, value=None, unit=None, call_year=None,
        verified=block.verified, sources=block.sources,
    )
    partners = answers.partner_countries
    if partners is None:
        return _result(rule, "unknown", "Impossible de conclure : il manque : pays partenaires."), ["partner_countries"]
    shown = _show("partner_countries", partners, countries)
    if block.rule == "list":
        if any(code in block.countries for code in partners):
            return _result(rule, "ok", f"Conforme : pays partenaires : {shown}."), []
        problem = f"pays partenaires : {shown} (exigé : {' ou '.join(listed)})"
    else:
        outside = [
            code for code in partners
            if countries.get(code, ("", ""))[1] != "member" and code not in block.countries
        ]
        if not outside:
            return _result(rule, "ok", f"Conforme : pays partenaires : {shown}."), []
        names = _show("partner_countries", outside, countries)
        problem = f"{names} : hors UE, éligible seulement s'il est associé au programme"
        if not block.verified:
            # Our notes do not list the associated countries: only the call document can say.
            return _result(
                rule, "to_verify",
                f"À vérifier : {problem} — la liste des pays associés est dans le document de l'appel.",
            ), []
    if block.verified:
        return _result(rule, "fails", f"Non conforme : {problem}."), []
    return _result(rule, "to_verify", f"Ne semble pas conforme : {problem}{_unverified_suffix(None)}"), []


def evaluate(strand: StrandView, answers: ProjectAnswers, countries: Countries) -> EligibilityReport:
    """Check a project against every machine-checkable rule of a strand.

    Args:
        strand: the strand, with its rules' ``checks``.
        answers: what the user said (missing answers give ``unknown`` results).
        countries: ``{code: (French name, status)}`` from the countries table.

    Returns:
        The report: verdict, one result per applicable checked rule (country rule first),
        the missing answers in asking order, and the rules that cannot be checked.

    Raises:
        ValueError: ``applicant_type`` or ``meeting_format`` outside the vocabulary of
            :mod:`knowledge.schema`.
    """
    _validate(answers)
    values = _values(answers, countries)
    # Strands without any check (e.g. KA210 today) get no result at all rather than a lone country line.
    evaluated = [_country_rule(strand, answers, countries)] if is_checkable(strand) else []
    evaluated += [_evaluate_rule(rule, values, countries) for rule in strand.rules if rule.checks]
    applying = [item for item in evaluated if item is not None]
    results = tuple(result for result, _ in applying)
    missing = _ordered(name for _, needed in applying for name in needed)

    outcomes = {result.outcome for result in results}
    if "fails" in outcomes:
        verdict = "not_eligible"
    elif results and is_checkable(strand) and outcomes == {"ok"}:
        verdict = "eligible"
    else:
        verdict = "unknown"

    not_checked = tuple(
        _result(rule, "to_verify", "Règle que je ne peux pas vérifier moi-même : à contrôler dans le document de l'appel.")
        for rule in strand.rules
        if not rule.checks
    )
    return EligibilityReport(
        strand_id=strand.id,
        verdict=verdict,
        results=results,
        missing=missing,
        not_checked=not_checked,
        official_url=strand.official_url,
    )
