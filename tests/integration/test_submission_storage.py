"""Submissions on SQLite and PostgreSQL: migrations 0004 and 0005 up and down, the repository, and the use
cases' guarantees (no consent, nothing written; import is all or nothing; delete wipes the personal fields;
one send key, one submission, even when two sends race; a deleted submission is not stored again by its key;
submissions past the retention period are wiped, imported or not, and the wipe is audited by count)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from rejuv.services import submissions
from rejuv.services.errors import Conflict, Invalid, NotFound
from rejuv.services.records import Submission
from rejuv.storage.database import downgrade, migrate, table_names
from rejuv.storage.tables import SubmissionRow
from rejuv.storage.uow import SqlUnitOfWork

NOW = dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt.UTC)
DAYS = 30
INTAKE: dict[str, Any] = {"schema_version": "1", "patient": {"age": 40}, "concerns": [{"id": "dullness"}]}
KEY = submissions.SendKey("form", "k" * 43)


class FixedAdvisor:
    """Stands in for the engine: what matters here is that the service asks it, never the form."""

    def recommend(self, document: Mapping[str, Any]) -> dict[str, Any]:
        return {"schema_version": "1", "decision": "either", "knowledge_version": "kv-test", "options": []}


def send(
    uow: SqlUnitOfWork,
    name: str = "Ann",
    contact: str = "0123",
    *,
    key: submissions.SendKey | None = None,
    at: dt.datetime = NOW,
    intake: dict[str, Any] = INTAKE,
) -> submissions.Sent:
    return submissions.send_submission(
        uow, FixedAdvisor(), name, contact, True, intake, retention_days=DAYS, send_key=key, clock=lambda: at
    )


def sent(uow: SqlUnitOfWork, name: str = "Ann", contact: str = "0123", at: dt.datetime = NOW) -> int:
    return send(uow, name, contact, at=at).submission.id


def rows(uow: SqlUnitOfWork) -> list[Submission]:
    with uow:
        return [s for status in ("new", "imported", "deleted") for s in uow.submissions.with_status(status, 100)]


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
        submissions.send_submission(uow, FixedAdvisor(), "Ann", "0123", False, INTAKE, retention_days=DAYS)
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
    first, second = (
        submissions.send_submission(
            uow, FixedAdvisor(), name, "1", True, INTAKE, retention_days=DAYS, make_code=lambda: next(codes)
        ).submission
        for name in ("A", "B")
    )
    assert (first.code, second.code) == ("AAAA-BBBB", "CCCC-DDDD")


def test_the_inbox_lists_new_submissions_oldest_first_and_is_audited(uow: SqlUnitOfWork) -> None:
    first, second, third = sent(uow, "First"), sent(uow, "Second"), sent(uow, "Third")
    submissions.delete_submission(uow, "dr", second, retention_days=DAYS, clock=lambda: NOW)
    assert [s.id for s in submissions.inbox(uow, "dr", retention_days=DAYS, clock=lambda: NOW)] == [first, third]
    assert trail(uow)[-1] == ("dr", "read", "submission_list")


def test_importing_makes_a_patient_and_a_consultation_and_marks_the_submission(uow: SqlUnitOfWork) -> None:
    submission_id = sent(uow)
    imported = submissions.import_submission(
        uow, FixedAdvisor(), "dr", submission_id, "R1", "Ann", 1980, "accept", retention_days=DAYS, clock=lambda: NOW
    )
    assert imported.patient.reference == "R1" and imported.consultation.patient_id == imported.patient.id
    assert imported.consultation.intake == INTAKE and imported.consultation.final_decision == "either"
    with uow:
        assert uow.submissions.get(submission_id).status == "imported"  # type: ignore[union-attr]
    with pytest.raises(Conflict):
        submissions.import_submission(
            uow,
            FixedAdvisor(),
            "dr",
            submission_id,
            "R2",
            "Ann",
            None,
            "accept",
            retention_days=DAYS,
            clock=lambda: NOW,
        )


def test_a_refused_import_writes_nothing(uow: SqlUnitOfWork) -> None:
    submission_id = sent(uow)
    with pytest.raises(Invalid) as refused:
        submissions.import_submission(
            uow,
            FixedAdvisor(),
            "dr",
            submission_id,
            "",
            "Ann",
            None,
            "override",
            retention_days=DAYS,
            clock=lambda: NOW,
        )
    assert {e.path for e in refused.value.errors} == {"reference", "final_decision", "override_reason"}
    with uow:
        assert uow.patients.search("", 10) == []
        assert uow.submissions.get(submission_id).status == "new"  # type: ignore[union-attr]
    with pytest.raises(NotFound):
        submissions.import_submission(
            uow, FixedAdvisor(), "dr", 999, "R1", "Ann", None, "accept", retention_days=DAYS, clock=lambda: NOW
        )


def test_deleting_wipes_the_personal_fields_and_keeps_the_code(uow: SqlUnitOfWork) -> None:
    submission_id = sent(uow, "Ann Example", "ann@example.org")
    submissions.delete_submission(uow, "dr", submission_id, retention_days=DAYS, clock=lambda: NOW)
    found = submissions.get_submission(uow, "dr", submission_id, retention_days=DAYS, clock=lambda: NOW)
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
        submissions.delete_submission(uow, "dr", 999, retention_days=DAYS)


def test_migration_0005_adds_a_unique_send_key_and_downgrading_removes_only_it(engine: Engine) -> None:
    assert "send_key" in {c["name"] for c in inspect(engine).get_columns("submissions")}
    [index] = [i for i in inspect(engine).get_indexes("submissions") if i["name"] == "ix_submissions_send_key"]
    assert index["unique"] and index["column_names"] == ["send_key"]
    downgrade(engine, "0004")
    assert "send_key" not in {c["name"] for c in inspect(engine).get_columns("submissions")}
    assert "ix_submissions_send_key" not in {i["name"] for i in inspect(engine).get_indexes("submissions")}
    assert {"submissions", "users", "patients", "consultations", "audit_log"} <= table_names(engine)
    migrate(engine)
    assert "send_key" in {c["name"] for c in inspect(engine).get_columns("submissions")}


def test_the_same_send_key_again_returns_the_first_submission_and_stores_nothing(uow: SqlUnitOfWork) -> None:
    first = send(uow, key=KEY)
    again = send(uow, key=KEY, at=NOW + dt.timedelta(minutes=5))
    assert (first.replayed, again.replayed) == (False, True)
    assert again.submission == first.submission
    assert again.delete_after == first.delete_after == NOW + dt.timedelta(days=DAYS)
    assert len(rows(uow)) == 1
    assert trail(uow) == [("person (decision aid)", "create", "submission")]


def test_only_a_digest_of_the_send_key_is_stored(uow: SqlUnitOfWork, session_factory: sessionmaker[Session]) -> None:
    send(uow, key=KEY)
    with session_factory() as session:
        [stored] = session.scalars(select(SubmissionRow.send_key)).all()
    assert stored == KEY.digest and len(stored) == 64 and KEY.key not in stored


def test_a_form_key_and_an_api_key_with_the_same_text_are_different_sends(uow: SqlUnitOfWork) -> None:
    first = send(uow, key=submissions.SendKey("form", "x" * 20))
    second = send(uow, key=submissions.SendKey("api", "x" * 20))
    assert not second.replayed and first.submission.code != second.submission.code


def test_a_key_reused_with_other_answers_stores_nothing_and_names_what_differs(uow: SqlUnitOfWork) -> None:
    first = send(uow, "Ann", "0123", key=KEY)
    with pytest.raises(submissions.SendKeyReused) as refused:
        send(uow, "Ann", "0999", key=KEY, intake={**INTAKE, "patient": {"age": 41}})
    assert refused.value.fields == ["contact", "intake"] and refused.value.code == first.submission.code
    [only] = rows(uow)
    assert only.contact == "0123"


def test_the_same_answers_typed_with_other_spacing_are_the_same_send(uow: SqlUnitOfWork) -> None:
    send(uow, "Ann  Example", "0123", key=KEY)
    assert send(uow, " Ann Example ", "0123 ", key=KEY).replayed


def test_a_deleted_submission_is_not_stored_again_by_its_key(uow: SqlUnitOfWork) -> None:
    first = send(uow, key=KEY)
    submissions.delete_submission(uow, "dr", first.submission.id, retention_days=DAYS, clock=lambda: NOW)
    with pytest.raises(submissions.AlreadyDeleted) as refused:
        send(uow, key=KEY)
    assert refused.value.code == first.submission.code
    [only] = rows(uow)
    assert (only.status, only.name, only.intake) == ("deleted", "", {})


class StaleReadUnitOfWork(SqlUnitOfWork):
    """Its first look-up by send key misses, as when a concurrent send commits just after the look-up: the
    insert then meets the unique index, which is what must settle the race."""

    misses = 1

    def __enter__(self) -> StaleReadUnitOfWork:
        super().__enter__()
        real = self.submissions.get_by_send_key

        def get_by_send_key(send_key: str) -> Submission | None:
            if self.misses:
                self.misses -= 1
                return None
            return real(send_key)

        self.submissions.get_by_send_key = get_by_send_key  # type: ignore[method-assign]
        return self


def test_losing_the_race_to_the_unique_index_reads_the_first_submission_back(
    uow: SqlUnitOfWork, session_factory: sessionmaker[Session]
) -> None:
    first = send(uow, key=KEY)
    late = submissions.send_submission(
        StaleReadUnitOfWork(session_factory), FixedAdvisor(), "Ann", "0123", True, INTAKE,
        retention_days=DAYS, send_key=KEY, clock=lambda: NOW,
    )  # fmt: skip
    assert late.replayed and late.submission == first.submission
    assert len(rows(uow)) == 1


def test_concurrent_sends_with_one_key_store_one_submission(session_factory: sessionmaker[Session]) -> None:
    threads_count = 6
    start = threading.Barrier(threads_count)
    results: list[submissions.Sent] = []
    failures: list[BaseException] = []

    def run() -> None:
        start.wait()
        try:
            results.append(send(SqlUnitOfWork(session_factory), key=KEY))
        except BaseException as exc:  # collected so the assertion below shows it
            failures.append(exc)

    threads = [threading.Thread(target=run) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert len(results) == threads_count
    assert len({r.submission.code for r in results}) == 1
    assert sorted(r.replayed for r in results) == [False] + [True] * (threads_count - 1)
    uow = SqlUnitOfWork(session_factory)
    assert len(rows(uow)) == 1
    assert trail(uow) == [("person (decision aid)", "create", "submission")]


def test_purging_wipes_what_is_past_the_retention_period_imported_or_not(uow: SqlUnitOfWork) -> None:
    old_new = sent(uow, "Old New", at=NOW - dt.timedelta(days=DAYS, seconds=1))
    old_imported = sent(uow, "Old Imported", at=NOW - dt.timedelta(days=40))
    submissions.import_submission(
        uow, FixedAdvisor(), "dr", old_imported, "R1", "Old", None, "accept",
        retention_days=DAYS, clock=lambda: NOW - dt.timedelta(days=39),
    )  # fmt: skip
    just_in = sent(uow, "Just In", at=NOW - dt.timedelta(days=DAYS) + dt.timedelta(seconds=1))
    purged = submissions.purge_expired(uow, "cron", retention_days=DAYS, clock=lambda: NOW)
    assert purged.count == 2 and purged.cutoff == NOW - dt.timedelta(days=DAYS)
    with uow:
        after = {i: uow.submissions.get(i) for i in (old_new, old_imported, just_in)}
        assert uow.patients.get_by_reference("R1") is not None  # the patient record is the clinic's, and stays
    for gone in (old_new, old_imported):
        found = after[gone]
        assert found is not None
        assert (found.status, found.name, found.contact, found.intake, found.recommendation) == (
            "deleted", "", "", {}, {},
        )  # fmt: skip
        assert found.code and found.created_at < NOW
    kept = after[just_in]
    assert kept is not None and (kept.status, kept.name) == ("new", "Just In")


def test_each_purge_is_audited_with_a_count_and_no_names(uow: SqlUnitOfWork) -> None:
    sent(uow, "Ann Example", at=NOW - dt.timedelta(days=DAYS + 1))
    submissions.purge_expired(uow, "cron", retention_days=DAYS, clock=lambda: NOW)
    submissions.purge_expired(uow, "cron", retention_days=DAYS, clock=lambda: NOW)
    with uow:
        entries = [e for e in uow.audit.latest(10, 0) if e.action == "purge"]
    assert [(e.actor, e.entity, e.entity_id) for e in entries] == [("cron", "submission", None)] * 2
    assert entries[1].detail.startswith("wiped=1 ") and entries[0].detail.startswith("wiped=0 ")
    assert all("Ann" not in e.detail and "retention_days=30" in e.detail for e in entries)


def test_every_read_and_send_wipes_expired_submissions_first(uow: SqlUnitOfWork) -> None:
    old = sent(uow, "Old", at=NOW - dt.timedelta(days=DAYS + 1))
    assert submissions.inbox(uow, "dr", retention_days=DAYS, clock=lambda: NOW) == []
    assert submissions.get_submission(uow, "dr", old, retention_days=DAYS, clock=lambda: NOW).name == ""
    assert ("retention period (automatic)", "purge", "submission") in trail(uow)
    older = sent(uow, "Older", at=NOW - dt.timedelta(days=DAYS + 2))
    send(uow, "New", at=NOW)  # the send itself wipes what expired
    with uow:
        found = uow.submissions.get(older)
    assert found is not None and found.status == "deleted" and found.name == ""


def test_a_shorter_retention_period_wipes_sooner(uow: SqlUnitOfWork) -> None:
    week_old = sent(uow, "Week", at=NOW - dt.timedelta(days=8))
    assert submissions.purge_expired(uow, "cron", retention_days=30, clock=lambda: NOW).count == 0
    assert submissions.purge_expired(uow, "cron", retention_days=7, clock=lambda: NOW).count == 1
    with uow:
        assert uow.submissions.get(week_old).status == "deleted"  # type: ignore[union-attr]


def test_a_resend_after_the_retention_wipe_is_not_stored_again(uow: SqlUnitOfWork) -> None:
    send(uow, key=KEY, at=NOW - dt.timedelta(days=DAYS + 1))
    with pytest.raises(submissions.AlreadyDeleted):
        send(uow, key=KEY, at=NOW)
    assert [s.status for s in rows(uow)] == ["deleted"]


def test_a_submission_is_found_by_its_code_in_any_case(uow: SqlUnitOfWork) -> None:
    code = send(uow).submission.code
    found = submissions.get_submission(uow, "dr", code.lower(), retention_days=DAYS, clock=lambda: NOW)
    assert found.code == code
    with pytest.raises(NotFound):
        submissions.get_submission(uow, "dr", "AAAA-AAAA", retention_days=DAYS, clock=lambda: NOW)
