"""Answers a person sends from the decision aid to the clinic, and the clinic's inbox of them.

The decision aid stores nothing unless the person ticks the consent box and sends: `send_submission` refuses
without consent before touching storage. The recommendation is computed here from the intake, never taken
from the form, so what the clinic reads is what the engine said for those answers. Every clinic read and
write is audited in the same transaction; the person's own send is audited under `PERSON_ACTOR`.

Two guarantees added on top:

- **One send, one submission.** A send carries a `SendKey` (the result page's hidden key, or the API's
  Idempotency-Key). The same key again returns the first submission and stores nothing (a refresh, a
  double click, a retried request); two sends racing with one key are settled by the unique index on the
  stored digest, and the loser reads the winner back. A key whose submission was deleted raises
  `AlreadyDeleted` rather than storing the answers again, and a key reused with other answers raises
  `SendKeyReused` rather than silently dropping them.
- **A retention period.** Submissions older than `retention_days` are wiped exactly like a delete, imported
  or not (an imported person's data now lives in the patient record). The wipe runs inside every use case
  here, in its own transaction's first statement, so nobody can read an expired submission even if the
  `rejuv submissions purge` command has not run yet.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re
import secrets
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from rejuv.domain.errors import FieldError, IntakeError
from rejuv.services.clock import Clock, utc_now
from rejuv.services.consultations import Recommender, prepare_consultation
from rejuv.services.errors import Conflict, Invalid, NotFound
from rejuv.services.patients import check_new_patient
from rejuv.services.ports import DuplicateSendKey, UnitOfWork
from rejuv.services.records import Consultation, Patient, Submission

PERSON_ACTOR = "person (decision aid)"
RETENTION_ACTOR = "retention period (automatic)"
MAX_NAME_CHARS = 100
MAX_CONTACT_CHARS = 200
INBOX_LIMIT = 200
# No 0/O, 1/I/L: the code is read aloud over the phone.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_TRIES = 10
# A send key as a client may choose it (a UUID fits); at least 16 characters so it cannot be guessed by chance.
SEND_KEY_PATTERN = re.compile(r"[A-Za-z0-9._~-]{16,64}")
SendChannel = Literal["form", "api"]
SubmissionRef = int | str  # the row id (the clinic pages) or the reference code (the API)


def new_code() -> str:
    """A random, unguessable reference such as "K7PQ-4QX9" (31^8, about 8.5e11 codes)."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def new_send_key() -> str:
    """The result page's hidden key: 256 random bits, so only the browser that showed the page holds it."""
    return secrets.token_urlsafe(32)


def is_send_key(raw: str | None) -> bool:
    return raw is not None and SEND_KEY_PATTERN.fullmatch(raw) is not None


@dataclass(frozen=True)
class SendKey:
    """The token one send came with, and the channel it came through.

    Only a SHA-256 digest of channel and key is stored: it has a fixed length on both databases, tells a
    reader of the table nothing, and a key sent to the API can never match a form's key.
    """

    channel: SendChannel
    key: str

    @property
    def digest(self) -> str:
        return hashlib.sha256(f"{self.channel}:{self.key}".encode()).hexdigest()


@dataclass(frozen=True)
class Sent:
    """What a send produced: the submission, the time it will be wiped, and whether this was a replay
    (the key had already stored these answers, so nothing new was written)."""

    submission: Submission
    delete_after: dt.datetime
    replayed: bool


@dataclass(frozen=True)
class Purged:
    count: int
    cutoff: dt.datetime


class AlreadyDeleted(Conflict):
    """The key's submission exists but was deleted (on request or after the retention period). Storing the
    answers again would undo the deletion the person or the clinic asked for, so nothing is stored."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__([FieldError("send_key", "was used for answers that have since been deleted")])


class SendKeyReused(Conflict):
    """The key already stored different answers: nothing new is stored, and the caller is told which parts
    differ (`fields`: name, contact, intake) so nothing the person typed is dropped silently."""

    def __init__(self, code: str, fields: list[str]) -> None:
        self.code = code
        self.fields = fields
        super().__init__([FieldError("send_key", f"was already used to send other answers ({', '.join(fields)})")])


@dataclass(frozen=True)
class Imported:
    patient: Patient
    consultation: Consultation


def delete_after(submission: Submission, retention_days: int) -> dt.datetime:
    """When the submission's personal data is wiped at the latest (the date the person is told)."""
    return submission.created_at + dt.timedelta(days=retention_days)


