"""Export a session plan as an iCalendar file (RFC 5545) that any calendar application can import.

Each visit is an all-day event, because the clinic books the time; a session's description carries its
aftercare day by day and the warning signs, so the person has them on the day. The output is
deterministic (UIDs derive from the plan, the time stamp is passed in) so a test can compare it and
re-importing the same plan updates events instead of duplicating them.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from icalendar import Calendar, Event

from rejuv.planning.sessions import TREATMENT_NAMES, SessionPlan, Visit

PRODUCT_ID = "-//rejuv//treatment plan//EN"


def _plan_key(plan: SessionPlan) -> str:
    seed = f"{plan.treatment}|{plan.start.isoformat()}|{plan.sessions}|{plan.interval_days}"
    return hashlib.sha256(seed.encode()).hexdigest()[:16]


def _session_description(plan: SessionPlan, visit: Visit) -> str:
    lines = [f"{visit.label}.", "", "Aftercare:"]
    instructions = {id(i): i for day in plan.aftercare for i in day.instructions}  # each once, in order
    for instruction in instructions.values():
        first = visit.date + dt.timedelta(days=instruction.from_day)
        last = visit.date + dt.timedelta(days=instruction.to_day)
        when = first.isoformat() if first == last else f"{first.isoformat()} to {last.isoformat()}"
        flag = " (customary advice, not yet verified)" if instruction.unverified else ""
        lines.append(f"- {when}: {instruction.text}{flag}")
    lines += ["", "Warning signs:"]
    lines += [f"- {sign.text}" for sign in plan.warning_signs]
    lines += ["", "A qualified professional decides on every session."]
    return "\n".join(lines)


def _maintenance_description(plan: SessionPlan, visit: Visit) -> str:
    months = plan.maintenance_interval_months
    every = f" (about every {months:g} months)" if months else ""
    return (
        f"{visit.label}{every}, to review the result and decide whether a "
        "top-up is wanted. A qualified professional decides."
    )


def export_ics(plan: SessionPlan, generated_at: dt.datetime) -> bytes:
    """The plan as .ics bytes. `generated_at` becomes every event's DTSTAMP (UTC)."""
    stamp = generated_at.astimezone(dt.UTC) if generated_at.tzinfo else generated_at.replace(tzinfo=dt.UTC)
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"{TREATMENT_NAMES.get(plan.treatment, plan.treatment)} plan")
    key = _plan_key(plan)
    for number, visit in enumerate(plan.visits, start=1):
        event = Event()
        event.add("uid", f"{key}-{number}@rejuv")
        event.add("dtstamp", stamp)
        event.add("dtstart", visit.date)
        event.add("dtend", visit.date + dt.timedelta(days=1))
        event.add("summary", visit.label)
        description = (
            _session_description(plan, visit) if visit.kind == "session" else _maintenance_description(plan, visit)
        )
        event.add("description", description)
        event.add("categories", [visit.kind])
        calendar.add_component(event)
    return bytes(calendar.to_ical())
