"""Rich renderings of the core's results for a terminal. Plain text in, no decisions made here."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console, Group
from rich.markdown import Markdown
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from rejuv.domain.recommendation import Recommendation
from rejuv.engine.compare import Comparison
from rejuv.knowledge.loader import KnowledgeBase
from rejuv.knowledge.schema import Treatment

_DECISION_WORDS = {
    "mesotherapy": "Mesotherapy fits best now",
    "prp": "PRP fits best now",
    "either": "Either option suits you now",
    "refer": "Neither treatment now: see a qualified professional",
}
_STATUS_STYLE = {
    "recommended": "bold green",
    "suitable": "green",
    "caution": "yellow",
    "not_now": "red",
    "excluded": "bold red",
}
_SEVERITY_STYLE = {"absolute": "bold red", "relative": "red", "caution": "yellow", "info": "cyan"}


def cite(keys: Iterable[str]) -> str:
    """Citation keys in brackets, escaped so Rich does not read them as style tags."""
    return escape("[" + "; ".join(keys) + "]")


def print_recommendation(console: Console, rec: Recommendation, kb: KnowledgeBase) -> None:
    console.print(Panel(Text(rec.summary), title=_DECISION_WORDS[rec.decision], border_style="bold"))

    console.print("\n[bold]Your options[/bold]")
    for option in rec.options:
        style = _STATUS_STYLE[option.status]
        console.print(f"\n[{style}]{escape(option.name)}: {option.status.replace('_', ' ')}[/{style}]")
        for reason in option.reasons:
            console.print(f"  • {escape(reason.text)} [dim]{cite(reason.citations)} ({reason.rule})[/dim]")

    console.print("\n[bold]What we found in your answers[/bold]")
    if not rec.findings:
        console.print("  Nothing that changes the options.")
    for finding in rec.findings:
        style = _SEVERITY_STYLE[finding.severity]
        who = ", ".join(kb.treatments[t].name for t in finding.treatments)
        flag = " [dim](not yet verified against a primary source)[/dim]" if finding.unverified else ""
        console.print(f"  [{style}]{finding.severity.upper()}[/{style}] {escape(finding.title)} — {escape(who)}{flag}")
        console.print(f"    {escape(finding.text)} [dim]{cite(finding.citations)}[/dim]")
        if finding.mitigation:
            console.print(f"    [italic]What helps:[/italic] {escape(finding.mitigation)}")
        if finding.why_it_matters:
            console.print(f"    [italic]Why it matters:[/italic] {escape(finding.why_it_matters)}")

    console.print("\n[bold]Questions to ask your clinician[/bold]")
    for question in rec.questions:
        console.print(f"  • {escape(question)}")

    console.print("\n[bold]How rejuv reached this[/bold]")
    for step in rec.steps:
        rules = f" [dim]({', '.join(step.rules)})[/dim]" if step.rules else ""
        console.print(f"  {step.step}: {escape(step.outcome)}{rules}")
    for finding in rec.findings:
        for param in finding.parameters:
            console.print(
                f"  [dim]{finding.rule} read {param.id} = {param.value:g} {param.unit} "
                f"(since {param.since}) {cite(param.citations)}[/dim]"
            )
    console.print(f"  [dim]{rec.rules_evaluated} rules checked; knowledge version {rec.knowledge_version}[/dim]")

    console.print(Panel(Text(rec.disclaimer), border_style="dim"))


def comparison_table(comparison: Comparison) -> Table:
    table = Table(title="Mesotherapy and PRP side by side", show_lines=True, expand=True)
    table.add_column("Question", style="bold", ratio=1)
    for treatment in comparison.treatments:
        table.add_column(treatment.name, ratio=2)
    for row in comparison.rows:
        cells = []
        for treatment in comparison.treatments:
            cell = row.cells[treatment.id]
            body = "\n".join(f"• {item}" for item in cell.items) if cell.items else cell.text
            if cell.items and row.id == "evidence":
                body = cell.text + "\n" + body
            cells.append(f"{body}\n[dim]{cite(cell.citations)}[/dim]")
        table.add_row(row.question, *cells)
    table.caption = (
        f"Written {comparison.reviewed_on}, next review {comparison.next_review}; "
        f"knowledge version {comparison.knowledge_version}. A qualified professional makes the decision."
    )
    return table


def comparison_markdown(comparison: Comparison, kb: KnowledgeBase) -> str:
    def esc(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    names = [t.name for t in comparison.treatments]
    lines = ["| Question | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for row in comparison.rows:
        cells = [f"{esc(row.cells[t.id].text)} {cite(row.cells[t.id].citations)}" for t in comparison.treatments]
        lines.append(f"| {esc(row.question)} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(
        f"Written {comparison.reviewed_on}; next review {comparison.next_review}; "
        f"knowledge version `{comparison.knowledge_version}`. A qualified professional makes the decision."
    )
    lines.append("")
    lines.append("## Sources")
    for key in comparison.citations:
        c = kb.citations[key]
        where = f"doi:{c.doi}" if c.doi else (c.url or f"PMID {c.pmid}")
        lines.append(f"- **{key}**: {c.authors + '. ' if c.authors else ''}{c.title}. {c.source}, {c.year}. {where}")
    return "\n".join(lines) + "\n"


def treatment_view(treatment: Treatment, kb: KnowledgeBase) -> Group:
    parts: list[Markdown | Text | Table] = [
        Text(treatment.name, style="bold"),
        Text(treatment.summary.text + " " + cite(treatment.summary.citations)),
    ]
    table = Table(show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("Primary indications", ", ".join(kb.concerns[c].label for c in treatment.indications.primary))
    table.add_row("Secondary indications", ", ".join(kb.concerns[c].label for c in treatment.indications.secondary))
    table.add_row("Course", treatment.course.text.text)
    table.add_row("Recovery", treatment.downtime.text.text)
    table.add_row("Evidence certainty", treatment.evidence.certainty.replace("_", " "))
    table.add_row("Reviewed", f"{treatment.reviewed_on} (next review {treatment.next_review})")
    parts.append(table)
    return Group(*parts)