def send_submission(
    uow: UnitOfWork,
    advisor: Recommender,
    name: str,
    contact: str,
    consent: bool,
    intake: Mapping[str, Any],
    *,
    retention_days: int,
    send_key: SendKey | None = None,
    clock: Clock = utc_now,
    make_code: Callable[[], str] = new_code,
) -> Sent:
    """Store the answers and the server's recommendation, only with consent; Invalid names every bad field.

    With a send key, a second send of the same answers returns the first submission (`replayed`), whether
    it comes later or at the same moment; see the module docstring for the refusals.
    """
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
    digest = send_key.digest if send_key else None
    with uow:
        now = clock()
        _wipe_expired(uow, now, retention_days)
        first = uow.submissions.get_by_send_key(digest) if digest else None
        if first is None:
            code = next(
                (c for c in (make_code() for _ in range(CODE_TRIES)) if not uow.submissions.code_exists(c)), None
            )
            if code is None:
                raise RuntimeError("could not find an unused reference code")
            try:
                saved = uow.submissions.add(
                    code,
                    name,
                    contact,
                    dict(intake),
                    recommendation,
                    str(recommendation.get("knowledge_version", "")),
                    now,
                    send_key=digest,
                )
            except DuplicateSendKey:
                pass  # a concurrent send with this key committed first: read it back below
            else:
                uow.audit.add(PERSON_ACTOR, "create", "submission", str(saved.id), "sent with consent", now)
                uow.commit()
                return Sent(saved, delete_after(saved, retention_days), replayed=False)
        else:
            uow.commit()  # keep the wipe of expired submissions
    if first is None and digest is not None:
        with uow:
            first = uow.submissions.get_by_send_key(digest)
    if first is None:
        raise RuntimeError("the send key was taken, but no submission holds it")
    return _replay(first, name, contact, intake, retention_days)


def was_sent(uow: UnitOfWork, send_key: SendKey) -> bool:
    """Whether this key already stored a submission: a replay stores nothing, so it is not counted against
    the per-address send limit."""
    with uow:
        return uow.submissions.get_by_send_key(send_key.digest) is not None


def inbox(uow: UnitOfWork, actor: str, *, retention_days: int, clock: Clock = utc_now) -> list[Submission]:
    """The new submissions, oldest first (those past the retention period are wiped first)."""
    with uow:
        now = clock()
        _wipe_expired(uow, now, retention_days)
        found = uow.submissions.with_status("new", INBOX_LIMIT)
        uow.audit.add(actor, "read", "submission_list", None, f"results={len(found)}", now)
        uow.commit()
    return found


def get_submission(
    uow: UnitOfWork, actor: str, ref: SubmissionRef, *, retention_days: int, clock: Clock = utc_now
) -> Submission:
    with uow:
        now = clock()
        _wipe_expired(uow, now, retention_days)
        found = _find(uow, ref)
        if found is not None:
            uow.audit.add(actor, "read", "submission", str(found.id), "", now)
        uow.commit()
    if found is None:
        raise NotFound("the submission")
    return found


