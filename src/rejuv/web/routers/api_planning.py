"""The public planning calculators: the face chart, the centrifuge, a PRP's quality and a session plan.

Public on purpose: they take no identity, store nothing and answer what the `rejuv chart`, `rejuv prp` and
`rejuv plan sessions` commands answer, with the same JSON. A plan kept with a consultation is a clinic page
(it belongs to a patient). Routes are plain `def`, so FastAPI runs them in its thread pool: a chart at 1 mm
spacing over the whole face takes about a second of CPU and must not block the event loop.

Errors name the field as the rest of the API does: a body field by its own path (`spacing_mm`), a query
parameter with its location (`query.radius_cm`).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from rejuv.domain.errors import FieldError
from rejuv.planning.centrifuge import LIMITS
from rejuv.planning.chart.face_chart import ChartRequest
from rejuv.planning.chart.svg import render_svg
from rejuv.planning.ics import export_ics
from rejuv.planning.prp import PrpSample
from rejuv.services.errors import Invalid
from rejuv.web.deps import StateDep
from rejuv.web.problems import problem_responses
from rejuv.web.strict_body import refuse_repeated_keys

# Every JSON body here is decoded strictly too: a repeated key is refused, never resolved to its last value.
router = APIRouter(prefix="/api", tags=["planning"], dependencies=[Depends(refuse_repeated_keys)])
ERRORS = problem_responses(400, 413, 422)

Positive = Annotated[float, Field(gt=0, le=1e7)]
OptionalCount = Annotated[float | None, Field(ge=0, le=1e9)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class ChartBody(_Body):
    zones: Annotated[list[Annotated[str, Field(max_length=40)]], Field(min_length=1, max_length=20)]
    technique: Annotated[str, Field(max_length=40, description="papule, nappage or prp_microdepot")]
    # 2 mm is the smallest spacing any technique cites (nappage); finer charts cost seconds of CPU per request.
    spacing_mm: Annotated[float | None, Field(ge=2, le=50, description="default: the technique's")] = None
    buffer_mm: Annotated[float | None, Field(ge=0, le=20, description="default: the template's 3 mm")] = None
    allow_glabella: bool = False
    depth_mm: Annotated[float | None, Field(ge=0.1, le=20)] = None
    volume_per_point_ml: Annotated[float | None, Field(ge=0.0001, le=1)] = None
    available_volume_ml: Annotated[float | None, Field(ge=0, le=1000)] = None
    face_width_mm: Annotated[float | None, Field(gt=0, le=1000)] = None
    face_height_mm: Annotated[float | None, Field(gt=0, le=1000)] = None


class PrpSampleBody(_Body):
    baseline_platelets_per_ul: Positive
    prp_platelets_per_ul: Positive
    blood_volume_ml: Positive
    prp_volume_ml: Positive
    injected_volume_ml: OptionalCount = None
    baseline_wbc_per_ul: OptionalCount = None
    prp_wbc_per_ul: OptionalCount = None
    prp_rbc_per_ul: OptionalCount = None
    baseline_neutrophils_per_ul: OptionalCount = None
    prp_neutrophils_per_ul: OptionalCount = None
    activation: Annotated[str | None, Field(max_length=40, description="e.g. calcium_chloride; none when absent")] = (
        None
    )

    def sample(self) -> PrpSample:
        return PrpSample(**self.model_dump())


class SessionsBody(_Body):
    treatment: Literal["mesotherapy", "prp"]
    start: dt.date = Field(description="first session date, YYYY-MM-DD")
    sessions: Annotated[int | None, Field(ge=1, le=60, description="default: the typical count")] = None
    interval_days: Annotated[int | None, Field(ge=1, le=3650, description="default: the typical interval")] = None


def _located(error: Invalid, location: str) -> Invalid:
    return Invalid([FieldError(f"{location}.{e.path}", e.message) for e in error.errors])


@router.post(
    "/chart",
    summary="A face chart: evenly spaced points over the zones, clear of danger zones (JSON or ?format=svg)",
    responses={200: {"content": {"image/svg+xml": {}}}, **ERRORS},
)
def chart(body: ChartBody, state: StateDep, format: Literal["json", "svg"] = "json") -> Any:
    request = ChartRequest(
        zones=body.zones,
        technique=body.technique,
        spacing_mm=body.spacing_mm,
        buffer_mm=body.buffer_mm,
        waive=frozenset({"glabella"}) if body.allow_glabella else frozenset(),
        depth_mm=body.depth_mm,
        volume_per_point_ml=body.volume_per_point_ml,
        available_volume_ml=body.available_volume_ml,
        face_width_mm=body.face_width_mm,
        face_height_mm=body.face_height_mm,
    )
    drawn = state.planner.chart(request)
    if format == "svg":
        return Response(render_svg(drawn), media_type="image/svg+xml")
    return drawn.as_dict()


# The core's physical limits, so the API documents and checks the same bounds the calculators enforce.
RADIUS_CM, RPM, RCF_G = LIMITS["radius_cm"], LIMITS["rpm"], LIMITS["rcf_g"]


@router.get("/prp/rpm", summary="The rotor speed (rpm) that gives a force in g at a rotor radius", responses=ERRORS)
def prp_rpm(
    state: StateDep,
    radius_cm: Annotated[float, Query(ge=RADIUS_CM[0], le=RADIUS_CM[1], description="axis to tube bottom, cm")],
    rcf: Annotated[float, Query(ge=RCF_G[0], le=RCF_G[1], description="force wanted, × g")],
) -> dict[str, float]:
    try:
        return {"rpm": round(state.planner.rpm(radius_cm, rcf), 1)}
    except Invalid as error:
        raise _located(error, "query") from None


@router.get("/prp/rcf", summary="The force in g that a rotor speed gives at a rotor radius", responses=ERRORS)
def prp_rcf(
    state: StateDep,
    radius_cm: Annotated[float, Query(ge=RADIUS_CM[0], le=RADIUS_CM[1], description="axis to tube bottom, cm")],
    rpm: Annotated[float, Query(ge=RPM[0], le=RPM[1], description="revolutions per minute")],
) -> dict[str, float]:
    try:
        return {"rcf": round(state.planner.rcf(radius_cm, rpm), 1)}
    except Invalid as error:
        raise _located(error, "query") from None


@router.post(
    "/prp/assess",
    summary="A PRP's concentration factor, dose, recovery, purity and PAW, Mishra and DEPA classes",
    responses=ERRORS,
)
def prp_assess(body: PrpSampleBody, state: StateDep) -> dict[str, Any]:
    return state.planner.assess(body.sample()).as_dict()


@router.post(
    "/plan/sessions",
    summary="Dated sessions, maintenance visits, aftercare and recovery (JSON or ?format=ics)",
    responses={200: {"content": {"text/calendar": {}}}, **ERRORS},
)
def plan_sessions(body: SessionsBody, state: StateDep, format: Literal["json", "ics"] = "json") -> Any:
    plan = state.planner.sessions(body.treatment, body.start, body.sessions, body.interval_days)
    if format == "ics":
        return Response(
            export_ics(plan, dt.datetime.now(dt.UTC)),
            media_type="text/calendar",
            headers={"Content-Disposition": f'attachment; filename="{body.treatment}-plan.ics"'},
        )
    return plan.as_dict()
