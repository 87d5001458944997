"""Use cases on real databases: each write and its audit entry commit together or not at all."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from rejuv.services import accounts, audit, consultations, patients
from rejuv.services.errors import Conflict, Invalid, NotFound
from rejuv.storage.uow import SqlUnitOfWork


class FixedAdvisor:
    """A ten-line stand-in for the engine: the services must not care how a recommendation is made."""

    def recommend(self, document: Mapping[str, Any]) -> dict[str, Any]:
        return {"schema_version": "1", "decision": "either", "knowledge_version": "kv-test", "options": []}


def trail(uow: SqlUnitOfWork) -> list[tuple[str, str, str]]:
    with uow:
        return [(e.actor, e.action, e.entity) for e in reversed(uow.audit.latest(100, 0))]


def test_a_refused_duplicate_leaves_no_audit_entry(uow: SqlUnitOfWork) -> None:
    patients.create_patient(uow, "dr", "R1", "Ann", None)
    with pytest.raises(Conflict):
        patients.create_patient(uow, "dr", "R1", "Other", None)
    assert trail(uow) == [("dr", "create", "patient")]


def test_a_consultation_for_a_missing_patient_writes_nothing(uow: SqlUnitOfWork) -> None:
    with pytest.raises(NotFound):
        consultations.record_consultation(uow, FixedAdvisor(), "dr", 99, {}, "accept")
    assert trail(uow) == []


def test_an_accepted_consultation_keeps_the_recommended_decision_and_version(uow: SqlUnitOfWork) -> None:
    patient = patients.create_patient(uow, "dr", "R1", "Ann", 1980)
    saved = consultations.record_consultation(uow, FixedAdvisor(), "dr", patient.id, {"x": 1}, "accept")
    assert (saved.final_decision, saved.knowledge_version, saved.override_reason) == ("either", "kv-test", None)
    history = patients.patient_history(uow, "dr", patient.id)
    assert [c.id for c in history.consultations] == [saved.id]
    assert trail(uow)[-2:] == [("dr", "create", "consultation"), ("dr", "read", "patient")]


def test_reading_the_audit_log_is_itself_audited(uow: SqlUnitOfWork) -> None:
    audit.audit_entries(uow, "root")
    assert trail(uow) == [("root", "read", "audit_log")]


def test_patient_fields_are_checked_before_anything_is_written(uow: SqlUnitOfWork) -> None:
    with pytest.raises(Invalid) as refused:
        patients.create_patient(uow, "dr", "", " ", 1700)
    assert [e.path for e in refused.value.errors] == ["reference", "full_name", "birth_year"]
    assert trail(uow) == []


def test_passwords_are_hashed_and_checked(uow: SqlUnitOfWork) -> None:
    user = accounts.create_user(uow, "Alice", "a long password here", "admin")
    assert user.username == "alice" and user.password_hash.startswith("$argon2id$")
    assert accounts.authenticate(uow, "ALICE", "a long password here") == user
    assert accounts.authenticate(uow, "alice", "wrong password!!") is None
    assert accounts.authenticate(uow, "nobody", "a long password here") is None
    with pytest.raises(Invalid):
        accounts.create_user(uow, "bob", "short", "superuser")
