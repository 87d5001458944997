"""`rejuv recommend --interactive`: a guided questionnaire that builds a valid intake, one answer at a time.

Every answer is checked as it is typed and the question is asked again with what is allowed, so the
finished document is valid by construction. A blank answer means "I don't know" wherever the contract lets
a field be missing, because the contract reads a missing field as unknown, never as "no".
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, get_args

import typer
from rich.console import Console

from rejuv.cli.render import print_recommendation
from rejuv.domain.errors import IntakeError
from rejuv.domain.intake import AllergyId, ConditionId, MedicationClass, ProcedureType, ZoneId, parse_intake
from rejuv.engine import recommend
from rejuv.knowledge.loader import KnowledgeBase

SKIP = "(press Enter to skip if you don't know)"


class Asker:
    """Prompts that re-ask until the answer is allowed; blank returns None where skipping is allowed."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def _raw(self, question: str, skippable: bool) -> str:
        suffix = f" {SKIP}" if skippable else ""
        answer: str = typer.prompt(f"{question}{suffix}", default="", show_default=False)
        return answer.strip()

    def choice(
        self, question: str, options: list[str], labels: dict[str, str] | None = None, skippable: bool = True
    ) -> str | None:
        self._show(options, labels)
        while True:
            answer = self._raw(question, skippable)
            if not answer and skippable:
                return None
            picked = self._pick(answer, options)
            if picked is not None:
                return picked
            self.console.print(
                f"  Please answer with a number from 1 to {len(options)} or one of: {', '.join(options)}"
            )

    def choices(
        self,
        question: str,
        options: list[str],
        labels: dict[str, str] | None = None,
        minimum: int = 0,
        skippable: bool = True,
    ) -> list[str] | None:
        self._show(options, labels)
        hint = " (several allowed, separated by commas; 'none' if none)" if minimum == 0 else " (one or more, commas)"
        while True:
            answer = self._raw(question + hint, skippable)
            if not answer and skippable:
                return None
            if answer.lower() == "none" and minimum == 0:
                return []
            picked = [self._pick(part.strip(), options) for part in answer.split(",") if part.strip()]
            if picked and all(p is not None for p in picked) and len(picked) >= minimum:
                return list(dict.fromkeys(p for p in picked if p is not None))
            self.console.print(f"  Please use numbers from 1 to {len(options)} or these ids: {', '.join(options)}")

    def number(
        self,
        question: str,
        minimum: float,
        maximum: float | None = None,
        integer: bool = True,
        skippable: bool = True,
    ) -> float | int | None:
        while True:
            answer = self._raw(question, skippable)
            if not answer and skippable:
                return None
            try:
                value: float | int = int(answer) if integer else float(answer)
            except ValueError:
                kind = "a whole number" if integer else "a number"
                self.console.print(f"  Please type {kind}.")
                continue
            if value < minimum or (maximum is not None and value > maximum):
                upper = f" and at most {maximum:g}" if maximum is not None else ""
                self.console.print(f"  It must be at least {minimum:g}{upper}.")
                continue
            return value

    def yes_no(self, question: str, skippable: bool = True) -> bool | None:
        while True:
            answer = self._raw(f"{question} [y/n]", skippable).lower()
            if not answer and skippable:
                return None
            if answer in {"y", "yes"}:
                return True
            if answer in {"n", "no"}:
                return False
            self.console.print("  Please answer y or n.")

    def text(self, question: str, max_length: int = 200) -> str | None:
        while True:
            answer = self._raw(question, True)
            if len(answer) <= max_length:
                return answer or None
            self.console.print(f"  Please keep it under {max_length} characters.")

    def _show(self, options: list[str], labels: dict[str, str] | None) -> None:
        for index, option in enumerate(options, start=1):
            label = labels.get(option, option) if labels else option
            self.console.print(
                f"  {index:>2}. {label} [dim]({option})[/dim]" if label != option else f"  {index:>2}. {option}"
            )

    @staticmethod
    def _pick(answer: str, options: list[str]) -> str | None:
        if answer.isdigit() and 1 <= int(answer) <= len(options):
            return options[int(answer) - 1]
        return answer if answer in options else None


