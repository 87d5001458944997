"""Planning commands: the face chart (`rejuv chart`) and plans (`rejuv plan ...`); PRP preparation is in
`rejuv.cli.prp`. They only parse options, call the pure planning core and print. Bad input exits 2 with a
message naming the option and what it accepts; a broken knowledge base exits 1 with every problem listed.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Annotated, get_args

import typer

from rejuv.cli.planning_io import (
    JsonOption,
    fail,
    input_error,
    knowledge_error,
    parse_date,
    planning_data,
    print_json,
    print_warnings,
)
from rejuv.domain.errors import KnowledgeError
from rejuv.domain.intake import AllergyId
from rejuv.planning.advice import format_number
from rejuv.planning.chart.face_chart import ChartRequest, FaceChart, plan_chart
from rejuv.planning.chart.png import render_png
from rejuv.planning.chart.svg import render_svg
from rejuv.planning.cocktail import CocktailComponent, plan_cocktail
from rejuv.planning.errors import PlanningInputError
from rejuv.planning.ics import export_ics
from rejuv.planning.sessions import describe_interval, plan_sessions

plan_app = typer.Typer(help="Plan a treatment: dated sessions and a session's cocktail.", no_args_is_help=True)


class TreatmentChoice(StrEnum):
    mesotherapy = "mesotherapy"
    prp = "prp"


# --- rejuv chart ---------------------------------------------------------------------------------------------


def _write_chart(chart: FaceChart, out: Path) -> None:
    suffix = out.suffix.lower()
    if suffix == ".svg":
        out.write_text(render_svg(chart), encoding="utf-8")
    elif suffix == ".png":
        out.write_bytes(render_png(chart))
    else:
        fail(f"--out: the file must end in .svg or .png, got {out.name!r}")


def chart_command(
    zones: Annotated[str, typer.Option("--zones", help="Comma-separated zone ids, e.g. cheek,forehead.")],
    technique: Annotated[str, typer.Option("--technique", help="papule, nappage or prp_microdepot.")],
    spacing_mm: Annotated[
        float | None, typer.Option("--spacing-mm", help="Distance between points (default: the technique's).")
    ] = None,
    buffer_mm: Annotated[
        float | None, typer.Option("--buffer-mm", help="Safety distance from every exclusion (default 3 mm).")
    ] = None,
    allow_glabella: Annotated[
        bool, typer.Option("--allow-glabella", help="Chart the glabella, superficial mesotherapy only.")
    ] = False,
    depth_mm: Annotated[float | None, typer.Option("--depth-mm", help="Depth (default: the technique's).")] = None,
    volume_per_point_ml: Annotated[
        float | None, typer.Option("--volume-per-point-ml", help="Volume a point (default: the technique's).")
    ] = None,
    available_ml: Annotated[
        float | None, typer.Option("--available-ml", help="Cocktail or PRP available, mL, to check the total.")
    ] = None,
    face_width_mm: Annotated[
        float | None, typer.Option("--face-width-mm", help="Measured width across the cheekbones, to scale.")
    ] = None,
    face_height_mm: Annotated[
        float | None, typer.Option("--face-height-mm", help="Measured hairline-to-chin height, to scale.")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write the drawing to a .svg or .png file.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Evenly spaced injection points over chosen zones, clear of danger zones."""
    data = planning_data()
    request = ChartRequest(
        zones=[z.strip() for z in zones.split(",") if z.strip()],
        technique=technique,
        spacing_mm=spacing_mm,
        buffer_mm=buffer_mm,
        waive=frozenset({"glabella"}) if allow_glabella else frozenset(),
        depth_mm=depth_mm,
        volume_per_point_ml=volume_per_point_ml,
        available_volume_ml=available_ml,
        face_width_mm=face_width_mm,
        face_height_mm=face_height_mm,
    )
    try:
        chart = plan_chart(request, data.template, data.techniques)
    except PlanningInputError as error:
        input_error(error)
    if out is not None:
        _write_chart(chart, out)
    if as_json:
        print_json(chart.as_dict())
        return
    typer.echo(
        f"{len(chart.points)} points, {format_number(chart.total_volume_ml)} mL "
        f"({chart.technique.label}, {format_number(chart.spacing_mm)} mm apart)"
    )
    for zone in chart.zone_totals():
        typer.echo(f"  {zone['zone']} ({zone['side']}): {zone['count']} points, {format_number(zone['volume_ml'])} mL")
    print_warnings(chart.warnings)
    if out is not None:
        typer.echo(f"Wrote {out}")


# --- rejuv plan ----------------------------------------------------------------------------------------------


