"""Plain records the services hand to the shells and the repositories hand to the services.

They carry no ORM state, so a template or a JSON encoder can hold one after its transaction has ended.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

Role = Literal["clinician", "admin"]
ROLES: tuple[Role, ...] = ("clinician", "admin")
ClinicianDecision = Literal["accept", "override"]
SubmissionStatus = Literal["new", "imported", "deleted"]


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: Role
    password_hash: str
    created_at: dt.datetime
    session_version: int = 0  # sessions issued with another number have been ended (logout)


@dataclass(frozen=True)
class Patient:
    id: int
    reference: str
    full_name: str
    birth_year: int | None
    created_at: dt.datetime


@dataclass(frozen=True)
class Consultation:
    """An intake, the recommendation it produced and what the clinician decided, frozen at a point in time."""

    id: int
    patient_id: int
    clinician: str
    intake: dict[str, Any]
    recommendation: dict[str, Any]
    recommended_decision: str
    clinician_decision: ClinicianDecision
    final_decision: str
    override_reason: str | None
    notes: str
    knowledge_version: str
    created_at: dt.datetime


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: dt.datetime
    actor: str
    action: str
    entity: str
    entity_id: str | None
    detail: str = ""


@dataclass(frozen=True)
class NewConsultation:
    patient_id: int
    clinician: str
    intake: dict[str, Any]
    recommendation: dict[str, Any]
    clinician_decision: ClinicianDecision
    final_decision: str
    override_reason: str | None
    notes: str
    knowledge_version: str
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Submission:
    """Answers a person sent from the decision aid, with consent, for the clinic to prepare a consultation.

    `recommendation` is what the engine said for `intake` on the server when it was sent. A deleted submission
    keeps only its code, status and dates: the name, contact, intake and recommendation are wiped.
    """

    id: int
    code: str
    name: str
    contact: str
    intake: dict[str, Any]
    recommendation: dict[str, Any]
    knowledge_version: str
    created_at: dt.datetime
    status: SubmissionStatus
