"""Runtime settings for the web app and the CLI, read from the environment by a factory, never at import.

Every field has a safe default for a single person running `rejuv serve` on their own machine: a SQLite file in
a data directory, cookies marked Secure, small request bodies. Values that would make the app unsafe (a short
secret, a body limit of zero) are refused when the settings are built, so a bad deployment fails at start-up
rather than at the first request.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

DEFAULT_DATA_DIR = Path(".data")
SECRET_FILE_NAME = "secret_key"


class Settings(BaseModel):
    """Everything the app factory needs. Tests build one directly; `load_settings` builds it from env vars."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    data_dir: Path = Field(DEFAULT_DATA_DIR, description="REJUV_DATA_DIR: where the SQLite file and secret live")
    database_url: str | None = Field(
        None, description="REJUV_DATABASE_URL: SQLAlchemy URL; unset means SQLite in the data directory"
    )
    secret_key: str = Field(
        description="REJUV_SECRET_KEY: signs session cookies; generated and kept in the data directory if unset"
    )
    cookie_secure: bool = Field(True, description="REJUV_COOKIE_SECURE: mark cookies Secure (HTTPS or localhost)")
    max_body_bytes: int = Field(64 * 1024, description="REJUV_MAX_BODY_BYTES: larger request bodies get 413")
    session_max_age_seconds: int = Field(8 * 3600, description="REJUV_SESSION_MAX_AGE: clinician session life")
    login_attempts_per_window: int = Field(5, description="REJUV_LOGIN_ATTEMPTS: failed logins allowed a window")
    login_window_seconds: int = Field(300, description="REJUV_LOGIN_WINDOW: rate-limit window for logins")
    knowledge_path: Path | None = Field(None, description="REJUV_KNOWLEDGE_PATH: an alternative knowledge base")
    trusted_proxies: tuple[str, ...] = Field(
        (),
        description="REJUV_TRUSTED_PROXIES: comma-separated addresses or networks of reverse proxies whose "
        "X-Forwarded-For is believed; empty means the socket's peer is the client",
    )
    submission_retention_days: int = Field(
        30, description="REJUV_SUBMISSION_RETENTION_DAYS: answers sent to the clinic are deleted after this"
    )

    @field_validator("secret_key")
    @classmethod
    def _long_secret(cls, value: str) -> str:
        if len(value) < 32:
            raise ValueError("the secret key must be at least 32 characters; leave it unset to generate one")
        return value

    @field_validator("max_body_bytes")
    @classmethod
    def _positive_limit(cls, value: int) -> int:
        if not 1024 <= value <= 16 * 1024 * 1024:
            raise ValueError("the body limit must be between 1 KiB and 16 MiB")
        return value

    @field_validator(
        "login_attempts_per_window", "login_window_seconds", "session_max_age_seconds", "submission_retention_days"
    )
    @classmethod
    def _positive(cls, value: int) -> int:
        if value < 1:
            raise ValueError("must be at least 1")
        return value

    @property
    def resolved_database_url(self) -> str:
        """The database to use: the URL given, or a SQLite file inside the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'rejuv.db').resolve()}"


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build settings from environment variables (REJUV_*); creates the data directory and secret if needed."""
    env = os.environ if environ is None else environ
    data_dir = Path(env.get("REJUV_DATA_DIR") or DEFAULT_DATA_DIR)
    values: dict[str, object] = {"data_dir": data_dir}
    if env.get("REJUV_DATABASE_URL"):
        values["database_url"] = env["REJUV_DATABASE_URL"]
    values["secret_key"] = env.get("REJUV_SECRET_KEY") or _stored_secret(data_dir)
    if "REJUV_COOKIE_SECURE" in env:
        values["cookie_secure"] = env["REJUV_COOKIE_SECURE"].strip().lower() not in {
            "0",
            "false",
            "no",
            "off",
        }
    for name, field in [
        ("REJUV_MAX_BODY_BYTES", "max_body_bytes"),
        ("REJUV_SESSION_MAX_AGE", "session_max_age_seconds"),
        ("REJUV_LOGIN_ATTEMPTS", "login_attempts_per_window"),
        ("REJUV_LOGIN_WINDOW", "login_window_seconds"),
        ("REJUV_SUBMISSION_RETENTION_DAYS", "submission_retention_days"),
    ]:
        if env.get(name):
            values[field] = int(env[name])
    if env.get("REJUV_TRUSTED_PROXIES"):
        values["trusted_proxies"] = tuple(p.strip() for p in env["REJUV_TRUSTED_PROXIES"].split(",") if p.strip())
    if env.get("REJUV_KNOWLEDGE_PATH"):
        values["knowledge_path"] = Path(env["REJUV_KNOWLEDGE_PATH"])
    return Settings.model_validate(values)


def _stored_secret(data_dir: Path) -> str:
    """A per-installation secret: random on first start, then read back so sessions survive a restart."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / SECRET_FILE_NAME
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    secret = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secret)
    return secret
