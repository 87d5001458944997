"""The pure mapping from form answers to an intake document, step validation, and the hidden-field state.

Answers travel between steps in a hidden field, never in a database: nothing a person types is stored unless
they send it to the clinic with consent from the result page (`services.submissions`). An
"I'm not sure" answer leaves the contract field out (missing means "not known", never "no"); for the medicines
taken now, when stopped ones are listed, it sets `history.current_medications_unknown` instead, so that the list
is not read as "nothing taken now". A value that is not a number is passed through as text so that the
contract parser names the exact field it belongs to.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from rejuv.web.questions import (
    LABS,
    MEDICATIONS,
    NONE_OF_THESE,
    PROCEDURES,
    STOPPED_DAYS,
    STOPPED_LIST,
    UNSURE,
    Answers,
    Step,
)

__all__ = ["Answers", "Step", "decode_state", "encode_state", "merge", "to_intake", "validate"]


def merge(answers: Answers, form: Mapping[str, list[str]], step: Step) -> Answers:
    """The answers with this step's fields replaced by what the form sent (absent fields are cleared)."""
    merged = {k: v for k, v in answers.items() if not _belongs(k, step)}
    for question in step.questions:
        values = [v for v in form.get(question.name, []) if v != ""]
        if question.kind in {"checkboxes", "concerns"}:
            merged[question.name] = values
        elif values:
            merged[question.name] = values[0].strip()
        if question.kind == "concerns":
            for choice in question.choices:
                severity = form.get(f"severity.{choice.value}", [])
                if severity and severity[0]:
                    merged[f"severity.{choice.value}"] = severity[0]
    return merged


def _belongs(key: str, step: Step) -> bool:
    names = {q.name for q in step.questions}
    return key in names or (step.slug == "concerns" and key.startswith("severity."))


def validate(step: Step, answers: Answers) -> dict[str, str]:
    """Messages keyed by field name, written for the person who filled the form."""
    errors: dict[str, str] = {}
    for q in step.questions:
        value = answers.get(q.name)
        allowed = {c.value for c in q.choices}
        if q.kind == "number":
            if value in (None, ""):
                if q.required:
                    errors[q.name] = "Please fill this in."
                continue
            number = _number(str(value), q.integer)
            if number is None:
                errors[q.name] = "Please write a whole number." if q.integer else "Please write a number."
            elif q.minimum is not None and number < q.minimum:
                errors[q.name] = f"Please write a number of at least {q.minimum:g}."
            elif q.maximum is not None and number > q.maximum:
                errors[q.name] = f"Please write a number of at most {q.maximum:g}."
        elif q.kind == "radio":
            if value not in (None, "") and value not in allowed:
                errors[q.name] = "Please choose one of the answers."
        else:
            chosen = value if isinstance(value, list) else []
            if any(v not in allowed for v in chosen):
                errors[q.name] = "Please choose from the list."
            elif q.required and not chosen:
                errors[q.name] = "Please choose at least one."
            elif len(chosen) > 1 and (UNSURE in chosen or NONE_OF_THESE in chosen):
                errors[q.name] = "'None of these' and 'I'm not sure' cannot be ticked with other answers."
    stopped = answers.get(STOPPED_LIST)
    if isinstance(stopped, list) and NONE_OF_THESE in stopped:
        for q in step.questions:
            if q.name.startswith(STOPPED_DAYS) and q.name not in errors and answers.get(q.name) not in (None, ""):
                errors[q.name] = (
                    "You wrote when you stopped this, but ticked 'None of these' in the list of medicines you "
                    "stopped. Please change one of the two answers."
                )
    if step.severity_choices:
        allowed = {c.value for c in step.severity_choices}
        for key, value in answers.items():
            if key.startswith("severity.") and value not in allowed:
                errors[key] = "Please choose one of the answers."
    return errors


