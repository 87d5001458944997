"""The `rejuv` command. It only parses arguments, calls the core and prints; every decision lives in the core.

Exit codes: 0 success; 1 the knowledge base failed validation; 2 bad input (an invalid intake, an unknown
option value, a missing file), always with a message naming the field and what is allowed, never a traceback.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console

from rejuv import __version__
from rejuv.cli.planning import chart_command, plan_app
from rejuv.cli.prp import prp_app
from rejuv.cli.render import comparison_markdown, comparison_table, print_recommendation, treatment_view
from rejuv.cli.submissions import submissions_app
from rejuv.cli.web import serve_command, user_app
from rejuv.domain.errors import IntakeError, KnowledgeError
from rejuv.domain.intake import parse_intake_json
from rejuv.engine import compile_rules, recommend
from rejuv.engine.compare import compare as build_comparison
from rejuv.knowledge.loader import KnowledgeBase, load_knowledge_base
from rejuv.planning.data import cited_keys, load_planning_data

app = typer.Typer(
    name="rejuv",
    help="Compare facial mesotherapy and PRP, check safety and get an explained recommendation.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
treatments_app = typer.Typer(help="List and show the treatments in the knowledge base.", no_args_is_help=True)
kb_app = typer.Typer(help="Validate the knowledge base.", no_args_is_help=True)
app.add_typer(treatments_app, name="treatments")
app.add_typer(kb_app, name="kb")
app.add_typer(prp_app, name="prp")
app.add_typer(plan_app, name="plan")
app.command(name="chart")(chart_command)
app.command(name="serve", help="Serve the decision aid, clinician workspace and API.")(serve_command)
app.add_typer(user_app, name="user")
app.add_typer(submissions_app, name="submissions")

out = Console(highlight=False, soft_wrap=False)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class CompareFormat(StrEnum):
    table = "table"
    markdown = "markdown"
    json = "json"


def fail_input(message: str) -> NoReturn:
    err.print(f"[bold red]error:[/bold red] {message}")
    raise typer.Exit(2)


def load_kb(path: Path | None = None) -> KnowledgeBase:
    """Load and compile the base; a broken base is exit code 1 with every problem listed."""
    try:
        kb = load_knowledge_base(path)
        compile_rules(kb)
    except KnowledgeError as exc:
        err.print("[bold red]The knowledge base is not valid:[/bold red]")
        for problem in exc.problems:
            err.print(f"  {problem}", markup=False)
        raise typer.Exit(1) from None
    return kb


def _version(value: bool) -> None:
    if value:
        out.print(f"rejuv {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """rejuv: decision support for facial mesotherapy and PRP. A qualified professional decides."""


@app.command()
def compare(
    ids: Annotated[list[str] | None, typer.Argument(help="Treatment ids to compare (default: all).")] = None,
    format: Annotated[CompareFormat, typer.Option("--format", "-f", help="Output format.")] = CompareFormat.table,
) -> None:
    """Show the treatments side by side, every answer with its sources."""
    kb = load_kb()
    try:
        comparison = build_comparison(kb, ids)
    except IntakeError as exc:
        fail_input("; ".join(e.message for e in exc.errors))
    if format is CompareFormat.json:
        out.print_json(data=comparison.to_dict(kb))
    elif format is CompareFormat.markdown:
        sys.stdout.write(comparison_markdown(comparison, kb))
    else:
        Console(width=max(out.width, 140), highlight=False).print(comparison_table(comparison))


def _read_input(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    path = Path(source)
    if not path.is_file():
        fail_input(f"--input: no such file: {source}")
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail_input(f"--input: cannot read {source}: {exc}")


def report_intake_error(exc: IntakeError) -> NoReturn:
    err.print("[bold red]The intake is not valid:[/bold red]")
    for problem in exc.errors:
        err.print(f"  {problem}", markup=False)
    raise typer.Exit(2)


@app.command(name="recommend")
def recommend_command(
    input: Annotated[
        str | None, typer.Option("--input", "-i", help="Intake JSON file ('-' reads standard input).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print exactly the recommendation contract.")] = False,
    interactive: Annotated[
        bool, typer.Option("--interactive", help="Answer a guided questionnaire instead of giving a file.")
    ] = False,
) -> None:
    """Screen an intake and explain which option suits now, and why."""
    if interactive == (input is not None):
        fail_input("give exactly one of --input FILE and --interactive")
    kb = load_kb()
    if interactive:
        from rejuv.cli.interactive import run_questionnaire

        run_questionnaire(kb, out, as_json=as_json)
        return
    assert input is not None
    try:
        intake = parse_intake_json(_read_input(input))
    except IntakeError as exc:
        report_intake_error(exc)
    result = recommend(intake, kb)
    if as_json:
        sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        print_recommendation(out, result, kb)


@treatments_app.command("list")
def treatments_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the treatments with their evidence certainty and review date."""
    kb = load_kb()
    rows: list[dict[str, Any]] = [
        {
            "id": t.id,
            "name": t.name,
            "evidence_certainty": t.evidence.certainty,
            "reviewed_on": t.reviewed_on.isoformat(),
            "next_review": t.next_review.isoformat(),
        }
        for t in kb.treatments.values()
    ]
    if as_json:
        out.print_json(data=rows)
        return
    for row in rows:
        out.print(
            f"{row['id']:<12} {row['name']:<30} evidence: {row['evidence_certainty'].replace('_', ' '):<9} "
            f"reviewed {row['reviewed_on']}, next review {row['next_review']}"
        )


@treatments_app.command("show")
def treatments_show(
    id: Annotated[str, typer.Argument(help="Treatment id, e.g. prp.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the full knowledge entry as JSON.")] = False,
) -> None:
    """Show one treatment: summary, indications, course, recovery, evidence."""
    kb = load_kb()
    treatment = kb.treatments.get(id)
    if treatment is None:
        fail_input(f"ID: unknown treatment '{id}' (allowed: {', '.join(kb.treatments)})")
    if as_json:
        out.print_json(data=treatment.model_dump(mode="json"))
    else:
        out.print(treatment_view(treatment, kb))


@kb_app.command("check")
def kb_check(
    path: Annotated[
        Path | None, typer.Option("--path", help="Check another knowledge folder (default: the shipped one).")
    ] = None,
) -> None:
    """Validate every knowledge file: keys, ids, citations, units, rules. Exit 1 on any problem."""
    kb = load_kb(path)
    try:
        planning = load_planning_data(path)
    except KnowledgeError as exc:
        err.print("[bold red]The planning data is not valid:[/bold red]")
        for problem in exc.problems:
            err.print(f"  {problem}", markup=False)
        raise typer.Exit(1) from None
    dangling = sorted(cited_keys(planning) - set(kb.citations))
    if dangling:
        err.print(f"[bold red]The planning data cites unknown sources:[/bold red] {', '.join(dangling)}")
        raise typer.Exit(1)
    out.print(
        f"Knowledge base OK: {len(kb.treatments)} treatments, {len(kb.rules)} rules, "
        f"{len(kb.parameters)} parameters, {len(kb.citations)} citations. Version {kb.version}."
    )


def run() -> None:
    """Console-script entry point."""
    app()
