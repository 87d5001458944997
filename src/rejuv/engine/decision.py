"""The decision policy (clinical-facts section 10, step 6), applied to the findings and the concerns.

The policy, in order:
1. any referral trigger -> refer;
2-3. remove the treatments a rule excludes; none left -> refer;
   one left -> it, if it addresses at least one concern, else refer;
6. several left -> the patient's informed leaning; else the only one with a primary indication; else a
   practical preference (fewer visits, low budget, short downtime) that only some options meet, when all
   such preferences point the same way; else `either`.

Two readings are made explicit here and documented in docs/decision-policy.md: options that address none of
the concerns are dropped before the "several left" step (so `prevention` alone gives refer, and a leaning
towards an option that does nothing for the concerns is not followed), and everything is written for any
number of treatments, although the recommendation contract's `decision` names only mesotherapy and PRP.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from rejuv.domain.intake import Intake
from rejuv.domain.recommendation import (
    Finding,
    OptionAssessment,
    Reason,
    Recommendation,
    Status,
    TraceStep,
)
from rejuv.engine.rules import compile_rules, screen
from rejuv.engine.units import format_quantity
from rejuv.knowledge.loader import KnowledgeBase
from rejuv.knowledge.schema import Treatment

_BUDGET_RANK = {"low": 0, "medium": 1, "high": 2}
_POLICY_CITATION = ("rejuv_clinical_defaults",)
_FIT_CACHE_LIMIT = 4096


@dataclass(frozen=True)
class _Fit:
    """A treatment's indications as sets, computed once per knowledge base (they are read for every intake)."""

    primary: frozenset[str]
    indicated: frozenset[str]
    citations: tuple[str, ...]


@dataclass(slots=True)  # one per intake: slotted for quicker construction and reads
class _Case:
    """Everything the policy steps read and write for one intake, so each step takes one argument."""

    intake: Intake
    kb: KnowledgeBase
    treatments: Sequence[Treatment]
    findings: tuple[Finding, ...]
    concerns: tuple[str, ...]
    addresses: dict[str, tuple[str, ...]]
    primary: dict[str, tuple[str, ...]]
    blocking: dict[str, list[Finding]]  # per treatment, the refer and exclude findings naming it
    cautions: dict[str, list[Finding]]  # per treatment, the caution findings naming it
    steps: list[TraceStep] = field(default_factory=list)
    reasons: dict[str, list[Reason]] = field(default_factory=dict)


def _fits(kb: KnowledgeBase) -> dict[str, _Fit]:
    cached = kb.cache.get("fits")
    if cached is None:
        cached = {
            t.id: _Fit(
                frozenset(t.indications.primary),
                frozenset(t.indications.primary) | frozenset(t.indications.secondary),
                tuple(t.indications.citations),
            )
            for t in kb.treatments.values()
        }
        kb.cache["fits"] = cached
    return cached


def _treatments(kb: KnowledgeBase) -> tuple[Treatment, ...]:
    """The base's treatments in order, as a tuple made once per base (read for every intake)."""
    cached = kb.cache.get("treatments")
    if cached is None:
        cached = kb.cache["treatments"] = tuple(kb.treatments.values())
    return cached


def _per_treatment(treatments: Sequence[Treatment], findings: Sequence[Finding]) -> dict[str, list[Finding]]:
    """For each treatment, the findings that name it, in their order."""
    return {t.id: [f for f in findings if t.id in f.treatments] for t in treatments}


def recommend(intake: Intake, kb: KnowledgeBase) -> Recommendation:
    """Screen the intake, apply the decision policy, and explain every step."""
    findings = screen(intake, kb)
    treatments = _treatments(kb)
    concerns, addresses, primary = _concern_fit(kb, intake.concern_ids)
    case = _Case(
        intake,
        kb,
        treatments,
        findings,
        concerns,
        addresses,
        primary,
        _per_treatment(treatments, [f for f in findings if f.effect == "refer" or f.effect == "exclude"]),
        _per_treatment(treatments, [f for f in findings if f.effect == "caution"]),
        [],
        {t.id: [] for t in treatments},
    )
    decision = _decide(case)
    options = tuple(_assess(case, t, decision) for t in treatments)
    return Recommendation(
        decision=decision,  # type: ignore[arg-type]
        summary=_summary(kb, decision, findings, case.steps),
        options=options,
        findings=findings,
        steps=tuple(case.steps),
        rules_evaluated=len(compile_rules(kb)),
        knowledge_version=kb.version,
        questions=_questions(kb, decision, options, findings),
    )


