"""The consultation report PDF renders and carries what the clinician signs: decision, plan, chart, version."""

from __future__ import annotations

import subprocess
from pathlib import Path

from fastapi.testclient import TestClient
from test_plan_pages import PRP_SESSION, _consultation, _plan, _post


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(text.stdout.split())


def _pages_as_png(pdf: bytes, tmp_path: Path) -> list[Path]:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(path), str(tmp_path / "page")], check=True)
    return sorted(tmp_path.glob("page*.png"))


def _prp_consultation(client: TestClient) -> int:
    cid = _consultation(client, decision="override", final_decision="prp", override_reason="prefers own blood")
    assert _plan(client, cid, treatment="prp", sessions="3", interval_days="30").status_code == 303
    assert _post(client, f"/clinic/consultations/{cid}/plan/sessions", PRP_SESSION).status_code == 303
    return cid


def test_the_prp_report_renders_with_decision_plan_protocol_chart_and_version(
    client: TestClient, tmp_path: Path
) -> None:
    cid = _prp_consultation(client)
    response = client.get(f"/clinic/consultations/{cid}/report.pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    pngs = _pages_as_png(response.content, tmp_path)
    assert pngs and all(p.stat().st_size > 1000 for p in pngs)
    text = _pdf_text(response.content, tmp_path)
    version = client.get("/api/knowledge").json()["knowledge_version"]
    for phrase in (
        "Consultation report",
        "Ann Example",
        "Overridden: Platelet-rich plasma (PRP)",
        "prefers own blood",
        "Findings",
        "The comparison",
        "2027-03-01",
        "2027-03-31",
        "PRP protocol",
        "Concentration factor 4.0",
        "tubes with ACD-A",  # the anticoagulant used is part of the record
        "3 sessions, every 30 days",
        "Face chart",
        "Signature",
        version,
    ):
        assert phrase in text, phrase


def test_the_mesotherapy_report_lists_the_cocktail_lot_and_expiry(client: TestClient, tmp_path: Path) -> None:
    cid = _consultation(client)
    _plan(client, cid)
    data = {"treatment": "mesotherapy", "number": "1", "product": "ncha_10", "volume_ml": "2", "lot": "LOT-77"}
    assert (
        _post(client, f"/clinic/consultations/{cid}/plan/sessions", {**data, "expiry": "2030-01-31"}).status_code == 303
    )
    text = _pdf_text(client.get(f"/clinic/consultations/{cid}/report.pdf").content, tmp_path)
    assert "Mesotherapy cocktail" in text and "lot LOT-77, expiry 2030-01-31" in text and "no conflict" in text
    assert "Non-cross-linked hyaluronic acid 10 mg/mL" in text and "ncha_10" not in text  # the vial's name
    assert "4 sessions, every 14 days" in text


def test_a_report_without_a_plan_still_renders_and_says_so(client: TestClient, tmp_path: Path) -> None:
    cid = _consultation(client)
    text = _pdf_text(client.get(f"/clinic/consultations/{cid}/report.pdf").content, tmp_path)
    assert "No plan has been saved" in text


def test_exporting_the_report_is_audited_as_an_export(client: TestClient) -> None:
    from tests_web_support import log_in_api

    cid = _consultation(client)
    assert client.get(f"/clinic/consultations/{cid}/report.pdf").status_code == 200
    client.cookies.clear()
    log_in_api(client, "root", "admin")
    entries = client.get("/api/audit").json()
    exports = [(e["actor"], e["entity"], e["entity_id"]) for e in entries if e["action"] == "export"]
    assert exports == [("dr", "consultation", str(cid))]


def test_the_report_is_for_clinicians_only(client: TestClient) -> None:
    response = client.get("/clinic/consultations/1/report.pdf", follow_redirects=False)
    assert response.status_code == 303 and "/clinic/login" in response.headers["location"]


def test_the_report_is_tagged_and_compares_what_might_improve(client: TestClient, tmp_path: Path) -> None:
    cid = _consultation(client)
    pdf = client.get(f"/clinic/consultations/{cid}/report.pdf").content
    assert "What might improve?" in _pdf_text(pdf, tmp_path)
    info = subprocess.run(["pdfinfo", str(tmp_path / "report.pdf")], capture_output=True, text=True, check=True)
    assert "Tagged:          yes" in info.stdout


def test_the_report_grid_prints_a_cell_made_of_a_list_once(client: TestClient) -> None:
    from rejuv.web.routers.report_pages import said_once

    state = client.app.state.rejuv  # type: ignore[attr-defined]
    shared = state.advisor.compare(None)
    shown = {row["id"]: row["cells"] for row in said_once(shared)["rows"]}
    for row in ("procedure", "benefits"):
        for cell in shown[row].values():
            assert cell["text"] == "" and cell["items"]  # the items alone: the text only joined them
    for cell in shown["common_side_effects"].values():
        assert cell["text"] and cell["items"]  # a summary of its list is kept
    assert all(r["cells"]["mesotherapy"]["text"] for r in shared["rows"])  # the shared comparison is untouched


def test_every_citation_in_the_report_is_a_number_with_an_entry_in_its_sources(
    client: TestClient, tmp_path: Path
) -> None:
    """Findings and plan warnings cite like the grid does: "[n]", listed under Sources (no raw keys)."""
    import re

    from tests_web_support import HYDRATION

    smoker = {**HYDRATION, "history": {**HYDRATION["history"], "cigarettes_per_day": 25}}  # a cited finding
    cid = _consultation(client, smoker)
    assert _plan(client, cid, sessions="9").status_code == 303  # outside the cited range: a cited warning
    text = _pdf_text(client.get(f"/clinic/consultations/{cid}/report.pdf").content, tmp_path)
    assert "9 sessions are outside" in text and "Why it matters:" in text
    assert not re.findall(r"\[[^\]\d][^\]]*\]", text), "a citation printed as a key instead of a number"
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", text.split("Sources")[0])}
    listed = text.rsplit("Sources", 1)[1]
    assert cited and all(f"{n}. " in listed or f"{n} " in listed for n in cited)


def test_a_source_gone_from_the_knowledge_base_keeps_its_number_and_is_named(
    client: TestClient, tmp_path: Path
) -> None:
    """A consultation saved under an older knowledge version may cite a source the current one lacks."""
    from rejuv.storage.tables import ConsultationRow

    cid = _consultation(client)
    state = client.app.state.rejuv  # type: ignore[attr-defined]
    with state.session_factory() as session:
        row = session.get(ConsultationRow, cid)
        recommendation = dict(row.recommendation)
        options = [dict(o) for o in recommendation["options"]]
        options[0]["reasons"] = [{"rule": "old", "text": "An older reason.", "citations": ["retired_source_2019"]}]
        row.recommendation = {**recommendation, "options": options}
        session.commit()
    text = _pdf_text(client.get(f"/clinic/consultations/{cid}/report.pdf").content, tmp_path)
    assert "not in the knowledge base in use now" in text and "retired_source_2019" in text
