"""The predicates rules name in their `check` field. Each is a few lines that read the intake and parameters.

A check answers one question about the intake: does this rule fire, for which treatments, and what value
did it see (for the sentence and the trace)? It never decides what firing means; the rule's data does.
Unknown answers are never read as "no": where safety needs an answer and the intake has none, the check
says so explicitly (for example a missing `can_pause` counts as "cannot be paused").

`CHECKS` maps each check name to its function and the arguments it accepts; `rules.compile_rules` refuses a
rule that names an unknown check or passes an unknown argument, so `rejuv kb check` catches typos.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from rejuv.domain.intake import History, Intake, Labs, Medication, Preferences, RecentProcedure
from rejuv.engine.units import format_quantity, months_back
from rejuv.knowledge.loader import KnowledgeBase
from rejuv.knowledge.schema import Rule


@dataclass(slots=True)  # one per fired rule per intake; not frozen because frozen construction is slow
class Hit:
    """A rule fired. `treatments` narrows the rule's own list (None: all of them)."""

    value: str = ""
    inputs: tuple[tuple[str, Any], ...] = ()
    treatments: tuple[str, ...] | None = None
    threshold: str | None = None  # overrides the first parameter as the sentence's {threshold}


@dataclass(slots=True)  # one per intake; not frozen because frozen construction is slow
class Facts:
    """The intake's answers, gathered once per screening so that each of the many checks is a few lookups."""

    intake: Intake
    kb: KnowledgeBase
    conditions: frozenset[str]
    allergies: frozenset[str]
    concerns: frozenset[str]
    medications: tuple[Medication, ...]
    labs: Labs
    prefs: Preferences
    present: frozenset[str]  # which optional answers the intake has, so rules that need others are skipped
    # Which conditions, medicine classes and allergies it lists ("condition:diabetes", "medication:nsaid"),
    # so a rule about particular ones is skipped when none of them is listed.
    details: frozenset[str]

    @classmethod
    def of(cls, intake: Intake, kb: KnowledgeBase) -> Facts:
        history, patient = intake.history, intake.patient
        given_labs = history.labs if history is not None else None
        present = set() if given_labs is None else {k for name, k in _LAB_KEYS if getattr(given_labs, name) is not None}
        labs = intake.labs  # the given labs, or one shared empty Labs
        conditions: frozenset[str] = frozenset()
        allergies: frozenset[str] = frozenset()
        medications: tuple[Medication, ...] = ()
        if history is not None:
            if history.conditions:
                conditions = frozenset(history.conditions)
                present.add("conditions")
            if history.allergies:
                allergies = frozenset(history.allergies)
                present.add("allergies")
            if history.medications:
                medications = tuple(history.medications)
                present.add("medications")
            if history.recent_procedures:
                present.add("recent_procedures")
            if history.cigarettes_per_day:
                present.add("cigarettes_per_day")
        if patient.fitzpatrick is not None:
            present.add("fitzpatrick")
        if patient.glogau is not None:
            present.add("glogau")
        concerns = frozenset(c.id for c in intake.concerns)
        details = (
            frozenset(
                [
                    *(f"condition:{c}" for c in conditions),
                    *(f"medication:{m.class_}" for m in medications),
                    *(f"allergy:{a}" for a in allergies),
                ]
            )
            if conditions or medications or allergies
            else _NOTHING_LISTED  # the common case: skip building three empty generators
        )
        return cls(
            intake, kb, conditions, allergies, concerns, medications, labs, intake.prefs, frozenset(present), details
        )


_NOTHING_LISTED: frozenset[str] = frozenset()
_LAB_KEYS = tuple((name, f"labs.{name}") for name in Labs.model_fields)  # built once: Facts.of runs per intake


