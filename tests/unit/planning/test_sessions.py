"""Session plans: dates from the course, warnings outside its cited ranges, maintenance and aftercare."""

from __future__ import annotations

import datetime as dt

import pytest

from rejuv.knowledge.loader import KnowledgeBase
from rejuv.knowledge.schema import Course, Quantity, Statement
from rejuv.planning.data import PlanningData
from rejuv.planning.errors import PlanningInputError
from rejuv.planning.sessions import SessionPlan, add_months, plan_sessions

START = dt.date(2025, 1, 6)


def course(
    sessions: tuple[float, float, float] = (3, 6, 4),
    interval: tuple[float, float, float] = (7, 21, 14),
    interval_unit: str = "days",
    maintenance: tuple[float, float] | None = (3, 6),
) -> Course:
    low, high, typical = sessions
    return Course(
        text=Statement(text="A course for the test.", citations=["test_source"]),
        sessions=Quantity(unit="sessions", min=low, max=high, typical=typical, citations=["session_source"]),
        interval_days=Quantity(
            unit=interval_unit,
            min=interval[0],
            max=interval[1],
            typical=interval[2],
            citations=["interval_source"],
        ),
        maintenance_interval_months=None
        if maintenance is None
        else Quantity(unit="months", min=maintenance[0], max=maintenance[1], citations=["maintenance_source"]),
    )


def plan(
    planning: PlanningData,
    test_course: Course | None = None,
    sessions: int | None = None,
    interval_days: int | None = None,
) -> SessionPlan:
    return plan_sessions(
        "mesotherapy",
        test_course or course(),
        planning.aftercare["mesotherapy"],
        START,
        sessions=sessions,
        interval_days=interval_days,
    )


def test_the_typical_course_is_dated_from_the_start_at_the_typical_interval(planning: PlanningData) -> None:
    result = plan(planning)
    assert result.session_dates == (START, dt.date(2025, 1, 20), dt.date(2025, 2, 3), dt.date(2025, 2, 17))
    assert result.warnings == ()


def test_a_count_and_interval_inside_the_range_are_used_without_warning(planning: PlanningData) -> None:
    result = plan(planning, sessions=6, interval_days=21)
    assert len(result.session_dates) == 6
    assert result.session_dates[-1] == START + dt.timedelta(days=105)
    assert result.warnings == ()


def test_a_count_outside_the_range_is_kept_with_a_warning_quoting_the_cited_range(planning: PlanningData) -> None:
    result = plan(planning, sessions=8)
    assert len(result.session_dates) == 8
    (warning,) = result.warnings
    assert warning.code == "sessions_outside_range"
    assert "3–6 sessions" in warning.text
    assert warning.citations == ("session_source",)


def test_an_interval_outside_the_range_is_kept_with_a_warning(planning: PlanningData) -> None:
    result = plan(planning, interval_days=5)
    assert result.session_dates[1] == START + dt.timedelta(days=5)
    (warning,) = result.warnings
    assert warning.code == "interval_outside_range"
    assert "7–21 days" in warning.text
    assert warning.citations == ("interval_source",)


def test_an_interval_given_in_weeks_is_checked_in_days(planning: PlanningData) -> None:
    weekly = course(sessions=(1, 4, 3), interval=(2, 8, 4), interval_unit="weeks")
    result = plan(planning, weekly)
    assert result.interval_days == 28
    assert [w.code for w in plan(planning, weekly, interval_days=70).warnings] == ["interval_outside_range"]


def test_maintenance_visits_follow_the_last_session_for_a_year(planning: PlanningData) -> None:
    result = plan(planning)
    maintenance = [v.date for v in result.visits if v.kind == "maintenance"]
    assert maintenance == [dt.date(2025, 5, 17), dt.date(2025, 8, 17), dt.date(2025, 11, 17), dt.date(2026, 2, 17)]


def test_a_course_without_maintenance_has_only_sessions(planning: PlanningData) -> None:
    result = plan(planning, course(maintenance=None))
    assert {v.kind for v in result.visits} == {"session"}


def test_adding_a_month_to_the_31st_of_january_lands_on_the_last_day_of_february() -> None:
    assert add_months(dt.date(2025, 1, 31), 1) == dt.date(2025, 2, 28)
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2025, 11, 15), 3) == dt.date(2026, 2, 15)


def test_aftercare_lists_each_day_with_the_instructions_in_force(planning: PlanningData) -> None:
    result = plan(planning)
    instructions = planning.aftercare["mesotherapy"].instructions
    assert [d.day for d in result.aftercare] == list(range(max(i.to_day for i in instructions) + 1))
    for day in result.aftercare:
        assert set(map(id, day.instructions)) == {id(i) for i in instructions if i.from_day <= day.day <= i.to_day}


def test_recovery_milestones_are_dated_after_each_session_or_after_the_last(planning: PlanningData) -> None:
    result = plan(planning, sessions=3)
    for milestone in result.recovery:
        anchors = result.session_dates if milestone.after == "each_session" else result.session_dates[-1:]
        assert [start for start, _ in milestone.dates] == [a + dt.timedelta(days=milestone.from_day) for a in anchors]


@pytest.mark.parametrize(("kwargs", "field"), [({"sessions": 0}, "sessions"), ({"interval_days": 0}, "interval_days")])
def test_an_impossible_count_or_interval_is_refused(planning: PlanningData, kwargs: dict[str, int], field: str) -> None:
    with pytest.raises(PlanningInputError) as caught:
        plan(planning, None, **kwargs)
    assert caught.value.field == field


@pytest.mark.parametrize("treatment", ["mesotherapy", "prp"])
def test_the_knowledge_bases_own_course_plans_without_warnings(
    kb: KnowledgeBase, planning: PlanningData, treatment: str
) -> None:
    course_ = kb.treatments[treatment].course
    result = plan_sessions(treatment, course_, planning.aftercare[treatment], START)
    assert result.sessions == round(course_.sessions.typical or 0)
    assert result.warnings == ()
