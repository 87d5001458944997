"""The predicates rules name in their `check` field. Each is a few lines that read the intake and parameters.

A check answers one question about the intake: does this rule fire, for which treatments, and what value
did it see (for the sentence and the trace)? It never decides what firing means; the rule's data does.
Unknown answers are never read as "no": where safety needs an answer and the intake has none, the check
says so explicitly (for example a missing `can_pause` counts as "cannot be paused").

`CHECKS` maps each check name to its function and the arguments it accepts; `rules.compile_rules` refuses a
rule that names an unknown check or passes an unknown argument, so `rejuv kb check` catches typos.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rejuv.domain.intake import Intake, Medication
from rejuv.engine.units import format_quantity
from rejuv.knowledge.loader import KnowledgeBase
from rejuv.knowledge.schema import Rule


@dataclass(frozen=True)
class Hit:
    """A rule fired. `treatments` narrows the rule's own list (None: all of them)."""

    value: str = ""
    inputs: tuple[tuple[str, Any], ...] = ()
    treatments: tuple[str, ...] | None = None
    threshold: str | None = None  # overrides the first parameter as the sentence's {threshold}


@dataclass(frozen=True)
class Context:
    intake: Intake
    kb: KnowledgeBase
    rule: Rule
    params: Sequence[float]  # the rule's parameters' values in force, in the rule's order
    units: Sequence[str]


CheckFn = Callable[[Context], Hit | None]


@dataclass(frozen=True)
class CheckSpec:
    fn: CheckFn
    required: frozenset[str]
    optional: frozenset[str] = frozenset()
    parameters: int = 0  # how many parameters it reads at least; more may be named for the sentences


def _arg(ctx: Context, name: str) -> Any:
    return ctx.rule.args[name]


def _list(ctx: Context, name: str) -> list[str]:
    value = ctx.rule.args.get(name, [])
    return list(value) if isinstance(value, list) else [str(value)]


def history_flag(ctx: Context) -> Hit | None:
    field = str(_arg(ctx, "field"))
    history = ctx.intake.history
    value = getattr(history, field) if history else None
    return Hit(inputs=((f"history.{field}", value),)) if value is True else None


def condition(ctx: Context) -> Hit | None:
    present = sorted(set(_list(ctx, "conditions")) & ctx.intake.conditions)
    meds = [m for m in _current(ctx.intake, _list(ctx, "current_medications"))]
    if not present and not meds:
        return None
    inputs: list[tuple[str, Any]] = [("history.conditions", present)] if present else []
    if meds:
        inputs.append(("history.medications", [m.class_ for m in meds]))
    return Hit(value=", ".join(present + [m.class_ for m in meds]), inputs=tuple(inputs))


def _lab(ctx: Context) -> tuple[str, float | None]:
    name = str(_arg(ctx, "lab"))
    value: float | None = getattr(ctx.intake.labs, name)
    return name, value


def lab_below(ctx: Context) -> Hit | None:
    name, value = _lab(ctx)
    if value is None or not value < ctx.params[0]:
        return None
    return Hit(value=format_quantity(value, ctx.units[0]), inputs=((f"history.labs.{name}", value),))


def lab_above(ctx: Context) -> Hit | None:
    name, value = _lab(ctx)
    if value is None or not value > ctx.params[0]:
        return None
    return Hit(value=format_quantity(value, ctx.units[0]), inputs=((f"history.labs.{name}", value),))


def lab_between(ctx: Context) -> Hit | None:
    """Fires for low <= value < high: the caution band between two exclusion thresholds."""
    name, value = _lab(ctx)
    if value is None or not ctx.params[0] <= value < ctx.params[1]:
        return None
    return Hit(value=format_quantity(value, ctx.units[0]), inputs=((f"history.labs.{name}", value),))


def lab_unknown(ctx: Context) -> Hit | None:
    name, value = _lab(ctx)
    return Hit(inputs=((f"history.labs.{name}", None),)) if value is None else None


def _current(intake: Intake, classes: list[str]) -> list[Medication]:
    return [m for m in intake.medications if m.class_ in classes and m.is_current]


def medication(ctx: Context) -> Hit | None:
    """Current medicines of the given classes. pausable: "no" (can_pause not true), "yes", or "any"."""
    pausable = str(_arg(ctx, "pausable"))
    meds = _current(ctx.intake, _list(ctx, "classes"))
    if pausable == "yes":
        meds = [m for m in meds if m.can_pause is True]
    elif pausable == "no":
        meds = [m for m in meds if m.can_pause is not True]
    if not meds:
        return None
    names = ", ".join(m.name or m.class_.replace("_", " ") for m in meds)
    inputs = tuple(("history.medications", {"class": m.class_, "can_pause": m.can_pause}) for m in meds)
    return Hit(value=names, inputs=inputs)


