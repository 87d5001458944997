"""The decision aid's reading pages: the start page and the side-by-side comparison (no login, no cookies)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from rejuv.services.advice import Advisor
from rejuv.web.deps import StateDep
from rejuv.web.pages import ComparePage, StartPage, TreatmentCard
from rejuv.web.templating import render

router = APIRouter(include_in_schema=False)


def treatment_cards(advisor: Advisor) -> list[TreatmentCard]:
    return [
        TreatmentCard(
            t.id,
            t.name,
            t.summary.text,
            t.evidence.certainty,
            t.reviewed_on.isoformat(),
            t.next_review.isoformat(),
            t.authors,
        )
        for t in advisor.kb.treatments.values()
    ]


@router.get("/", response_class=HTMLResponse)
async def start(request: Request, state: StateDep) -> HTMLResponse:
    page = StartPage("Mesotherapy or PRP? A guide to help you decide", treatment_cards(state.advisor))
    return render(request, "start.html", {"page": page, "title": page.title})


@router.get("/compare", response_class=HTMLResponse)
async def compare(request: Request, state: StateDep) -> HTMLResponse:
    comparison = state.advisor.compare(None)
    numbers = {key: n for n, key in enumerate(comparison.get("citations", {}), start=1)}
    page = ComparePage("The options side by side", comparison, treatment_cards(state.advisor), numbers)
    return render(request, "compare.html", {"page": page, "title": page.title})
