"""Planning commands: PRP preparation (`rejuv prp ...`), the face chart (`rejuv chart`) and plans (`rejuv plan ...`).

The lead registers them in `rejuv.cli.main`:
    app.add_typer(prp_app, name="prp"); app.command(name="chart")(chart_command); app.add_typer(plan_app, name="plan")
They only parse options, call the pure planning core and print. Bad input exits 2 with a message naming
the option and what it accepts; a broken knowledge base exits 1 with every problem listed.
"""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn, get_args

import typer

from rejuv.domain.errors import KnowledgeError
from rejuv.domain.intake import AllergyId
from rejuv.planning.advice import PlanWarning, format_number
from rejuv.planning.centrifuge import calculate_rcf_g, calculate_rpm
from rejuv.planning.chart.face_chart import ChartRequest, FaceChart, plan_chart
from rejuv.planning.chart.png import render_png
from rejuv.planning.chart.svg import render_svg
from rejuv.planning.cocktail import CocktailComponent, plan_cocktail
from rejuv.planning.data import PlanningData, load_planning_data
from rejuv.planning.errors import PlanningInputError
from rejuv.planning.ics import export_ics
from rejuv.planning.protocol import Spin, plan_protocol
from rejuv.planning.prp import PrpSample, assess_prp
from rejuv.planning.sessions import describe_interval, plan_sessions

prp_app = typer.Typer(
    help="Prepare PRP: centrifuge settings, a protocol, and a preparation's quality.", no_args_is_help=True
)
plan_app = typer.Typer(help="Plan a treatment: dated sessions and a session's cocktail.", no_args_is_help=True)

OPTION_NAMES = {  # core field -> option, where the option is not simply --field-with-dashes
    "rcf_g": "--rcf",
    "rpm": "--rpm",
    "baseline_platelets_per_ul": "--baseline-plt",
    "prp_platelets_per_ul": "--prp-plt",
    "blood_volume_ml": "--blood-ml",
    "prp_volume_ml": "--prp-ml",
    "injected_volume_ml": "--injected-ml",
    "baseline_wbc_per_ul": "--baseline-wbc",
    "prp_wbc_per_ul": "--prp-wbc",
    "prp_rbc_per_ul": "--prp-rbc",
    "baseline_neutrophils_per_ul": "--baseline-neutrophils",
    "prp_neutrophils_per_ul": "--prp-neutrophils",
    "tube_volume_ml": "--tube-ml",
    "available_volume_ml": "--available-ml",
}


class TreatmentChoice(StrEnum):
    mesotherapy = "mesotherapy"
    prp = "prp"


def _fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _input_error(error: PlanningInputError) -> NoReturn:
    field = error.field
    option = OPTION_NAMES.get(field) or ("--" + field.replace("_", "-"))
    _fail(f"{option}: {error.message}")


def _knowledge_error(error: KnowledgeError) -> NoReturn:
    typer.echo("The knowledge base is not valid:", err=True)
    for problem in error.problems:
        typer.echo(f"  {problem}", err=True)
    raise typer.Exit(1)


def _data() -> PlanningData:
    try:
        return load_planning_data()
    except KnowledgeError as error:
        _knowledge_error(error)


def _print_json(document: object) -> None:
    typer.echo(json.dumps(document, ensure_ascii=False, indent=2))


def _print_warnings(warnings: tuple[PlanWarning, ...]) -> None:
    for item in warnings:
        flag = " [not yet verified]" if item.unverified else ""
        typer.echo(f"  ! {item.text} [{', '.join(item.citations)}]{flag}")


