"""The one error the planning core raises for input a clinician can correct.

It names the input (`field`) so every shell can point at the right option or form field: the CLI prints
`--spacing-mm: ...` and exits 2, the web app shows it beside the field. Out-of-range-but-possible values are
not errors: they come back as warnings with the cited range, because the clinician may have a reason.
"""

from __future__ import annotations


class PlanningInputError(ValueError):
    """A value no plan can be built from (a negative radius, an unknown zone, an empty cocktail)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")
