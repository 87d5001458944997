"""Reading the plan page's forms: text fields to typed values, with a message per field instead of a 500.

Each reader returns what the use case needs or raises `Invalid` naming every bad form field at once, so the
page can show each message beside its field. Field names are the core's names (`interval_days`,
`prp_platelets_per_ul`), which is also what the core's own errors name: one vocabulary from the form to the
knowledge base. The cocktail's product rows repeat the same names; an error on one row is named
`<field>-<row>` (`volume_ml-2`), which is also the end of that input's id (`session-volume_ml-2`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Collection
from dataclasses import dataclass
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
ROW_PATH = re.compile(r"^(product|volume_ml|lot|expiry)-([1-9][0-9]*)$")

# What each field is called on the page, for the error summary: the clinician reads labels, not field names.
LABELS = {
    "treatment": "Treatment",
    "start": "First session",
    "sessions": "Number of sessions",
    "interval_days": "Days between sessions",
    "zones": "Zones to chart",
    "allow_glabella": "Chart points in the glabella",
    "spacing_mm": "Point spacing",
    "action": "Chart change",
    "zone": "Zone",
    "number": "Visit",
    "x_mm": "x",
    "y_mm": "y",
    "session_date": "Date done",
    "blood_volume_ml": "Whole blood processed",
    "tube_volume_ml": "Tube volume",
    "anticoagulant": "Anticoagulant",
    "spins": "Spins",
    "spin1_g": "Spin 1 force",
    "spin1_minutes": "Spin 1 time",
    "spin2_g": "Spin 2 force",
    "spin2_minutes": "Spin 2 time",
    "radius_cm": "Rotor radius",
    "baseline_platelets_per_ul": "Blood platelets",
    "prp_platelets_per_ul": "PRP platelets",
    "prp_volume_ml": "PRP obtained",
    "injected_volume_ml": "PRP injected",
    "baseline_wbc_per_ul": "Blood white cells",
    "prp_wbc_per_ul": "PRP white cells",
    "prp_rbc_per_ul": "PRP red cells",
    "activation": "Activator",
    "product": "Product",
    "volume_ml": "Volume",
    "lot": "Lot number",
    "expiry": "Expiry date",
}
SESSION_FIELDS = frozenset(("number", "session_date", "anticoagulant", "activation", *SAMPLE_FIELDS, *PROTOCOL_FIELDS))


def label(path: str) -> str:
    """The page's name for a field or a product row's field: `volume_ml-2` is "Product 2: volume"."""
    row = ROW_PATH.match(path)
    if row:
        return f"Product {row.group(2)}: {LABELS[row.group(1)].lower()}"
    return LABELS.get(path, path.replace("_", " ").replace(".", " ").strip().capitalize() or "The form")


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

    def number(
        self, name: str, required: bool = False, text: str | None = None, least: Literal["", "zero", "above"] = ""
    ) -> float | None:
        """A number; `least` "above" wants more than 0 (a volume, a count), "zero" wants 0 or more."""
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
        if (least == "above" and value <= 0) or (least == "zero" and value < 0):
            self.errors.append(FieldError(name, "must be more than 0" if least == "above" else "must be 0 or more"))
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
    read.done()
    assert start is not None
    return PlanRequest(one(form, "treatment"), start, sessions, interval, posted_zones(form), spacing, waived(form))


def posted_zones(form: Form) -> tuple[str, ...]:
    return tuple(dict.fromkeys(z.strip()[:40] for z in form.get("zones", []) if z.strip()))


def waived(form: Form) -> tuple[str, ...]:
    return ("glabella",) if one(form, "allow_glabella") == "yes" else ()  # the core's field name, as in the API


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


@dataclass(frozen=True)
class SessionInputs:
    """A session form read whole: the visit, and the PRP preparation or the cocktail, whichever was planned."""

    number: int
    when: dt.date | None
    sample: PrpSample | None = None
    protocol: dict[str, object] | None = None
    components: tuple[CocktailComponent, ...] = ()


def session_inputs(form: Form, treatment: str) -> SessionInputs:
    """Every field of the session form checked in one pass, so all its errors come back together."""
    read = _Reader(form)
    number = read.whole("number", required=True)
    when = read.date("session_date")
    if treatment == "prp":
        sample, protocol = _prp(read)
        read.done()
        assert number is not None
        return SessionInputs(number, when, sample, protocol)
    components = _cocktail(read)
    read.done()
    assert number is not None
    return SessionInputs(number, when, components=tuple(components))


def _prp(read: _Reader) -> tuple[PrpSample, dict[str, object]]:
    values = {
        name: read.number(
            name, required=name in SAMPLE_FIELDS[:4], least="above" if name in SAMPLE_FIELDS[:4] else "zero"
        )
        for name in SAMPLE_FIELDS
    }
    protocol_values = {name: read.number(name, least="above") for name in PROTOCOL_FIELDS}
    spins: list[Spin] = []
    for index in (1, 2):
        g_name, minutes_name = f"spin{index}_g", f"spin{index}_minutes"
        g, minutes = protocol_values[g_name], protocol_values[minutes_name]
        named = {e.path for e in read.errors}
        if g_name in named or minutes_name in named:
            continue
        if (g is None) != (minutes is None):
            missing = minutes_name if minutes is None else g_name
            read.errors.append(FieldError(missing, "give both the force and the minutes of this spin"))
        elif g is not None and minutes is not None:
            spins.append(Spin(g, minutes))
    activation = one(read.form, "activation") or None
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
        "anticoagulant": one(read.form, "anticoagulant") or None,
        "spins": spins or None,
        "radius_cm": protocol_values["radius_cm"],
    }
    return sample, protocol


def _cocktail(read: _Reader) -> list[CocktailComponent]:
    """One component per filled row; each error names its row (`lot-3`), so it shows on that row."""
    components: list[CocktailComponent] = []
    extra = [value for name in COCKTAIL_FIELDS for value in read.form.get(name, [])[COCKTAIL_ROWS:] if value.strip()]
    if extra:  # a hand-made post: refuse rather than mix a cocktail whose extra vial nobody checked
        read.errors.append(FieldError("product-1", f"a cocktail has at most {COCKTAIL_ROWS} products on this form"))
    for index, row in enumerate(cocktail_rows(read.form), start=1):
        product, volume_text, lot, expiry_text = (row[name].strip() for name in COCKTAIL_FIELDS)
        if not (product or volume_text or lot):
            continue
        before = len(read.errors)
        if not product:
            read.errors.append(FieldError(f"product-{index}", "choose the product"))
        volume = read.number(f"volume_ml-{index}", required=True, text=volume_text, least="above")
        if not lot:
            read.errors.append(FieldError(f"lot-{index}", "is needed: the lot number printed on the vial"))
        expiry = read.date(f"expiry-{index}", required=True, text=expiry_text)
        if len(read.errors) == before and volume is not None and expiry is not None:
            components.append(CocktailComponent(product, volume, lot, expiry))
    if not components and not read.errors:
        read.errors.append(FieldError("product-1", "a cocktail needs at least one product"))
    return components


def place_on_rows(
    errors: list[FieldError], rows: list[dict[str, str]], allergic_products: Collection[str], names: dict[str, str]
) -> list[FieldError]:
    """The use case's cocktail errors name a field (`product`, `expiry`) but not the row: find the row.

    An allergy goes on each row whose product holds the allergen; any other error on the row its message
    names (by product, lot, expiry or value), or on the only filled row. One that fits no row stays as it is.
    """
    filled = [i for i, row in enumerate(rows, start=1) if any(row[name].strip() for name in COCKTAIL_FIELDS)]
    placed: list[FieldError] = []
    for error in errors:
        field = error.path.rsplit(".", 1)[-1]
        if field not in COCKTAIL_FIELDS:
            placed.append(error)
            continue
        if field == "product" and "allerg" in error.message.lower():
            hits = [i for i in filled if rows[i - 1]["product"] in allergic_products]
        else:
            hits = [i for i in filled if _names_row(error.message, rows[i - 1], names)]
            hits = hits if len(hits) == 1 else filled if len(filled) == 1 else []
        placed += [FieldError(f"{field}-{i}", error.message) for i in hits] or [error]
    return placed


def _names_row(message: str, row: dict[str, str], names: dict[str, str]) -> bool:
    """Whether the message names this row: its product, its lot, its expiry date or its volume (`got 500`)."""
    product, lot, volume = row["product"].strip(), row["lot"].strip(), row["volume_ml"].strip()
    marks = [lot and f"lot {lot}", row["expiry"].strip(), names.get(product, ""), product and f"'{product}'"]
    if any(mark and mark in message for mark in marks):
        return True
    try:
        value = float(volume.replace(",", "."))
    except ValueError:
        return False
    spelled = {volume, repr(value), f"{value:g}"}
    return any(re.search(rf"\bgot {re.escape(s)}(?![\d.]*\d)", message) for s in spelled if s)
