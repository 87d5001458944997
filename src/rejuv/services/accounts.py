"""Clinician and admin accounts: creation with argon2 hashes, and authentication that leaks no timing hint.

A wrong username costs the same argon2 verification as a wrong password, so an attacker cannot tell which
usernames exist from response times.
"""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from rejuv.domain.errors import FieldError
from rejuv.services.clock import Clock, utc_now
from rejuv.services.errors import Conflict, Invalid
from rejuv.services.ports import UnitOfWork
from rejuv.services.records import ROLES, Role, User

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD_CHARS = 12
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("a password nobody has, used to even out timing")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(
    uow: UnitOfWork, username: str, password: str, role: str, actor: str = "system", clock: Clock = utc_now
) -> User:
    """Add an account; refuses weak passwords, odd usernames, unknown roles and duplicates."""
    errors: list[FieldError] = []
    username = username.strip().lower()
    if not USERNAME.match(username):
        errors.append(FieldError("username", "use 2-64 lower-case letters, digits, dots, dashes or underscores"))
    if len(password) < MIN_PASSWORD_CHARS:
        errors.append(FieldError("password", f"must be at least {MIN_PASSWORD_CHARS} characters"))
    if role not in ROLES:
        errors.append(FieldError("role", f"must be one of {', '.join(ROLES)}"))
    if errors:
        raise Invalid(errors)
    checked_role: Role = "admin" if role == "admin" else "clinician"
    with uow:
        if uow.users.get_by_username(username) is not None:
            raise Conflict([FieldError("username", "is already taken")])
        user = uow.users.add(username, hash_password(password), checked_role, clock())
        uow.audit.add(actor, "create", "user", str(user.id), f"role={checked_role}", clock())
        uow.commit()
    return user


def authenticate(uow: UnitOfWork, username: str, password: str, clock: Clock = utc_now) -> User | None:
    """The user if the password matches, else None. Upgrades the stored hash when argon2 parameters change.

    Every attempt is audited, failed ones under the name that was typed (cut to the column's length), so an
    admin can see guessing against an account.
    """
    name = username.strip().lower()
    with uow:
        user = uow.users.get_by_username(name)
        stored = user.password_hash if user else _DUMMY_HASH
        try:
            _hasher.verify(stored, password)
            matched = user is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            matched = False
        if not matched or user is None:
            typed = "".join(ch if ch.isprintable() else "?" for ch in name[:64]) or "(blank)"
            uow.audit.add(typed, "login_failed", "session", None, "", clock())
            uow.commit()
            return None
        if _hasher.check_needs_rehash(stored):
            uow.users.set_password_hash(user.id, hash_password(password))
        uow.audit.add(user.username, "login", "session", str(user.id), "", clock())
        uow.commit()
        return user


def list_users(uow: UnitOfWork) -> list[User]:
    with uow:
        return uow.users.all()


def end_sessions(uow: UnitOfWork, user_id: int, clock: Clock = utc_now) -> None:
    """Log a user out everywhere: every session cookie issued so far stops working, even a copied one."""
    with uow:
        uow.users.end_sessions(user_id)
        user = uow.users.get(user_id)
        uow.audit.add(user.username if user else str(user_id), "logout", "session", str(user_id), "", clock())
        uow.commit()


def get_user(uow: UnitOfWork, user_id: int) -> User | None:
    with uow:
        return uow.users.get(user_id)
