"""Errors the core raises for bad input. Shells turn them into exit code 2, problem+json or a form message."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    """One problem with one field. `path` is dotted (`history.labs.platelets_per_ul`); "" is the document."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path or '(document)'}: {self.message}"


class IntakeError(ValueError):
    """An intake document that the contract does not accept. Carries every problem found, not just the first."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


class KnowledgeError(ValueError):
    """A knowledge base file that fails validation. Every message starts with the file, then the key."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))
