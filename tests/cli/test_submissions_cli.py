"""`rejuv submissions purge`: wipes answers past the retention period, audits the count, and fails with a
message naming the setting or the database (exit 2 or 1), never a traceback."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from rejuv.cli.main import app
from rejuv.services import submissions
from rejuv.services.records import AuditEntry, Submission
from rejuv.settings import load_settings
from rejuv.storage.database import make_engine, make_session_factory, migrate
from rejuv.storage.uow import SqlUnitOfWork

INTAKE: dict[str, Any] = {"schema_version": "1", "patient": {"age": 40}, "concerns": [{"id": "dullness"}]}


class FixedAdvisor:
    def recommend(self, document: Mapping[str, Any]) -> dict[str, Any]:
        return {"schema_version": "1", "decision": "either", "knowledge_version": "kv-test"}


def database(data_dir: Path) -> SqlUnitOfWork:
    engine = make_engine(load_settings({"REJUV_DATA_DIR": str(data_dir)}).resolved_database_url)
    migrate(engine)
    return SqlUnitOfWork(make_session_factory(engine))


def sent_days_ago(uow: SqlUnitOfWork, name: str, days: float) -> int:
    at = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    sent = submissions.send_submission(
        uow, FixedAdvisor(), name, "0123", True, INTAKE, retention_days=365, clock=lambda: at
    )
    return sent.submission.id


def read(uow: SqlUnitOfWork, submission_id: int) -> Submission:
    with uow:
        found = uow.submissions.get(submission_id)
    assert found is not None
    return found


def purges(uow: SqlUnitOfWork) -> list[AuditEntry]:
    with uow:
        return [e for e in uow.audit.latest(50, 0) if e.action == "purge"]


def purge(data_dir: Path, **env: str) -> Any:
    return CliRunner().invoke(
        app, ["submissions", "purge"], env={"REJUV_DATA_DIR": str(data_dir), "REJUV_DATABASE_URL": "", **env}
    )


def test_purge_wipes_only_what_is_past_the_retention_period_and_says_how_many(tmp_path: Path) -> None:
    uow = database(tmp_path)
    old, recent = sent_days_ago(uow, "Old Person", 31), sent_days_ago(uow, "Recent Person", 29)
    result = purge(tmp_path)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Wiped 1 submission sent before ") and "(older than 30 days)" in result.stdout
    assert (read(uow, old).status, read(uow, old).name, read(uow, old).intake) == ("deleted", "", {})
    assert (read(uow, recent).status, read(uow, recent).name) == ("new", "Recent Person")
    [entry] = purges(uow)
    assert (entry.actor, entry.entity) == ("rejuv submissions purge", "submission")
    assert entry.detail.startswith("wiped=1 ") and "Person" not in entry.detail


def test_a_run_with_nothing_to_wipe_succeeds_and_is_audited_too(tmp_path: Path) -> None:
    uow = database(tmp_path)
    result = purge(tmp_path)
    assert result.exit_code == 0 and result.stdout.startswith("Wiped 0 submissions")
    assert [e.detail.split()[0] for e in purges(uow)] == ["wiped=0"]


def test_the_retention_period_comes_from_the_environment(tmp_path: Path) -> None:
    uow = database(tmp_path)
    week_old = sent_days_ago(uow, "Week Old", 8)
    result = purge(tmp_path, REJUV_SUBMISSION_RETENTION_DAYS="7")
    assert result.exit_code == 0 and "(older than 7 days)" in result.stdout
    assert read(uow, week_old).status == "deleted"


@pytest.mark.parametrize("value", ["abc", "0", "-3", "2.5"])
def test_a_bad_retention_setting_is_exit_2_naming_it(tmp_path: Path, value: str) -> None:
    result = purge(tmp_path, REJUV_SUBMISSION_RETENTION_DAYS=value)
    assert result.exit_code == 2
    assert "REJUV_SUBMISSION_RETENTION_DAYS must be a whole number of days" in result.stderr
    assert "Traceback" not in result.output


def test_an_unreachable_database_is_exit_1_without_a_traceback_or_password(tmp_path: Path) -> None:
    url = "postgresql+psycopg://someone:s3cret@127.0.0.1:1/rejuv?connect_timeout=2"
    result = purge(tmp_path, REJUV_DATABASE_URL=url)
    assert result.exit_code == 1
    assert "could not be updated" in result.stderr and "s3cret" not in result.output
    assert "Traceback" not in result.output
