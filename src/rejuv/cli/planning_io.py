"""What every planning command shares: failing with exit code 2 and a message naming the option, a broken
knowledge base as exit code 1 with every problem listed, the planning data, and printing."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, NoReturn

import typer

from rejuv.domain.errors import KnowledgeError
from rejuv.planning.advice import PlanWarning
from rejuv.planning.data import PlanningData, load_planning_data
from rejuv.planning.errors import PlanningInputError

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]

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


def fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def input_error(error: PlanningInputError) -> NoReturn:
    field = error.field
    option = OPTION_NAMES.get(field) or ("--" + field.replace("_", "-"))
    fail(f"{option}: {error.message}")


def knowledge_error(error: KnowledgeError) -> NoReturn:
    typer.echo("The knowledge base is not valid:", err=True)
    for problem in error.problems:
        typer.echo(f"  {problem}", err=True)
    raise typer.Exit(1)


def planning_data() -> PlanningData:
    try:
        return load_planning_data()
    except KnowledgeError as error:
        knowledge_error(error)


def print_json(document: object) -> None:
    typer.echo(json.dumps(document, ensure_ascii=False, indent=2))


def print_warnings(warnings: tuple[PlanWarning, ...]) -> None:
    for item in warnings:
        flag = " [not yet verified]" if item.unverified else ""
        typer.echo(f"  ! {item.text} [{', '.join(item.citations)}]{flag}")


def parse_date(option: str, value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: expected a date as YYYY-MM-DD, got {value!r}")
