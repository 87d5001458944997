"""Runtime settings for the web app and the CLI, read from the environment by a factory, never at import.

Every field has a safe default for a single person running `rejuv serve` on their own machine: a SQLite file in
a data directory, cookies marked Secure, small request bodies. Values that would make the app unsafe (a short
secret, a body limit of zero) are refused when the settings are built, so a bad deployment fails at start-up
rather than at the first request.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_DATA_DIR = Path(".data")
SECRET_FILE_NAME = "secret_key"

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
SUPPORTED_DATABASES = ("sqlite", "postgresql")

# Whole-number variables: the field each fills and, for the error message, what it accepts.
INTEGER_VARIABLES: dict[str, tuple[str, str]] = {
    "REJUV_MAX_BODY_BYTES": ("max_body_bytes", "a whole number of bytes from 1024 to 16777216"),
    "REJUV_SESSION_MAX_AGE": ("session_max_age_seconds", "a whole number of seconds, at least 1"),
    "REJUV_LOGIN_ATTEMPTS": ("login_attempts_per_window", "a whole number of attempts, at least 1"),
    "REJUV_LOGIN_WINDOW": ("login_window_seconds", "a whole number of seconds, at least 1"),
    "REJUV_SUBMISSION_RETENTION_DAYS": ("submission_retention_days", "a whole number of days, at least 1"),
}
# Every field's variable, so a refused value is reported under the name the operator actually set.
VARIABLE_OF_FIELD: dict[str, str] = {
    "data_dir": "REJUV_DATA_DIR",
    "database_url": "REJUV_DATABASE_URL",
    "secret_key": "REJUV_SECRET_KEY",
    "cookie_secure": "REJUV_COOKIE_SECURE",
    "knowledge_path": "REJUV_KNOWLEDGE_PATH",
    "trusted_proxies": "REJUV_TRUSTED_PROXIES",
    **{field: name for name, (field, _allowed) in INTEGER_VARIABLES.items()},
}


class SettingsError(ValueError):
    """One or more REJUV_* variables hold values the app cannot start with.

    Raised by `load_settings` instead of a raw ValueError or pydantic's report, so the CLI can print one line
    per variable (its name, what was wrong, what is allowed) and exit 2 without a traceback.
    """

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{name}: {message}" for name, message in problems))


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

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            backend = make_url(value).get_backend_name()
        except (
            ArgumentError,
            ValueError,
        ):  # the message would quote the URL, password and all: say what is expected instead
            raise ValueError(
                "not a database URL; write e.g. sqlite:////srv/rejuv/rejuv.db or postgresql+psycopg://app@host/rejuv"
            ) from None
        if backend not in SUPPORTED_DATABASES:
            raise ValueError(f"rejuv runs on SQLite or PostgreSQL, not {backend}")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        entries = tuple(entry.strip() for entry in value)
        for entry in entries:
            proxy_network(entry)  # raises naming REJUV_TRUSTED_PROXIES and the entry
        return entries

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

    @property
    def trusted_proxy_networks(self) -> tuple[IpNetwork, ...]:
        """The trusted proxies as networks (a single address is a /32 or /128 network)."""
        return tuple(proxy_network(entry) for entry in self.trusted_proxies)


def proxy_network(entry: str) -> IpNetwork:
    """One REJUV_TRUSTED_PROXIES entry as a network, or a ValueError naming the variable and the entry.

    Host bits are refused rather than silently cleared (10.0.0.7/8 is more likely a typo than a wish to trust
    all of 10.0.0.0/8), and a network holding every address is refused outright: trusting every peer would let
    any client choose the address the rate limits count.
    """
    try:
        network = ipaddress.ip_network(entry, strict=True)
    except ValueError as exc:
        hint = ""
        if "host bits set" in str(exc):
            hint = f" (host bits are set: did you mean {ipaddress.ip_network(entry, strict=False)}?)"
        raise ValueError(
            f"REJUV_TRUSTED_PROXIES: {entry!r} is not an IP address or network{hint}; "
            "write addresses or networks such as 127.0.0.1, 10.0.0.0/8 or ::1, separated by commas"
        ) from None
    if network.prefixlen == 0:
        raise ValueError(
            f"REJUV_TRUSTED_PROXIES: {entry!r} trusts every address, so any client could choose its own address; "
            "list only your reverse proxies"
        )
    return network


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build settings from environment variables (REJUV_*); creates the data directory and secret if needed.

    Every refused value, however it fails (not a number, out of range, not an address), ends up in one
    SettingsError naming the variable, so a misconfigured deployment says what to fix instead of tracing back.
    """
    env = os.environ if environ is None else environ
    problems: list[tuple[str, str]] = []
    data_dir = Path(env.get("REJUV_DATA_DIR") or DEFAULT_DATA_DIR)
    values: dict[str, object] = {"data_dir": data_dir}
    if env.get("REJUV_DATABASE_URL"):
        values["database_url"] = env["REJUV_DATABASE_URL"]
    try:
        values["secret_key"] = env.get("REJUV_SECRET_KEY") or _stored_secret(data_dir)
    except OSError as exc:
        problem = f"cannot keep the secret key in {str(data_dir)!r}: {exc.strerror or exc}"
        raise SettingsError([("REJUV_DATA_DIR", problem)]) from None
    if "REJUV_COOKIE_SECURE" in env:
        values["cookie_secure"] = env["REJUV_COOKIE_SECURE"].strip().lower() not in {
            "0",
            "false",
            "no",
            "off",
        }
    for name, (field, allowed) in INTEGER_VARIABLES.items():
        raw = env.get(name, "").strip()
        if raw:
            try:
                values[field] = int(raw)
            except ValueError:
                problems.append((name, f"{_shown(raw)} is not {allowed}"))
    if env.get("REJUV_TRUSTED_PROXIES"):
        values["trusted_proxies"] = tuple(p.strip() for p in env["REJUV_TRUSTED_PROXIES"].split(",") if p.strip())
    if env.get("REJUV_KNOWLEDGE_PATH"):
        values["knowledge_path"] = Path(env["REJUV_KNOWLEDGE_PATH"])
    try:
        settings = Settings.model_validate(values)
    except ValidationError as exc:
        raise SettingsError(problems + _named(exc)) from None
    if problems:
        raise SettingsError(problems)
    return settings


def _named(exc: ValidationError) -> list[tuple[str, str]]:
    """Pydantic's errors, each under its REJUV_* variable, with what the variable accepts where that helps."""
    named: list[tuple[str, str]] = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        name = VARIABLE_OF_FIELD.get(field, field)
        message = str(error["msg"]).removeprefix("Value error, ")
        message = message.removeprefix(f"{name}: ")  # the proxy validator already names its variable
        allowed = INTEGER_VARIABLES[name][1] if name in INTEGER_VARIABLES else None
        if allowed:
            message = f"{message} (allowed: {allowed})"
        named.append((name, message))
    return named


def _shown(raw: str) -> str:
    """The refused value as typed, cut short: an error message should not echo a whole pasted file."""
    return repr(raw if len(raw) <= 40 else raw[:40] + "...")


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
