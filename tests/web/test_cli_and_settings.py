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
from rejuv.settings import Settings, load_settings


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
