"""Jinja2 set-up shared by every page: plain-language labels, and a `render` helper that sets the session
cookie only when a page has actually used a CSRF token (so reading the aid sets no cookie at all).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from rejuv.services.advice import Advisor

CERTAINTY = {
    "high": (
        "High certainty",
        "We are confident the research shows the real effect. New studies are unlikely to change this.",
    ),
    "moderate": ("Moderate certainty", "The research probably shows the real effect, but new studies could change it."),
    "low": (
        "Low certainty",
        "The research may not show the real effect. New studies are likely to change what we know.",
    ),
    "very_low": (
        "Very low certainty",
        "We are very unsure. The real effect may be quite different from what the studies found.",
    ),
}
DECISIONS = {
    "mesotherapy": "Mesotherapy fits you better now",
    "prp": "PRP fits you better now",
    "either": "Both options suit you: the choice is yours",
    "refer": "Neither option is right for you now",
}
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
    env.globals["knowledge_version"] = advisor.version
    env.globals["reviewed_on"] = advisor.kb.reviewed_on.isoformat()
    env.globals["next_review"] = advisor.kb.next_review.isoformat()
    env.filters["certainty_label"] = lambda key: CERTAINTY.get(str(key), (str(key), ""))[0]
    env.filters["certainty_explain"] = lambda key: CERTAINTY.get(str(key), ("", ""))[1]
    env.filters["decision_label"] = lambda key: DECISIONS.get(str(key), str(key))
    env.filters["status_label"] = lambda key: STATUSES.get(str(key), str(key))
    env.filters["severity_label"] = lambda key: SEVERITIES.get(str(key), str(key))
    env.filters["treatment_name"] = lambda key: _treatment_name(advisor, str(key))


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