_ConcernFit = tuple[tuple[str, ...], dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]


def _concern_fit(kb: KnowledgeBase, concern_ids: tuple[str, ...]) -> _ConcernFit:
    """The concerns (repeats dropped) and, per treatment, those it addresses and those it treats first-line.

    They depend only on the concern list, so they are cached per base like the fit explanations (bounded the
    same way); the cached dictionaries are shared, so they are read and never changed.
    """
    cache: dict[tuple[str, ...], _ConcernFit] = kb.cache.setdefault("concern_fit", {})
    cached = cache.get(concern_ids)
    if cached is not None:
        return cached
    concerns = tuple(dict.fromkeys(concern_ids))
    fits = _fits(kb)
    addresses = {tid: tuple(c for c in concerns if c in fit.indicated) for tid, fit in fits.items()}
    primary = {tid: tuple(c for c in concerns if c in fit.primary) for tid, fit in fits.items()}
    if len(cache) >= _FIT_CACHE_LIMIT:
        cache.clear()
    cache[concern_ids] = result = (concerns, addresses, primary)
    return result


def _decide(case: _Case) -> str:
    intake, kb, treatments, findings = case.intake, case.kb, case.treatments, case.findings
    addresses, primary, blocking, steps, reasons = case.addresses, case.primary, case.blocking, case.steps, case.reasons
    referrals = [f.rule for f in findings if f.effect == "refer"]
    if referrals:
        steps.append(TraceStep("1 referral triggers", "refer: neither treatment now", tuple(referrals)))
        return "refer"
    steps.append(TraceStep("1 referral triggers", "none"))

    excluded_rules = tuple(dict.fromkeys(f.rule for f in findings if f.effect == "exclude"))
    remaining = [t for t in treatments if not blocking[t.id]]
    names = ", ".join(t.name for t in remaining) or "none"
    steps.append(TraceStep("2-3 exclusions", f"still possible: {names}", excluded_rules))
    candidates = [t for t in remaining if addresses[t.id]]
    if not remaining:
        return "refer"
    if not candidates:
        steps.append(TraceStep("5 fit", "no remaining treatment addresses any of the concerns: refer"))
        return "refer"
    steps.append(TraceStep("5 fit", "addresses the concerns: " + ", ".join(t.name for t in candidates)))
    if len(candidates) == 1:
        only = candidates[0]
        why = "the only treatment that is possible now" if len(remaining) == 1 else "the only one that fits"
        text = f"{only.name} is {why} and addresses {_concern_list(kb, addresses[only.id])}."
        reasons[only.id].append(Reason("decision_only_option", text, tuple(only.indications.citations)))
        steps.append(TraceStep("6 decision", f"{only.id}: {why}"))
        return only.id

    leaning = intake.prefs.leaning
    leaned = next((t for t in candidates if t.id == leaning), None)
    if leaned is not None:
        text = f"Both could suit you, and after learning about them you lean towards {leaned.name}."
        reasons[leaned.id].append(Reason("decision_leaning", text, _POLICY_CITATION))
        steps.append(TraceStep("6 decision", f"{leaned.id}: the patient's informed leaning"))
        return leaned.id
    if leaning not in (None, "none"):
        steps.append(TraceStep("6 leaning", f"not followed: {leaning} addresses none of the concerns"))

    with_primary = [t for t in candidates if primary[t.id]]
    if len(with_primary) == 1:
        chosen = with_primary[0]
        text = (
            f"{chosen.name} is a main treatment for {_concern_list(kb, primary[chosen.id])}; "
            "the other option is not a main treatment for any of your concerns."
        )
        reasons[chosen.id].append(Reason("decision_primary_only", text, tuple(chosen.indications.citations)))
        steps.append(TraceStep("6 decision", f"{chosen.id}: the only one with a primary indication"))
        return chosen.id

    chosen_id = _by_preferences(intake, candidates, steps, reasons)
    if chosen_id is not None:
        return chosen_id
    for t in candidates:
        text = "Both options suit you now and nothing in your answers separates them: the choice is yours."
        reasons[t.id].append(Reason("decision_either", text, _POLICY_CITATION))
    steps.append(TraceStep("6 decision", "either: nothing separates the options"))
    return "either"


