"""Assess a prepared PRP from its counts: concentration factor, dose, recovery, purity, PAW, Mishra and DEPA.

Labels are derived from raw counts rather than typed in, because the same preparation is described
differently by each classification and the raw numbers are what a reviewer can check. DEPA's band
cut-offs are mostly unverified against the paper, so each DEPA letter says whether its band is verified.
Boundary values go to the lower band (a value must be strictly above a threshold to reach the band above).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rejuv.planning.advice import PlanWarning, format_number, format_range, require_plausible, warn
from rejuv.planning.errors import PlanningInputError
from rejuv.planning.schema import DepaAxis, PrpParameters


@dataclass(frozen=True)
class PrpSample:
    """Counts per µL and volumes in mL. `blood_volume_ml` is the whole blood processed, without anticoagulant."""

    baseline_platelets_per_ul: float
    prp_platelets_per_ul: float
    blood_volume_ml: float
    prp_volume_ml: float
    injected_volume_ml: float | None = None  # None: all the PRP obtained is injected
    baseline_wbc_per_ul: float | None = None
    prp_wbc_per_ul: float | None = None
    prp_rbc_per_ul: float | None = None
    baseline_neutrophils_per_ul: float | None = None
    prp_neutrophils_per_ul: float | None = None
    activation: str | None = None  # None: not activated; otherwise the agent (calcium_chloride, thrombin ...)


@dataclass(frozen=True, slots=True)
class DepaLetter:
    axis: str
    value: float | None
    code: str | None  # None when the inputs for this axis were not given
    label: str
    unverified: bool
    citations: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "axis": self.axis,
            "value": self.value,
            "code": self.code,
            "label": self.label,
            "unverified": self.unverified,
            "citations": list(self.citations),
        }


@dataclass(frozen=True)
class PrpAssessment:
    concentration_factor: float
    dose_billion: float
    efficiency_percent: float
    purity_percent: float | None
    paw: str
    mishra: str | None
    depa: tuple[DepaLetter, ...]
    citations: dict[str, tuple[str, ...]]  # classification name -> its citation keys
    warnings: tuple[PlanWarning, ...]

    @property
    def depa_code(self) -> str:
        """Letters in D-E-P-A order; "?" where the inputs were missing, then the activation."""
        return "".join(letter.code or "?" for letter in self.depa[:3]) + f"-{self.depa[3].label}"

    @property
    def unverified_depa_axes(self) -> tuple[str, ...]:
        return tuple(letter.axis for letter in self.depa if letter.code is not None and letter.unverified)

    def as_dict(self) -> dict[str, object]:
        return {
            "concentration_factor": round(self.concentration_factor, 2),
            "dose_billion": round(self.dose_billion, 3),
            "efficiency_percent": round(self.efficiency_percent, 1),
            "purity_percent": None if self.purity_percent is None else round(self.purity_percent, 1),
            "paw": self.paw,
            "mishra": self.mishra,
            "depa": {"code": self.depa_code, "letters": [letter.as_dict() for letter in self.depa]},
            "depa_unverified_axes": list(self.unverified_depa_axes),
            "citations": {name: list(keys) for name, keys in self.citations.items()},
            "warnings": [w.as_dict() for w in self.warnings],
        }


PER_UL_HINT = "; type the count per µL (1.2 × 10⁶/µL is 1,200,000, not 1.2)"


def _check(sample: PrpSample, params: PrpParameters) -> None:
    required = {
        "baseline_platelets_per_ul": sample.baseline_platelets_per_ul,
        "prp_platelets_per_ul": sample.prp_platelets_per_ul,
        "blood_volume_ml": sample.blood_volume_ml,
        "prp_volume_ml": sample.prp_volume_ml,
    }
    optional = {
        "injected_volume_ml": sample.injected_volume_ml,
        "baseline_wbc_per_ul": sample.baseline_wbc_per_ul,
        "prp_wbc_per_ul": sample.prp_wbc_per_ul,
        "prp_rbc_per_ul": sample.prp_rbc_per_ul,
        "baseline_neutrophils_per_ul": sample.baseline_neutrophils_per_ul,
        "prp_neutrophils_per_ul": sample.prp_neutrophils_per_ul,
    }
    for name, value in required.items():
        if not math.isfinite(value) or value <= 0:
            raise PlanningInputError(name, f"must be a positive number, got {value}")
    # Plausibility limits from the knowledge base: they catch typing errors ("1.2" for 1.2 x 10^6/uL), they are
    # not clinical thresholds (those are the warnings below, with their citations).
    limits = params.input_limits
    per_ul = (
        ("baseline_platelets_per_ul", limits.baseline_platelets_per_ul),
        ("prp_platelets_per_ul", limits.prp_platelets_per_ul),
    )
    for name, limit in per_ul:
        require_plausible(name, required[name], limit, PER_UL_HINT)
    require_plausible("blood_volume_ml", sample.blood_volume_ml, limits.blood_volume_ml)
    # Also keeps tiny volumes, which would underflow the divisions below, out of the assessment.
    require_plausible("prp_volume_ml", sample.prp_volume_ml, limits.prp_volume_ml)
    for name, maybe in optional.items():
        if maybe is not None and (not math.isfinite(maybe) or maybe < 0):
            raise PlanningInputError(name, f"must be zero or more, got {maybe}")
    if sample.prp_volume_ml >= sample.blood_volume_ml:
        raise PlanningInputError("prp_volume_ml", "must be less than the blood volume it was prepared from")
    if sample.injected_volume_ml is not None and sample.injected_volume_ml > sample.prp_volume_ml:
        raise PlanningInputError("injected_volume_ml", "cannot exceed the PRP volume obtained")


def _band(axis_name: str, axis: DepaAxis, value: float | None) -> DepaLetter:
    if value is None:
        return DepaLetter(axis_name, None, None, "not assessed (counts missing)", False, ())
    for band in axis.bands:
        if band.above is None or value > band.above:
            return DepaLetter(axis_name, value, band.code, band.label, band.unverified, tuple(band.citations))
    raise AssertionError("the schema guarantees a catch-all last band")  # pragma: no cover


def _paw(sample: PrpSample, params: PrpParameters) -> str:
    prp, baseline = sample.prp_platelets_per_ul, sample.baseline_platelets_per_ul
    p4 = params.paw.p4_above_per_ul.typical or math.inf
    p3 = params.paw.p3_above_per_ul.typical or math.inf
    if prp <= baseline:
        code = "P1"
    elif prp > p4:
        code = "P4"
    elif prp > p3:
        code = "P3"
    else:
        code = "P2"
    parts = [code]
    if sample.activation:
        parts.append("x")
    if sample.prp_wbc_per_ul is not None and sample.baseline_wbc_per_ul is not None:
        white = "A" if sample.prp_wbc_per_ul > sample.baseline_wbc_per_ul else "B"
        if sample.prp_neutrophils_per_ul is not None and sample.baseline_neutrophils_per_ul is not None:
            white += "α" if sample.prp_neutrophils_per_ul > sample.baseline_neutrophils_per_ul else "β"
        parts.append(white)
    return "-".join(parts)


def _mishra(sample: PrpSample, factor: float, params: PrpParameters) -> str | None:
    """Mishra type 1-4 needs to know whether white cells are raised; without WBC counts there is no type."""
    if sample.prp_wbc_per_ul is None or sample.baseline_wbc_per_ul is None:
        return None
    raised = sample.prp_wbc_per_ul > sample.baseline_wbc_per_ul
    activated = bool(sample.activation)
    number = {(True, False): 1, (True, True): 2, (False, False): 3, (False, True): 4}[(raised, activated)]
    cutoff = params.mishra_factor_cutoff.typical or 5.0
    return f"{number}{'A' if factor >= cutoff else 'B'}"


def assess_prp(sample: PrpSample, params: PrpParameters) -> PrpAssessment:
    """Derive every figure and label from the counts, and warn where the knowledge base's ranges are left."""
    _check(sample, params)
    factor = sample.prp_platelets_per_ul / sample.baseline_platelets_per_ul
    injected_ml = sample.prp_volume_ml if sample.injected_volume_ml is None else sample.injected_volume_ml
    dose_billion = sample.prp_platelets_per_ul * injected_ml * 1000 / 1e9
    recovered = sample.prp_platelets_per_ul * sample.prp_volume_ml
    efficiency = 100 * recovered / (sample.baseline_platelets_per_ul * sample.blood_volume_ml)
    purity: float | None = None
    if sample.prp_wbc_per_ul is not None and sample.prp_rbc_per_ul is not None:
        total = sample.prp_platelets_per_ul + sample.prp_wbc_per_ul + sample.prp_rbc_per_ul
        purity = 100 * sample.prp_platelets_per_ul / total

    depa = params.depa
    activation = DepaLetter(
        "activation", None, None, sample.activation or "none", False, tuple(depa.description.citations)
    )
    letters = (
        _band("dose", depa.dose, dose_billion),
        _band("efficiency", depa.efficiency, efficiency),
        _band("purity", depa.purity, purity),
        activation,
    )
    warnings = _warnings(sample, params, factor, efficiency, letters)
    return PrpAssessment(
        concentration_factor=factor,
        dose_billion=dose_billion,
        efficiency_percent=efficiency,
        purity_percent=purity,
        paw=_paw(sample, params),
        mishra=_mishra(sample, factor, params),
        depa=letters,
        citations={
            "paw": tuple(params.paw.description.citations),
            "mishra": tuple(params.mishra_factor_cutoff.citations),
            "depa": tuple(depa.description.citations),
        },
        warnings=tuple(warnings),
    )


