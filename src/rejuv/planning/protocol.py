"""A PRP preparation protocol: blood, tubes, anticoagulant, spins in g x minutes (and rpm), expected PRP.

Unset values come from the knowledge base's default protocol; anything the clinician sets is checked
against the cited ranges and kept, with a warning, when it falls outside them: published protocols vary
widely and the clinician may follow a validated kit of their own. Only values outside the knowledge base's
plausibility limits (typing errors, not clinical thresholds) are refused. `anticoagulant_allergy` says when the
intake's allergies rule an anticoagulant out (both listed PRP anticoagulants are citrate).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from rejuv.planning.advice import PlanWarning, format_number, format_range, outside, require_plausible, warn
from rejuv.planning.centrifuge import calculate_rpm
from rejuv.planning.errors import PlanningInputError
from rejuv.planning.schema import Anticoagulant, PrpParameters, SpinMode


@dataclass(frozen=True, slots=True)
class Spin:
    rcf_g: float
    minutes: float


@dataclass(frozen=True, slots=True)
class SpinStep:
    number: int
    rcf_g: float
    minutes: float
    rpm: float | None  # only when a rotor radius is given
    cited_rcf_g: tuple[float, float]
    cited_minutes: tuple[float, float]

    def as_dict(self) -> dict[str, object]:
        return {
            "number": self.number,
            "rcf_g": self.rcf_g,
            "minutes": self.minutes,
            "rpm": None if self.rpm is None else round(self.rpm),
            "cited_rcf_g": list(self.cited_rcf_g),
            "cited_minutes": list(self.cited_minutes),
        }


@dataclass(frozen=True)
class PrpProtocol:
    blood_volume_ml: float
    tube_volume_ml: float
    tubes: int
    blood_per_tube_ml: float
    anticoagulant: str
    anticoagulant_label: str
    anticoagulant_per_tube_ml: float
    spin_mode: str
    spins: tuple[SpinStep, ...]
    radius_cm: float | None
    expected_prp_ml: tuple[float, float]
    description: str
    citations: tuple[str, ...]
    warnings: tuple[PlanWarning, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "blood_volume_ml": self.blood_volume_ml,
            "tube_volume_ml": self.tube_volume_ml,
            "tubes": self.tubes,
            "blood_per_tube_ml": round(self.blood_per_tube_ml, 2),
            "anticoagulant": {
                "id": self.anticoagulant,
                "label": self.anticoagulant_label,
                "per_tube_ml": round(self.anticoagulant_per_tube_ml, 2),
                "total_ml": round(self.anticoagulant_per_tube_ml * self.tubes, 2),
            },
            "spin_mode": self.spin_mode,
            "spins": [s.as_dict() for s in self.spins],
            "radius_cm": self.radius_cm,
            "expected_prp_ml": [round(v, 1) for v in self.expected_prp_ml],
            "description": self.description,
            "citations": list(self.citations),
            "warnings": [w.as_dict() for w in self.warnings],
        }


def _positive(field: str, value: float) -> None:
    if not math.isfinite(value) or value <= 0:
        raise PlanningInputError(field, f"must be a positive number, got {value}")


def _anticoagulant(params: PrpParameters, anticoagulant_id: str) -> Anticoagulant:
    for item in params.anticoagulants:
        if item.id == anticoagulant_id:
            return item
    allowed = ", ".join(a.id for a in params.anticoagulants)
    raise PlanningInputError("anticoagulant", f"unknown {anticoagulant_id!r}; choose one of {allowed}")


def conflicting_anticoagulants(params: PrpParameters, allergies: Collection[str]) -> tuple[str, ...]:
    """The anticoagulant ids the intake's allergies rule out (ACD-A and sodium citrate for a citrate allergy)."""
    return tuple(a.id for a in params.anticoagulants if a.allergy_id is not None and a.allergy_id in allergies)


def anticoagulant_allergy(
    params: PrpParameters, anticoagulant_id: str | None, allergies: Collection[str]
) -> PlanWarning | None:
    """A warning when the intake's allergies rule out this anticoagulant (None: the default protocol's), saying
    which allergy and what to choose instead; None when there is no conflict. An unknown id is refused."""
    agent = _anticoagulant(params, anticoagulant_id or params.default_protocol.anticoagulant)
    if agent.allergy_id is None or agent.allergy_id not in allergies:
        return None
    allergy = agent.allergy_id.replace("_", " ")
    excluded = conflicting_anticoagulants(params, allergies)
    alternatives = [a for a in params.anticoagulants if a.suitable_for_prp and a.id not in excluded]
    text = f"The intake records an allergy to {allergy}: {agent.label} ({agent.id}) must not be used."
    if alternatives:
        text += " Choose " + " or ".join(f"{a.label} ({a.id})" for a in alternatives) + " instead."
    else:
        listed = ", ".join(f"{a.label} ({a.id})" for a in params.anticoagulants if a.id in excluded)
        text += f" Every anticoagulant listed for PRP is ruled out ({listed}). {params.anticoagulant_allergy_rule.text}"
    return warn("anticoagulant_allergy", text, params.anticoagulant_allergy_rule, agent.explanation)