def _by_preferences(
    intake: Intake, candidates: list[Treatment], steps: list[TraceStep], reasons: dict[str, list[Reason]]
) -> str | None:
    """The practical preferences that only some candidates meet; a decision only if they agree.

    Each preference's sentence is written only for the treatment finally chosen (the others are never shown).
    """
    prefs = intake.prefs
    pointing: list[tuple[str, set[str], Callable[[Treatment], Reason]]] = []

    def consider(name: str, meets: dict[str, bool], because: Callable[[Treatment], Reason]) -> None:
        winners = {tid for tid, ok in meets.items() if ok}
        if 0 < len(winners) < len(meets):
            pointing.append((name, winners, because))

    if prefs.visits == "fewer_visits":
        consider(
            "fewer_visits",
            {t.id: t.practical.few_visits for t in candidates},
            lambda t: Reason(
                "decision_preference",
                f"You prefer fewer visits: {t.practical.visits.text}",
                tuple(t.practical.visits.citations),
            ),
        )
    if prefs.budget is not None:
        rank = _BUDGET_RANK[prefs.budget]
        consider(
            "budget",
            {t.id: _BUDGET_RANK[t.practical.cost_band] <= rank for t in candidates},
            lambda t: Reason(
                "decision_preference",
                f"It fits your budget: {t.practical.cost.text}",
                tuple(t.practical.cost.citations),
            ),
        )
    if prefs.max_downtime_days is not None:
        limit = prefs.max_downtime_days
        consider(
            "max_downtime_days",
            {t.id: _typical_downtime(t) <= limit for t in candidates},
            lambda t: Reason(
                "decision_preference",
                f"Its usual recovery ({format_quantity(_typical_downtime(t), 'days')}) fits the "
                f"{format_quantity(limit, 'days')} you can allow.",
                tuple(t.downtime.days.citations),
            ),
        )
    if not pointing:
        steps.append(TraceStep("6 preferences", "no practical preference separates the options"))
        return None
    agreed = set.intersection(*(winners for _name, winners, _because in pointing))
    names = ", ".join(name for name, _w, _b in pointing)
    if len(agreed) != 1:
        steps.append(TraceStep("6 preferences", f"preferences ({names}) point different ways"))
        return None
    chosen = agreed.pop()
    treatment = next(t for t in candidates if t.id == chosen)
    for _name, _winners, because in pointing:
        reasons[chosen].append(because(treatment))
    steps.append(TraceStep("6 decision", f"{chosen}: practical preferences ({names}) all point to it"))
    return chosen


def _typical_downtime(treatment: Treatment) -> float:
    days = treatment.downtime.days
    value = days.typical if days.typical is not None else days.max if days.max is not None else days.min
    return float(value or 0)


def _assess(case: _Case, treatment: Treatment, decision: str) -> OptionAssessment:
    tid = treatment.id
    addresses, primary = case.addresses[tid], case.primary[tid]
    blocking, cautions = case.blocking[tid], case.cautions[tid]
    reasons: list[Reason] = [Reason(f.rule, f.text, f.citations) for f in blocking] if blocking else []
    reasons += _fit_reasons(case.kb, treatment, addresses, primary)
    reasons += case.reasons[tid]
    if cautions:
        reasons += [Reason(f.rule, f.text, f.citations) for f in cautions]

    status: Status
    if treatment.id == decision:
        status = "recommended"
    elif blocking:
        status = "excluded" if any(f.status == "excluded" for f in blocking) else "not_now"
    elif decision == "refer" or not addresses:
        status = "not_now"
    else:
        status = "caution" if cautions else "suitable"
    return OptionAssessment(treatment.id, treatment.name, status, addresses, primary, tuple(reasons))