def _warnings(
    sample: PrpSample, params: PrpParameters, factor: float, efficiency: float, letters: tuple[DepaLetter, ...]
) -> list[PlanWarning]:
    found: list[PlanWarning] = []
    target = params.target_platelets_per_ul
    prp = sample.prp_platelets_per_ul
    if target.min is not None and prp < target.min:
        found.append(
            warn(
                "prp_below_target",
                f"PRP platelets {format_number(prp)} /µL are below the dermatology target of {format_range(target)}.",
                target,
            )
        )
    elif target.max is not None and prp > target.max:
        found.append(
            warn(
                "prp_above_target",
                f"PRP platelets {format_number(prp)} /µL are above the dermatology target of {format_range(target)}.",
                target,
            )
        )
    if prp <= sample.baseline_platelets_per_ul:
        found.append(
            warn(
                "prp_not_concentrated",
                "The PRP is no more concentrated than the blood (PAW P1): check the spin and the aspiration.",
                params.paw.description,
            )
        )
    typical = params.typical_concentration_factor
    if typical.min is not None and typical.max is not None and not typical.min <= factor <= typical.max:
        found.append(
            warn(
                "factor_unusual",
                f"A concentration factor of {factor:.1f}× is outside the usual {format_range(typical)}.",
                typical,
            )
        )
    minimum = params.minimum_baseline_platelets_per_ul
    normal = params.normal_baseline_platelets_per_ul
    baseline = sample.baseline_platelets_per_ul
    if minimum.min is not None and baseline < minimum.min:
        found.append(
            warn(
                "baseline_below_minimum",
                f"Baseline platelets {format_number(baseline)} /µL are below {format_number(minimum.min)} /µL, "
                "a relative contraindication to PRP.",
                minimum,
            )
        )
    elif normal.min is not None and baseline < normal.min:
        found.append(
            warn(
                "baseline_below_normal",
                f"Baseline platelets {format_number(baseline)} /µL are below the reference range "
                f"({format_range(normal)}): expect a lower yield.",
                normal,
            )
        )
    if efficiency > 100:
        found.append(
            warn(
                "efficiency_impossible",
                f"A recovery of {efficiency:.0f} % is impossible: check the counts, and that the blood volume is "
                "the whole blood processed, without anticoagulant.",
                params.depa.description,
            )
        )
    unverified = [letter.axis for letter in letters if letter.code is not None and letter.unverified]
    if unverified:
        found.append(
            PlanWarning(
                "depa_bands_unverified",
                f"DEPA {', '.join(unverified)} bands are the commonly quoted cut-offs, not yet verified against "
                "the paper: report the raw values alongside the letters.",
                tuple(params.depa.description.citations),
                unverified=True,
            )
        )
    found.append(warn("use_window", params.use_window.text, params.use_window))
    return found