def build_intake(kb: KnowledgeBase, ask: Asker) -> dict[str, Any]:
    """Ask the questions in the order a consultation would, and return an intake contract document."""
    c = ask.console
    c.print("[bold]About you[/bold]")
    patient: dict[str, Any] = {"age": ask.number("How old are you?", 0, 120, skippable=False)}
    _put(patient, "sex", ask.choice("Sex", ["female", "male", "other"]))
    _put(
        patient,
        "fitzpatrick",
        ask.choice(
            "Skin type: how does your skin react to the sun? (Fitzpatrick I burns "
            "always, never tans ... VI never burns)",
            ["I", "II", "III", "IV", "V", "VI"],
        ),
    )
    _put(
        patient,
        "glogau",
        ask.choice("Lines and sun ageing (Glogau I none ... IV lines everywhere)", ["I", "II", "III", "IV"]),
    )

    c.print("\n[bold]What would you like to improve?[/bold]")
    concern_labels = {cid: concern.label for cid, concern in kb.concerns.items()}
    chosen = ask.choices("Your concerns", list(kb.concerns), concern_labels, minimum=1, skippable=False) or []
    concerns: list[dict[str, Any]] = []
    zone_ids = list(get_args(ZoneId))
    for cid in chosen:
        entry: dict[str, Any] = {"id": cid}
        _put(
            entry,
            "severity",
            ask.choice(f"How marked is '{concern_labels[cid]}'?", ["mild", "moderate", "severe"]),
        )
        _put(
            entry,
            "zones",
            ask.choices(
                f"Where on the face or body is '{concern_labels[cid]}'?",
                zone_ids,
                {z: kb.zones[z].label for z in zone_ids if z in kb.zones},
            ),
        )
        concerns.append(entry)

    c.print("\n[bold]What matters to you[/bold]")
    prefs: dict[str, Any] = {}
    _put(
        prefs,
        "max_downtime_days",
        ask.number("How many days of visible recovery could you accept?", 0, integer=False),
    )
    _put(prefs, "blood_draw", ask.choice("Is having blood taken from your arm OK?", ["ok", "refuses"]))
    _put(prefs, "autologous_only", ask.yes_no("Do you want only material from your own body injected?"))
    _put(prefs, "visits", ask.choice("Visits", ["frequent_ok", "fewer_visits"]))
    _put(prefs, "budget", ask.choice("Budget", ["low", "medium", "high"]))
    _put(
        prefs,
        "leaning",
        ask.choice("Now that you know about both, do you lean towards one?", ["none", "mesotherapy", "prp"]),
    )
    _put(
        prefs,
        "expectations",
        ask.choice(
            "Do you expect a change like a surgical lift, or a dramatic change at once? (realistic = no)",
            ["realistic", "unrealistic"],
        ),
    )

    c.print("\n[bold]Your health[/bold]")
    history: dict[str, Any] = {}
    if patient.get("sex") != "male":
        _put(history, "pregnant", ask.yes_no("Are you pregnant?"))
        _put(history, "breastfeeding", ask.yes_no("Are you breastfeeding?"))
    _put(history, "conditions", ask.choices("Do any of these apply to you now?", list(get_args(ConditionId))))
    _put(history, "medications", _medications(ask))
    labs: dict[str, Any] = {}
    _put(
        labs,
        "platelets_per_ul",
        ask.number("Platelet count from a recent blood test, per microlitre (e.g. 250000)", 0),
    )
    _put(labs, "haemoglobin_g_dl", ask.number("Haemoglobin, g/dL (e.g. 13.5)", 0, integer=False))
    _put(labs, "hba1c_percent", ask.number("HbA1c, % (only if you have diabetes)", 0, integer=False))
    _put(labs, "inr", ask.number("INR (only if you take a blood thinner)", 0, integer=False))
    if labs:
        history["labs"] = labs
    _put(history, "allergies", ask.choices("Are you allergic to any of these?", list(get_args(AllergyId))))
    _put(history, "cigarettes_per_day", ask.number("How many cigarettes do you smoke a day? (0 if none)", 0))
    _put(history, "recent_procedures", _procedures(ask, zone_ids))

    intake: dict[str, Any] = {"schema_version": "1", "patient": patient, "concerns": concerns}
    if prefs:
        intake["preferences"] = prefs
    if history:
        intake["history"] = history
    return intake


def _medications(ask: Asker) -> list[dict[str, Any]] | None:
    known = ask.yes_no("Do you take any medicines, or have you stopped one recently?")
    if known is None:
        return None
    meds: list[dict[str, Any]] = []
    while known:
        med: dict[str, Any] = {
            "class": ask.choice("What kind of medicine?", list(get_args(MedicationClass)), skippable=False)
        }
        _put(med, "name", ask.text("Its name"))
        status = ask.choice("Do you take it now or have you stopped?", ["current", "stopped"])
        _put(med, "status", status)
        if status == "stopped":
            _put(med, "days_since_stopped", ask.number("How many days ago did you stop?", 0))
        else:
            _put(med, "can_pause", ask.yes_no("Has the doctor who prescribed it agreed you can pause it?"))
        meds.append(med)
        known = bool(ask.yes_no("Another medicine?", skippable=False))
    return meds


def _procedures(ask: Asker, zone_ids: list[str]) -> list[dict[str, Any]] | None:
    known = ask.yes_no("Have you had a cosmetic procedure in the last 3 months?")
    if known is None:
        return None
    procedures: list[dict[str, Any]] = []
    while known:
        proc: dict[str, Any] = {"type": ask.choice("Which procedure?", list(get_args(ProcedureType)), skippable=False)}
        proc["days_ago"] = ask.number("How many days ago?", 0, skippable=False)
        _put(proc, "zones", ask.choices("Where?", zone_ids))
        procedures.append(proc)
        known = bool(ask.yes_no("Another procedure?", skippable=False))
    return procedures


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        target[key] = value


def run_questionnaire(kb: KnowledgeBase, console: Console, *, as_json: bool = False) -> None:
    ask = Asker(console)
    console.print("Answer each question; a qualified professional will go through the result with you.\n")
    document = build_intake(kb, ask)
    try:
        intake = parse_intake(document)
    except IntakeError as exc:  # cannot happen if the questions above match the contract; refuse loudly
        for problem in exc.errors:
            console.print(f"  {problem}", markup=False)
        raise typer.Exit(2) from None
    result = recommend(intake, kb)
    console.print()
    if as_json:
        console.print_json(data=result.to_dict())
    else:
        print_recommendation(console, result, kb)
    for what, data in (("your answers (the intake)", intake.to_dict()), ("the result", result.to_dict())):
        target = ask.text(f"Save {what} to a JSON file? Type a file name")
        if target:
            Path(target).write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            console.print(f"Saved {what} to {target}.")
