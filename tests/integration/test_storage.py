"""Storage behaviour the clinic relies on, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from rejuv.services.records import NewConsultation
from rejuv.storage.database import downgrade, make_engine, migrate, table_names
from rejuv.storage.tables import Base
from rejuv.storage.uow import SqlUnitOfWork

NOW = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
TABLES = {"users", "patients", "consultations", "audit_log"}


def test_migrations_create_every_table_and_downgrade_removes_them(engine: Engine) -> None:
    assert table_names(engine) >= TABLES
    downgrade(engine, "base")
    assert not TABLES & table_names(engine)
    migrate(engine)
    assert table_names(engine) >= TABLES


def test_migrating_twice_leaves_the_data_in_place(engine: Engine, uow: SqlUnitOfWork) -> None:
    with uow:
        uow.patients.add("R-1", "Ann Example", 1980, NOW)
        uow.commit()
    migrate(engine)
    with uow:
        assert uow.patients.get_by_reference("R-1") is not None


def test_the_migrated_schema_matches_the_table_definitions(engine: Engine) -> None:
    inspector = inspect(engine)
    for table in Base.metadata.sorted_tables:
        migrated = {c["name"] for c in inspector.get_columns(table.name)}
        assert migrated == {c.name for c in table.columns}, table.name
        migrated_indexes = {i["name"] for i in inspector.get_indexes(table.name)}
        assert {i.name for i in table.indexes} <= migrated_indexes, table.name


def test_work_not_committed_is_rolled_back(uow: SqlUnitOfWork) -> None:
    with uow:
        uow.patients.add("R-2", "Rolled Back", None, NOW)
    with uow:
        assert uow.patients.get_by_reference("R-2") is None


def test_an_error_inside_the_unit_of_work_rolls_back(uow: SqlUnitOfWork) -> None:
    with pytest.raises(RuntimeError), uow:
        uow.patients.add("R-3", "Errored", None, NOW)
        raise RuntimeError("boom")
    with uow:
        assert uow.patients.get_by_reference("R-3") is None


def test_patient_references_are_unique(uow: SqlUnitOfWork) -> None:
    with uow:
        uow.patients.add("R-4", "First", None, NOW)
        uow.commit()
    with pytest.raises(IntegrityError), uow:
        uow.patients.add("R-4", "Second", None, NOW)


def test_search_finds_by_name_or_reference_ignoring_case_and_wildcards(uow: SqlUnitOfWork) -> None:
    with uow:
        uow.patients.add("ABC-1", "Maria Lopez", None, NOW)
        uow.patients.add("XYZ-2", "John 50% Smith", None, NOW)
        uow.patients.add("XYZ-3", "John 500 Smith", None, NOW)
        uow.commit()
    with uow:
        assert [p.reference for p in uow.patients.search("lopez", 10)] == ["ABC-1"]
        assert [p.reference for p in uow.patients.search("abc", 10)] == ["ABC-1"]
        assert [p.reference for p in uow.patients.search("50%", 10)] == ["XYZ-2"]
        assert len(uow.patients.search("", 10)) == 3


def test_consultations_keep_their_documents_and_come_back_newest_first(uow: SqlUnitOfWork) -> None:
    intake = {"schema_version": "1", "patient": {"age": 40}, "concerns": [{"id": "dullness"}]}
    recommendation = {"schema_version": "1", "decision": "either", "knowledge_version": "kv1"}
    with uow:
        patient = uow.patients.add("R-5", "Ann", None, NOW)
        for minutes, decision in [(0, "accept"), (5, "override")]:
            uow.consultations.add(
                NewConsultation(
                    patient_id=patient.id,
                    clinician="dr",
                    intake=intake,
                    recommendation=recommendation,
                    clinician_decision="accept" if decision == "accept" else "override",
                    final_decision="either" if decision == "accept" else "prp",
                    override_reason=None if decision == "accept" else "patient prefers own blood",
                    notes="",
                    knowledge_version="kv1",
                ),
                NOW + dt.timedelta(minutes=minutes),
            )
        uow.commit()
    with uow:
        history = uow.consultations.for_patient(patient.id)
    assert [c.clinician_decision for c in history] == ["override", "accept"]
    assert history[0].intake == intake and history[0].recommendation == recommendation
    assert history[0].created_at == NOW + dt.timedelta(minutes=5)
    assert history[0].created_at.tzinfo is not None


def test_a_consultation_for_a_missing_patient_is_refused(uow: SqlUnitOfWork) -> None:
    new = NewConsultation(1234, "dr", {}, {"decision": "refer"}, "accept", "refer", None, "", "kv")
    with pytest.raises(IntegrityError), uow:
        uow.consultations.add(new, NOW)


def test_naive_datetimes_are_refused_rather_than_stored_ambiguously(uow: SqlUnitOfWork) -> None:
    with pytest.raises(Exception, match="naive"), uow:
        uow.patients.add("R-6", "Ann", None, dt.datetime(2026, 1, 1))


def test_the_audit_log_lists_newest_first(uow: SqlUnitOfWork) -> None:
    with uow:
        uow.audit.add("dr", "read", "patient", "1", "", NOW)
        uow.audit.add("dr", "create", "patient", "2", "", NOW)
        uow.commit()
    with uow:
        entries = uow.audit.latest(10, 0)
    assert [(e.action, e.entity_id) for e in entries] == [("create", "2"), ("read", "1")]


def test_sqlite_files_use_write_ahead_logging(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'sub' / 'x.db'}")
    migrate(engine)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_a_session_factory_never_expires_records_on_commit(session_factory: sessionmaker[Session]) -> None:
    assert session_factory.kw["expire_on_commit"] is False