@dataclass(frozen=True)
class RuleInput:
    """What a check reads from its rule: arguments (lists made tuples once) and parameter values in force."""

    args: Mapping[str, Any]
    sets: Mapping[str, frozenset[str]]  # every list argument as a set, for fast membership tests
    parameter_ids: tuple[str, ...]
    params: tuple[float, ...]
    units: tuple[str, ...]

    @classmethod
    def of(cls, rule: Rule, params: tuple[float, ...], units: tuple[str, ...]) -> RuleInput:
        args = {k: tuple(v) if isinstance(v, list) else v for k, v in rule.args.items()}
        sets = {k: frozenset(v) for k, v in rule.args.items() if isinstance(v, list)}
        return cls(args, sets, tuple(rule.parameters), params, units)


CheckFn = Callable[[Facts, RuleInput], Hit | None]


@dataclass(frozen=True)
class CheckSpec:
    fn: CheckFn
    required: frozenset[str]
    optional: frozenset[str] = frozenset()
    parameters: int = 0  # how many parameters it reads at least; more may be named for the sentences
    # The answers (Facts.present keys) without which the check cannot fire; None: always run it.
    needs: Callable[[RuleInput], frozenset[str]] | None = None
    # Finer: the listed items (Facts.details keys) of which at least one must be present; None: no such need.
    needs_one_of: Callable[[RuleInput], frozenset[str]] | None = None
    # Arguments that name intake fields, with the names allowed: checked when rules compile, because a typo
    # would otherwise load cleanly and then fail (getattr) on every intake the rule meets.
    names: tuple[tuple[str, frozenset[str]], ...] = ()


def history_flag(f: Facts, ri: RuleInput) -> Hit | None:
    field = str(ri.args["field"])
    history = f.intake.history
    value = getattr(history, field) if history else None
    return Hit(inputs=((f"history.{field}", value),)) if value is True else None


def condition(f: Facts, ri: RuleInput) -> Hit | None:
    present = sorted(ri.sets["conditions"] & f.conditions)
    meds = _current(f, ri.sets["current_medications"]) if "current_medications" in ri.sets else []
    if not present and not meds:
        return None
    inputs: list[tuple[str, Any]] = [("history.conditions", present)] if present else []
    if meds:
        inputs.append(("history.medications", [m.class_ for m in meds]))
    return Hit(value=", ".join(present + [m.class_ for m in meds]), inputs=tuple(inputs))


def _lab(f: Facts, ri: RuleInput) -> tuple[str, float | None]:
    name = str(ri.args["lab"])
    value: float | None = getattr(f.labs, name)
    return name, value


def lab_below(f: Facts, ri: RuleInput) -> Hit | None:
    name, value = _lab(f, ri)
    if value is None or not value < ri.params[0]:
        return None
    return Hit(value=format_quantity(value, ri.units[0]), inputs=((f"history.labs.{name}", value),))


def lab_above(f: Facts, ri: RuleInput) -> Hit | None:
    name, value = _lab(f, ri)
    if value is None or not value > ri.params[0]:
        return None
    return Hit(value=format_quantity(value, ri.units[0]), inputs=((f"history.labs.{name}", value),))


def lab_between(f: Facts, ri: RuleInput) -> Hit | None:
    """Fires for low <= value < high: the caution band between two exclusion thresholds."""
    name, value = _lab(f, ri)
    if value is None or not ri.params[0] <= value < ri.params[1]:
        return None
    return Hit(value=format_quantity(value, ri.units[0]), inputs=((f"history.labs.{name}", value),))


def lab_unknown(f: Facts, ri: RuleInput) -> Hit | None:
    name, value = _lab(f, ri)
    return Hit(inputs=((f"history.labs.{name}", None),)) if value is None else None


def _current(f: Facts, classes: frozenset[str]) -> list[Medication]:
    if not f.medications:
        return []
    return [m for m in f.medications if m.class_ in classes and m.is_current]


def medication(f: Facts, ri: RuleInput) -> Hit | None:
    """Current medicines of the given classes. pausable: "no" (can_pause not true), "yes", or "any"."""
    pausable = str(ri.args["pausable"])
    meds = _current(f, ri.sets["classes"])
    if pausable == "yes":
        meds = [m for m in meds if m.can_pause is True]
    elif pausable == "no":
        meds = [m for m in meds if m.can_pause is not True]
    if not meds:
        return None
    names = ", ".join(m.name or m.class_.replace("_", " ") for m in meds)
    inputs = tuple(("history.medications", {"class": m.class_, "can_pause": m.can_pause}) for m in meds)
    return Hit(value=names, inputs=inputs)


