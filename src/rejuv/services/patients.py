"""Patient records. Every read and write of patient data leaves an audit entry in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass

from rejuv.domain.errors import FieldError
from rejuv.services.clock import Clock, utc_now
from rejuv.services.errors import Conflict, Invalid, NotFound
from rejuv.services.ports import UnitOfWork
from rejuv.services.records import Consultation, Patient
from rejuv.services.text import NO_CONTROL, has_control_characters

SEARCH_LIMIT = 100


@dataclass(frozen=True)
class PatientHistory:
    patient: Patient
    consultations: list[Consultation]


def create_patient(
    uow: UnitOfWork,
    actor: str,
    reference: str,
    full_name: str,
    birth_year: int | None,
    clock: Clock = utc_now,
) -> Patient:
    reference, full_name = check_new_patient(reference, full_name, birth_year, clock)
    with uow:
        if uow.patients.get_by_reference(reference) is not None:
            raise Conflict([FieldError("reference", "is already used by another patient")])
        patient = uow.patients.add(reference, full_name, birth_year, clock())
        uow.audit.add(actor, "create", "patient", str(patient.id), "", clock())
        uow.commit()
    return patient


def check_new_patient(
    reference: str, full_name: str, birth_year: int | None, clock: Clock = utc_now
) -> tuple[str, str]:
    """The tidied reference and name, or Invalid naming every bad field; shared with importing a submission,
    which creates the patient inside its own transaction."""
    reference, full_name = reference.strip(), " ".join(full_name.split())
    errors: list[FieldError] = []
    if not 1 <= len(reference) <= 64:
        errors.append(FieldError("reference", "must be 1-64 characters"))
    elif has_control_characters(reference):
        errors.append(FieldError("reference", NO_CONTROL))
    if not 1 <= len(full_name) <= 200:
        errors.append(FieldError("full_name", "must be 1-200 characters"))
    elif has_control_characters(full_name):
        errors.append(FieldError("full_name", NO_CONTROL))
    this_year = clock().year
    if birth_year is not None and not this_year - 120 <= birth_year <= this_year:
        errors.append(FieldError("birth_year", f"must be between {this_year - 120} and {this_year}"))
    if errors:
        raise Invalid(errors)
    return reference, full_name


def search_patients(uow: UnitOfWork, actor: str, text: str = "", clock: Clock = utc_now) -> list[Patient]:
    """Patients whose name or reference contains `text` (all of them, up to a limit, when it is empty)."""
    text = text.strip()[:100]
    with uow:
        found = uow.patients.search(text, SEARCH_LIMIT)
        uow.audit.add(actor, "read", "patient_list", None, f"q={text!r} results={len(found)}", clock())
        uow.commit()
    return found


def patient_history(uow: UnitOfWork, actor: str, patient_id: int, clock: Clock = utc_now) -> PatientHistory:
    with uow:
        patient = uow.patients.get(patient_id)
        if patient is None:
            raise NotFound("the patient")
        consultations = uow.consultations.for_patient(patient_id)
        uow.audit.add(actor, "read", "patient", str(patient_id), f"consultations={len(consultations)}", clock())
        uow.commit()
    return PatientHistory(patient, consultations)


def birth_year_from(text: str | None) -> int | None:
    """Parse an optional year typed into a form; a non-number is an Invalid error naming the field."""
    if text is None or not text.strip():
        return None
    try:
        return int(text.strip())
    except ValueError:
        raise Invalid([FieldError("birth_year", "must be a year such as 1980")]) from None
