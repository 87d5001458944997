"""Warnings the planners return, and how a cited range is written in them.

A warning is never a bare flag: it carries the sentence a clinician reads, the citation keys behind it and
whether the fact is still unverified, so every shell can show the same explanation with its sources.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rejuv.knowledge.schema import UNIT_LABELS, Quantity, Statement
from rejuv.planning.errors import PlanningInputError


@dataclass(frozen=True, slots=True)
class PlanWarning:
    code: str  # a stable slug a test or a template can key on
    text: str
    citations: tuple[str, ...]
    unverified: bool = False

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "text": self.text, "citations": list(self.citations), "unverified": self.unverified}


def warn(code: str, text: str, *sources: Quantity | Statement | Iterable[str]) -> PlanWarning:
    """A warning whose citations and verification state come from the facts it rests on."""
    keys: list[str] = []
    unverified = False
    for source in sources:
        if isinstance(source, Quantity | Statement):
            keys.extend(source.citations)
            unverified = unverified or source.unverified
        else:
            keys.extend(source)
    return PlanWarning(code, text, tuple(dict.fromkeys(keys)), unverified)


def format_number(value: float) -> str:
    """Thousands separated, no trailing zeros: 1500000 -> "1,500,000", 0.05 -> "0.05".

    A value too small for four decimals is written in exponent form (1e-09), not rounded to "0": an error
    saying "got 0" for a value that is not zero would send the reader looking for the wrong mistake.
    """
    if float(value).is_integer():
        return f"{int(value):,}"
    if abs(value) < 0.00005:
        return f"{value:g}"
    return f"{value:,.4f}".rstrip("0").rstrip(".")


def format_range(quantity: Quantity) -> str:
    """The cited range as a reader expects it: "1,000,000-1,500,000 /µL", "at least 100,000 /µL"."""
    unit = UNIT_LABELS.get(quantity.unit, quantity.unit)
    if quantity.min is not None and quantity.max is not None:
        body = f"{format_number(quantity.min)}–{format_number(quantity.max)}"
    elif quantity.min is not None:
        body = f"at least {format_number(quantity.min)}"
    elif quantity.max is not None:
        body = f"at most {format_number(quantity.max)}"
    else:
        body = f"about {format_number(quantity.typical or 0)}"
    return f"{body} {unit}"


def outside(value: float, quantity: Quantity) -> bool:
    """Whether `value` lies outside the quantity's min..max (a missing bound does not constrain)."""
    return (quantity.min is not None and value < quantity.min) or (quantity.max is not None and value > quantity.max)


def require_plausible(field: str, value: float, limit: Quantity, hint: str = "") -> None:
    """Refuse a value outside a plausibility limit, with the allowed range. These limits catch typing errors (a
    count typed in millions, a volume with a misplaced decimal point); they are not clinical thresholds."""
    if outside(value, limit):
        unit = UNIT_LABELS.get(limit.unit, limit.unit)
        raise PlanningInputError(
            field,
            f"must be between {format_number(limit.min or 0)} and {format_number(limit.max or 0)} {unit}, got "
            f"{format_number(value)}{hint}. This is a plausibility limit for typing errors, not a clinical threshold.",
        )
