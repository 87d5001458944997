"""Consultations: an intake, its recommendation, the clinician's decision and notes, saved together.

The recommendation is computed here, from the intake, at save time, never taken from the client: what is
stored is what the engine said for that intake with that knowledge_version. An override needs a reason.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Protocol

from rejuv.domain.errors import FieldError, IntakeError
from rejuv.services.clock import Clock, utc_now
from rejuv.services.errors import Invalid, NotFound
from rejuv.services.ports import UnitOfWork
from rejuv.services.records import ClinicianDecision, Consultation, NewConsultation
from rejuv.services.text import NO_CONTROL, has_control_characters

DECISIONS = ("mesotherapy", "prp", "either", "refer")
MAX_NOTES_CHARS = 10_000


class Recommender(Protocol):
    def recommend(self, document: Mapping[str, Any]) -> dict[str, Any]: ...


def record_consultation(
    uow: UnitOfWork,
    advisor: Recommender,
    actor: str,
    patient_id: int,
    intake: Mapping[str, Any],
    clinician_decision: str,
    final_decision: str | None = None,
    override_reason: str | None = None,
    notes: str = "",
    clock: Clock = utc_now,
) -> Consultation:
    new = prepare_consultation(
        advisor, actor, patient_id, intake, clinician_decision, final_decision, override_reason, notes
    )
    with uow:
        if uow.patients.get(patient_id) is None:
            raise NotFound("the patient")
        saved = uow.consultations.add(new, clock())
        uow.audit.add(actor, "create", "consultation", str(saved.id), f"patient={patient_id}", clock())
        uow.commit()
    return saved


def prepare_consultation(
    advisor: Recommender,
    actor: str,
    patient_id: int,
    intake: Mapping[str, Any],
    clinician_decision: str,
    final_decision: str | None = None,
    override_reason: str | None = None,
    notes: str = "",
) -> NewConsultation:
    """Check the intake and the decision and compute the recommendation, writing nothing (Invalid if wrong).

    Separate from `record_consultation` so importing a submission can check everything before it creates the
    patient, and then save patient and consultation in one transaction.
    """
    not_finite = _non_finite_paths(intake, "intake")
    if not_finite:
        raise Invalid(
            [FieldError(path, "must be a finite number (JSON has no NaN or Infinity)") for path in not_finite]
        )
    try:
        recommendation = advisor.recommend(intake)
    except IntakeError as exc:
        raise Invalid([FieldError(_join("intake", e.path), e.message) for e in exc.errors]) from None
    decision, final, reason = _check_decision(recommendation, clinician_decision, final_decision, override_reason)
    if len(notes) > MAX_NOTES_CHARS:
        raise Invalid([FieldError("notes", f"must be at most {MAX_NOTES_CHARS} characters")])
    if has_control_characters(notes, multiline=True):
        raise Invalid([FieldError("notes", NO_CONTROL)])
    return NewConsultation(
        patient_id=patient_id,
        clinician=actor,
        intake=dict(intake),
        recommendation=recommendation,
        clinician_decision=decision,
        final_decision=final,
        override_reason=reason,
        notes=notes.strip(),
        knowledge_version=str(recommendation.get("knowledge_version", "")),
    )


def get_consultation(uow: UnitOfWork, actor: str, consultation_id: int, clock: Clock = utc_now) -> Consultation:
    with uow:
        found = uow.consultations.get(consultation_id)
        if found is None:
            raise NotFound("the consultation")
        uow.audit.add(actor, "read", "consultation", str(consultation_id), "", clock())
        uow.commit()
    return found


def _check_decision(
    recommendation: Mapping[str, Any], decision: str, final: str | None, reason: str | None
) -> tuple[ClinicianDecision, str, str | None]:
    recommended = str(recommendation.get("decision", ""))
    reason = (reason or "").strip() or None
    if decision == "accept":
        return "accept", recommended, None
    if decision != "override":
        raise Invalid([FieldError("decision", "must be accept or override")])
    errors: list[FieldError] = []
    if final not in DECISIONS:
        errors.append(FieldError("final_decision", f"must be one of {', '.join(DECISIONS)}"))
    elif final == recommended:
        errors.append(FieldError("final_decision", "is the same as the recommendation: choose accept instead"))
    if reason is None:
        errors.append(FieldError("override_reason", "is required when you override the recommendation"))
    elif len(reason) > 2000:
        errors.append(FieldError("override_reason", "must be at most 2000 characters"))
    elif has_control_characters(reason, multiline=True):
        errors.append(FieldError("override_reason", NO_CONTROL))
    if errors:
        raise Invalid(errors)
    assert final is not None
    return "override", final, reason


def _non_finite_paths(value: Any, path: str) -> list[str]:
    """Paths of NaN or infinite numbers, which JSON cannot carry and PostgreSQL's JSON type refuses."""
    if isinstance(value, float):
        return [] if math.isfinite(value) else [path]
    if isinstance(value, Mapping):
        return [p for k, v in value.items() for p in _non_finite_paths(v, f"{path}.{k}")]
    if isinstance(value, list | tuple):
        return [p for i, v in enumerate(value) for p in _non_finite_paths(v, f"{path}.{i}")]
    return []


def _join(prefix: str, path: str) -> str:
    return f"{prefix}.{path}" if path else prefix
