"""Typed contexts for the decision-aid pages: one dataclass per page, so a template can only use what its
page provides and a test can check a page's data without parsing HTML."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rejuv.web.questions import Answers, Step


@dataclass(frozen=True)
class TreatmentCard:
    id: str
    name: str
    summary: str
    certainty: str
    reviewed_on: str
    next_review: str
    authors: str


@dataclass(frozen=True)
class StartPage:
    title: str
    treatments: list[TreatmentCard]


@dataclass(frozen=True)
class ComparePage:
    title: str
    comparison: dict[str, Any]
    treatments: list[TreatmentCard]
    citation_numbers: dict[str, int]


@dataclass(frozen=True)
class StepPage:
    title: str
    step: Step
    number: int
    total: int
    answers: Answers
    state: str
    errors: dict[str, str]
    summary_errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CheckItem:
    id: str
    statement: str
    answer: bool
    explanation: str
    citations: list[str]
    given: bool | None = None

    @property
    def correct(self) -> bool | None:
        return None if self.given is None else self.given == self.answer


@dataclass(frozen=True)
class SureItem:
    id: str
    letter: str
    question: str
    given: bool | None = None


@dataclass(frozen=True)
class ValueOption:
    """What one option means for one thing the person said matters, from the cited knowledge base."""

    treatment: str
    name: str
    text: str
    citations: list[str]
    certainty: str | None = None  # a GRADE key when the thing is the strength of the research


@dataclass(frozen=True)
class ValueFit:
    """One thing the person said matters (step 1), with each option's answer to it: values clarification."""

    id: str
    question: str
    importance: str  # the person's own answer, in the words they chose
    summary: str
    options: list[ValueOption]
    more: str  # where the comparison says more


@dataclass(frozen=True)
class ResultPage:
    title: str
    intake: dict[str, Any]
    recommendation: dict[str, Any]
    answers_shown: list[tuple[str, str]]
    state: str
    checks: list[CheckItem]
    sure: list[SureItem]
    checked: bool
    citations: dict[str, dict[str, Any]]
    citation_numbers: dict[str, int]
    comparison: dict[str, Any]
    generated_on: str
    values: list[ValueFit] = field(default_factory=list)

    @property
    def sure_yes(self) -> int:
        return sum(1 for item in self.sure if item.given)

    @property
    def sure_answered(self) -> bool:
        return all(item.given is not None for item in self.sure)

    @property
    def decisional_conflict(self) -> bool:
        return self.sure_answered and self.sure_yes <= 3

    @property
    def check_score(self) -> int:
        return sum(1 for item in self.checks if item.correct)
