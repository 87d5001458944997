"""The web shell's commands: `rejuv serve` builds the app and hands it to uvicorn; `rejuv user create` adds
an account (the first admin, typically). Both read the same settings (REJUV_DATA_DIR, REJUV_DATABASE_URL).

The lead registers them in cli/main.py: `app.command("serve")(serve_command)` and
`app.add_typer(user_app, name="user")`.
"""

from __future__ import annotations

import gc

import typer

from rejuv.services.accounts import create_user
from rejuv.services.errors import Conflict, Invalid
from rejuv.settings import Settings, SettingsError, load_settings
from rejuv.storage.database import make_engine, make_session_factory, migrate
from rejuv.storage.uow import SqlUnitOfWork

user_app = typer.Typer(help="Manage clinician and admin accounts.", no_args_is_help=True)


@user_app.callback()
def _users() -> None:
    """Manage clinician and admin accounts (a callback keeps `create` a subcommand while it is the only one)."""


def serve_command(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (loopback by default)."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
) -> None:
    """Serve the decision aid, clinician workspace and API (migrates the database first)."""
    import uvicorn

    from rejuv.web.app import create_app

    settings = _settings_or_exit()
    app = create_app(settings)
    # Everything built so far (knowledge base, templates, routes, the ORM) lives as long as the server. Freezing
    # it takes it out of the garbage collector's full passes, which otherwise walk every one of those objects
    # and hold up every waiting request while they do (about 70 ms here: longer than the p99 budget).
    gc.collect()
    gc.freeze()
    typer.echo(f"rejuv: serving on http://{host}:{port} (database: {_describe(settings.resolved_database_url)})")
    if settings.trusted_proxies:
        typer.echo(f"rejuv: believing X-Forwarded-For from {', '.join(settings.trusted_proxies)}")
    # No access log: clinic search URLs carry patient names (?q=...), and logs must not hold patient data.
    # uvicorn's own proxy_headers stay off: the app's TrustedProxies middleware (REJUV_TRUSTED_PROXIES) is the
    # one place that decides which X-Forwarded-For to believe.
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False, access_log=False)


@user_app.command("create")
def create_user_command(
    username: str = typer.Argument(..., help="Login name: lower-case letters, digits, dots, dashes, underscores."),
    role: str = typer.Option("clinician", "--role", help="clinician or admin."),
    password: str = typer.Option(
        ...,
        "--password",
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        envvar="REJUV_NEW_PASSWORD",
        help="At least 12 characters; prompted for when not given.",
    ),
) -> None:
    """Create an account with an argon2-hashed password."""
    settings = _settings_or_exit()
    engine = make_engine(settings.resolved_database_url)
    try:
        migrate(engine)
        user = create_user(SqlUnitOfWork(make_session_factory(engine)), username, password, role)
    except (Invalid, Conflict) as exc:
        for error in exc.errors:
            typer.echo(f"error: {error.path}: {error.message}", err=True)
        raise typer.Exit(2) from None
    finally:
        engine.dispose()
    typer.echo(f"created {user.role} {user.username!r}")


def _settings_or_exit() -> Settings:
    """The settings, or each bad REJUV_* variable on its own line and exit status 2 (a usage error)."""
    try:
        return load_settings()
    except SettingsError as exc:
        for name, message in exc.problems:
            typer.echo(f"error: {name}: {message}", err=True)
        raise typer.Exit(2) from None


def _describe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True) if url else "?"
