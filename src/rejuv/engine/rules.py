"""Compile the knowledge base's rules once, then screen intakes against them.

Compiling resolves each rule's check function, the parameter values in force, the treatments it applies
to and its sentence template, and refuses anything that does not fit (unknown check, unknown argument,
wrong number of parameters, a placeholder nobody fills). It runs once per knowledge base, so screening an
intake is just calling small predicates.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from rejuv.domain.errors import KnowledgeError
from rejuv.domain.intake import Intake
from rejuv.domain.recommendation import Finding, ParameterRead
from rejuv.engine.checks import CHECKS, CheckFn, Facts, Hit, RuleInput
from rejuv.engine.units import format_quantity
from rejuv.knowledge.loader import KnowledgeBase
from rejuv.knowledge.schema import Rule

_FIXED_PLACEHOLDERS = {"value", "threshold"}


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    fn: CheckFn
    input: RuleInput
    treatments: tuple[str, ...]
    params: tuple[float, ...]
    units: tuple[str, ...]
    reads: tuple[ParameterRead, ...]
    formatted: dict[str, str]  # parameter id -> "14 days", and "threshold" (the first), for sentence templates
    citations: tuple[str, ...]  # the rule's and its parameters' sources, deduplicated
    unverified: bool  # the rule or a parameter it reads is marked [GK?] in the domain reference
    needs: frozenset[str] | None  # answers without which the check cannot fire (None: always run)
    needs_one_of: frozenset[str] | None  # listed items of which one must be present (None: no such need)
    # Each template is written once at compile time when it names no per-hit placeholder ({value} or
    # {threshold}), since every hit then reads the same: most sentences and every mitigation so far.
    fixed_text: str | None = None  # None: the sentence is filled for each hit
    fixed_mitigation: str | None = None  # None also when the rule has no mitigation
    mitigation_per_hit: bool = False

    def finding(self, hit: Hit) -> Finding:
        """The finding for a hit: the rule's sentence filled with what the check saw and the thresholds."""
        treatments = self.treatments
        if hit.treatments is not None:
            treatments = tuple(t for t in treatments if t in hit.treatments)
        rule = self.rule
        text, mitigation = self.fixed_text, self.fixed_mitigation
        if text is None or self.mitigation_per_hit:
            values = dict(self.formatted)  # holds every parameter and a default {threshold}
            values["value"] = hit.value
            if hit.threshold:
                values["threshold"] = hit.threshold
            if text is None:
                text = rule.text.format_map(values)
            if self.mitigation_per_hit:
                mitigation = str(rule.mitigation).format_map(values)
        # Positional, in field order: this runs for every finding of every intake.
        return Finding(
            rule.id,
            rule.title,
            rule.severity,
            rule.effect,
            treatments,
            text,
            self.citations,
            mitigation,
            rule.why_it_matters,
            rule.status,
            hit.inputs,
            self.reads,
            self.unverified,
        )


def _names_a_per_hit_placeholder(template: str) -> bool:
    """Whether a template reads {value} or {threshold} (also as {value!r}, {value.x}, {value[0]}, {value:>5})."""
    for _lit, name, _spec, _conv in string.Formatter().parse(template):
        if name is not None and name.split(".")[0].split("[")[0] in _FIXED_PLACEHOLDERS:
            return True
    return False


