"""Benchmark: the consultation report PDF (PRP plan, one recorded session, the face chart), end to end.

Target (planning issue): at most 2 s for the PDF report. Measures the whole request through the app in
process (`GET /clinic/consultations/{id}/report.pdf`: audited reads, plan, chart, HTML, WeasyPrint) and, apart,
WeasyPrint's render alone. The first request pays WeasyPrint's import and font loading; it is shown separately.
Run: `.venv/bin/python bench/report_pdf.py [--repeat 10]`. Prints its figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from starlette.requests import Request

from rejuv.services.accounts import create_user
from rejuv.services.advice import Advisor
from rejuv.settings import Settings
from rejuv.web.app import create_app
from rejuv.web.pdf import render_pdf
from rejuv.web.routers.report_pages import build_report, build_report_html

PASSWORD = "bench password 1234"
INTAKE = {
    "schema_version": "1",
    "patient": {"age": 45, "sex": "female", "fitzpatrick": "III", "glogau": "II"},
    "concerns": [{"id": "fine_lines", "severity": "moderate", "zones": ["forehead", "cheek", "periorbital"]}],
    "history": {"pregnant": False, "breastfeeding": False, "conditions": [], "medications": [], "allergies": []},
}


def _prepare(client: TestClient) -> int:
    create_user(client.app.state.rejuv.uow(), "bench", PASSWORD, "clinician")  # type: ignore[attr-defined]
    token = client.post("/api/session", json={"username": "bench", "password": PASSWORD}).json()["csrf_token"]
    headers = {"X-CSRF-Token": token}
    patient = client.post("/api/patients", json={"reference": "B1", "full_name": "Bench Patient"}, headers=headers)
    consultation = client.post(
        "/api/consultations",
        json={
            "patient_id": patient.json()["id"],
            "intake": INTAKE,
            "decision": "override",
            "final_decision": "prp",
            "override_reason": "benchmark",
        },
        headers=headers,
    ).json()
    cid: int = consultation["id"]
    plan = {"csrf_token": token, "treatment": "prp", "start": "2027-03-01", "sessions": "3", "interval_days": "30"}
    assert client.post(f"/clinic/consultations/{cid}/plan", data=plan, follow_redirects=False).status_code == 303
    session = {
        "csrf_token": token,
        "treatment": "prp",
        "number": "1",
        "baseline_platelets_per_ul": "250000",
        "prp_platelets_per_ul": "1000000",
        "blood_volume_ml": "20",
        "prp_volume_ml": "4",
        "radius_cm": "10",
    }
    response = client.post(f"/clinic/consultations/{cid}/plan/sessions", data=session, follow_redirects=False)
    assert response.status_code == 303, response.text[:500]
    return cid


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10, help="timed requests after the first")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder), secret_key="b" * 40, cookie_secure=False)
        app = create_app(settings, Advisor.load())
        with TestClient(app, base_url="http://localhost") as client:
            cid = _prepare(client)
            url = f"/clinic/consultations/{cid}/report.pdf"
            start = time.perf_counter()
            first = client.get(url)
            first_ms = (time.perf_counter() - start) * 1000
            assert first.status_code == 200 and first.content.startswith(b"%PDF"), first.text[:500]
            times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                client.get(url)
                times.append((time.perf_counter() - start) * 1000)
            state = app.state.rejuv
            with state.uow() as uow:
                clinician = uow.users.get_by_username("bench")
            assert clinician is not None
            scope = {"type": "http", "app": app, "headers": [], "path": url, "query_string": b"", "method": "GET"}
            html = build_report_html(Request(scope), build_report(state, clinician, cid))
            render_times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                render_pdf(html, "http://localhost/")
                render_times.append((time.perf_counter() - start) * 1000)
    median = statistics.median(times)
    verdict = "within" if median <= 2000 else "OVER"
    print(f"report PDF: {len(first.content) / 1024:.0f} KiB")
    print(f"first request (imports WeasyPrint, loads fonts): {first_ms:.0f} ms")
    print(
        f"request median {median:.0f} ms, best {min(times):.0f} ms, worst {max(times):.0f} ms over "
        f"{args.repeat} runs ({verdict} the 2000 ms budget)"
    )
    print(f"WeasyPrint render alone: median {statistics.median(render_times):.0f} ms")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