def medication_recent(ctx: Context) -> Hit | None:
    """Stopped less than the washout ago, or with no date (unknown is treated as recent); optionally current."""
    washout = ctx.params[0]
    include_current = bool(ctx.rule.args.get("include_current", True))
    for med in ctx.intake.medications:
        if med.class_ not in _list(ctx, "classes"):
            continue
        label = med.name or med.class_.replace("_", " ")
        if med.is_current:
            if include_current:
                return Hit(value=f"{label}, current", inputs=(("history.medications", {"class": med.class_}),))
            continue
        days = med.days_since_stopped
        if days is None or days < washout:
            when = "stopped, date not known" if days is None else f"stopped {format_quantity(days, 'days')} ago"
            inputs = (("history.medications", {"class": med.class_, "days_since_stopped": days}),)
            return Hit(value=f"{label}, {when}", inputs=inputs)
    return None


def count_at_least(ctx: Context) -> Hit | None:
    field = str(_arg(ctx, "field"))
    value = getattr(ctx.intake.history, field) if ctx.intake.history else None
    given = ctx.rule.args.get("at_least")
    minimum = float(given) if isinstance(given, int | float) else ctx.params[0]
    if value is None or value < minimum:
        return None
    return Hit(value=format_quantity(value, "cigarettes_per_day"), inputs=((f"history.{field}", value),))


def age_below(ctx: Context) -> Hit | None:
    age = ctx.intake.patient.age
    if not age < ctx.params[0]:
        return None
    return Hit(value=f"{age} years old", inputs=(("patient.age", age),))


def preference(ctx: Context) -> Hit | None:
    field = str(_arg(ctx, "field"))
    value = getattr(ctx.intake.prefs, field)
    if value != ctx.rule.args["equals"]:
        return None
    return Hit(value=str(value), inputs=((f"preferences.{field}", value),))


def refuses_blood_draw(ctx: Context) -> Hit | None:
    if ctx.intake.prefs.blood_draw != "refuses":
        return None
    needs = tuple(t.id for t in ctx.kb.treatments.values() if t.practical.requires_blood_draw)
    return Hit(inputs=(("preferences.blood_draw", "refuses"),), treatments=needs) if needs else None


def wants_autologous_only(ctx: Context) -> Hit | None:
    if ctx.intake.prefs.autologous_only is not True:
        return None
    foreign = tuple(t.id for t in ctx.kb.treatments.values() if not t.practical.autologous)
    return Hit(inputs=(("preferences.autologous_only", True),), treatments=foreign) if foreign else None


_ALLERGY_WORDS = {
    "mesotherapy_cocktail_component": "a mesotherapy cocktail ingredient",
    "hyaluronic_acid": "hyaluronic acid",
    "local_anaesthetic": "local anaesthetic (numbing medicine)",
    "citrate_anticoagulant": "the citrate anticoagulant used in the blood tubes",
    "vitamins": "injected vitamins",
    "other": "another substance",
}


def allergy_component(ctx: Context) -> Hit | None:
    """Treatments whose declared components (`contains` or `may_contain`) include an intake allergy."""
    which = str(_arg(ctx, "list"))
    allergies = ctx.intake.allergies
    affected: list[str] = []
    seen: list[str] = []
    for treatment in ctx.kb.treatments.values():
        listed = treatment.components.contains if which == "contains" else treatment.components.may_contain
        matches = [a for a in listed if a in allergies]
        if matches:
            affected.append(treatment.id)
            seen.extend(a for a in matches if a not in seen)
    if not affected:
        return None
    words = ", ".join(_ALLERGY_WORDS.get(a, a) for a in seen)
    return Hit(value=words, inputs=(("history.allergies", sorted(seen)),), treatments=tuple(affected))


def allergy_listed(ctx: Context) -> Hit | None:
    found = sorted(set(_list(ctx, "allergies")) & ctx.intake.allergies)
    return Hit(value=", ".join(found), inputs=(("history.allergies", found),)) if found else None


def glogau_with_concern(ctx: Context) -> Hit | None:
    glogau = ctx.intake.patient.glogau
    concerns = set(_list(ctx, "concerns")) & set(ctx.intake.concern_ids)
    if glogau not in _list(ctx, "glogau") or not concerns:
        return None
    return Hit(value=glogau or "", inputs=(("patient.glogau", glogau), ("concerns", sorted(concerns))))


def condition_with_concern(ctx: Context) -> Hit | None:
    """A condition together with (present: true) or without (present: false) any of the named concerns."""
    present = sorted(set(_list(ctx, "conditions")) & ctx.intake.conditions)
    if not present:
        return None
    concerns = sorted(set(_list(ctx, "concerns")) & set(ctx.intake.concern_ids))
    if bool(concerns) != bool(ctx.rule.args["present"]):
        return None
    return Hit(value=", ".join(concerns), inputs=(("history.conditions", present), ("concerns", concerns)))


