"""The consultation report as PDF: comparison, decision, findings, the dated plan, the PRP protocol or the
cocktails given, the face chart, a signature block and the knowledge_version.

Built from the same records and calculators as the Plan page, rendered by WeasyPrint from one self-contained
HTML page (inline SVG chart, the print stylesheet read from disk), so it never fetches anything over the
network. `build_report_html` is separate from the route so the benchmark can time the render alone.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from rejuv.planning.chart.svg import render_svg
from rejuv.planning.protocol import PrpProtocol
from rejuv.planning.sessions import SessionPlan
from rejuv.services import audit, patients
from rejuv.services import treatment_plans as plans
from rejuv.services.records import Patient, User
from rejuv.web.citing import cited_keys
from rejuv.web.deps import AppState, ClinicianDep, RowId, StateDep
from rejuv.web.pdf import render_pdf
from rejuv.web.templating import render

router = APIRouter(prefix="/clinic/consultations", include_in_schema=False)


@dataclass(frozen=True)
class ReportPage:
    title: str
    generated_on: str
    clinician: str
    patient: Patient
    view: plans.PlanView
    comparison: dict[str, Any]
    citations: dict[str, dict[str, Any]]  # every source the report cites, in order of first use
    citation_numbers: dict[str, int]
    product_names: dict[str, str]  # cocktail product id -> the name on the vial
    missing_sources: tuple[str, ...]  # cited when saved, gone from the knowledge base in use now
    dated: SessionPlan | None
    default_protocol: PrpProtocol | None  # shown for a PRP plan until a session records its own
    chart_svg: Markup | None
    chart_points: int
    allergies_answered: bool  # False: the cocktail check had no allergies to use, and the report must say so


def build_report(state: AppState, user: User, consultation_id: int, today: dt.date | None = None) -> ReportPage:
    view = plans.load_plan(state.uow(), user.username, consultation_id)
    patient = patients.patient_history(state.uow(), user.username, view.consultation.patient_id).patient
    plan = view.plan
    comparison = said_once(state.advisor.compare(None))  # both options, as discussed before the decision
    chart = plans.draw_chart(state.planner, plan) if plan else None
    dated = plans.session_plan(state.planner, plan) if plan else None
    # The grid's sources, then the findings' and reasons', then the plan's warnings': one numbered list.
    keys = dict.fromkeys(comparison.get("citations", {}))
    keys.update(dict.fromkeys(cited_keys(view.consultation.recommendation)))
    for warning in dated.warnings if dated else ():
        keys.update(dict.fromkeys(warning.citations))
    for recorded in view.sessions:  # the warnings each recorded session kept (protocol, PRP, cocktail)
        for part in recorded.details.values():
            for warning in part.get("warnings", []) if isinstance(part, dict) else []:
                keys.update(dict.fromkeys(warning.get("citations", [])))
    citations = {
        key: found
        for key in keys
        if (found := comparison.get("citations", {}).get(key) or state.advisor.citation(key)) is not None
    }
    return ReportPage(
        title=f"Consultation report: {patient.full_name}",
        generated_on=(today or dt.date.today()).isoformat(),
        clinician=user.username,
        patient=patient,
        view=view,
        comparison=comparison,
        citations=citations,
        citation_numbers={key: n for n, key in enumerate(keys, start=1)},
        product_names={pid: product.name for pid, product in state.planner.data.cocktails.items()},
        missing_sources=tuple(key for key in keys if key not in citations),
        dated=dated,
        default_protocol=state.planner.protocol() if plan and plan.treatment == "prp" else None,
        chart_svg=Markup(render_svg(chart)) if chart else None,  # the core escapes every text it writes
        chart_points=len(chart.points) if chart else 0,
        allergies_answered=plans.intake_allergies_answered(view.consultation),
    )


def said_once(comparison: dict[str, Any]) -> dict[str, Any]:
    """A copy of the comparison in which a cell whose `text` only joins its `items` keeps the items alone.

    The report's grid prints a cell's text and then its items, so such a cell (how it is done, what might
    improve) would be printed twice. The advisor's comparison is shared and read-only, hence the copy.
    """
    rows = []
    for row in comparison.get("rows", []):
        cells = {
            key: {**cell, "text": ""} if cell.get("items") and cell.get("text") == " ".join(cell["items"]) else cell
            for key, cell in row["cells"].items()
        }
        rows.append({**row, "cells": cells})
    return {**comparison, "rows": rows}


def build_report_html(request: Request, page: ReportPage) -> str:
    state: AppState = request.app.state.rejuv
    template = state.templates.get_template("clinic/report.html")
    html: str = template.render({"request": request, "page": page, "title": page.title, "csrf_token": lambda: ""})
    return html


@router.get("/{consultation_id}/report.pdf")
async def report_pdf(request: Request, consultation_id: RowId, state: StateDep, user: ClinicianDep) -> Response:
    page = await run_in_threadpool(build_report, state, user, consultation_id)
    html = build_report_html(request, page)
    slots: asyncio.Semaphore = request.app.state.pdf_slots  # at most PDF_SLOTS renders at once, as for summaries
    if slots.locked():
        detail = "Several PDFs are being made right now. Please try again in a few seconds."
        return render(request, "error.html", {"title": "Busy", "status": 503, "errors": [], "detail": detail}, 503)
    async with slots:
        pdf = await run_in_threadpool(render_pdf, html, str(request.base_url))
    detail = f"consultation report PDF, patient={page.patient.id}"
    await run_in_threadpool(
        audit.record_export, state.uow(), user.username, "consultation", str(consultation_id), detail
    )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="consultation-{consultation_id}.pdf"'},
    )
