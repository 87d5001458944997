"""The public JSON API: recommendations, treatments, the comparison and the knowledge base's review dates.

No login and no storage: an intake posted here is used for the answer and then forgotten.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from rejuv.domain.errors import FieldError, IntakeError
from rejuv.domain.strict_json import decode_json_noting_nulls
from rejuv.services.errors import Invalid
from rejuv.web.contracts import contract_schema
from rejuv.web.deps import AppState, StateDep
from rejuv.web.problems import not_json, problem, problem_responses

router = APIRouter(prefix="/api", tags=["decision aid"])


def _recommend_openapi() -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": contract_schema("intake")}},
        }
    }


@router.post(
    "/recommend",
    summary="Recommend mesotherapy, PRP, either, or referral for an intake document",
    openapi_extra=_recommend_openapi(),
    responses={
        200: {"content": {"application/json": {"schema": contract_schema("recommendation")}}},
        **problem_responses(400, 413, 415, 422),
    },
)
async def recommend(request: Request) -> Response:
    """Intake contract in, recommendation contract out. Nothing is stored."""
    # The hottest route (bench/web_recommend.py): it reads the app state off the request instead of declaring
    # a dependency, since each declared dependency adds resolving work to every request. (A comment, not the
    # docstring: FastAPI publishes docstrings in /openapi.json.)
    state: AppState = request.app.state.rejuv
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json" and not content_type.endswith("+json"):
        return problem(415, "Send the intake as application/json.", errors=[FieldError("body", "must be JSON")])
    body = await request.body()
    try:
        # Strict: a repeated key could hide "pregnant": true behind a false.
        document, saw_null = decode_json_noting_nulls(body)
    except IntakeError as exc:
        return not_json(exc)
    try:
        encoded = state.advisor.recommend_json(document, may_hold_null=saw_null)
    except IntakeError as exc:
        return problem(422, "The intake does not match the contract.", errors=exc.errors, instance="/api/recommend")
    return Response(encoded, media_type="application/json")


@router.get("/health", summary="A bare liveness answer (also the baseline endpoint of the benchmark)")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/treatments", summary="The treatments the aid compares, with their review dates")
async def treatments(state: StateDep) -> list[dict[str, Any]]:
    return state.advisor.treatment_summaries()


@router.get(
    "/treatments/{treatment_id}",
    summary="One treatment, every statement with its citations",
    responses=problem_responses(404),
)
async def treatment(treatment_id: str, state: StateDep) -> dict[str, Any]:
    return state.advisor.treatment_document(treatment_id)


@router.get(
    "/compare",
    summary="The side-by-side comparison: rows are questions, columns are treatments",
    responses=problem_responses(422),
)
async def compare(
    state: StateDep,
    ids: Annotated[
        str | None, Query(max_length=500, description="comma-separated treatment ids; all when absent")
    ] = None,
) -> dict[str, Any]:
    wanted = None if ids is None else [i.strip() for i in ids.split(",") if i.strip()]
    if wanted is not None:
        unknown = [i for i in wanted if i not in state.advisor.kb.treatments]
        if unknown or not wanted:
            message = f"unknown treatment id {unknown[0]!r}" if unknown else "name at least one treatment"
            known = ", ".join(state.advisor.treatment_ids())
            raise Invalid([FieldError("query.ids", f"{message}; known ids: {known}")])
    return state.advisor.compare(wanted)


@router.get("/knowledge", summary="The knowledge_version and when the content was and will be reviewed")
async def knowledge(state: StateDep) -> dict[str, Any]:
    return state.advisor.knowledge()
