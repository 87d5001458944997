"""Jinja2 set-up shared by every page: plain-language labels, and a `render` helper that sets the session
cookie only when a page has actually used a CSRF token (so reading the aid sets no cookie at all).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel

from rejuv.engine.compare import CERTAINTY_LABELS
from rejuv.knowledge.loader import KnowledgeBase
from rejuv.services.advice import Advisor
from rejuv.web.intake_view import NOT_ANSWERED, intake_rows

# The badge label ("Low certainty") and its plain explanation, from the same GRADE mapping as the comparison's
# evidence row, so a label never means one thing on a badge and another in the grid.
CERTAINTY = {key: (f"{label} certainty", meaning) for key, (label, meaning) in CERTAINTY_LABELS.items()}
PROJECT_DEFAULTS = "rejuv_clinical_defaults"  # the placeholder source for facts not yet traced to a publication
DECISIONS = {
    "mesotherapy": "Mesotherapy fits you better now",
    "prp": "PRP fits you better now",
    "either": "Both options suit you: the choice is yours",
    "refer": "Neither option is right for you now",
}
# The same decisions named for a clinician (the labels above speak to the person).
CLINIC_DECISIONS = {"either": "Either option", "refer": "Refer: neither option now"}
STATUSES = {
    "recommended": "Recommended",
    "suitable": "Suitable",
    "caution": "Possible, with care",
    "not_now": "Not now",
    "excluded": "Not suitable",
}
SEVERITIES = {
    "absolute": "Stops treatment",
    "relative": "Needs a check first",
    "caution": "Take care",
    "info": "Good to know",
}


def configure_templates(templates: Jinja2Templates, advisor: Advisor) -> None:
    env = templates.env
    env.globals["knowledge_version"] = advisor.version  # in full, as the PDF and /api/knowledge show it
    env.globals["reviewed_on"] = advisor.kb.reviewed_on.isoformat()
    env.globals["next_review"] = advisor.kb.next_review.isoformat()
    env.globals["review_status"] = review_status(advisor.kb)
    env.filters["certainty_label"] = lambda key: CERTAINTY.get(str(key), (str(key), ""))[0]
    env.filters["certainty_explain"] = lambda key: CERTAINTY.get(str(key), ("", ""))[1]
    env.filters["sentence"] = sentence
    env.filters["plural"] = plural
    env.filters["short_sources"] = lambda keys: "; ".join(short_source(advisor, str(k)) for k in keys)
    env.filters["decision_label"] = lambda key: DECISIONS.get(str(key), str(key))
    env.filters["status_label"] = lambda key: STATUSES.get(str(key), str(key))
    env.filters["severity_label"] = lambda key: SEVERITIES.get(str(key), str(key))
    env.filters["treatment_name"] = lambda key: _treatment_name(advisor, str(key))
    env.filters["decision_name"] = lambda key: CLINIC_DECISIONS.get(str(key)) or _treatment_name(advisor, str(key))
    env.filters["intake_rows"] = lambda intake: intake_rows(intake, advisor.kb)
    env.globals["not_answered"] = NOT_ANSWERED  # the intake rows' word for a question with no answer


@dataclass(frozen=True)
class ReviewStatus:
    """How much of the aid's clinical content still waits for a clinician to check it against its sources."""

    facts: int  # every cited fact the aid draws on: treatments, rules and their thresholds
    pending: int  # marked unverified, or resting only on the project's defaults pending clinical review


def review_status(kb: KnowledgeBase) -> ReviewStatus:
    found = [unverified or set(citations) <= {PROJECT_DEFAULTS} for citations, unverified in _cited(kb)]
    return ReviewStatus(len(found), sum(found))


def _cited(kb: KnowledgeBase) -> Iterator[tuple[Sequence[str], bool]]:
    """(citations, unverified) of every cited model in the treatments, rules and parameter values."""

    def walk(value: Any) -> Iterator[tuple[Sequence[str], bool]]:
        if isinstance(value, BaseModel):
            fields = type(value).model_fields
            if "citations" in fields:
                yield value.citations, bool(getattr(value, "unverified", False))  # type: ignore[attr-defined]
            for name in fields:
                if name != "citations":
                    yield from walk(getattr(value, name))
        elif isinstance(value, (list, tuple)):
            for item in value:
                yield from walk(item)

    for treatment in kb.treatments.values():
        yield from walk(treatment)
    yield from walk(list(kb.rules))
    for parameter in kb.parameters.values():  # a parameter's `unverified` covers each of its dated values
        yield from ((v.citations, parameter.unverified) for v in parameter.values)


def plural(count: Any, noun: str) -> str:
    """ "1 session", "3 sessions", "1 day": numbers read back to a clinician in plain English."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def sentence(text: Any) -> str:
    """The text ending with one full stop: "Smith J et al." stays as it is, "A title" gets its stop."""
    words = str(text).rstrip()
    return words if words.endswith((".", "?", "!")) else words + "."


def short_source(advisor: Advisor, key: str) -> str:
    """A source as a clinician names it in passing, "El-Domyati et al. 2012", where a page cannot carry a
    numbered list (a key such as eldomyati2012mesotherapy means nothing to a reader)."""
    found = advisor.citation(key)
    if found is None:
        return key
    authors = str(found.get("authors") or "")
    if not authors:
        return str(found.get("title") or key)
    surname = authors.split(",")[0].split(" et al")[0].rsplit(" ", 1)[0] if " " in authors else authors
    more = " et al." if "," in authors or "et al" in authors else ""
    return f"{surname}{more} {found.get('year', '')}".strip()


def _treatment_name(advisor: Advisor, key: str) -> str:
    found = advisor.kb.treatments.get(key)
    return found.name if found else key


def render(request: Request, template: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    """Render a page; `csrf_token()` inside the template creates the session cookie on first use."""
    state = request.app.state.rejuv

    def csrf_token() -> str:
        token: str = state.sessions.read(request).csrf
        return token

    response: HTMLResponse = state.templates.TemplateResponse(
        request, template, {**context, "csrf_token": csrf_token}, status_code=status
    )
    state.sessions.save(request, response)
    return response