def _date(option: str, value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        _fail(f"{option}: expected a date as YYYY-MM-DD, got {value!r}")


# --- rejuv prp -------------------------------------------------------------------------------------------------

RadiusOption = Annotated[float, typer.Option("--radius-cm", help="Rotor radius, axis to tube bottom, in cm.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@prp_app.command("rpm")
def prp_rpm(
    radius_cm: RadiusOption,
    rcf: Annotated[float, typer.Option("--rcf", help="Relative centrifugal force wanted, in × g.")],
    as_json: JsonOption = False,
) -> None:
    """Rotor speed (rpm) that gives a force in g for a rotor radius."""
    try:
        rpm = calculate_rpm(radius_cm, rcf)
    except PlanningInputError as error:
        _input_error(error)
    if as_json:
        _print_json({"rpm": round(rpm, 1)})
    else:
        typer.echo(f"{format_number(round(rpm))} rpm gives {format_number(rcf)} × g at {format_number(radius_cm)} cm")


@prp_app.command("rcf")
def prp_rcf(
    radius_cm: RadiusOption,
    rpm: Annotated[float, typer.Option("--rpm", help="Rotor speed in revolutions per minute.")],
    as_json: JsonOption = False,
) -> None:
    """Force in g that a rotor speed gives at a rotor radius."""
    try:
        rcf = calculate_rcf_g(radius_cm, rpm)
    except PlanningInputError as error:
        _input_error(error)
    if as_json:
        _print_json({"rcf": round(rcf, 1)})
    else:
        typer.echo(f"{format_number(round(rcf))} × g at {format_number(rpm)} rpm and {format_number(radius_cm)} cm")


@prp_app.command("assess")
def prp_assess(
    baseline_plt: Annotated[float, typer.Option("--baseline-plt", help="Blood platelets per µL.")],
    prp_plt: Annotated[float, typer.Option("--prp-plt", help="PRP platelets per µL.")],
    blood_ml: Annotated[float, typer.Option("--blood-ml", help="Whole blood processed, mL (no anticoagulant).")],
    prp_ml: Annotated[float, typer.Option("--prp-ml", help="PRP obtained, mL.")],
    injected_ml: Annotated[float | None, typer.Option("--injected-ml", help="PRP injected, mL (default: all).")] = None,
    baseline_wbc: Annotated[float | None, typer.Option("--baseline-wbc", help="Blood white cells per µL.")] = None,
    prp_wbc: Annotated[float | None, typer.Option("--prp-wbc", help="PRP white cells per µL.")] = None,
    prp_rbc: Annotated[float | None, typer.Option("--prp-rbc", help="PRP red cells per µL.")] = None,
    baseline_neutrophils: Annotated[
        float | None, typer.Option("--baseline-neutrophils", help="Blood neutrophils per µL.")
    ] = None,
    prp_neutrophils: Annotated[float | None, typer.Option("--prp-neutrophils", help="PRP neutrophils per µL.")] = None,
    activation: Annotated[
        str | None, typer.Option("--activation", help="Exogenous activator, e.g. calcium_chloride (default: none).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Concentration factor, dose, recovery, purity and the PAW, Mishra and DEPA classes of a PRP."""
    data = _data()
    sample = PrpSample(
        baseline_plt,
        prp_plt,
        blood_ml,
        prp_ml,
        injected_ml,
        baseline_wbc,
        prp_wbc,
        prp_rbc,
        baseline_neutrophils,
        prp_neutrophils,
        activation or None,
    )
    try:
        result = assess_prp(sample, data.prp)
    except PlanningInputError as error:
        _input_error(error)
    if as_json:
        _print_json(result.as_dict())
        return
    typer.echo(f"Concentration factor: {result.concentration_factor:.1f}×")
    typer.echo(f"Dose: {result.dose_billion:.2f} billion platelets")
    typer.echo(f"Recovery (efficiency): {result.efficiency_percent:.0f} %")
    if result.purity_percent is not None:
        typer.echo(f"Purity: {result.purity_percent:.1f} %")
    typer.echo(f"PAW: {result.paw}")
    typer.echo(f"Mishra: {result.mishra or 'not classed (white cell counts missing)'}")
    unverified = result.unverified_depa_axes
    note = f" (bands not yet verified: {', '.join(unverified)})" if unverified else ""
    typer.echo(f"DEPA: {result.depa_code}{note}")
    _print_warnings(result.warnings)


def _parse_spin(text: str) -> Spin:
    parts = text.lower().replace("×", "x").split("x")
    try:
        if len(parts) != 2:
            raise ValueError(text)
        return Spin(float(parts[0]), float(parts[1]))
    except ValueError:
        _fail(f"--spin: expected g x minutes such as 400x10, got {text!r}")


@prp_app.command("protocol")
def prp_protocol(
    blood_ml: Annotated[float | None, typer.Option("--blood-ml", help="Blood to draw, mL.")] = None,
    tube_ml: Annotated[float | None, typer.Option("--tube-ml", help="Tube volume, mL.")] = None,
    anticoagulant: Annotated[
        str | None, typer.Option("--anticoagulant", help="acd_a, sodium_citrate, edta or none.")
    ] = None,
    spin: Annotated[
        list[str] | None, typer.Option("--spin", help="A spin as g x minutes, e.g. 400x10; once or twice.")
    ] = None,
    radius_cm: Annotated[float | None, typer.Option("--radius-cm", help="Rotor radius in cm, to give rpm.")] = None,
    as_json: JsonOption = False,
) -> None:
    """A PRP preparation protocol, checked against the cited ranges."""
    data = _data()
    spins = [_parse_spin(s) for s in spin] if spin else None
    try:
        protocol = plan_protocol(
            data.prp,
            blood_volume_ml=blood_ml,
            tube_volume_ml=tube_ml,
            anticoagulant=anticoagulant,
            spins=spins,
            radius_cm=radius_cm,
        )
    except PlanningInputError as error:
        _input_error(error)
    if as_json:
        _print_json(protocol.as_dict())
        return
    typer.echo(
        f"Draw {format_number(protocol.blood_volume_ml)} mL of blood into {protocol.tubes} × "
        f"{format_number(protocol.tube_volume_ml)} mL tubes with {protocol.anticoagulant_label} "
        f"({protocol.anticoagulant_per_tube_ml:.2f} mL a tube)."
    )
    for step in protocol.spins:
        rpm = f" ({format_number(round(step.rpm))} rpm)" if step.rpm is not None else ""
        typer.echo(
            f"Spin {step.number}: {format_number(step.rcf_g)} × g for {format_number(step.minutes)} minutes{rpm}"
        )
    low, high = protocol.expected_prp_ml
    typer.echo(f"Expected PRP: about {low:.1f}-{high:.1f} mL ({protocol.spin_mode} spin).")
    _print_warnings(protocol.warnings)


# --- rejuv chart ---------------------------------------------------------------------------------------------


def _write_chart(chart: FaceChart, out: Path) -> None:
    suffix = out.suffix.lower()
    if suffix == ".svg":
        out.write_text(render_svg(chart), encoding="utf-8")
    elif suffix == ".png":
        out.write_bytes(render_png(chart))
    else:
        _fail(f"--out: the file must end in .svg or .png, got {out.name!r}")


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
    data = _data()
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
        _input_error(error)
    if out is not None:
        _write_chart(chart, out)
    if as_json:
        _print_json(chart.as_dict())
        return
    typer.echo(
        f"{len(chart.points)} points, {format_number(chart.total_volume_ml)} mL "
        f"({chart.technique.label}, {format_number(chart.spacing_mm)} mm apart)"
    )
    for zone in chart.zone_totals():
        typer.echo(f"  {zone['zone']} ({zone['side']}): {zone['count']} points, {format_number(zone['volume_ml'])} mL")
    _print_warnings(chart.warnings)
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

    first = _date("--start", start)
    data = _data()
    try:
        kb = load_knowledge_base()
    except KnowledgeError as error:
        _knowledge_error(error)
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
        _input_error(error)
    if ics is not None:
        ics.write_bytes(export_ics(plan, dt.datetime.now(dt.UTC)))
    if as_json:
        _print_json(plan.as_dict())
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
    _print_warnings(plan.warnings)
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
    points: Annotated[int | None, typer.Option("--points", help="Number of chart points, for mL a point.")] = None,
    technique: Annotated[str | None, typer.Option("--technique", help="Technique, to check mL a point.")] = None,
    as_json: JsonOption = False,
) -> None:
    """A session's cocktail: volume per point, allergy check, lot and expiry."""
    if not len(product) == len(volume_ml) == len(lot) == len(expiry):
        _fail("--product, --volume-ml, --lot and --expiry must be given the same number of times")
    allowed = set(get_args(AllergyId))
    unknown = sorted(set(allergy or []) - allowed)
    if unknown:
        _fail(f"--allergy: unknown {', '.join(unknown)}; choose from {', '.join(sorted(allowed))}")
    data = _data()
    if technique is not None and technique not in data.techniques:
        _fail(f"--technique: unknown {technique!r}; choose one of {', '.join(data.techniques)}")
    when = _date("--date", session_date) if session_date else dt.date.today()
    components = [
        CocktailComponent(name, volume, number, _date("--expiry", date))
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
        )
    except PlanningInputError as error:
        _input_error(error)
    if as_json:
        _print_json(cocktail.as_dict())
    else:
        typer.echo(f"Cocktail for {when.isoformat()}: {format_number(cocktail.total_volume_ml)} mL")
        for component in cocktail.components:
            typer.echo(
                f"  {component.product_id} {format_number(component.volume_ml)} mL, lot {component.lot}, "
                f"expires {component.expiry.isoformat()}"
            )
        if cocktail.volume_per_point_ml is not None:
            typer.echo(f"  {cocktail.volume_per_point_ml:.4f} mL a point over {cocktail.points} points")
        typer.echo(
            "DO NOT USE: see the warnings." if cocktail.blocked else "No allergy conflict or expired product found."
        )
        _print_warnings(cocktail.warnings)
