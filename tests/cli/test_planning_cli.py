"""The planning commands, driven in-process through Typer: output shapes, files written, and bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar
from typer.testing import CliRunner

from rejuv.cli.main import app

runner = CliRunner()


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args), env={"COLUMNS": "200"})


def test_prp_rpm_json_gives_about_1638_rpm_for_300_g_on_a_10_cm_rotor() -> None:
    result = invoke("prp", "rpm", "--radius-cm", "10", "--rcf", "300", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"rpm": pytest.approx(1638.1, abs=0.1)}


def test_prp_rcf_json_gives_the_force_for_a_speed() -> None:
    result = invoke("prp", "rcf", "--radius-cm", "10", "--rpm", "1500", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"rcf": pytest.approx(251.6, abs=0.1)}


def test_prp_rpm_without_json_prints_a_sentence() -> None:
    result = invoke("prp", "rpm", "--radius-cm", "10", "--rcf", "300")
    assert result.stdout.strip() == "1,638 rpm gives 300 × g at 10 cm"


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["prp", "rpm", "--radius-cm", "-2", "--rcf", "300"], "--radius-cm"),
        (["prp", "rcf", "--radius-cm", "10", "--rpm", "0"], "--rpm"),
        (["prp", "protocol", "--spin", "fast"], "--spin"),
        (["prp", "protocol", "--anticoagulant", "heparin"], "--anticoagulant"),
        (
            ["prp", "assess", "--baseline-plt", "250000", "--prp-plt", "1e6", "--blood-ml", "20", "--prp-ml", "30"],
            "--prp-ml",
        ),
        (["chart", "--zones", "cheek,ear", "--technique", "papule"], "--zones"),
        (["chart", "--zones", "cheek", "--technique", "papule", "--spacing-mm", "0"], "--spacing-mm"),
        (["chart", "--zones", "glabella", "--technique", "prp_microdepot", "--allow-glabella"], "--allow-glabella"),
        (["chart", "--zones", "cheek", "--technique", "papule", "--out", "chart.txt"], "--out"),
        (["plan", "sessions", "--treatment", "prp", "--start", "01/03/2025"], "--start"),
        (["plan", "sessions", "--treatment", "prp", "--start", "2025-03-01", "--sessions", "0"], "--sessions"),
        (
            [
                "plan",
                "cocktail",
                "--product",
                "ncha_10",
                "--volume-ml",
                "2",
                "--lot",
                "A",
                "--expiry",
                "2030-01-01",
                "--allergy",
                "pollen",
            ],
            "--allergy",
        ),
    ],
)
def test_bad_input_exits_2_with_a_message_naming_the_option(args: list[str], option: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert option in result.stderr
    assert "Traceback" not in result.output


def test_chart_json_lists_points_with_their_fields_and_totals() -> None:
    result = invoke("chart", "--zones", "cheek,forehead", "--technique", "papule", "--spacing-mm", "10", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    points = document["points"]
    assert points
    for point in points:
        assert {"zone", "side", "x_mm", "y_mm", "depth_mm", "volume_ml", "technique"} <= set(point)
        assert point["zone"] in {"cheek", "forehead"}
    assert document["totals"]["count"] == len(points)
    assert document["totals"]["volume_ml"] == pytest.approx(sum(p["volume_ml"] for p in points))


@pytest.mark.parametrize("suffix", [".svg", ".png"])
def test_chart_out_writes_the_drawing_in_the_format_its_name_asks_for(tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"chart{suffix}"
    result = invoke("chart", "--zones", "cheek", "--technique", "nappage", "--out", str(out))
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(b"<svg") if suffix == ".svg" else data.startswith(b"\x89PNG")


def test_plan_sessions_writes_an_ics_that_parses_and_prints_json(tmp_path: Path) -> None:
    ics = tmp_path / "plan.ics"
    result = invoke("plan", "sessions", "--treatment", "prp", "--start", "2025-03-03", "--ics", str(ics), "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    events = Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    assert [str(e.decoded("dtstart")) for e in events] == [v["date"] for v in document["visits"]]
    assert document["visits"][0]["date"] == "2025-03-03"


def test_plan_sessions_outside_the_range_warns_but_plans() -> None:
    result = invoke("plan", "sessions", "--treatment", "mesotherapy", "--start", "2025-03-03", "--sessions", "9")
    assert result.exit_code == 0, result.output
    assert "outside the knowledge base's" in result.stdout


def test_prp_assess_json_reports_the_classes_and_which_depa_bands_are_unverified() -> None:
    result = invoke(
        "prp",
        "assess",
        "--baseline-plt",
        "250000",
        "--prp-plt",
        "1200000",
        "--blood-ml",
        "20",
        "--prp-ml",
        "3",
        "--prp-wbc",
        "1000",
        "--prp-rbc",
        "50000",
        "--baseline-wbc",
        "6000",
        "--json",
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["depa"]["code"] == "BBA-none"
    assert document["depa_unverified_axes"] == ["dose", "efficiency"]
    assert document["paw"] == "P3-B"


def test_prp_protocol_json_gives_rpm_for_each_spin() -> None:
    result = invoke("prp", "protocol", "--radius-cm", "10", "--spin", "300x10", "--spin", "700x15", "--json")
    assert result.exit_code == 0, result.output
    assert [s["rpm"] for s in json.loads(result.stdout)["spins"]] == [1638, 2502]


def test_plan_cocktail_json_blocks_a_cocktail_the_person_is_allergic_to() -> None:
    result = invoke(
        "plan",
        "cocktail",
        "--product",
        "ha_booster_lidocaine",
        "--volume-ml",
        "1",
        "--lot",
        "L7",
        "--expiry",
        "2030-01-01",
        "--date",
        "2025-06-01",
        "--allergy",
        "local_anaesthetic",
        "--json",
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["blocked"] is True
    assert document["conflicts"][0]["ingredient"] == "lidocaine"


@pytest.mark.parametrize(
    "command",
    [
        ["prp", "rpm"],
        ["prp", "rcf"],
        ["prp", "assess"],
        ["prp", "protocol"],
        ["chart"],
        ["plan", "sessions"],
        ["plan", "cocktail"],
    ],
)
def test_every_planning_command_has_a_one_line_help(command: list[str]) -> None:
    result = invoke(*command, "--help")
    assert result.exit_code == 0
    lines = [line.strip() for line in result.stdout.splitlines() if line.strip()]
    assert lines[1][0].isupper() and lines[1].endswith(".")  # the summary line after "Usage: ..."


def test_plan_cocktail_without_allergies_says_they_were_not_checked_rather_than_no_conflict() -> None:
    common = ("plan", "cocktail", "--product", "ncha_10", "--volume-ml", "2", "--lot", "L7", "--expiry", "2030-01-01")
    unchecked = invoke(*common)
    assert unchecked.exit_code == 0, unchecked.output
    assert "not checked" in unchecked.stdout and "No allergy conflict" not in unchecked.stdout
    checked = invoke(*common, "--allergy", "vitamins")
    assert checked.exit_code == 0 and "No allergy conflict or expired product found." in checked.stdout
    none = invoke(*common, "--no-allergy")
    assert none.exit_code == 0 and "No allergy conflict or expired product found." in none.stdout
    assert json.loads(invoke(*common, "--json").stdout)["allergies_recorded"] is False
    assert json.loads(invoke(*common, "--no-allergy", "--json").stdout)["allergies_recorded"] is True
    both = invoke(*common, "--no-allergy", "--allergy", "vitamins")
    assert both.exit_code == 2 and "--no-allergy" in both.output


def test_plan_cocktail_refuses_a_volume_that_must_be_a_typing_error() -> None:
    result = invoke(
        "plan", "cocktail", "--product", "ncha_10", "--volume-ml", "500", "--lot", "L7", "--expiry", "2030-01-01"
    )
    assert result.exit_code == 2
    assert "--volume-ml" in result.output and "between 0.01 and 10 mL, got 500" in result.output


@pytest.mark.parametrize(
    ("prp_ml", "message"),
    [
        ("5000", "--prp-ml: must be between 0.01 and 1,000 mL, got 5,000. This is a plausibility limit"),
        ("0", "--prp-ml: must be a positive number, got 0"),
    ],
)
def test_prp_assess_refuses_a_prp_volume_outside_the_knowledge_base_limit(prp_ml: str, message: str) -> None:
    result = invoke(
        "prp", "assess", "--baseline-plt", "250000", "--prp-plt", "1e6", "--blood-ml", "20", "--prp-ml", prp_ml
    )
    assert result.exit_code == 2, result.output
    assert message in result.stderr
