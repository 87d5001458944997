"""Answers a person sends from the decision aid to the clinic, and the clinic's inbox of them.

The decision aid stores nothing unless the person ticks the consent box and sends: `send_submission` refuses
without consent before touching storage. The recommendation is computed here from the intake, never taken
from the form, so what the clinic reads is what the engine said for those answers. Every clinic read and
write is audited in the same transaction; the person's own send is audited under `PERSON_ACTOR`.
"""

from __future__ import annotations

import dataclasses
import secrets
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from rejuv.domain.errors import FieldError, IntakeError
from rejuv.services.clock import Clock, utc_now
from rejuv.services.consultations import Recommender, prepare_consultation
from rejuv.services.errors import Conflict, Invalid, NotFound
from rejuv.services.patients import check_new_patient
from rejuv.services.ports import UnitOfWork
from rejuv.services.records import Consultation, Patient, Submission

PERSON_ACTOR = "person (decision aid)"
MAX_NAME_CHARS = 100
MAX_CONTACT_CHARS = 200
INBOX_LIMIT = 200
# No 0/O, 1/I/L: the code is read aloud over the phone.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_TRIES = 10


def new_code() -> str:
    """A random, unguessable reference such as "K7PQ-4QX9" (31^8, about 8.5e11 codes)."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


@dataclass(frozen=True)
class Imported:
    patient: Patient
    consultation: Consultation


def send_submission(
    uow: UnitOfWork,
    advisor: Recommender,
    name: str,
    contact: str,
    consent: bool,
    intake: Mapping[str, Any],
    clock: Clock = utc_now,
    make_code: Callable[[], str] = new_code,
) -> Submission:
    """Store the answers and the server's recommendation, only with consent; Invalid names every bad field."""
    errors = [
        *_text_errors("name", name, MAX_NAME_CHARS, "your name or initials"),
        *_text_errors("contact", contact, MAX_CONTACT_CHARS, "a phone number or email address"),
    ]
    name, contact = " ".join(name.split()), contact.strip()
    if not consent:
        errors.append(
            FieldError("consent", "Please tick this box to send your answers. Without it, nothing is stored.")
        )
    if errors:
        raise Invalid(errors)
    try:
        recommendation = advisor.recommend(intake)
    except IntakeError as exc:
        raise Invalid([FieldError(f"intake.{e.path}" if e.path else "intake", e.message) for e in exc.errors]) from None
    with uow:
        code = next((c for c in (make_code() for _ in range(CODE_TRIES)) if not uow.submissions.code_exists(c)), None)
        if code is None:
            raise RuntimeError("could not find an unused reference code")
        saved = uow.submissions.add(
            code,
            name,
            contact,
            dict(intake),
            recommendation,
            str(recommendation.get("knowledge_version", "")),
            clock(),
        )
        uow.audit.add(PERSON_ACTOR, "create", "submission", str(saved.id), "sent with consent", clock())
        uow.commit()
    return saved


def inbox(uow: UnitOfWork, actor: str, clock: Clock = utc_now) -> list[Submission]:
    """The new submissions, oldest first."""
    with uow:
        found = uow.submissions.with_status("new", INBOX_LIMIT)
        uow.audit.add(actor, "read", "submission_list", None, f"results={len(found)}", clock())
        uow.commit()
    return found


def get_submission(uow: UnitOfWork, actor: str, submission_id: int, clock: Clock = utc_now) -> Submission:
    with uow:
        found = uow.submissions.get(submission_id)
        if found is None:
            raise NotFound("the submission")
        uow.audit.add(actor, "read", "submission", str(submission_id), "", clock())
        uow.commit()
    return found


def import_submission(
    uow: UnitOfWork,
    advisor: Recommender,
    actor: str,
    submission_id: int,
    reference: str,
    full_name: str,
    birth_year: int | None,
    clinician_decision: str,
    final_decision: str | None = None,
    override_reason: str | None = None,
    notes: str = "",
    clock: Clock = utc_now,
) -> Imported:
    """Turn a new submission into a patient and a consultation, all in one transaction or not at all.

    Uses the same checks as creating a patient and recording a consultation; the recommendation is computed
    again from the intake with the knowledge base in use now, as for any consultation.
    """
    field_errors: list[FieldError] = []
    try:
        reference, full_name = check_new_patient(reference, full_name, birth_year, clock)
    except Invalid as exc:
        field_errors.extend(exc.errors)
    submission = _open_submission(uow, submission_id)
    try:
        new = prepare_consultation(
            advisor, actor, 0, submission.intake, clinician_decision, final_decision, override_reason, notes
        )
    except Invalid as exc:
        field_errors.extend(exc.errors)
    if field_errors:
        raise Invalid(field_errors)
    with uow:
        if _open_submission_in(uow, submission_id) is None:
            raise Conflict([FieldError("submission", "was imported or deleted meanwhile")])
        if uow.patients.get_by_reference(reference) is not None:
            raise Conflict([FieldError("reference", "is already used by another patient")])
        patient = uow.patients.add(reference, full_name, birth_year, clock())
        uow.audit.add(actor, "create", "patient", str(patient.id), f"submission={submission_id}", clock())
        saved = uow.consultations.add(dataclasses.replace(new, patient_id=patient.id), clock())
        uow.audit.add(actor, "create", "consultation", str(saved.id), f"patient={patient.id}", clock())
        uow.submissions.mark_imported(submission_id)
        uow.audit.add(actor, "import", "submission", str(submission_id), f"consultation={saved.id}", clock())
        uow.commit()
    return Imported(patient, saved)


def delete_submission(uow: UnitOfWork, actor: str, submission_id: int, clock: Clock = utc_now) -> None:
    """Mark it deleted and wipe the name, contact and answers (a patient already made from it stays)."""
    with uow:
        found = uow.submissions.get(submission_id)
        if found is None:
            raise NotFound("the submission")
        uow.submissions.wipe(submission_id)
        uow.audit.add(actor, "delete", "submission", str(submission_id), f"was {found.status}", clock())
        uow.commit()


def _open_submission(uow: UnitOfWork, submission_id: int) -> Submission:
    with uow:
        found = uow.submissions.get(submission_id)
    if found is None:
        raise NotFound("the submission")
    if found.status != "new":
        raise Conflict([FieldError("submission", f"is {found.status}: only a new submission can be imported")])
    return found


def _open_submission_in(uow: UnitOfWork, submission_id: int) -> Submission | None:
    found = uow.submissions.get(submission_id)
    return found if found is not None and found.status == "new" else None


def _text_errors(field: str, raw: str, limit: int, what: str) -> list[FieldError]:
    """Messages for the person, in plain words. Control characters (tabs, NUL, escapes) are refused so the
    clinic's pages and any export show exactly what was typed."""
    value = raw.strip()
    if not value:
        return [FieldError(field, f"Please write {what}.")]
    if len(value) > limit:
        return [FieldError(field, f"Please keep this to {limit} characters or fewer.")]
    if any(unicodedata.category(ch) == "Cc" for ch in raw):
        return [FieldError(field, "Please use only letters, numbers and punctuation (no control characters).")]
    return []