def medication_recent(f: Facts, ri: RuleInput) -> Hit | None:
    """Stopped less than the washout ago, or with no date (unknown is treated as recent); optionally current."""
    washout = ri.params[0]
    include_current = bool(ri.args.get("include_current", True))
    classes = ri.sets["classes"]
    for med in f.medications:
        if med.class_ not in classes:
            continue
        named = f"{med.name}, " if med.name else ""
        if med.is_current:
            if include_current:
                return Hit(value=f"{named}taken now", inputs=(("history.medications", {"class": med.class_}),))
            continue
        days = med.days_since_stopped
        if days is None or days < washout:
            when = "stopped, date not known" if days is None else f"stopped {format_quantity(days, 'days')} ago"
            inputs = (("history.medications", {"class": med.class_, "days_since_stopped": days}),)
            return Hit(value=f"{named}{when}", inputs=inputs)
    return None


def count_at_least(f: Facts, ri: RuleInput) -> Hit | None:
    field = str(ri.args["field"])
    value = getattr(f.intake.history, field) if f.intake.history else None
    given = ri.args.get("at_least")
    minimum = float(given) if isinstance(given, int | float) else ri.params[0]
    if value is None or value < minimum:
        return None
    return Hit(value=format_quantity(value, "cigarettes_per_day"), inputs=((f"history.{field}", value),))


def age_below(f: Facts, ri: RuleInput) -> Hit | None:
    age = f.intake.patient.age
    if not age < ri.params[0]:
        return None
    return Hit(value=f"{format_quantity(age, 'years')} old", inputs=(("patient.age", age),))


def preference(f: Facts, ri: RuleInput) -> Hit | None:
    field = str(ri.args["field"])
    value = getattr(f.prefs, field)
    if value != ri.args["equals"]:
        return None
    return Hit(value=str(value), inputs=((f"preferences.{field}", value),))


def refuses_blood_draw(f: Facts, ri: RuleInput) -> Hit | None:
    if f.prefs.blood_draw != "refuses":
        return None
    needs = tuple(t.id for t in f.kb.treatments.values() if t.practical.requires_blood_draw)
    return Hit(inputs=(("preferences.blood_draw", "refuses"),), treatments=needs) if needs else None


def wants_autologous_only(f: Facts, ri: RuleInput) -> Hit | None:
    if f.prefs.autologous_only is not True:
        return None
    foreign = tuple(t.id for t in f.kb.treatments.values() if not t.practical.autologous)
    return Hit(inputs=(("preferences.autologous_only", True),), treatments=foreign) if foreign else None


_ALLERGY_WORDS = {
    "mesotherapy_cocktail_component": "a mesotherapy cocktail ingredient",
    "hyaluronic_acid": "hyaluronic acid",
    "local_anaesthetic": "local anaesthetic (numbing medicine)",
    "citrate_anticoagulant": "the citrate anticoagulant used in the blood tubes",
    "vitamins": "injected vitamins",
    "other": "another substance",
}


def allergy_component(f: Facts, ri: RuleInput) -> Hit | None:
    """Treatments whose declared components (`contains` or `may_contain`) include an intake allergy."""
    which = str(ri.args["list"])
    if not f.allergies:
        return None
    matched: dict[str, list[str]] = {}
    for treatment in f.kb.treatments.values():
        listed = treatment.components.contains if which == "contains" else treatment.components.may_contain
        matches = [a for a in listed if a in f.allergies]
        if matches:
            matched[treatment.name] = matches
    if not matched:
        return None
    # Say which allergen belongs to which treatment, so nobody reads "citrate" as a mesotherapy ingredient.
    words = "; ".join(f"{', '.join(_ALLERGY_WORDS.get(a, a) for a in m)} ({name})" for name, m in matched.items())
    seen = sorted({a for m in matched.values() for a in m})
    names = {t.name: t.id for t in f.kb.treatments.values()}
    return Hit(value=words, inputs=(("history.allergies", seen),), treatments=tuple(names[n] for n in matched))