def _mode(params: PrpParameters, count: int) -> SpinMode:
    wanted = {1: "single", 2: "double"}.get(count)
    if wanted is None:
        raise PlanningInputError("spins", f"a protocol has one or two spins, not {count}")
    return next(mode for mode in params.spin_modes if mode.id == wanted)


def plan_protocol(
    params: PrpParameters,
    *,
    blood_volume_ml: float | None = None,
    tube_volume_ml: float | None = None,
    anticoagulant: str | None = None,
    spins: Sequence[Spin] | None = None,
    radius_cm: float | None = None,
) -> PrpProtocol:
    """Build the protocol, filling gaps from the default and warning where the cited ranges are left."""
    default = params.default_protocol
    blood = default.blood_volume_ml if blood_volume_ml is None else blood_volume_ml
    tube = default.tube_volume_ml if tube_volume_ml is None else tube_volume_ml
    chosen_spins = [Spin(s.rcf_g, s.minutes) for s in default.spins] if spins is None else list(spins)
    _positive("blood_volume_ml", blood)
    _positive("tube_volume_ml", tube)
    require_plausible("blood_volume_ml", blood, params.input_limits.blood_volume_ml)  # typing errors only
    require_plausible("tube_volume_ml", tube, params.input_limits.tube_volume_ml)
    if radius_cm is not None:
        _positive("radius_cm", radius_cm)
    for index, spin in enumerate(chosen_spins, start=1):
        _positive(f"spin{index}_g", spin.rcf_g)
        _positive(f"spin{index}_minutes", spin.minutes)
    agent = _anticoagulant(params, anticoagulant or default.anticoagulant)
    mode = _mode(params, len(chosen_spins))

    ratio = agent.ml_per_ml_blood.typical if agent.ml_per_ml_blood and agent.ml_per_ml_blood.typical else 0.0
    blood_per_tube = tube / (1 + ratio)
    tubes = math.ceil(blood / blood_per_tube - 1e-9)
    warnings: list[PlanWarning] = []

    steps: list[SpinStep] = []
    for number, (spin, cited) in enumerate(zip(chosen_spins, mode.spins, strict=True), start=1):
        rpm = None if radius_cm is None else calculate_rpm(radius_cm, spin.rcf_g)
        steps.append(
            SpinStep(
                number,
                spin.rcf_g,
                spin.minutes,
                rpm,
                (cited.rcf_g.min or 0.0, cited.rcf_g.max or 0.0),
                (cited.minutes.min or 0.0, cited.minutes.max or 0.0),
            )
        )
        if outside(spin.rcf_g, cited.rcf_g):
            warnings.append(
                warn(
                    f"spin{number}_force_outside_range",
                    f"Spin {number} at {format_number(spin.rcf_g)} × g is outside the cited "
                    f"{format_range(cited.rcf_g)} for a {mode.id} spin.",
                    cited.rcf_g,
                )
            )
        if outside(spin.minutes, cited.minutes):
            warnings.append(
                warn(
                    f"spin{number}_time_outside_range",
                    f"Spin {number} for {format_number(spin.minutes)} minutes is outside the cited "
                    f"{format_range(cited.minutes)} for a {mode.id} spin.",
                    cited.minutes,
                )
            )

    if not agent.suitable_for_prp:
        warnings.append(warn("anticoagulant_unsuitable", agent.explanation.text, agent.explanation))
    if outside(blood, params.blood_volume_range_ml):
        warnings.append(
            warn(
                "blood_volume_outside_range",
                f"{format_number(blood)} mL of blood is outside the {format_range(params.blood_volume_range_ml)} "
                "seen across published protocols.",
                params.blood_volume_range_ml,
            )
        )
    elif outside(blood, params.usual_blood_volume_ml):
        warnings.append(
            warn(
                "blood_volume_unusual",
                f"{format_number(blood)} mL of blood is outside the usual {format_range(params.usual_blood_volume_ml)} "
                "for the face.",
                params.usual_blood_volume_ml,
            )
        )
    warnings.append(warn("use_window", params.use_window.text, params.use_window))

    fraction = params.expected_prp_fraction
    low, high = (fraction.min or fraction.typical or 0.0), (fraction.max or fraction.typical or 0.0)
    return PrpProtocol(
        blood_volume_ml=blood,
        tube_volume_ml=tube,
        tubes=tubes,
        blood_per_tube_ml=min(blood_per_tube, blood),
        anticoagulant=agent.id,
        anticoagulant_label=agent.label,
        anticoagulant_per_tube_ml=min(blood_per_tube, blood) * ratio,
        spin_mode=mode.id,
        spins=tuple(steps),
        radius_cm=radius_cm,
        expected_prp_ml=(blood * low, blood * high),
        description=mode.description.text,
        citations=tuple(dict.fromkeys([*mode.description.citations, *fraction.citations])),
        warnings=tuple(warnings),
    )
