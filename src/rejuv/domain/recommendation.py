"""The recommendation: what the engine concludes, why, and from which rules and parameters.

These are plain dataclasses rather than pydantic models: they are built on the hot path (thousands per second
in the benchmark) and are never parsed from outside. The per-intake ones (findings, options, steps, the
recommendation) are slotted but not frozen, because a frozen dataclass is about six times slower to build;
treat them as values all the same. Reason (a named tuple) and ParameterRead stay immutable: they are
cached and shared.
`to_dict()` yields the public contract `recommendation.schema.json`, version 1, plus fields the contract allows
us to add.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

Decision = Literal["mesotherapy", "prp", "either", "refer"]
Status = Literal["recommended", "suitable", "caution", "not_now", "excluded"]
Severity = Literal["absolute", "relative", "caution", "info"]
Effect = Literal["refer", "exclude", "caution", "info"]

DISCLAIMER = (
    "This is decision support, not a diagnosis or a prescription. A qualified professional who has examined "
    "you makes the decision with you."
)


class Reason(NamedTuple):
    """Why an option has its status. A named tuple: immutable (some are cached and shared) yet about three
    times quicker to build than a frozen dataclass, and several are built for every intake."""

    rule: str
    text: str
    citations: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "text": self.text, "citations": list(self.citations)}


@dataclass(frozen=True)
class ParameterRead:
    """A threshold a rule read, as it was in force: shown in the trace so a reviewer can check it."""

    id: str
    value: float
    unit: str
    since: str
    citations: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "value": self.value,
            "unit": self.unit,
            "since": self.since,
            "citations": list(self.citations),
        }


@dataclass(slots=True)  # built for every intake: see the module docstring on why not frozen
class Finding:
    """A contraindication, precaution, referral trigger or note found in the intake."""

    rule: str
    title: str
    severity: Severity
    effect: Effect
    treatments: tuple[str, ...]
    text: str
    citations: tuple[str, ...]
    mitigation: str | None = None
    why_it_matters: str | None = None
    status: Status | None = None  # the option status a refer/exclude finding imposes
    inputs: tuple[tuple[str, Any], ...] = ()
    parameters: tuple[ParameterRead, ...] = ()
    unverified: bool = False

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule,
            "title": self.title,
            "severity": self.severity,
            "effect": self.effect,
            "treatments": list(self.treatments),
            "text": self.text,
            "citations": list(self.citations),
        }
        if self.mitigation:
            out["mitigation"] = self.mitigation
        if self.why_it_matters:
            out["why_it_matters"] = self.why_it_matters
        if self.unverified:
            out["unverified"] = True
        return out


@dataclass(slots=True)  # built for every intake: see the module docstring on why not frozen
class OptionAssessment:
    treatment: str
    name: str
    status: Status
    addresses: tuple[str, ...]
    primary: tuple[str, ...]
    reasons: tuple[Reason, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "treatment": self.treatment,
            "name": self.name,
            "status": self.status,
            "addresses": list(self.addresses),
            "primary_indications": list(self.primary),
            "reasons": [r.to_dict() for r in self.reasons],
        }


@dataclass(slots=True)  # built for every intake: see the module docstring on why not frozen
class TraceStep:
    """One step of the decision policy and what it concluded."""

    step: str
    outcome: str
    rules: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "outcome": self.outcome, "rules": list(self.rules)}


@dataclass(slots=True)  # built for every intake: see the module docstring on why not frozen
class Recommendation:
    decision: Decision
    summary: str
    options: tuple[OptionAssessment, ...]
    findings: tuple[Finding, ...]
    steps: tuple[TraceStep, ...]
    rules_evaluated: int
    knowledge_version: str
    questions: tuple[str, ...] = ()
    disclaimer: str = DISCLAIMER
    extra: dict[str, Any] = field(default_factory=dict)

    def option(self, treatment: str) -> OptionAssessment:
        return next(o for o in self.options if o.treatment == treatment)

    def to_encodable(self) -> dict[str, Any]:
        """The same document as to_dict(), for a JSON encoder only (the API's answer, about 4 KB each time).

        Arrays are left as the tuples the value objects already hold, which orjson and the standard encoder
        both write as arrays, instead of copying them into some thirty fresh lists per answer. Because it
        shares those tuples and reads no dict of its own back, never change what it returns.
        tests/unit/test_engine_shortcuts.py checks that both encode to the same bytes.
        """
        return {
            "schema_version": "1",
            "decision": self.decision,
            "summary": self.summary,
            "options": [
                {
                    "treatment": o.treatment,
                    "name": o.name,
                    "status": o.status,
                    "addresses": o.addresses,
                    "primary_indications": o.primary,
                    "reasons": [{"rule": r.rule, "text": r.text, "citations": r.citations} for r in o.reasons],
                }
                for o in self.options
            ],
            "findings": [f.to_dict() for f in self.findings],
            "questions": self.questions,
            "disclaimer": self.disclaimer,
            "knowledge_version": self.knowledge_version,
            "trace": {
                "rules_evaluated": self.rules_evaluated,
                "fired": [
                    {
                        "rule": f.rule,
                        "effect": f.effect,
                        "treatments": f.treatments,
                        "inputs": dict(f.inputs),
                        "parameters": [p.to_dict() for p in f.parameters],
                    }
                    for f in self.findings
                ],
                "steps": [{"step": s.step, "outcome": s.outcome, "rules": s.rules} for s in self.steps],
            },
        }

    def to_dict(self) -> dict[str, Any]:
        """The contract document; every list and dict in it is fresh, so a caller may change it."""
        return {
            "schema_version": "1",
            "decision": self.decision,
            "summary": self.summary,
            "options": [o.to_dict() for o in self.options],
            "findings": [f.to_dict() for f in self.findings],
            "questions": list(self.questions),
            "disclaimer": self.disclaimer,
            "knowledge_version": self.knowledge_version,
            "trace": {
                "rules_evaluated": self.rules_evaluated,
                "fired": [
                    {
                        "rule": f.rule,
                        "effect": f.effect,
                        "treatments": list(f.treatments),
                        "inputs": {k: v for k, v in f.inputs},
                        "parameters": [p.to_dict() for p in f.parameters],
                    }
                    for f in self.findings
                ],
                "steps": [s.to_dict() for s in self.steps],
            },
        }