def allergy_listed(f: Facts, ri: RuleInput) -> Hit | None:
    found = sorted(ri.sets["allergies"] & f.allergies)
    return Hit(value=", ".join(found), inputs=(("history.allergies", found),)) if found else None


def glogau_with_concern(f: Facts, ri: RuleInput) -> Hit | None:
    glogau = f.intake.patient.glogau
    concerns = ri.sets["concerns"] & f.concerns
    if glogau not in ri.sets["glogau"] or not concerns:
        return None
    return Hit(value=glogau or "", inputs=(("patient.glogau", glogau), ("concerns", sorted(concerns))))


def condition_with_concern(f: Facts, ri: RuleInput) -> Hit | None:
    """A condition together with (present: true) or without (present: false) any of the named concerns."""
    present = sorted(ri.sets["conditions"] & f.conditions)
    if not present:
        return None
    concerns = sorted(ri.sets["concerns"] & f.concerns)
    if bool(concerns) != bool(ri.args["present"]):
        return None
    return Hit(value=", ".join(concerns), inputs=(("history.conditions", present), ("concerns", concerns)))


def condition_with_lab(f: Facts, ri: RuleInput) -> Hit | None:
    """A condition with its lab unknown (mode: unknown) or at most the parameter (mode: at_most)."""
    present = sorted(ri.sets["conditions"] & f.conditions)
    if not present:
        return None
    name, value = _lab(f, ri)
    mode = str(ri.args["mode"])
    if mode == "unknown" and value is None:
        return Hit(inputs=(("history.conditions", present), (f"history.labs.{name}", None)))
    if mode == "at_most" and value is not None and value <= ri.params[0]:
        inputs = (("history.conditions", present), (f"history.labs.{name}", value))
        return Hit(value=format_quantity(value, ri.units[0]), inputs=inputs)
    return None


def phototype(f: Facts, ri: RuleInput) -> Hit | None:
    value = f.intake.patient.fitzpatrick
    if value not in ri.sets["types"]:
        return None
    return Hit(value=value or "", inputs=(("patient.fitzpatrick", value),))


_PROCEDURE_WORDS = {
    "ha_filler": "a hyaluronic acid filler",
    "botulinum_toxin": "botulinum toxin",
    "chemical_peel": "a chemical peel",
    "laser": "a laser treatment",
    "microneedling": "microneedling",
    "mesotherapy": "mesotherapy",
    "prp": "PRP",
    "surgery": "surgery",
    "other": "another procedure",
}


def recent_procedure(f: Facts, ri: RuleInput) -> Hit | None:
    """A procedure inside its deferral window, in (same_zone: true) or away from (false) the concerns' zones.

    Each procedure type's window is the rule parameter named `deferral_<type>_days`. A procedure or a
    concern with no zones given could be anywhere, so it counts as the same zone.
    """
    same_zone = bool(ri.args["same_zone"])
    windows = dict(zip(ri.parameter_ids, ri.params, strict=True))
    for proc in _procedures(f):
        window = windows.get(f"deferral_{proc.type}_days")
        if window is None or not proc.days_ago < window:
            continue
        if _overlaps_concerns(f, proc) != same_zone:
            continue
        where = f" in the {', '.join(proc.zones)}" if proc.zones else ""
        value = f"{_PROCEDURE_WORDS[proc.type]}{where} {format_quantity(proc.days_ago, 'days')} ago"
        inputs = (("history.recent_procedures", {"type": proc.type, "days_ago": proc.days_ago}),)
        return Hit(value=value, inputs=inputs, threshold=format_quantity(window, "days"))
    return None


