"""PRP preparation commands (`rejuv prp ...`): centrifuge settings both ways, a preparation protocol, and
the quality of a preparation. They parse options, call the pure planning core and print."""

from __future__ import annotations

from typing import Annotated

import typer

from rejuv.cli.planning_io import JsonOption, fail, input_error, planning_data, print_json, print_warnings
from rejuv.planning.advice import format_number
from rejuv.planning.centrifuge import calculate_rcf_g, calculate_rpm
from rejuv.planning.errors import PlanningInputError
from rejuv.planning.protocol import Spin, plan_protocol
from rejuv.planning.prp import PrpSample, assess_prp

prp_app = typer.Typer(
    help="Prepare PRP: centrifuge settings, a protocol, and a preparation's quality.", no_args_is_help=True
)

# --- rejuv prp -------------------------------------------------------------------------------------------------

RadiusOption = Annotated[float, typer.Option("--radius-cm", help="Rotor radius, axis to tube bottom, in cm.")]


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
        input_error(error)
    if as_json:
        print_json({"rpm": round(rpm, 1)})
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
        input_error(error)
    if as_json:
        print_json({"rcf": round(rcf, 1)})
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
    data = planning_data()
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
        input_error(error)
    if as_json:
        print_json(result.as_dict())
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
    print_warnings(result.warnings)


def _parse_spin(text: str) -> Spin:
    parts = text.lower().replace("×", "x").split("x")
    try:
        if len(parts) != 2:
            raise ValueError(text)
        return Spin(float(parts[0]), float(parts[1]))
    except ValueError:
        fail(f"--spin: expected g x minutes such as 400x10, got {text!r}")


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
    data = planning_data()
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
        input_error(error)
    if as_json:
        print_json(protocol.as_dict())
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
    print_warnings(protocol.warnings)