def import_submission(
    uow: UnitOfWork,
    advisor: Recommender,
    actor: str,
    ref: SubmissionRef,
    reference: str,
    full_name: str,
    birth_year: int | None,
    clinician_decision: str,
    final_decision: str | None = None,
    override_reason: str | None = None,
    notes: str = "",
    *,
    retention_days: int,
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
    submission = _open_submission(uow, ref, retention_days, clock)
    submission_id = submission.id
    try:
        new = prepare_consultation(
            advisor, actor, 0, submission.intake, clinician_decision, final_decision, override_reason, notes
        )
    except Invalid as exc:
        field_errors.extend(exc.errors)
    if field_errors:
        raise Invalid(field_errors)
    with uow:
        now = clock()
        if _open_submission_in(uow, submission_id) is None:
            raise Conflict([FieldError("submission", "was imported or deleted meanwhile")])
        if uow.patients.get_by_reference(reference) is not None:
            raise Conflict([FieldError("reference", "is already used by another patient")])
        patient = uow.patients.add(reference, full_name, birth_year, now)
        uow.audit.add(actor, "create", "patient", str(patient.id), f"submission={submission_id}", now)
        saved = uow.consultations.add(dataclasses.replace(new, patient_id=patient.id), now)
        uow.audit.add(actor, "create", "consultation", str(saved.id), f"patient={patient.id}", now)
        uow.submissions.mark_imported(submission_id)
        uow.audit.add(actor, "import", "submission", str(submission_id), f"consultation={saved.id}", now)
        uow.commit()
    return Imported(patient, saved)


def delete_submission(
    uow: UnitOfWork, actor: str, ref: SubmissionRef, *, retention_days: int, clock: Clock = utc_now
) -> None:
    """Mark it deleted and wipe the name, contact and answers (a patient already made from it stays)."""
    with uow:
        now = clock()
        _wipe_expired(uow, now, retention_days)
        found = _find(uow, ref)
        if found is not None:
            uow.submissions.wipe(found.id)
            uow.audit.add(actor, "delete", "submission", str(found.id), f"was {found.status}", now)
        uow.commit()
    if found is None:
        raise NotFound("the submission")


def purge_expired(uow: UnitOfWork, actor: str, *, retention_days: int, clock: Clock = utc_now) -> Purged:
    """Wipe every submission past the retention period now (the `rejuv submissions purge` command).

    Unlike the automatic wipe inside the other use cases, a run that finds nothing is audited too, so the
    log shows the command ran."""
    with uow:
        now = clock()
        count = _wipe_expired(uow, now, retention_days, actor, audit_nothing=True)
        uow.commit()
    return Purged(count, _cutoff(now, retention_days))


def _cutoff(now: dt.datetime, retention_days: int) -> dt.datetime:
    return now - dt.timedelta(days=retention_days)


def _wipe_expired(
    uow: UnitOfWork, now: dt.datetime, retention_days: int, actor: str = RETENTION_ACTOR, audit_nothing: bool = False
) -> int:
    """Wipe what is past the retention period in the caller's transaction; audit the count, never names."""
    cutoff = _cutoff(now, retention_days)
    count = uow.submissions.wipe_sent_before(cutoff)
    if count or audit_nothing:
        detail = f"wiped={count} sent_before={cutoff.isoformat(timespec='seconds')} retention_days={retention_days}"
        uow.audit.add(actor, "purge", "submission", None, detail, now)
    return count


def _replay(first: Submission, name: str, contact: str, intake: Mapping[str, Any], retention_days: int) -> Sent:
    """The answer to a key that already stored a submission: that submission, unless it was deleted or the
    new send differs from it."""
    if first.status == "deleted":
        raise AlreadyDeleted(first.code)
    differ = [
        field
        for field, same in (
            ("name", first.name == name),
            ("contact", first.contact == contact),
            ("intake", first.intake == json.loads(json.dumps(dict(intake)))),  # as read back from a JSON column
        )
        if not same
    ]
    if differ:
        raise SendKeyReused(first.code, differ)
    return Sent(first, delete_after(first, retention_days), replayed=True)


def _find(uow: UnitOfWork, ref: SubmissionRef) -> Submission | None:
    if isinstance(ref, int):
        return uow.submissions.get(ref)
    return uow.submissions.get_by_code(ref.strip().upper())


def _open_submission(uow: UnitOfWork, ref: SubmissionRef, retention_days: int, clock: Clock) -> Submission:
    with uow:
        _wipe_expired(uow, clock(), retention_days)
        found = _find(uow, ref)
        uow.commit()
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