def _procedures(f: Facts) -> tuple[RecentProcedure, ...]:
    history = f.intake.history
    return tuple(history.recent_procedures or ()) if history else ()


def _overlaps_concerns(f: Facts, proc: RecentProcedure) -> bool:
    """Whether a procedure touched an area to be treated. Missing or empty zones could be anywhere: yes."""
    if not proc.zones or any(not concern.zones for concern in f.intake.concerns):
        return True
    treated = {zone for concern in f.intake.concerns for zone in concern.zones or ()}
    return bool(set(proc.zones) & treated)


def procedure_listed(f: Facts, ri: RuleInput) -> Hit | None:
    """A procedure with no deferral window of its own (surgery, other) in an area to be treated."""
    for proc in _procedures(f):
        if proc.type in ri.sets["types"] and _overlaps_concerns(f, proc):
            where = f" in the {', '.join(proc.zones)}" if proc.zones else ""
            value = f"{_PROCEDURE_WORDS[proc.type]}{where} {format_quantity(proc.days_ago, 'days')} ago"
            return Hit(value=value, inputs=(("history.recent_procedures", {"type": proc.type}),))
    return None


def status_unknown(f: Facts, ri: RuleInput) -> Hit | None:
    """Pregnancy or breastfeeding not answered, for a person who could be either (by sex and age)."""
    if f.intake.patient.sex == "male" or not ri.params[0] <= f.intake.patient.age <= ri.params[1]:
        return None
    history = f.intake.history
    if history is not None and any(getattr(history, name) is True for name in ri.args["fields"]):
        return None  # already known to apply: its own rule refers, so nothing more to ask
    missing = [name for name in ri.args["fields"] if history is None or getattr(history, name) is None]
    if not missing:
        return None
    return Hit(value=" or ".join(missing), inputs=tuple((f"history.{name}", None) for name in missing))


_UNANSWERED_WORDS = {
    "conditions": "your health conditions",
    "allergies": "your allergies",
}


def lists_unanswered(f: Facts, ri: RuleInput) -> Hit | None:
    """History lists with no answer (the field or `history` left out); an empty list is the answer "none".

    Medicines also count as unanswered when the intake says the ones taken now are not known. A medicines list
    left out says nothing about medicines stopped lately either, so the sentence asks about those too, back
    as far as the rule's parameter (the longest wait after stopping a medicine that any rule uses).
    """
    history = f.intake.history
    missing = [n for n in ri.args["fields"] if _unanswered(history, n)]
    if not missing:
        return None
    absent = [(f"history.{n}", None) for n in missing if history is None or getattr(history, n) is None]
    words = [_UNANSWERED_WORDS.get(n, n.replace("_", " ")) for n in missing]
    if "medications" in missing:
        stopped_too = ("history.medications", None) in absent
        words[missing.index("medications")] = (
            f"your medicines (the ones you take now, and any you stopped in {months_back(ri.params[0])})"
            if stopped_too
            else "the medicines you take now"
        )
    value = words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"
    flagged = [("history.current_medications_unknown", True)] if len(absent) < len(missing) else []
    return Hit(value=value, inputs=tuple(absent + flagged))


def _unanswered(history: History | None, name: str) -> bool:
    if history is None or getattr(history, name) is None:
        return True
    return name == "medications" and history.current_medications_unknown is True


def _spec(
    fn: CheckFn,
    required: str = "",
    optional: str = "",
    parameters: int = 0,
    needs: Callable[[RuleInput], frozenset[str]] | None = None,
    needs_one_of: Callable[[RuleInput], frozenset[str]] | None = None,
    names: tuple[tuple[str, frozenset[str]], ...] = (),
) -> CheckSpec:
    return CheckSpec(
        fn, frozenset(required.split()), frozenset(optional.split()), parameters, needs, needs_one_of, names
    )


_HISTORY_FIELDS = frozenset(History.model_fields)
_LAB_FIELDS = frozenset(Labs.model_fields)
_PREFERENCE_FIELDS = frozenset(Preferences.model_fields)


