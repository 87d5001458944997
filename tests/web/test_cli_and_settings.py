"""`rejuv serve` and `rejuv user create` (through their Typer objects), and settings that refuse unsafe values."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import typer
from pydantic import ValidationError
from typer.testing import CliRunner

from rejuv.cli.web import serve_command, user_app
from rejuv.settings import Settings, SettingsError, load_settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_creates_and_migrates_a_sqlite_database_on_first_start(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "REJUV_DATA_DIR": str(tmp_path / "data")}
    env.pop("REJUV_DATABASE_URL", None)
    code = "import typer; from rejuv.cli.web import serve_command; typer.run(serve_command)"
    server = subprocess.Popen(
        [sys.executable, "-c", code, "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1) as response:
                    assert json.load(response) == {"status": "ok"}
                    break
            except OSError:
                assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
                assert time.monotonic() < deadline, "the server did not start within 30 s"
                time.sleep(0.2)
        database = tmp_path / "data" / "rejuv.db"
        with sqlite3.connect(database) as conn:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert {"users", "patients", "consultations", "audit_log", "alembic_version"} <= tables
        assert (tmp_path / "data" / "secret_key").stat().st_mode & 0o077 == 0
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_serve_offers_host_and_port_options() -> None:
    app = typer.Typer()
    app.command()(serve_command)
    result = CliRunner().invoke(app, ["--help"])
    assert "--host" in result.output and "--port" in result.output


def test_user_create_makes_an_admin_who_can_log_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REJUV_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("REJUV_DATABASE_URL", raising=False)
    password = "a long enough password"
    result = CliRunner().invoke(user_app, ["create", "boss", "--role", "admin"], input=f"{password}\n{password}\n")
    assert result.exit_code == 0, result.output
    assert "created admin 'boss'" in result.output
    from fastapi.testclient import TestClient

    from rejuv.web.app import create_app

    with TestClient(create_app(load_settings()), base_url="https://testserver") as client:
        response = client.post("/api/session", json={"username": "boss", "password": password})
        assert response.json()["role"] == "admin"


def test_user_create_refuses_a_short_password_and_a_duplicate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REJUV_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("REJUV_DATABASE_URL", raising=False)
    runner = CliRunner()
    short = runner.invoke(user_app, ["create", "dr", "--password", "short"])
    assert short.exit_code == 2 and "password: must be at least 12 characters" in short.output
    assert runner.invoke(user_app, ["create", "dr", "--password", "x" * 12]).exit_code == 0
    again = runner.invoke(user_app, ["create", "dr", "--password", "x" * 12])
    assert again.exit_code == 2 and "already taken" in again.output


def test_settings_come_from_the_environment(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "REJUV_DATA_DIR": str(tmp_path),
            "REJUV_DATABASE_URL": "postgresql+psycopg://x/y",
            "REJUV_MAX_BODY_BYTES": "2048",
            "REJUV_COOKIE_SECURE": "false",
        }
    )
    assert settings.resolved_database_url == "postgresql+psycopg://x/y"
    assert settings.max_body_bytes == 2048 and settings.cookie_secure is False


def test_without_a_url_the_database_is_sqlite_in_the_data_directory(tmp_path: Path) -> None:
    settings = load_settings({"REJUV_DATA_DIR": str(tmp_path)})
    assert settings.resolved_database_url == f"sqlite:///{tmp_path.resolve() / 'rejuv.db'}"


def test_the_generated_secret_survives_a_restart(tmp_path: Path) -> None:
    first = load_settings({"REJUV_DATA_DIR": str(tmp_path)}).secret_key
    assert load_settings({"REJUV_DATA_DIR": str(tmp_path)}).secret_key == first


@pytest.mark.parametrize(
    ("field", "value"), [("secret_key", "short"), ("max_body_bytes", 0), ("login_attempts_per_window", 0)]
)
def test_unsafe_settings_are_refused(tmp_path: Path, field: str, value: object) -> None:
    values: dict[str, object] = {"data_dir": tmp_path, "secret_key": "s" * 40, field: value}
    with pytest.raises(ValidationError):
        Settings.model_validate(values)


@pytest.mark.parametrize(
    ("variable", "allowed"),
    [
        ("REJUV_MAX_BODY_BYTES", "a whole number of bytes from 1024 to 16777216"),
        ("REJUV_SESSION_MAX_AGE", "a whole number of seconds, at least 1"),
        ("REJUV_LOGIN_ATTEMPTS", "a whole number of attempts, at least 1"),
        ("REJUV_LOGIN_WINDOW", "a whole number of seconds, at least 1"),
        ("REJUV_SUBMISSION_RETENTION_DAYS", "a whole number of days, at least 1"),
    ],
)
def test_a_variable_that_is_not_a_number_is_named_with_what_it_accepts(
    tmp_path: Path, variable: str, allowed: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"REJUV_DATA_DIR": str(tmp_path), variable: "abc"})
    assert str(caught.value) == f"{variable}: 'abc' is not {allowed}"


def test_every_refused_variable_is_reported_at_once(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(
            {
                "REJUV_DATA_DIR": str(tmp_path),
                "REJUV_LOGIN_WINDOW": "5m",
                "REJUV_MAX_BODY_BYTES": "10",
                "REJUV_SECRET_KEY": "s",
            }
        )
    names = [name for name, _message in caught.value.problems]
    assert names == ["REJUV_LOGIN_WINDOW", "REJUV_SECRET_KEY", "REJUV_MAX_BODY_BYTES"]
    assert "between 1 KiB and 16 MiB" in str(caught.value)


def test_trusted_proxies_are_read_as_addresses_and_networks(tmp_path: Path) -> None:
    settings = load_settings({"REJUV_DATA_DIR": str(tmp_path), "REJUV_TRUSTED_PROXIES": " 127.0.0.1, 10.0.0.0/8 ,::1,"})
    assert settings.trusted_proxies == ("127.0.0.1", "10.0.0.0/8", "::1")
    assert [str(n) for n in settings.trusted_proxy_networks] == ["127.0.0.1/32", "10.0.0.0/8", "::1/128"]


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ("127.0.0.1, nginx", "'nginx' is not an IP address or network"),
        ("10.0.0.7/8", "did you mean 10.0.0.0/8?"),
        ("10.0.0.300", "'10.0.0.300' is not an IP address or network"),
        ("0.0.0.0/0", "'0.0.0.0/0' trusts every address"),
        ("::/0", "'::/0' trusts every address"),
    ],
)
def test_a_bad_trusted_proxy_is_refused_naming_the_variable_and_the_entry(
    tmp_path: Path, entries: str, message: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"REJUV_DATA_DIR": str(tmp_path), "REJUV_TRUSTED_PROXIES": entries})
    [(name, text)] = caught.value.problems
    assert name == "REJUV_TRUSTED_PROXIES" and message in text
    with pytest.raises(ValidationError, match="REJUV_TRUSTED_PROXIES"):  # built directly, as tests do
        Settings(data_dir=tmp_path, secret_key="s" * 40, trusted_proxies=tuple(entries.split(",")))


@pytest.mark.parametrize("command", [["serve"], ["user", "create", "dr", "--password", "x" * 12]])
def test_serve_and_user_create_print_a_bad_variable_and_exit_2_without_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.setenv("REJUV_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("REJUV_LOGIN_ATTEMPTS", "abc")
    monkeypatch.setenv("REJUV_TRUSTED_PROXIES", "nginx")
    app = typer.Typer()
    app.command("serve")(serve_command)
    app.add_typer(user_app, name="user")
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 2, result.output
    assert "error: REJUV_LOGIN_ATTEMPTS: 'abc' is not a whole number of attempts, at least 1" in result.output
    assert "error: REJUV_TRUSTED_PROXIES: 'nginx' is not an IP address or network" in result.output
    assert "Traceback" not in result.output and not isinstance(result.exception, ValueError)
    assert not (tmp_path / "rejuv.db").exists()  # nothing was started or migrated


def test_an_unwritable_data_directory_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(SettingsError, match="REJUV_DATA_DIR: cannot keep the secret key"):
        load_settings({"REJUV_DATA_DIR": str(blocker / "data")})


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://app:hunter2@db/rejuv", "rejuv runs on SQLite or PostgreSQL, not mysql"),
        ("postgresql://app:hunter2@db:port/rejuv", "not a database URL"),
    ],
)
def test_an_unusable_database_url_is_named_without_echoing_its_password(tmp_path: Path, url: str, message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"REJUV_DATA_DIR": str(tmp_path), "REJUV_DATABASE_URL": url})
    assert str(caught.value).startswith(f"REJUV_DATABASE_URL: {message}")
    assert "hunter2" not in str(caught.value)
