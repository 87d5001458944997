"""The shipped planning data, loaded once for the planning tests."""

from __future__ import annotations

import pytest

from rejuv.planning.data import PlanningData, load_planning_data


@pytest.fixture(scope="session")
def planning() -> PlanningData:
    return load_planning_data()
