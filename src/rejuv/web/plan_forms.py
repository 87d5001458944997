"""Reading the plan page's forms: text fields to typed values, with a message per field instead of a 500.

Each reader returns what the use case needs or raises `Invalid` naming the form field, so the page can show
the message beside that field. Field names are the core's names (`interval_days`, `prp_platelets_per_ul`),
which is also what the core's own errors name: one vocabulary from the form to the knowledge base.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Literal

from rejuv.domain.errors import FieldError
from rejuv.planning.cocktail import CocktailComponent
from rejuv.planning.protocol import Spin
from rejuv.planning.prp import PrpSample
from rejuv.services.chart_edits import ChartEdit
from rejuv.services.errors import Invalid
from rejuv.services.treatment_plans import PlanRequest

Form = dict[str, list[str]]
SAMPLE_FIELDS = (
    "baseline_platelets_per_ul",
    "prp_platelets_per_ul",
    "blood_volume_ml",
    "prp_volume_ml",
    "injected_volume_ml",
    "baseline_wbc_per_ul",
    "prp_wbc_per_ul",
    "prp_rbc_per_ul",
)
PROTOCOL_FIELDS = ("tube_volume_ml", "radius_cm", "spin1_g", "spin1_minutes", "spin2_g", "spin2_minutes")
MAX_TEXT = 200
COCKTAIL_ROWS = 4  # product rows on the session form: a cocktail is mixed from one to a few vials
COCKTAIL_FIELDS = ("product", "volume_ml", "lot", "expiry")


def cocktail_rows(form: Form) -> list[dict[str, str]]:
    """The product rows as typed, row by row, to show them again when the form is refused."""
    count = max((len(form.get(name, [])) for name in COCKTAIL_FIELDS), default=0)
    return [
        {name: (form.get(name, [])[i] if i < len(form.get(name, [])) else "")[:MAX_TEXT] for name in COCKTAIL_FIELDS}
        for i in range(min(count, COCKTAIL_ROWS))
    ]


def one(form: Form, key: str) -> str:
    return (form.get(key) or [""])[0].strip()[:MAX_TEXT]


class _Reader:
    """Collects every bad field of a form before refusing it, so the person fixes them all in one go."""

    def __init__(self, form: Form) -> None:
        self.form = form
        self.errors: list[FieldError] = []

    def number(self, name: str, required: bool = False, text: str | None = None) -> float | None:
        raw = one(self.form, name) if text is None else text.strip()
        if not raw:
            if required:
                self.errors.append(FieldError(name, "is needed"))
            return None
        try:
            value = float(raw.replace(",", "."))
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            self.errors.append(FieldError(name, f"must be a number, got {raw[:20]!r}"))
            return None
        return value

    def whole(self, name: str, required: bool = False) -> int | None:
        value = self.number(name, required)
        if value is None:
            return None
        if value != int(value) or abs(value) > 10_000:
            self.errors.append(FieldError(name, "must be a whole number"))
            return None
        return int(value)

    def date(self, name: str, required: bool = False, text: str | None = None) -> dt.date | None:
        raw = one(self.form, name) if text is None else text.strip()
        if not raw:
            if required:
                self.errors.append(FieldError(name, "is needed (YYYY-MM-DD)"))
            return None
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            self.errors.append(FieldError(name, f"must be a date as YYYY-MM-DD, got {raw[:20]!r}"))
            return None

    def done(self) -> None:
        if self.errors:
            raise Invalid(self.errors)


def plan_request(form: Form) -> PlanRequest:
    read = _Reader(form)
    start = read.date("start", required=True)
    sessions = read.whole("sessions")
    interval = read.whole("interval_days")
    spacing = read.number("spacing_mm")
    zones = tuple(dict.fromkeys(z.strip()[:40] for z in form.get("zones", []) if z.strip()))
    waive = ("glabella",) if one(form, "allow_glabella") == "yes" else ()  # the core's field name, as in the API
    read.done()
    assert start is not None
    return PlanRequest(one(form, "treatment"), start, sessions, interval, zones, spacing, waive)


def chart_edit(form: Form) -> ChartEdit:
    read = _Reader(form)
    action = one(form, "action")
    if action not in ("add", "move", "remove"):
        raise Invalid([FieldError("action", "must be add, move or remove")])
    number = None if action == "add" else read.whole("number", required=True)
    x = y = None
    if action != "remove":
        x, y = read.number("x_mm", required=True), read.number("y_mm", required=True)
    read.done()
    zone = one(form, "zone") or None
    kind: Literal["add", "move", "remove"] = "add" if action == "add" else "move" if action == "move" else "remove"
    return ChartEdit(kind, number=number, zone=zone, x_mm=x, y_mm=y)


def visit(form: Form) -> tuple[int, dt.date | None]:
    read = _Reader(form)
    number = read.whole("number", required=True)
    when = read.date("session_date")
    read.done()
    assert number is not None
    return number, when


def prp_inputs(form: Form) -> tuple[PrpSample, dict[str, object]]:
    read = _Reader(form)
    values = {name: read.number(name, required=name in SAMPLE_FIELDS[:4]) for name in SAMPLE_FIELDS}
    protocol_values = {name: read.number(name) for name in PROTOCOL_FIELDS}
    read.done()
    spins: list[Spin] = []
    for index in (1, 2):
        g, minutes = protocol_values[f"spin{index}_g"], protocol_values[f"spin{index}_minutes"]
        if (g is None) != (minutes is None):
            missing = f"spin{index}_minutes" if minutes is None else f"spin{index}_g"
            raise Invalid([FieldError(missing, "give both the force and the minutes of this spin")])
        if g is not None and minutes is not None:
            spins.append(Spin(g, minutes))
    activation = one(form, "activation") or None
    sample = PrpSample(
        values["baseline_platelets_per_ul"] or 0.0,
        values["prp_platelets_per_ul"] or 0.0,
        values["blood_volume_ml"] or 0.0,
        values["prp_volume_ml"] or 0.0,
        values["injected_volume_ml"],
        values["baseline_wbc_per_ul"],
        values["prp_wbc_per_ul"],
        values["prp_rbc_per_ul"],
        activation=activation,
    )
    protocol: dict[str, object] = {
        "blood_volume_ml": values["blood_volume_ml"],
        "tube_volume_ml": protocol_values["tube_volume_ml"],
        "anticoagulant": one(form, "anticoagulant") or None,
        "spins": spins or None,
        "radius_cm": protocol_values["radius_cm"],
    }
    return sample, protocol


def cocktail_components(form: Form) -> list[CocktailComponent]:
    """One component per filled row; rows repeat the names product, volume_ml, lot and expiry."""
    read = _Reader(form)
    rows = zip(
        form.get("product", []), form.get("volume_ml", []), form.get("lot", []), form.get("expiry", []), strict=False
    )
    components: list[CocktailComponent] = []
    for product, volume_text, lot, expiry_text in rows:
        if not (product.strip() or volume_text.strip() or lot.strip()):
            continue
        volume = read.number("volume_ml", required=True, text=volume_text)
        expiry = read.date("expiry", required=True, text=expiry_text)
        if not product.strip():
            read.errors.append(FieldError("product", "choose the product"))
        if volume is not None and expiry is not None and product.strip():
            components.append(CocktailComponent(product.strip(), volume, lot.strip()[:MAX_TEXT], expiry))
    if not components and not read.errors:
        read.errors.append(FieldError("product", "a cocktail needs at least one product"))
    read.done()
    return components