def _needs(*keys: str) -> Callable[[RuleInput], frozenset[str]]:
    return lambda _ri: frozenset(keys)


def _needs_lab(ri: RuleInput) -> frozenset[str]:
    return frozenset({f"labs.{ri.args['lab']}"})


def _needs_condition(ri: RuleInput) -> frozenset[str]:
    return frozenset({"conditions", "medications"} if "current_medications" in ri.args else {"conditions"})


def _listed(kind: str, *args: str) -> Callable[[RuleInput], frozenset[str]]:
    """The Facts.details keys for the items named in the rule's list arguments `args` (those present)."""
    return lambda ri: frozenset(f"{kind}:{item}" for arg in args for item in ri.sets.get(arg, ()))


def _one_condition_or_medicine(ri: RuleInput) -> frozenset[str]:
    return _listed("condition", "conditions")(ri) | _listed("medication", "current_medications")(ri)


CHECKS: dict[str, CheckSpec] = {
    "history_flag": _spec(history_flag, "field", names=(("field", _HISTORY_FIELDS),)),
    "condition": _spec(
        condition, "conditions", "current_medications", needs=_needs_condition, needs_one_of=_one_condition_or_medicine
    ),
    "lab_below": _spec(lab_below, "lab", parameters=1, needs=_needs_lab, names=(("lab", _LAB_FIELDS),)),
    "lab_above": _spec(lab_above, "lab", parameters=1, needs=_needs_lab, names=(("lab", _LAB_FIELDS),)),
    "lab_between": _spec(lab_between, "lab", parameters=2, needs=_needs_lab, names=(("lab", _LAB_FIELDS),)),
    "lab_unknown": _spec(lab_unknown, "lab", names=(("lab", _LAB_FIELDS),)),
    "medication": _spec(
        medication, "classes pausable", needs=_needs("medications"), needs_one_of=_listed("medication", "classes")
    ),
    "medication_recent": _spec(
        medication_recent, "classes", "include_current", 1, _needs("medications"), _listed("medication", "classes")
    ),
    "count_at_least": _spec(
        count_at_least,
        "field",
        "at_least",
        needs=lambda ri: frozenset({str(ri.args["field"])}),
        names=(("field", _HISTORY_FIELDS),),
    ),
    "age_below": _spec(age_below, parameters=1),
    "preference": _spec(preference, "field equals", names=(("field", _PREFERENCE_FIELDS),)),
    "refuses_blood_draw": _spec(refuses_blood_draw),
    "wants_autologous_only": _spec(wants_autologous_only),
    "allergy_component": _spec(allergy_component, "list", needs=_needs("allergies")),
    "allergy_listed": _spec(
        allergy_listed, "allergies", needs=_needs("allergies"), needs_one_of=_listed("allergy", "allergies")
    ),
    "glogau_with_concern": _spec(glogau_with_concern, "glogau concerns", needs=_needs("glogau")),
    "condition_with_concern": _spec(
        condition_with_concern,
        "conditions concerns present",
        needs=_needs("conditions"),
        needs_one_of=_listed("condition", "conditions"),
    ),
    "condition_with_lab": _spec(
        condition_with_lab,
        "conditions lab mode",
        parameters=1,
        needs=_needs("conditions"),
        needs_one_of=_listed("condition", "conditions"),
        names=(("lab", _LAB_FIELDS),),
    ),
    "phototype": _spec(phototype, "types", needs=_needs("fitzpatrick")),
    "recent_procedure": _spec(recent_procedure, "same_zone", parameters=1, needs=_needs("recent_procedures")),
    "status_unknown": _spec(status_unknown, "fields", parameters=2, names=(("fields", _HISTORY_FIELDS),)),
    # No `needs`: it fires on what is absent. Its parameter is how far back to ask about stopped medicines.
    "lists_unanswered": _spec(lists_unanswered, "fields", parameters=1, names=(("fields", _HISTORY_FIELDS),)),
    "procedure_listed": _spec(procedure_listed, "types", needs=_needs("recent_procedures")),
}
