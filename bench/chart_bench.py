"""Benchmark: a full-face chart at 10 mm (papules) and at 3 mm (nappage), plus the drawings.

Targets (planning issue): at most 50 ms at 10 mm and at most 300 ms at 3 mm for the chart itself (points,
checks and warnings; the planning data is loaded once beforehand, as the CLI and web app do).
Run: `.venv/bin/python bench/chart_bench.py [--repeat 30]`. Prints its figures; it is not a test and asserts
nothing, so a slow machine shows a slow figure instead of a red build.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import get_args

from rejuv.domain.intake import ZoneId
from rejuv.planning.chart.face_chart import ChartRequest, FaceChart, plan_chart
from rejuv.planning.chart.png import render_png
from rejuv.planning.chart.svg import render_svg
from rejuv.planning.data import load_planning_data

FULL_FACE = [z for z in get_args(ZoneId) if z not in ("neck", "decolletage")]
CASES = (("10 mm papules", "papule", 10.0, 50.0), ("3 mm nappage", "nappage", 3.0, 300.0))


def timed(action: Callable[[], object], repeat: int) -> list[float]:
    action()  # warm-up: imports and caches are not what is measured
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30, help="timed runs per case")
    args = parser.parse_args()

    start = time.perf_counter()
    data = load_planning_data()
    print(f"planning data load: {(time.perf_counter() - start) * 1000:.1f} ms (once per process)")
    print(f"full face = {', '.join(FULL_FACE)} (lips and an unwaived glabella get no points)")
    for name, technique, spacing, budget in CASES:
        request = ChartRequest(FULL_FACE, technique, spacing_mm=spacing)
        chart: FaceChart = plan_chart(request, data.template, data.techniques)
        times = timed(lambda request=request: plan_chart(request, data.template, data.techniques), args.repeat)
        median, worst = statistics.median(times), max(times)
        verdict = "within" if median <= budget else "OVER"
        print(
            f"{name}: {len(chart.points)} points; chart median {median:.1f} ms, best {min(times):.1f} ms, "
            f"worst {worst:.1f} ms over {args.repeat} runs ({verdict} the {budget:.0f} ms budget)"
        )
        svg = statistics.median(timed(lambda chart=chart: render_svg(chart), max(5, args.repeat // 3)))
        png = statistics.median(timed(lambda chart=chart: render_png(chart), max(5, args.repeat // 3)))
        print(f"  drawing: SVG median {svg:.1f} ms, PNG median {png:.1f} ms")


if __name__ == "__main__":
    main()
