"""Relative centrifugal force and rotor speed, both ways: RCF (x g) = 1.118e-5 x r(cm) x rpm^2.

Protocols publish g because rpm means nothing without the rotor radius (axis to the tube bottom); a clinic's
centrifuge is set in rpm. These two functions translate between them and refuse values that are not
physical, so a typo cannot become a setting.
"""

from __future__ import annotations

import math

from rejuv.planning.errors import PlanningInputError

RCF_CONSTANT_PER_CM = 1.118e-5  # rcf_formula (R36): radius in centimetres


# Physical limits: no clinical centrifuge has a rotor under 1 cm or over 1 m, spins past 100,000 rpm, or
# reaches 1,000,000 x g. Outside them a value is a typo, and dividing by a near-zero radius would overflow.
LIMITS = {"radius_cm": (1.0, 100.0), "rpm": (1.0, 100_000.0), "rcf_g": (1.0, 1_000_000.0)}


def _require_positive(field: str, value: float) -> None:
    if not math.isfinite(value) or value <= 0:
        raise PlanningInputError(field, f"must be a positive number, got {value}")
    low, high = LIMITS[field]
    if not low <= value <= high:
        raise PlanningInputError(field, f"must be between {low:g} and {high:g}, got {value:g}")


def calculate_rcf_g(radius_cm: float, rpm: float) -> float:
    """The force, in multiples of g, at `radius_cm` from the axis when the rotor turns at `rpm`."""
    _require_positive("radius_cm", radius_cm)
    _require_positive("rpm", rpm)
    return RCF_CONSTANT_PER_CM * radius_cm * rpm**2


def calculate_rpm(radius_cm: float, rcf_g: float) -> float:
    """The rotor speed that gives `rcf_g` at `radius_cm`."""
    _require_positive("radius_cm", radius_cm)
    _require_positive("rcf_g", rcf_g)
    return math.sqrt(rcf_g / (RCF_CONSTANT_PER_CM * radius_cm))
