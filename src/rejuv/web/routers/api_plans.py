"""The plan kept with a consultation, read through the authenticated API (clinicians, like the consultation).

Read-only on purpose: plans are made and charts edited on the Plan page, where each edit is shown against
the drawing. The answer carries the same documents as the public calculators (`plan` as from
`POST /api/plan/sessions`, `chart` as from `POST /api/chart`, with the clinician's points), so one client
can read both.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from rejuv.services import treatment_plans as plans
from rejuv.services.errors import NotFound
from rejuv.web.deps import ClinicianDep, RowId, StateDep
from rejuv.web.problems import problem_responses
from rejuv.web.strict_body import refuse_repeated_keys

# Every JSON body here is decoded strictly too: a repeated key is refused, never resolved to its last value.
router = APIRouter(prefix="/api", tags=["clinic"], dependencies=[Depends(refuse_repeated_keys)])


@router.get(
    "/consultations/{consultation_id}/plan",
    summary="A consultation's treatment plan: dates, the edited face chart and the sessions recorded",
    responses=problem_responses(401, 403, 404, 422),
)
def get_plan(consultation_id: RowId, state: StateDep, user: ClinicianDep) -> dict[str, Any]:
    view = plans.load_plan(state.uow(), user.username, consultation_id)
    plan = view.plan
    if plan is None:
        raise NotFound("a plan for this consultation")
    return {
        "consultation_id": consultation_id,
        "treatment": plan.treatment,
        "updated_by": plan.updated_by,
        "updated_at": plan.updated_at.isoformat(),
        "plan": plans.session_plan(state.planner, plan).as_dict(),
        "chart": plans.draw_chart(state.planner, plan).as_dict(),
        "sessions": [
            {
                "number": s.number,
                "date": s.session_date.isoformat(),
                "treatment": s.treatment,
                "clinician": s.clinician,
                "recorded_at": s.created_at.isoformat(),
                **s.details,
            }
            for s in view.sessions
        ],
    }
