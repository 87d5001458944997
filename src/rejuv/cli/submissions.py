"""`rejuv submissions purge`: wipe answers sent to the clinic once they are past the retention period.

The web app already wipes them before every inbox read and every send, so nobody can read an expired
submission; this command does the same wipe when nobody is using the app, so the data does not sit in the
database (or its backups) longer than promised. Run it daily, for example from cron or a systemd timer.

Exit codes: 0 done (even when there was nothing to wipe); 1 the database could not be reached or updated;
2 a setting is not valid. Messages name the setting or the database, never a traceback.
"""

from __future__ import annotations

import os

import typer
from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from rejuv.services import submissions
from rejuv.settings import Settings, load_settings
from rejuv.storage.database import make_engine, make_session_factory, migrate
from rejuv.storage.uow import SqlUnitOfWork

PURGE_ACTOR = "rejuv submissions purge"
RETENTION_VARIABLE = "REJUV_SUBMISSION_RETENTION_DAYS"

submissions_app = typer.Typer(help="Answers people sent to the clinic from the decision aid.", no_args_is_help=True)


@submissions_app.callback()
def _submissions() -> None:
    """Answers people sent to the clinic (a callback keeps `purge` a subcommand while it is the only one)."""


@submissions_app.command("purge")
def purge_command() -> None:
    """Wipe every submission older than REJUV_SUBMISSION_RETENTION_DAYS (default 30), imported or not."""
    settings = _settings()
    url = settings.resolved_database_url
    try:
        engine = make_engine(url)
    except (SQLAlchemyError, ValueError) as exc:
        typer.echo(f"error: REJUV_DATABASE_URL is not a database address: {exc}", err=True)
        raise typer.Exit(2) from None
    try:
        migrate(engine)
        purged = submissions.purge_expired(
            SqlUnitOfWork(make_session_factory(engine)),
            PURGE_ACTOR,
            retention_days=settings.submission_retention_days,
        )
    except SQLAlchemyError as exc:
        where = make_url(url).render_as_string(hide_password=True)
        typer.echo(f"error: the database {where} could not be updated ({type(exc).__name__})", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    sent_before = purged.cutoff.strftime("%Y-%m-%d %H:%M")
    noun = "submission" if purged.count == 1 else "submissions"
    typer.echo(
        f"Wiped {purged.count} {noun} sent before {sent_before} UTC "
        f"(older than {settings.submission_retention_days} days); the audit log records it."
    )


def _settings() -> Settings:
    """The settings, or exit 2 with a message naming the variable (an unreadable number names it too)."""
    raw = os.environ.get(RETENTION_VARIABLE)
    if raw and not (raw.strip().isdigit() and int(raw) >= 1):
        typer.echo(f"error: {RETENTION_VARIABLE} must be a whole number of days, at least 1 (got {raw!r})", err=True)
        raise typer.Exit(2)
    try:
        return load_settings()
    except (ValidationError, ValueError) as exc:
        typer.echo(f"error: the REJUV_* settings are not valid: {exc}", err=True)
        raise typer.Exit(2) from None
