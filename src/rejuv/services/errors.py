"""Errors the use cases raise. Shells map them: NotFound to 404, Conflict to 409, Invalid to 422 with fields."""

from __future__ import annotations

from rejuv.domain.errors import FieldError


class ServiceError(Exception):
    """Base class, so a shell can catch every use-case refusal in one place."""


class NotFound(ServiceError):
    def __init__(self, what: str) -> None:
        super().__init__(f"{what} was not found")


class Conflict(ServiceError):
    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


class Invalid(ServiceError):
    """Input the use case refuses, with every bad field named (dotted paths, like the intake errors)."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))
