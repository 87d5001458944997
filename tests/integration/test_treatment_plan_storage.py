"""Treatment plans kept with a consultation, on SQLite and PostgreSQL: migration, storage and the use cases."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import IntegrityError

from rejuv.knowledge.loader import load_knowledge_base
from rejuv.planning.cocktail import CocktailComponent
from rejuv.planning.prp import PrpSample
from rejuv.services import treatment_plans as plans
from rejuv.services.chart_edits import ChartEdit
from rejuv.services.errors import Invalid, NotFound
from rejuv.services.plan_records import ChartSpot, TreatmentPlan
from rejuv.services.planning import Planner
from rejuv.services.records import NewConsultation
from rejuv.storage.database import downgrade, migrate, table_names
from rejuv.storage.uow import SqlUnitOfWork

NOW = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
START = dt.date(2027, 3, 1)
PLAN_TABLES = {"treatment_plans", "treatment_sessions"}
SAMPLE = PrpSample(250_000, 1_000_000, 20, 4)


@pytest.fixture(scope="module")
def planner() -> Planner:
    return Planner.load(load_knowledge_base())


def _consultation(uow: SqlUnitOfWork, final: str = "either", allergies: list[str] | None = None) -> int:
    intake = {
        "schema_version": "1",
        "patient": {"age": 40},
        "concerns": [{"id": "fine_lines", "zones": ["forehead", "cheek"]}],
        "history": {"allergies": allergies or []},
    }
    with uow:
        patient = uow.patients.add(f"R-{final}-{len(allergies or [])}", "Ann", None, NOW)
        saved = uow.consultations.add(
            NewConsultation(patient.id, "dr", intake, {"decision": final}, "accept", final, None, "", "kv1"), NOW
        )
        uow.commit()
    return saved.id


def _trail(uow: SqlUnitOfWork) -> list[tuple[str, str]]:
    with uow:
        return [(e.action, e.entity) for e in reversed(uow.audit.latest(100, 0))]


def test_the_plan_migration_goes_down_to_the_first_revision_and_up_again(engine: Engine) -> None:
    assert table_names(engine) >= PLAN_TABLES
    downgrade(engine, "0001")
    remaining = table_names(engine)
    assert not PLAN_TABLES & remaining and "consultations" in remaining
    migrate(engine)
    assert table_names(engine) >= PLAN_TABLES


def test_migration_0007_adds_the_waiver_and_plans_made_before_it_read_as_waiving_nothing(
    engine: Engine, uow: SqlUnitOfWork
) -> None:
    consultation_id = _consultation(uow)
    plan = TreatmentPlan(consultation_id, "prp", START, 3, 30, "prp_microdepot", ("cheek",), 10.0, (), "dr", NOW)
    with uow:
        uow.plans.save(plan)
        uow.commit()
    downgrade(engine, "0006")
    assert "waived" not in {c["name"] for c in inspect(engine).get_columns("treatment_plans")}
    migrate(engine)
    with uow:
        found = uow.plans.for_consultation(consultation_id)
    assert found is not None and found.waived == () and found.zones == ("cheek",)


def test_a_glabella_waiver_is_kept_with_the_plan_and_redrawn_with_its_safeguards(
    uow: SqlUnitOfWork, planner: Planner
) -> None:
    consultation_id = _consultation(uow, final="mesotherapy")
    request = plans.PlanRequest("mesotherapy", START, zones=("glabella", "forehead"), waive=("glabella",))
    saved = plans.save_plan(uow, planner, "dr", consultation_id, request)
    view = plans.load_plan(uow, "dr", consultation_id)
    assert view.plan is not None and view.plan.waived == ("glabella",) == saved.waived
    glabella = [p for p in plans.draw_chart(planner, view.plan).points if p.zone == "glabella"]
    assert glabella and all(p.cautions == ("glabella",) for p in glabella)
    with pytest.raises(Invalid) as refused:  # PRP may not waive it: the core's rule, named for the form
        plans.save_plan(uow, planner, "dr", _consultation(uow, final="prp"), replace(request, treatment="prp"))
    assert refused.value.errors[0].path == "allow_glabella"


def test_a_plan_and_its_sessions_are_kept_and_read_back(uow: SqlUnitOfWork) -> None:
    consultation_id = _consultation(uow)
    spots = (ChartSpot("cheek", "left", 48.5, 119.0), ChartSpot("forehead", "centre", 0.0, 30.0))
    plan = TreatmentPlan(consultation_id, "prp", START, 3, 30, "prp_microdepot", ("cheek",), 10.0, spots, "dr", NOW)
    with uow:
        saved = uow.plans.save(plan)
        uow.plans.add_session(saved.id, 2, START, "prp", {"assessment": {"paw": "P2-B"}}, "dr", NOW)
        uow.plans.add_session(saved.id, 1, START, "prp", {"assessment": {"paw": "P3-A"}}, "dr", NOW)
        uow.commit()
    with uow:
        found = uow.plans.for_consultation(consultation_id)
        assert found is not None
        sessions = uow.plans.sessions(found.id)
    assert found.points == spots and found.start == START and found.zones == ("cheek",)
    assert [(s.number, s.details["assessment"]["paw"]) for s in sessions] == [(1, "P3-A"), (2, "P2-B")]


def test_saving_again_replaces_the_plan_rather_than_adding_a_second(uow: SqlUnitOfWork) -> None:
    consultation_id = _consultation(uow)
    plan = TreatmentPlan(consultation_id, "prp", START, 3, 30, "prp_microdepot", ("cheek",), 10.0, (), "dr", NOW)
    with uow:
        first = uow.plans.save(plan)
        second = uow.plans.save(TreatmentPlan(**{**plan.__dict__, "sessions": 4}))
        uow.commit()
    assert first.id == second.id and second.sessions == 4


def test_a_visit_cannot_be_recorded_twice(uow: SqlUnitOfWork) -> None:
    consultation_id = _consultation(uow)
    plan = TreatmentPlan(consultation_id, "prp", START, 3, 30, "prp_microdepot", ("cheek",), 10.0, (), "dr", NOW)
    with uow:
        saved = uow.plans.save(plan)
        uow.plans.add_session(saved.id, 1, START, "prp", {}, "dr", NOW)
        uow.commit()
    with pytest.raises(IntegrityError), uow:
        uow.plans.add_session(saved.id, 1, START, "prp", {}, "dr", NOW)


def test_saving_a_plan_charts_the_intake_zones_and_is_audited(uow: SqlUnitOfWork, planner: Planner) -> None:
    consultation_id = _consultation(uow)
    saved = plans.save_plan(uow, planner, "dr", consultation_id, plans.PlanRequest("mesotherapy", START, 4, 14))
    assert saved.zones == ("forehead", "cheek") and saved.technique == "papule" and len(saved.points) > 20
    assert _trail(uow) == [("create", "treatment_plan")]
    view = plans.load_plan(uow, "dr", consultation_id)
    assert view.plan == saved
    assert _trail(uow)[-1] == ("read", "treatment_plan")


def test_a_referred_consultation_cannot_be_planned(uow: SqlUnitOfWork, planner: Planner) -> None:
    consultation_id = _consultation(uow, final="refer")
    with pytest.raises(Invalid) as refused:
        plans.save_plan(uow, planner, "dr", consultation_id, plans.PlanRequest("prp", START))
    assert refused.value.errors[0].path == "treatment"
    assert _trail(uow) == []


def test_a_plan_for_a_missing_consultation_is_not_found(uow: SqlUnitOfWork, planner: Planner) -> None:
    with pytest.raises(NotFound):
        plans.save_plan(uow, planner, "dr", 999, plans.PlanRequest("prp", START))


def test_chart_edits_persist_and_points_outside_zones_or_near_danger_are_refused(
    uow: SqlUnitOfWork, planner: Planner
) -> None:
    consultation_id = _consultation(uow)
    saved = plans.save_plan(uow, planner, "dr", consultation_id, plans.PlanRequest("prp", START))
    count = len(saved.points)
    added = plans.edit_chart(uow, planner, "dr", consultation_id, ChartEdit("add", zone="cheek", x_mm=48.5, y_mm=119))
    assert added.points[-1] == ChartSpot("cheek", "left", 48.5, 119.0)
    moved = plans.edit_chart(
        uow, planner, "dr", consultation_id, ChartEdit("move", number=count + 1, x_mm=50, y_mm=120)
    )
    assert moved.points[-1] == ChartSpot("cheek", "left", 50.0, 120.0)
    removed = plans.edit_chart(uow, planner, "dr", consultation_id, ChartEdit("remove", number=1))
    assert len(removed.points) == count and removed.points[0] == saved.points[1]
    for edit, field, words in [
        (ChartEdit("add", zone="cheek", x_mm=23, y_mm=104), "x_mm", "infraorbital foramen"),
        (ChartEdit("add", zone="cheek", x_mm=0, y_mm=80), "x_mm", "outside the cheek"),
        (ChartEdit("add", zone="chin", x_mm=0, y_mm=80), "zone", "charted zones"),
        (ChartEdit("move", number=count + 5, x_mm=50, y_mm=120), "number", "1 to"),
        (ChartEdit("add", zone="cheek", x_mm=float("nan"), y_mm=120), "x_mm", "number of mm"),
    ]:
        with pytest.raises(Invalid) as refused:
            plans.edit_chart(uow, planner, "dr", consultation_id, edit)
        assert refused.value.errors[0].path == field and words in refused.value.errors[0].message
    assert plans.load_plan(uow, "dr", consultation_id).plan == removed


def test_changing_the_zones_charts_afresh_but_changing_dates_keeps_the_edits(
    uow: SqlUnitOfWork, planner: Planner
) -> None:
    consultation_id = _consultation(uow)
    plans.save_plan(uow, planner, "dr", consultation_id, plans.PlanRequest("prp", START))
    edited = plans.edit_chart(uow, planner, "dr", consultation_id, ChartEdit("remove", number=1))
    redated = plans.save_plan(uow, planner, "dr", consultation_id, plans.PlanRequest("prp", START, 4, 28))
    assert redated.points == edited.points and redated.sessions == 4
    rezoned = plans.save_plan(uow, planner, "dr", consultation_id, plans.PlanRequest("prp", START, 4, 28, ("chin",)))
    assert {p.zone for p in rezoned.points} == {"chin"}


def test_a_prp_session_keeps_its_protocol_and_assessment(uow: SqlUnitOfWork, planner: Planner) -> None:
    consultation_id = _consultation(uow)
    plans.save_plan(uow, planner, "dr", consultation_id, plans.PlanRequest("prp", START, 3, 30))
    recorded = plans.record_prp_session(uow, planner, "dr", consultation_id, 2, None, SAMPLE, {"radius_cm": 10})
    assert recorded.session_date == START + dt.timedelta(days=30)
    assert recorded.details["assessment"]["concentration_factor"] == pytest.approx(4.0)
    assert recorded.details["protocol"]["spins"][0]["rpm"] is not None
    with pytest.raises(Invalid) as twice:
        plans.record_prp_session(uow, planner, "dr", consultation_id, 2, None, SAMPLE, {})
    assert twice.value.errors[0].path == "number"
    with pytest.raises(Invalid) as wrong:
        plans.record_mesotherapy_session(uow, planner, "dr", consultation_id, 1, START, [])
    assert wrong.value.errors[0].path in {"product", "treatment"}


def test_a_cocktail_with_an_allergen_or_an_expired_vial_is_refused(uow: SqlUnitOfWork, planner: Planner) -> None:
    consultation_id = _consultation(uow, allergies=["local_anaesthetic"])
    plans.save_plan(uow, planner, "dr", consultation_id, plans.PlanRequest("mesotherapy", START))
    lidocaine = CocktailComponent("ha_booster_lidocaine", 1.0, "L1", dt.date(2030, 1, 1))
    with pytest.raises(Invalid) as allergic:
        plans.record_mesotherapy_session(uow, planner, "dr", consultation_id, 1, START, [lidocaine])
    assert allergic.value.errors[0].path == "product" and "Lidocaine" in allergic.value.errors[0].message
    expired = CocktailComponent("ncha_10", 1.0, "L2", dt.date(2020, 1, 1))
    with pytest.raises(Invalid) as old:
        plans.record_mesotherapy_session(uow, planner, "dr", consultation_id, 1, START, [expired])
    assert old.value.errors[0].path == "expiry"
    good = CocktailComponent("ncha_10", 2.0, "L3", dt.date(2030, 1, 1))
    recorded = plans.record_mesotherapy_session(uow, planner, "dr", consultation_id, 1, START, [good])
    assert recorded.details["cocktail"]["components"][0]["lot"] == "L3"
    assert ("create", "treatment_session") in _trail(uow)
