"""Numbers with units, written the way a person reads them ("99,999/µL", "9.9 g/dL", "14 days")."""

from __future__ import annotations

import math

from rejuv.knowledge.schema import UNIT_LABELS

_TIGHT = {"per_ul", "percent"}  # no space before the unit: "8.5%", "99,999/µL"


def format_number(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}"
    # Three decimals, so that 9.999 g/dL never prints as "10 g/dL, below 10 g/dL".
    return f"{value:,.3f}".rstrip("0").rstrip(".")


def months_back(days: float) -> str:
    """How far back a wait of `days` reaches, in whole months rounded up, as a person is asked it: "the last
    month", "the last 6 months". The questionnaire and the rule sentences that refer to it say it alike."""
    months = max(1, math.ceil(days / 30))
    return "the last month" if months == 1 else f"the last {months} months"


def format_quantity(value: float, unit: str) -> str:
    label = UNIT_LABELS.get(unit, unit)
    number = format_number(value)
    if unit in {"days", "weeks", "months", "years", "sessions"} and value == 1:
        label = label.removesuffix("s")
    if unit == "cigarettes_per_day" and value == 1:
        label = "cigarette a day"
    return f"{number}{label}" if unit in _TIGHT else f"{number} {label}"