def condition_with_lab(ctx: Context) -> Hit | None:
    """A condition with its lab unknown (mode: unknown) or at most the parameter (mode: at_most)."""
    present = sorted(set(_list(ctx, "conditions")) & ctx.intake.conditions)
    if not present:
        return None
    name, value = _lab(ctx)
    mode = str(_arg(ctx, "mode"))
    if mode == "unknown" and value is None:
        return Hit(inputs=(("history.conditions", present), (f"history.labs.{name}", None)))
    if mode == "at_most" and value is not None and value <= ctx.params[0]:
        inputs = (("history.conditions", present), (f"history.labs.{name}", value))
        return Hit(value=format_quantity(value, ctx.units[0]), inputs=inputs)
    return None


def phototype(ctx: Context) -> Hit | None:
    value = ctx.intake.patient.fitzpatrick
    if value not in _list(ctx, "types"):
        return None
    return Hit(value=value or "", inputs=(("patient.fitzpatrick", value),))


_PROCEDURE_WORDS = {
    "ha_filler": "a hyaluronic acid filler",
    "botulinum_toxin": "botulinum toxin",
    "chemical_peel": "a chemical peel",
    "laser": "a laser treatment",
    "microneedling": "microneedling",
}


def recent_procedure(ctx: Context) -> Hit | None:
    """A procedure inside its deferral window, in (same_zone: true) or away from (false) the concerns' zones.

    Each procedure type's window is the rule parameter named `deferral_<type>_days`. A procedure or a
    concern with no zones given could be anywhere, so it counts as the same zone.
    """
    same_zone = bool(ctx.rule.args["same_zone"])
    windows = dict(zip(ctx.rule.parameters, ctx.params, strict=True))
    concern_zones: set[str] | None = set()
    for concern in ctx.intake.concerns:
        if concern.zones is None or concern_zones is None:
            concern_zones = None
        else:
            concern_zones.update(concern.zones)
    procedures = ctx.intake.history.recent_procedures if ctx.intake.history else None
    for proc in procedures or ():
        window = windows.get(f"deferral_{proc.type}_days")
        if window is None or not proc.days_ago < window:
            continue
        overlaps = proc.zones is None or concern_zones is None or bool(set(proc.zones) & concern_zones)
        if overlaps != same_zone:
            continue
        where = f" in the {', '.join(proc.zones)}" if proc.zones else ""
        value = f"{_PROCEDURE_WORDS[proc.type]}{where} {format_quantity(proc.days_ago, 'days')} ago"
        inputs = (("history.recent_procedures", {"type": proc.type, "days_ago": proc.days_ago}),)
        return Hit(value=value, inputs=inputs, threshold=format_quantity(window, "days"))
    return None


def pregnancy_unknown(ctx: Context) -> Hit | None:
    history = ctx.intake.history
    if ctx.intake.patient.sex == "male" or (history is not None and history.pregnant is not None):
        return None
    return Hit(inputs=(("history.pregnant", None),))


def _spec(fn: CheckFn, required: str = "", optional: str = "", parameters: int = 0) -> CheckSpec:
    return CheckSpec(fn, frozenset(required.split()), frozenset(optional.split()), parameters)


CHECKS: dict[str, CheckSpec] = {
    "history_flag": _spec(history_flag, "field"),
    "condition": _spec(condition, "conditions", "current_medications"),
    "lab_below": _spec(lab_below, "lab", parameters=1),
    "lab_above": _spec(lab_above, "lab", parameters=1),
    "lab_between": _spec(lab_between, "lab", parameters=2),
    "lab_unknown": _spec(lab_unknown, "lab"),
    "medication": _spec(medication, "classes pausable"),
    "medication_recent": _spec(medication_recent, "classes", "include_current", parameters=1),
    "count_at_least": _spec(count_at_least, "field", "at_least"),
    "age_below": _spec(age_below, parameters=1),
    "preference": _spec(preference, "field equals"),
    "refuses_blood_draw": _spec(refuses_blood_draw),
    "wants_autologous_only": _spec(wants_autologous_only),
    "allergy_component": _spec(allergy_component, "list"),
    "allergy_listed": _spec(allergy_listed, "allergies"),
    "glogau_with_concern": _spec(glogau_with_concern, "glogau concerns"),
    "condition_with_concern": _spec(condition_with_concern, "conditions concerns present"),
    "condition_with_lab": _spec(condition_with_lab, "conditions lab mode", parameters=1),
    "phototype": _spec(phototype, "types"),
    "recent_procedure": _spec(recent_procedure, "same_zone", parameters=1),
    "pregnancy_unknown": _spec(pregnancy_unknown),
}