def _fit_reasons(
    kb: KnowledgeBase, treatment: Treatment, addresses: tuple[str, ...], primary: tuple[str, ...]
) -> tuple[Reason, ...]:
    """Why a treatment fits the concerns (or not). Depends only on the concerns, so it is cached per base."""
    cache: dict[tuple[str, tuple[str, ...], tuple[str, ...]], tuple[Reason, ...]] = kb.cache.setdefault("fit", {})
    key = (treatment.id, addresses, primary)
    cached = cache.get(key)
    if cached is not None:
        return cached
    reasons: list[Reason] = []
    cites = _fits(kb)[treatment.id].citations
    secondary = tuple(c for c in addresses if c not in primary)
    if primary:
        text = f"{treatment.name} is a main treatment for {_concern_list(kb, primary)}."
        reasons.append(Reason("fit_primary", text, cites))
    if secondary:
        text = f"{treatment.name} may also help {_concern_list(kb, secondary)}."
        reasons.append(Reason("fit_secondary", text, cites))
    for note in treatment.indications.notes:
        if note.name in addresses:
            reasons.append(Reason(f"indication_note_{note.name}", note.text, tuple(note.citations)))
    if not addresses:
        text = f"{treatment.name} does not address any of the concerns you listed."
        reasons.append(Reason("fit_no_concern_addressed", text, cites))
    if len(cache) >= _FIT_CACHE_LIMIT:
        cache.clear()  # concerns come in any order and number: keep the cache bounded on a long-running server
    cache[key] = result = tuple(reasons)
    return result


def _concern_list(kb: KnowledgeBase, ids: Sequence[str]) -> str:
    labels = [kb.concerns[c].label.lower() if c in kb.concerns else c for c in ids]
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " and " + labels[-1]


def _lower_first(title: str) -> str:
    """Titles start a heading; inside a sentence only their first letter drops case (PRP stays PRP)."""
    return title[:1].lower() + title[1:]


def _summary(kb: KnowledgeBase, decision: str, findings: Sequence[Finding], steps: Sequence[TraceStep]) -> str:
    if decision == "refer":
        referrals = [_lower_first(f.title) for f in findings if f.effect == "refer"]
        if referrals:
            why = "; ".join(dict.fromkeys(referrals))
        else:
            exclusions = [_lower_first(f.title) for f in findings if f.effect == "exclude"]
            parts = [f"ruled out now: {'; '.join(dict.fromkeys(exclusions))}"] if exclusions else []
            if any(step.step == "5 fit" and "no remaining" in step.outcome for step in steps):
                parts.append("what remains does not treat the concerns you listed")
            why = "; ".join(parts)
        return f"Neither treatment should be done now ({why}). Talk to a qualified professional about what to do next."
    if decision == "either":
        return "Both treatments suit you now and nothing in your answers separates them. The choice is yours."
    name = kb.treatments[decision].name
    return f"{name} fits your answers best now. A qualified professional makes the final decision with you."


def _questions(
    kb: KnowledgeBase, decision: str, options: Sequence[OptionAssessment], findings: Sequence[Finding]
) -> tuple[str, ...]:
    """Questions to take to the consultation, so the person arrives ready to decide with the clinician."""
    questions = []
    if decision == "refer":
        questions.append("What needs to happen before a treatment could be considered, and who should I see?")
    open_options = [o for o in options if o.status in {"recommended", "suitable", "caution"}]
    for option in open_options:
        questions.append(
            f"For {option.name}: how many sessions do you suggest for me, how far apart, and what will the whole "
            "course cost?"
        )
    if any(o.treatment == "prp" for o in open_options):
        questions.append("How will my blood be prepared, and will you record the platelet count of the PRP?")
    if any(o.treatment == "mesotherapy" for o in open_options):
        questions.append("Which product will you inject, what is in it, and does it come in a single-use vial?")
    questions.append("What result can I really expect, and how will we measure it (photos, a rating scale)?")
    questions.append("What are the risks for me, and whom do I call if something worries me after a session?")
    open_ids = {o.treatment for o in open_options}
    for finding in findings:
        if finding.effect == "caution" and open_ids & set(finding.treatments):
            questions.append(f"About “{finding.title}”: what will you do to keep me safe?")
    return tuple(questions)