def compile_rules(kb: KnowledgeBase) -> tuple[CompiledRule, ...]:
    """The base's rules, ready to run. Cached on the base; raises KnowledgeError naming rule and problem."""
    cached = kb.cache.get("compiled_rules")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    problems: list[str] = []
    compiled: list[CompiledRule] = []
    all_treatments = tuple(kb.treatments)
    for rule in kb.rules:
        where = f"rules: {rule.id}"
        spec = CHECKS.get(rule.check)
        if spec is None:
            problems.append(f"{where}.check: unknown check '{rule.check}' (known: {', '.join(sorted(CHECKS))})")
            continue
        given = set(rule.args)
        for missing in sorted(spec.required - given):
            problems.append(f"{where}.args: '{missing}' is required by check '{rule.check}'")
        for unknown in sorted(given - spec.required - spec.optional):
            problems.append(f"{where}.args: '{unknown}' is not an argument of check '{rule.check}'")
        for argument, allowed in spec.names:
            named = rule.args.get(argument)
            for field_id in named if isinstance(named, list) else [] if named is None else [named]:
                if field_id not in allowed:
                    problems.append(
                        f"{where}.args.{argument}: '{field_id}' is not a field the check can read "
                        f"(known: {', '.join(sorted(allowed))})"
                    )
        if len(rule.parameters) < spec.parameters:
            problems.append(
                f"{where}.parameters: check '{rule.check}' reads {spec.parameters} parameter(s), "
                f"{len(rule.parameters)} given"
            )
        values = [kb.parameter_value(p) for p in rule.parameters]
        units = tuple(kb.parameters[p].unit for p in rule.parameters)
        formatted = {p: format_quantity(v.value, u) for p, v, u in zip(rule.parameters, values, units, strict=True)}
        for field_name, template in (("text", rule.text), ("mitigation", rule.mitigation or "")):
            for _lit, name, _spec, _conv in string.Formatter().parse(template):
                if name is not None and name not in _FIXED_PLACEHOLDERS and name not in formatted:
                    problems.append(f"{where}.{field_name}: placeholder '{{{name}}}' is not a parameter of the rule")
        formatted["threshold"] = formatted[rule.parameters[0]] if rule.parameters else ""
        reads = tuple(
            ParameterRead(p, v.value, u, v.since.isoformat(), tuple(v.citations))
            for p, v, u in zip(rule.parameters, values, units, strict=True)
        )
        citations = tuple(dict.fromkeys([*rule.citations, *(c for r in reads for c in r.citations)]))
        treatments = all_treatments if rule.treatments == "all" else tuple(rule.treatments)
        unverified = rule.unverified or any(kb.parameters[p].unverified for p in rule.parameters)
        params = tuple(v.value for v in values)
        ruled = RuleInput.of(rule, params, units)
        text_per_hit = _names_a_per_hit_placeholder(rule.text)
        mitigation_per_hit = bool(rule.mitigation) and _names_a_per_hit_placeholder(rule.mitigation or "")
        fixed_text = fixed_mitigation = None
        if not problems:  # else a template names an unknown placeholder and would not format
            fixed_text = None if text_per_hit else rule.text.format_map(formatted)
            if rule.mitigation and not mitigation_per_hit:
                fixed_mitigation = rule.mitigation.format_map(formatted)
        compiled.append(
            CompiledRule(
                rule,
                spec.fn,
                ruled,
                treatments,
                params,
                units,
                reads,
                formatted,
                citations,
                unverified,
                spec.needs(ruled) if spec.needs else None,
                (spec.needs_one_of(ruled) or None) if spec.needs_one_of else None,  # empty: never skip
                fixed_text,
                fixed_mitigation,
                mitigation_per_hit,
            )
        )
    if problems:
        raise KnowledgeError(problems)
    result = tuple(compiled)
    kb.cache["compiled_rules"] = result
    return result


_Screened = tuple[CheckFn, RuleInput, frozenset[str] | None, CompiledRule]


def _applicable(kb: KnowledgeBase, present: frozenset[str]) -> tuple[_Screened, ...]:
    """The rules that can fire given which answers an intake has; cached per combination of answers.

    Each comes unpacked as (check, its input, the listed items it needs, the rule), so the screening loop,
    which runs for every rule of every intake, reads no attributes.
    """
    by_answers: dict[frozenset[str], tuple[_Screened, ...]] = kb.cache.setdefault("applicable", {})
    rules = by_answers.get(present)
    if rules is None:
        rules = tuple(
            (c.fn, c.input, c.needs_one_of, c) for c in compile_rules(kb) if c.needs is None or c.needs & present
        )
        by_answers[present] = rules
    return rules


_EFFECT_ORDER = {"refer": 0, "exclude": 1, "caution": 2, "info": 3}


def screen(intake: Intake, kb: KnowledgeBase) -> tuple[Finding, ...]:
    """Every contraindication, precaution, referral trigger and note the intake raises, weightiest first."""
    findings = []
    facts = Facts.of(intake, kb)
    details = facts.details
    for fn, ruled, one_of, compiled in _applicable(kb, facts.present):
        if one_of is not None and one_of.isdisjoint(details):
            continue  # a rule about particular conditions or medicines, none of which is listed
        hit = fn(facts, ruled)  # the hot loop: most rules do not fire
        if hit is not None:
            finding = compiled.finding(hit)
            if finding.treatments:
                findings.append(finding)
    findings.sort(key=lambda f: _EFFECT_ORDER[f.effect])
    return tuple(findings)
