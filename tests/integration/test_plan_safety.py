"""The plan's use cases refuse what must not be recorded: an anticoagulant the patient is allergic to, numbers
that can only be typing errors, a plan change that would drop or misattribute a recorded session; and
re-saving a plan keeps the clinician's edited chart whatever order its zones come in."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from rejuv.knowledge.loader import load_knowledge_base
from rejuv.planning.cocktail import CocktailComponent
from rejuv.planning.prp import PrpSample
from rejuv.services import treatment_plans as plans
from rejuv.services.chart_edits import ChartEdit
from rejuv.services.errors import Invalid
from rejuv.services.planning import Planner
from rejuv.services.records import NewConsultation
from rejuv.storage.uow import SqlUnitOfWork

NOW = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
START = dt.date(2026, 12, 1)
SAMPLE = PrpSample(250_000, 1_000_000, 20, 4)
VIAL = dt.date(2030, 1, 1)
_references = itertools.count(1)


@pytest.fixture(scope="module")
def planner() -> Planner:
    return Planner.load(load_knowledge_base())


def _consultation(
    uow: SqlUnitOfWork, final: str = "either", allergies: list[str] | None = None, zones: list[str] | None = None
) -> int:
    intake = {
        "schema_version": "1",
        "patient": {"age": 40},
        "concerns": [{"id": "fine_lines", "zones": zones or ["forehead", "cheek"]}],
        "history": {"allergies": allergies or []},
    }
    with uow:
        patient = uow.patients.add(f"S-{next(_references)}", "Ann", None, NOW)
        saved = uow.consultations.add(
            NewConsultation(patient.id, "dr", intake, {"decision": final}, "accept", final, None, "", "kv1"), NOW
        )
        uow.commit()
    return saved.id


def _refused(error: pytest.ExceptionInfo[Invalid], field: str) -> str:
    paths = [e.path for e in error.value.errors]
    assert field in paths, paths
    return next(e.message for e in error.value.errors if e.path == field)


# --- 1. The PRP anticoagulant is checked against the intake's allergies ----------------------------------------


@pytest.mark.parametrize("anticoagulant", [None, "acd_a", "sodium_citrate"])
def test_a_citrate_anticoagulant_is_refused_for_a_citrate_allergy(
    uow: SqlUnitOfWork, planner: Planner, anticoagulant: str | None
) -> None:
    cid = _consultation(uow, allergies=["citrate_anticoagulant"])
    plans.save_plan(uow, planner, "dr", cid, plans.PlanRequest("prp", START, 3, 30))
    protocol = {} if anticoagulant is None else {"anticoagulant": anticoagulant}
    with pytest.raises(Invalid) as refused:
        plans.record_prp_session(uow, planner, "dr", cid, 1, None, SAMPLE, protocol)
    message = _refused(refused, "anticoagulant")
    assert "allergy to citrate anticoagulant" in message and "must not be used" in message
    assert "platelet-rich fibrin" in message  # what to choose instead: no listed PRP anticoagulant is citrate-free
    assert plans.load_plan(uow, "dr", cid).sessions == []  # nothing recorded


def test_the_plan_page_can_warn_before_a_session_is_recorded(uow: SqlUnitOfWork, planner: Planner) -> None:
    allergic = _consultation(uow, allergies=["citrate_anticoagulant"])
    view = plans.load_plan(uow, "dr", allergic)
    warning = plans.prp_anticoagulant_warning(planner, view.consultation)
    assert warning is not None and warning.code == "anticoagulant_allergy" and "ACD-A" in warning.text
    assert warning.citations and warning.unverified
    assert plans.prp_anticoagulant_warning(planner, view.consultation, "none") is None
    with pytest.raises(Invalid) as unknown:
        plans.prp_anticoagulant_warning(planner, view.consultation, "heparin")
    assert "choose one of" in _refused(unknown, "anticoagulant")
    other = plans.load_plan(uow, "dr", _consultation(uow, allergies=["hyaluronic_acid"])).consultation
    assert plans.prp_anticoagulant_warning(planner, other) is None


def test_without_the_allergy_the_default_anticoagulant_is_recorded(uow: SqlUnitOfWork, planner: Planner) -> None:
    cid = _consultation(uow, allergies=["hyaluronic_acid"])
    plans.save_plan(uow, planner, "dr", cid, plans.PlanRequest("prp", START, 3, 30))
    recorded = plans.record_prp_session(uow, planner, "dr", cid, 1, None, SAMPLE, {})
    assert recorded.details["protocol"]["anticoagulant"]["id"] == "acd_a"


# --- 2. Numbers that can only be typing errors ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("sample", "field"),
    [
        (PrpSample(250_000, 1.2, 20, 4), "prp_platelets_per_ul"),  # 1.2 meaning 1.2 x 10^6/uL
        (PrpSample(250, 1_000_000, 20, 4), "baseline_platelets_per_ul"),  # 250 meaning 250 x 10^3/uL
        (PrpSample(250_000, 1_000_000, 2000, 4), "blood_volume_ml"),
    ],
)
def test_a_prp_count_or_volume_that_must_be_a_typo_is_refused_with_the_range(
    uow: SqlUnitOfWork, planner: Planner, sample: PrpSample, field: str
) -> None:
    cid = _consultation(uow)
    plans.save_plan(uow, planner, "dr", cid, plans.PlanRequest("prp", START, 3, 30))
    with pytest.raises(Invalid) as refused:
        plans.record_prp_session(uow, planner, "dr", cid, 1, None, sample, {})
    message = _refused(refused, field)
    assert "must be between" in message and "plausibility limit" in message and "not a clinical" in message


def test_a_500_ml_cocktail_is_refused_with_the_range(uow: SqlUnitOfWork, planner: Planner) -> None:
    cid = _consultation(uow)
    plans.save_plan(uow, planner, "dr", cid, plans.PlanRequest("mesotherapy", START))
    with pytest.raises(Invalid) as one:
        plans.record_mesotherapy_session(
            uow, planner, "dr", cid, 1, START, [CocktailComponent("ncha_10", 500, "L1", VIAL)]
        )
    assert "must be between 0.01 and 10 mL, got 500" in _refused(one, "volume_ml")
    several = [CocktailComponent("ncha_10", 8, f"L{n}", VIAL) for n in range(3)]
    with pytest.raises(Invalid) as total:
        plans.record_mesotherapy_session(uow, planner, "dr", cid, 1, START, several)
    assert "0.01 and 20 mL, got 24 for the whole cocktail" in _refused(total, "volume_ml")
    assert plans.load_plan(uow, "dr", cid).sessions == []
    fine = [CocktailComponent("ncha_10", 3, "L9", VIAL)]
    assert plans.record_mesotherapy_session(uow, planner, "dr", cid, 1, START, fine).number == 1


def test_a_saved_plan_has_the_same_session_cap_as_the_calculator(uow: SqlUnitOfWork, planner: Planner) -> None:
    cid = _consultation(uow)
    with pytest.raises(Invalid) as refused:
        plans.save_plan(uow, planner, "dr", cid, plans.PlanRequest("mesotherapy", START, 1000, 14))
    assert "between 1 and 60" in _refused(refused, "sessions")
    assert plans.save_plan(uow, planner, "dr", cid, plans.PlanRequest("mesotherapy", START, 60, 14)).sessions == 60


# --- 3. Re-saving keeps the edited chart -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("intake_zones", "first", "again", "waive"),
    [
        (["cheek", "glabella"], (), ("glabella", "cheek"), ()),  # the intake's order, then the form's
        (["forehead"], ("glabella", "forehead"), ("forehead", "glabella"), ("glabella",)),  # with the waiver
        (["forehead", "cheek"], (), ("forehead", "cheek"), ()),  # no glabella
    ],
)
def test_a_new_start_date_keeps_the_hand_edited_points(
    uow: SqlUnitOfWork,
    planner: Planner,
    intake_zones: list[str],
    first: tuple[str, ...],
    again: tuple[str, ...],
    waive: tuple[str, ...],
) -> None:
    cid = _consultation(uow, zones=intake_zones)
    saved = plans.save_plan(uow, planner, "dr", cid, plans.PlanRequest("mesotherapy", START, 4, 14, first, None, waive))
    zone = saved.points[0].zone
    edited = plans.edit_chart(uow, planner, "dr", cid, ChartEdit("remove", number=1))
    assert len(edited.points) == len(saved.points) - 1 and zone
    later = START + dt.timedelta(days=7)
    resaved = plans.save_plan(
        uow, planner, "dr", cid, plans.PlanRequest("mesotherapy", later, 4, 14, again, None, waive)
    )
    assert resaved.start == later and resaved.points == edited.points
    assert resaved.zones == saved.zones  # drawn in the same order, so the points keep their numbers
    drawn = plans.draw_chart(planner, resaved)
    assert len(drawn.points) == len(edited.points)


def test_other_zones_or_another_waiver_still_chart_afresh(uow: SqlUnitOfWork, planner: Planner) -> None:
    cid = _consultation(uow, zones=["forehead"])
    request = plans.PlanRequest("mesotherapy", START, 4, 14, ("glabella", "forehead"), None, ("glabella",))
    saved = plans.save_plan(uow, planner, "dr", cid, request)
    plans.edit_chart(uow, planner, "dr", cid, ChartEdit("remove", number=1))
    unwaived = plans.save_plan(uow, planner, "dr", cid, plans.PlanRequest("mesotherapy", START, 4, 14, request.zones))
    assert unwaived.points != saved.points and all(p.zone != "glabella" for p in unwaived.points)


# --- 4. A plan change cannot drop or misattribute a recorded session -----------------------------------------


def test_a_plan_change_that_would_drop_or_move_a_recorded_session_is_refused(
    uow: SqlUnitOfWork, planner: Planner
) -> None:
    cid = _consultation(uow)
    plans.save_plan(uow, planner, "dr", cid, plans.PlanRequest("prp", START, 3, 30))
    plans.record_prp_session(uow, planner, "dr", cid, 1, None, SAMPLE, {})
    plans.record_prp_session(uow, planner, "dr", cid, 2, START + dt.timedelta(days=33), SAMPLE, {})
    moved = dt.date(2027, 3, 1)
    with pytest.raises(Invalid) as refused:
        plans.save_plan(uow, planner, "dr", cid, plans.PlanRequest("prp", moved, 1, 30))
    assert "at least 2" in _refused(refused, "sessions") and "2027-01-03" in _refused(refused, "sessions")
    assert "cannot change once a session has been recorded" in _refused(refused, "start")
    with pytest.raises(Invalid) as interval:
        plans.save_plan(uow, planner, "dr", cid, plans.PlanRequest("prp", START, 3, 42))
    assert "keep 30" in _refused(interval, "interval_days")
    view = plans.load_plan(uow, "dr", cid)
    assert view.plan is not None and (view.plan.start, view.plan.sessions) == (START, 3)

    # More visits, or as few as the highest recorded one, are fine; recorded sessions keep their visits.
    assert plans.save_plan(uow, planner, "dr", cid, plans.PlanRequest("prp", START, 5, 30)).sessions == 5
    assert plans.save_plan(uow, planner, "dr", cid, plans.PlanRequest("prp", START, 2, 30)).sessions == 2
    kept = plans.load_plan(uow, "dr", cid).plan
    assert kept is not None
    dated = plans.session_plan(planner, kept)
    assert dated.session_dates == (START, START + dt.timedelta(days=30))


def test_before_any_session_is_recorded_the_plan_may_change_freely(uow: SqlUnitOfWork, planner: Planner) -> None:
    cid = _consultation(uow)
    plans.save_plan(uow, planner, "dr", cid, plans.PlanRequest("prp", START, 3, 30))
    changed = plans.save_plan(uow, planner, "dr", cid, plans.PlanRequest("prp", dt.date(2027, 3, 1), 1, 21))
    assert (changed.start, changed.sessions, changed.interval_days) == (dt.date(2027, 3, 1), 1, 21)