def _number(text: str, integer: bool) -> float | None:
    try:
        number = int(text) if integer else float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def to_intake(answers: Answers) -> dict[str, Any]:
    """The intake contract document these answers describe; unknown answers are left out, never guessed."""

    def get(name: str) -> Any:
        value = answers.get(name)
        return None if value in ("", UNSURE) else value

    patient: dict[str, Any] = {}
    if get("patient.age") is not None:
        patient["age"] = _int_or_text(str(get("patient.age")))
    for key in ("sex", "fitzpatrick", "glogau"):
        if get(f"patient.{key}") is not None:
            patient[key] = get(f"patient.{key}")
    zones = [z for z in _list(answers, "zones")]
    concerns: list[dict[str, Any]] = []
    for concern_id in _list(answers, "concerns"):
        concern: dict[str, Any] = {"id": concern_id}
        severity = get(f"severity.{concern_id}")
        if severity is not None:
            concern["severity"] = severity
        if zones:
            concern["zones"] = zones
        concerns.append(concern)
    preferences: dict[str, Any] = {}
    for key in ("blood_draw", "visits", "budget", "leaning", "expectations"):
        if get(f"pref.{key}") is not None:
            preferences[key] = get(f"pref.{key}")
    if get("pref.max_downtime_days") is not None:
        preferences["max_downtime_days"] = _float_or_text(str(get("pref.max_downtime_days")))
    if get("pref.autologous_only") is not None:
        preferences["autologous_only"] = _yes_no(get("pref.autologous_only"))
    history: dict[str, Any] = {}
    for key in ("pregnant", "breastfeeding"):
        if get(f"history.{key}") is not None:
            history[key] = _yes_no(get(f"history.{key}"))
    for key in ("conditions", "allergies"):
        listed = _checklist(answers, f"history.{key}")
        if listed is not None:
            history[key] = listed
    medications = _checklist(answers, "history.medications")
    stopped = _stopped(answers)
    if medications is not None or stopped:
        pause = get("med.can_pause")
        history["medications"] = [
            *(
                {"class": m, "status": "current", **({"can_pause": _yes_no(pause)} if pause is not None else {})}
                for m in medications or []
            ),
            *(
                {"class": m, "status": "stopped", **({"days_since_stopped": _int_or_text(days)} if days else {})}
                for m, days in stopped
            ),
        ]
        if medications is None:  # only stopped ones are listed: say the ones taken now are not known, not "none"
            history["current_medications_unknown"] = True
    if get("history.cigarettes_per_day") is not None:
        history["cigarettes_per_day"] = _int_or_text(str(get("history.cigarettes_per_day")))
    labs = {key: _float_or_text(str(get(f"labs.{key}"))) for key, _, _ in LABS if get(f"labs.{key}") is not None}
    if labs:
        history["labs"] = labs
    procedures = [
        {"type": value, "days_ago": _int_or_text(str(get(f"recent.{value}")))}
        for value, _ in PROCEDURES
        if get(f"recent.{value}") is not None
    ]
    if procedures:
        history["recent_procedures"] = procedures
    document: dict[str, Any] = {"schema_version": "1", "patient": patient, "concerns": concerns}
    if preferences:
        document["preferences"] = preferences
    if history:
        document["history"] = history
    return document


def _list(answers: Answers, name: str) -> list[str]:
    value = answers.get(name)
    return [v for v in value if v not in (UNSURE, NONE_OF_THESE)] if isinstance(value, list) else []


def _stopped(answers: Answers) -> list[tuple[str, str | None]]:
    """Each medicine stopped recently, with the days since if given. A number of days typed for a medicine
    means it was stopped even if it was not ticked in the list; no number means "not known when", which the
    rules treat as recent. 'I'm not sure' in the list leaves out only what is not known."""
    listed = _list(answers, STOPPED_LIST)
    days: dict[str, str] = {}
    for key, value in answers.items():
        if key.startswith(STOPPED_DAYS) and isinstance(value, str) and value.strip() not in ("", UNSURE):
            days[key.removeprefix(STOPPED_DAYS)] = value.strip()
    order = [*listed, *(m for m, _ in MEDICATIONS if m in days)]
    return [(m, days.get(m)) for m in dict.fromkeys(order)]


def _checklist(answers: Answers, name: str) -> list[str] | None:
    """None when unanswered or 'not sure' (unknown); [] for 'none of these'; else the ticked items."""
    value = answers.get(name)
    if not isinstance(value, list) or not value or UNSURE in value:
        return None
    return [v for v in value if v != NONE_OF_THESE]


def _yes_no(value: Any) -> bool | str:
    return {"yes": True, "no": False}.get(str(value), str(value))


def _int_or_text(text: str) -> int | str:
    try:
        return int(text)
    except ValueError:
        return text  # left for the contract parser to report against the right field


def _float_or_text(text: str) -> float | int | str:
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() else number


def decode_state(raw: str | None) -> Answers:
    """The answers carried in the hidden field; anything malformed is dropped, not trusted."""
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    answers: Answers = {}
    for key, value in list(data.items())[:200]:
        if isinstance(key, str) and isinstance(value, str):
            answers[key] = value[:200]
        elif isinstance(key, str) and isinstance(value, list):
            answers[key] = [v[:100] for v in value if isinstance(v, str)][:50]
    return answers


def encode_state(answers: Answers) -> str:
    return json.dumps(answers, separators=(",", ":"), sort_keys=True)
