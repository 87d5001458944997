"""The .ics export parses, holds one event per visit on the right day, and is stable."""

from __future__ import annotations

import datetime as dt

from icalendar import Calendar

from rejuv.knowledge.loader import KnowledgeBase
from rejuv.planning.data import PlanningData
from rejuv.planning.ics import export_ics
from rejuv.planning.sessions import SessionPlan, plan_sessions

STAMP = dt.datetime(2025, 1, 1, 9, 0, tzinfo=dt.UTC)


def prp_plan(kb: KnowledgeBase, planning: PlanningData) -> SessionPlan:
    return plan_sessions("prp", kb.treatments["prp"].course, planning.aftercare["prp"], dt.date(2025, 3, 3))


def test_the_ics_parses_with_one_all_day_event_per_visit(kb: KnowledgeBase, planning: PlanningData) -> None:
    plan = prp_plan(kb, planning)
    calendar = Calendar.from_ical(export_ics(plan, STAMP))
    events = calendar.walk("VEVENT")
    assert [e.decoded("dtstart") for e in events] == [v.date for v in plan.visits]
    assert all(e.decoded("dtend") - e.decoded("dtstart") == dt.timedelta(days=1) for e in events)
    assert len({str(e["uid"]) for e in events}) == len(events)


def test_each_session_event_carries_its_dated_aftercare_and_the_warning_signs(
    kb: KnowledgeBase, planning: PlanningData
) -> None:
    plan = prp_plan(kb, planning)
    events = Calendar.from_ical(export_ics(plan, STAMP)).walk("VEVENT")
    second = next(e for e in events if str(e["summary"]) == "PRP session 2 of 3")
    description = str(second["description"])
    session_day = plan.session_dates[1]
    assert f"{session_day.isoformat()} to {(session_day + dt.timedelta(days=14)).isoformat()}" in description
    for sign in plan.warning_signs:
        assert sign.text in description


def test_exporting_the_same_plan_twice_gives_the_same_bytes(kb: KnowledgeBase, planning: PlanningData) -> None:
    plan = prp_plan(kb, planning)
    assert export_ics(plan, STAMP) == export_ics(plan, STAMP)
