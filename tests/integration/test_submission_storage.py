"""Submissions on SQLite and PostgreSQL: migration 0004 up and down, the repository, and the use cases'
guarantees (no consent, nothing written; import is all or nothing; delete wipes the personal fields)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pytest
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import IntegrityError

from rejuv.services import submissions
from rejuv.services.errors import Conflict, Invalid, NotFound
from rejuv.storage.database import downgrade, migrate, table_names
from rejuv.storage.uow import SqlUnitOfWork

NOW = dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt.UTC)
INTAKE: dict[str, Any] = {"schema_version": "1", "patient": {"age": 40}, "concerns": [{"id": "dullness"}]}


class FixedAdvisor:
    """Stands in for the engine: what matters here is that the service asks it, never the form."""

    def recommend(self, document: Mapping[str, Any]) -> dict[str, Any]:
        return {"schema_version": "1", "decision": "either", "knowledge_version": "kv-test", "options": []}


def sent(uow: SqlUnitOfWork, name: str = "Ann", contact: str = "0123") -> int:
    return submissions.send_submission(uow, FixedAdvisor(), name, contact, True, INTAKE, clock=lambda: NOW).id


def trail(uow: SqlUnitOfWork) -> list[tuple[str, str, str]]:
    with uow:
        return [(e.actor, e.action, e.entity) for e in reversed(uow.audit.latest(100, 0))]


def test_migration_0004_adds_the_submissions_table_and_downgrading_removes_only_it(engine: Engine) -> None:
    assert "submissions" in table_names(engine)
    assert {i["name"] for i in inspect(engine).get_indexes("submissions")} >= {"ix_submissions_status"}
    downgrade(engine, "0003")
    assert "submissions" not in table_names(engine)
    assert {"users", "patients", "consultations", "audit_log", "treatment_plans"} <= table_names(engine)
    migrate(engine)
    assert "submissions" in table_names(engine)


def test_a_submission_keeps_its_documents_and_an_aware_utc_time(uow: SqlUnitOfWork) -> None:
    submission_id = sent(uow, "Ann  Example", " ann@example.org ")
    with uow:
        found = uow.submissions.get(submission_id)
    assert found is not None
    assert (found.name, found.contact, found.status) == ("Ann Example", "ann@example.org", "new")
    assert found.intake == INTAKE and found.recommendation["decision"] == "either"
    assert found.knowledge_version == "kv-test"
    assert found.created_at == NOW and found.created_at.tzinfo is not None


def test_without_consent_nothing_is_written_not_even_an_audit_entry(uow: SqlUnitOfWork) -> None:
    with pytest.raises(Invalid) as refused:
        submissions.send_submission(uow, FixedAdvisor(), "Ann", "0123", False, INTAKE)
    assert [e.path for e in refused.value.errors] == ["consent"]
    with uow:
        assert uow.submissions.with_status("new", 10) == []
    assert trail(uow) == []


def test_reference_codes_are_unique(uow: SqlUnitOfWork) -> None:
    with pytest.raises(IntegrityError), uow:
        uow.submissions.add("AAAA-BBBB", "A", "1", {}, {}, "kv", NOW)
        uow.submissions.add("AAAA-BBBB", "B", "2", {}, {}, "kv", NOW)


def test_a_code_already_used_is_drawn_again(uow: SqlUnitOfWork) -> None:
    codes = iter(["AAAA-BBBB", "AAAA-BBBB", "CCCC-DDDD"])
    first = submissions.send_submission(uow, FixedAdvisor(), "A", "1", True, INTAKE, make_code=lambda: next(codes))
    second = submissions.send_submission(uow, FixedAdvisor(), "B", "2", True, INTAKE, make_code=lambda: next(codes))
    assert (first.code, second.code) == ("AAAA-BBBB", "CCCC-DDDD")


def test_the_inbox_lists_new_submissions_oldest_first_and_is_audited(uow: SqlUnitOfWork) -> None:
    first, second, third = sent(uow, "First"), sent(uow, "Second"), sent(uow, "Third")
    submissions.delete_submission(uow, "dr", second)
    assert [s.id for s in submissions.inbox(uow, "dr")] == [first, third]
    assert trail(uow)[-1] == ("dr", "read", "submission_list")


def test_importing_makes_a_patient_and_a_consultation_and_marks_the_submission(uow: SqlUnitOfWork) -> None:
    submission_id = sent(uow)
    imported = submissions.import_submission(uow, FixedAdvisor(), "dr", submission_id, "R1", "Ann", 1980, "accept")
    assert imported.patient.reference == "R1" and imported.consultation.patient_id == imported.patient.id
    assert imported.consultation.intake == INTAKE and imported.consultation.final_decision == "either"
    with uow:
        assert uow.submissions.get(submission_id).status == "imported"  # type: ignore[union-attr]
    with pytest.raises(Conflict):
        submissions.import_submission(uow, FixedAdvisor(), "dr", submission_id, "R2", "Ann", None, "accept")


def test_a_refused_import_writes_nothing(uow: SqlUnitOfWork) -> None:
    submission_id = sent(uow)
    with pytest.raises(Invalid) as refused:
        submissions.import_submission(uow, FixedAdvisor(), "dr", submission_id, "", "Ann", None, "override")
    assert {e.path for e in refused.value.errors} == {"reference", "final_decision", "override_reason"}
    with uow:
        assert uow.patients.search("", 10) == []
        assert uow.submissions.get(submission_id).status == "new"  # type: ignore[union-attr]
    with pytest.raises(NotFound):
        submissions.import_submission(uow, FixedAdvisor(), "dr", 999, "R1", "Ann", None, "accept")


def test_deleting_wipes_the_personal_fields_and_keeps_the_code(uow: SqlUnitOfWork) -> None:
    submission_id = sent(uow, "Ann Example", "ann@example.org")
    submissions.delete_submission(uow, "dr", submission_id)
    found = submissions.get_submission(uow, "dr", submission_id)
    assert (found.status, found.name, found.contact, found.intake, found.recommendation) == (
        "deleted",
        "",
        "",
        {},
        {},
    )
    assert found.code and found.created_at == NOW
    assert trail(uow)[-2:] == [("dr", "delete", "submission"), ("dr", "read", "submission")]
    with pytest.raises(NotFound):
        submissions.delete_submission(uow, "dr", 999)
