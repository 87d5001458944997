"""Benchmark 2: every decision-aid page, its bytes on the wire with all its assets, and its server time.

Usage: .venv/bin/python bench/web_pages.py [--repeats 30]
Targets: each page <= 150 KB transferred with all its assets (uncompressed: the app does not gzip), and
<= 30 ms server time (the median of the app's own Server-Timing header; the loopback round trip is shown too).

The pages are visited as a person would: start, comparison, each questionnaire step (posting the answers),
the result with the knowledge check and SURE, and the printable summary. Assets are the stylesheets, scripts
and images each page references; each is counted once per page (a cold cache).
"""

from __future__ import annotations

import argparse
import html
import re
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from web_server import running_server

ASSET = re.compile(r'(?:href|src)="(/static/[^"]+)"')
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
STATE = re.compile(r'name="state" value="([^"]*)"')
STEPS: list[tuple[str, dict[str, list[str]]]] = [
    ("values", {"pref.blood_draw": ["ok"], "pref.max_downtime_days": ["2"], "pref.leaning": ["none"]}),
    ("about", {"patient.age": ["30"], "patient.sex": ["female"]}),
    ("concerns", {"concerns": ["dehydration", "fine_lines"], "severity.fine_lines": ["mild"]}),
    ("health", {"history.pregnant": ["no"], "history.conditions": ["none"]}),
    ("medicines", {"history.medications": ["none"], "history.allergies": ["none"]}),
    ("recent", {}),
]


def form_of(page: str) -> dict[str, str]:
    csrf, state = CSRF.search(page), STATE.search(page)
    return {"csrf_token": csrf.group(1) if csrf else "", "state": html.unescape(state.group(1)) if state else "{}"}


def timed(
    client: httpx.Client, method: str, url: str, data: dict[str, object] | None, repeats: int
) -> tuple[httpx.Response, float, float]:
    """The last response, the median round trip and the median server time (Server-Timing) in ms."""
    times, server = [], []
    response = client.request(method, url, data=data)
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.request(method, url, data=data)
        times.append(time.perf_counter() - started)
        server.append(float(response.headers["server-timing"].split("dur=")[1]))
    return response, 1000 * statistics.median(times), statistics.median(server)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    rows: list[tuple[str, int, int, float, float]] = []
    with running_server() as server, httpx.Client(base_url=f"http://127.0.0.1:{server.port}") as client:
        visits: list[tuple[str, str, str, dict[str, object] | None]] = [
            ("start", "GET", "/", None),
            ("compare", "GET", "/compare", None),
            ("questions (step 1)", "GET", "/questions", None),
        ]
        page = client.get("/questions").text
        for number, (slug, fields) in enumerate(STEPS, start=1):
            data: dict[str, object] = {**fields, **form_of(page), "go": "next"}
            name = f"step {number + 1}" if number < len(STEPS) else "result"
            visits.append((name, "POST", f"/questions/{slug}", data))
            page = client.post(f"/questions/{slug}", data=data).text
        checks = {**form_of(page), "check.prp_blood": "true", "sure.sure": "true"}
        visits.append(("result + checks", "POST", "/result", checks))
        visits.append(("printable summary", "POST", "/summary", form_of(page)))
        for name, method, url, data in visits:
            response, median_ms, server_ms = timed(client, method, url, data, args.repeats)
            assert response.status_code == 200, (name, response.status_code)
            assets = sorted(set(ASSET.findall(response.text)))
            asset_bytes = sum(len(client.get(a).content) for a in assets)
            rows.append((name, len(response.content), asset_bytes, median_ms, server_ms))
    ok = True
    print(f"{'page':22} {'html KB':>8} {'assets KB':>10} {'total KB':>9} {'server ms':>10} {'round trip':>11}")
    for name, page_bytes, asset_bytes, median_ms, server_ms in rows:
        total = (page_bytes + asset_bytes) / 1024
        ok &= total <= 150 and server_ms <= 30
        print(
            f"{name:22} {page_bytes / 1024:8.1f} {asset_bytes / 1024:10.1f} {total:9.1f} {server_ms:10.1f}"
            f" {median_ms:11.1f}"
        )
    print("targets: <= 150 KB with assets, <= 30 ms;", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