@plan_app.command("sessions")
def plan_sessions_command(
    treatment: Annotated[TreatmentChoice, typer.Option("--treatment", help="mesotherapy or prp.")],
    start: Annotated[str, typer.Option("--start", help="First session date, YYYY-MM-DD.")],
    sessions: Annotated[int | None, typer.Option("--sessions", help="Number of sessions (default: typical).")] = None,
    interval_days: Annotated[
        int | None, typer.Option("--interval-days", help="Days between sessions (default: typical).")
    ] = None,
    ics: Annotated[Path | None, typer.Option("--ics", help="Also write the plan as an iCalendar file.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Dated sessions, maintenance visits, aftercare and recovery for a course."""
    from rejuv.knowledge.loader import load_knowledge_base  # the shell loads the base; the core is handed a Course

    first = parse_date("--start", start)
    data = planning_data()
    try:
        kb = load_knowledge_base()
    except KnowledgeError as error:
        knowledge_error(error)
    treatment_id = treatment.value
    try:
        plan = plan_sessions(
            treatment_id,
            kb.treatments[treatment_id].course,
            data.aftercare[treatment_id],
            first,
            sessions=sessions,
            interval_days=interval_days,
        )
    except PlanningInputError as error:
        input_error(error)
    if ics is not None:
        ics.write_bytes(export_ics(plan, dt.datetime.now(dt.UTC)))
    if as_json:
        print_json(plan.as_dict())
        return
    typer.echo(f"{treatment_id}: {describe_interval(plan)}")
    for visit in plan.visits:
        typer.echo(f"  {visit.date.isoformat()}  {visit.label}")
    typer.echo("Aftercare after each session:")
    for day in plan.aftercare:
        for instruction in day.instructions:
            if instruction.from_day == day.day:
                span = f"day {day.day}" + (f"-{instruction.to_day}" if instruction.to_day > day.day else "")
                typer.echo(f"  {span}: {instruction.text}")
    typer.echo("What to expect:")
    for milestone in plan.recovery:
        when = "each session" if milestone.after == "each_session" else "the last session"
        typer.echo(f"  days {milestone.from_day}-{milestone.to_day} after {when}: {milestone.text}")
    print_warnings(plan.warnings)
    if ics is not None:
        typer.echo(f"Wrote {ics}")


@plan_app.command("cocktail")
def plan_cocktail_command(
    product: Annotated[list[str], typer.Option("--product", help="Product id; repeat for a mixture.")],
    volume_ml: Annotated[list[float], typer.Option("--volume-ml", help="Volume of each product, mL.")],
    lot: Annotated[list[str], typer.Option("--lot", help="Lot number of each product.")],
    expiry: Annotated[list[str], typer.Option("--expiry", help="Expiry date of each product, YYYY-MM-DD.")],
    session_date: Annotated[str | None, typer.Option("--date", help="Session date (default: today).")] = None,
    allergy: Annotated[list[str] | None, typer.Option("--allergy", help="An intake allergy id; repeatable.")] = None,
    no_allergy: Annotated[
        bool, typer.Option("--no-allergy", help="The person was asked and has no allergy (else: not checked).")
    ] = False,
    points: Annotated[int | None, typer.Option("--points", help="Number of chart points, for mL a point.")] = None,
    technique: Annotated[str | None, typer.Option("--technique", help="Technique, to check mL a point.")] = None,
    as_json: JsonOption = False,
) -> None:
    """A session's cocktail: volume per point, allergy check, lot and expiry."""
    if not len(product) == len(volume_ml) == len(lot) == len(expiry):
        fail("--product, --volume-ml, --lot and --expiry must be given the same number of times")
    allowed = set(get_args(AllergyId))
    unknown = sorted(set(allergy or []) - allowed)
    if unknown:
        fail(f"--allergy: unknown {', '.join(unknown)}; choose from {', '.join(sorted(allowed))}")
    if no_allergy and allergy:
        fail("--no-allergy: cannot be given with --allergy")
    # Without either, nobody said: the check had nothing to use, and the output must not read as "no allergy".
    allergies_recorded = bool(allergy) or no_allergy
    data = planning_data()
    if technique is not None and technique not in data.techniques:
        fail(f"--technique: unknown {technique!r}; choose one of {', '.join(data.techniques)}")
    when = parse_date("--date", session_date) if session_date else dt.date.today()
    components = [
        CocktailComponent(name, volume, number, parse_date("--expiry", date))
        for name, volume, number, date in zip(product, volume_ml, lot, expiry, strict=True)
    ]
    try:
        cocktail = plan_cocktail(
            data.cocktails,
            data.cocktail_allergy_rule,
            components,
            when,
            allergy or (),
            points=points,
            technique=data.techniques[technique] if technique else None,
            limits=data.cocktail_limits,
        )
    except PlanningInputError as error:
        input_error(error)
    if as_json:
        print_json({**cocktail.as_dict(), "allergies_recorded": allergies_recorded})
    else:
        typer.echo(f"Cocktail for {when.isoformat()}: {format_number(cocktail.total_volume_ml)} mL")
        for component in cocktail.components:
            typer.echo(
                f"  {component.product_id} {format_number(component.volume_ml)} mL, lot {component.lot}, "
                f"expires {component.expiry.isoformat()}"
            )
        if cocktail.volume_per_point_ml is not None:
            typer.echo(f"  {cocktail.volume_per_point_ml:.4f} mL a point over {cocktail.points} points")
        if cocktail.blocked:
            typer.echo("DO NOT USE: see the warnings.")
        elif allergies_recorded:
            typer.echo("No allergy conflict or expired product found.")
        else:
            typer.echo(
                "No expired product found. Allergies were not given (--allergy, or --no-allergy when there are "
                "none), so the cocktail was not checked against any: ask the person before mixing it."
            )
        print_warnings(cocktail.warnings)
