"""Every `rejuv` command and every error path, driven through the real Typer app in-process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

from rejuv import __version__
from rejuv.cli.main import app

from tests.conftest import SHARED_EXAMPLES

runner = CliRunner()
EXAMPLES = sorted(p for p in SHARED_EXAMPLES.glob("*.json") if p.name != "expected.json")
EXPECTED = json.loads((SHARED_EXAMPLES / "expected.json").read_text())


def invoke(*args: str, input: str | None = None) -> Any:
    return runner.invoke(app, list(args), input=input, env={"COLUMNS": "200"})


def test_version_prints_the_package_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"rejuv {__version__}"


def test_no_arguments_shows_help_with_every_command() -> None:
    result = invoke()
    for command in ("compare", "recommend", "treatments", "kb"):
        assert command in result.output


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_recommend_json_prints_the_contract_with_the_expected_decision(
    example: Path, recommendation_schema: dict[str, Any]
) -> None:
    result = invoke("recommend", "--input", str(example), "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    jsonschema.validate(document, recommendation_schema)
    assert document["decision"] == EXPECTED[example.name]


def test_recommend_reads_standard_input_when_given_a_dash() -> None:
    text = (SHARED_EXAMPLES / "pregnancy.json").read_text()
    result = invoke("recommend", "--input", "-", "--json", input=text)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["decision"] == "refer"


def test_recommend_readable_output_explains_the_decision_findings_questions_and_who_decides() -> None:
    result = invoke("recommend", "--input", str(SHARED_EXAMPLES / "pregnancy.json"))
    assert result.exit_code == 0
    out = result.stdout
    assert "Neither treatment now" in out
    assert "pregnant" in out.lower()
    assert "Questions to ask your clinician" in out
    assert "How rejuv reached this" in out
    assert "qualified professional" in out
    assert "filler_contraindications" in out  # citations are shown


def test_recommend_readable_output_shows_the_parameters_a_rule_read(tmp_path: Path) -> None:
    intake = {
        "schema_version": "1",
        "patient": {"age": 40, "sex": "male"},
        "concerns": [{"id": "texture"}],
        "history": {"labs": {"platelets_per_ul": 99_999}},
    }
    path = tmp_path / "intake.json"
    path.write_text(json.dumps(intake))
    out = invoke("recommend", "--input", str(path)).stdout
    assert "prp_min_platelets_per_ul = 100000 per_ul" in out
    assert "99,999/µL" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"schema_version": "1", "patient": {"age": "forty"}, "concerns": [{"id": "dullness"}]}', "patient.age"),
        ('{"schema_version": "1", "patient": {"age": 40}, "concerns": [{"id": "wrinkle"}]}', "concerns.0.id"),
        ('{"schema_version": "1", "patient": {"age": 40}, "concerns": [], "x": 1}', "x: is not a field"),
    ],
)
def test_a_bad_intake_exits_2_naming_the_field(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    result = invoke("recommend", "--input", str(path))
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_a_missing_input_file_exits_2() -> None:
    result = invoke("recommend", "--input", "no-such-file.json")
    assert result.exit_code == 2
    assert "no such file" in result.stderr


@pytest.mark.parametrize("args", [[], ["--input", "x.json", "--interactive"]])
def test_recommend_needs_exactly_one_source(args: list[str]) -> None:
    result = invoke("recommend", *args)
    assert result.exit_code == 2
    assert "exactly one of --input FILE and --interactive" in result.stderr


def test_compare_table_has_every_question_and_both_options() -> None:
    result = invoke("compare")
    assert result.exit_code == 0
    for text in ("Mesotherapy", "Platelet-rich plasma", "How many sessions?", "How good is the evidence?", "Very low"):
        assert text in result.stdout


def test_compare_markdown_lists_the_sources() -> None:
    result = invoke("compare", "--format", "markdown")
    assert result.exit_code == 0
    assert result.stdout.startswith("| Question | Mesotherapy | Platelet-rich plasma (PRP) |")
    assert "## Sources" in result.stdout
    assert "alam2018prp" in result.stdout


def test_compare_json_cites_every_cell_and_resolves_the_citations() -> None:
    result = invoke("compare", "prp", "mesotherapy", "--format", "json")
    document = json.loads(result.stdout)
    assert [t["id"] for t in document["treatments"]] == ["prp", "mesotherapy"]
    assert "qualified professional" in document["disclaimer"]
    for row in document["rows"]:
        for cell in row["cells"].values():
            assert cell["citations"]
            assert set(cell["citations"]) <= set(document["citations"])


def test_compare_an_unknown_treatment_exits_2() -> None:
    result = invoke("compare", "botox")
    assert result.exit_code == 2
    assert "unknown treatment botox (allowed: mesotherapy, prp)" in result.stderr


def test_compare_an_unknown_format_exits_2() -> None:
    result = invoke("compare", "--format", "pdf")
    assert result.exit_code == 2
    assert "table" in result.output and "markdown" in result.output


def test_treatments_list_names_both_with_evidence_and_review_dates() -> None:
    result = invoke("treatments", "list", "--json")
    rows = json.loads(result.stdout)
    assert {r["id"]: r["evidence_certainty"] for r in rows} == {"mesotherapy": "very_low", "prp": "low"}
    assert all(r["next_review"] > r["reviewed_on"] for r in rows)
    assert "evidence: very low" in invoke("treatments", "list").stdout


def test_treatments_show_gives_the_indications() -> None:
    result = invoke("treatments", "show", "prp")
    assert result.exit_code == 0
    assert "Primary indications" in result.stdout
    entry = json.loads(invoke("treatments", "show", "prp", "--json").stdout)
    assert entry["id"] == "prp"
    assert "volume_loss" in entry["indications"]["primary"]


def test_treatments_show_an_unknown_id_exits_2() -> None:
    result = invoke("treatments", "show", "laser")
    assert result.exit_code == 2
    assert "unknown treatment 'laser'" in result.stderr


def test_kb_check_on_a_folder_that_does_not_exist_fails(tmp_path: Path) -> None:
    result = invoke("kb", "check", "--path", str(tmp_path / "nowhere"))
    assert result.exit_code == 1
    assert "not a directory" in result.stderr


# Answers in the order the questionnaire asks; blank lines skip ("I don't know").
INTERACTIVE_ANSWERS = [
    "thirty",  # not a number: asked again
    "52",  # age
    "1",  # sex: female
    "",  # Fitzpatrick: skip
    "3",  # Glogau III
    "volume_loss, 3",  # concerns: volume_loss and deep_wrinkles (3rd in the list)
    "moderate",  # severity of volume loss
    "cheek",  # zones of volume loss
    "",  # severity of deep wrinkles: skip
    "",  # zones: skip
    "3",  # max downtime days
    "ok",  # blood draw
    "y",  # autologous only
    "2",  # visits: fewer_visits
    "",  # budget: skip
    "none",  # leaning
    "realistic",  # expectations
    "n",  # pregnant
    "n",  # breastfeeding
    "none",  # conditions
    "y",  # takes medicines
    "nsaid",  # class
    "ibuprofen",  # name
    "current",  # status
    "y",  # can pause
    "n",  # another medicine
    "255000",  # platelets
    "13.2",  # haemoglobin
    "",  # HbA1c
    "",  # INR
    "none",  # allergies
    "0",  # cigarettes
    "n",  # recent procedures
]


def test_the_interactive_questionnaire_builds_a_valid_intake_and_saves_it(tmp_path: Path) -> None:
    intake_file, result_file = tmp_path / "intake.json", tmp_path / "result.json"
    answers = [*INTERACTIVE_ANSWERS, str(intake_file), str(result_file)]
    result = invoke("recommend", "--interactive", input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    assert "Please type a whole number" in result.stdout
    intake = json.loads(intake_file.read_text())
    assert intake["patient"] == {"age": 52, "sex": "female", "glogau": "III"}
    assert intake["concerns"][0] == {"id": "volume_loss", "severity": "moderate", "zones": ["cheek"]}
    assert intake["history"]["medications"] == [
        {"class": "nsaid", "name": "ibuprofen", "status": "current", "can_pause": True}
    ]
    assert "fitzpatrick" not in intake["patient"]  # skipped means unknown, not a default
    saved = json.loads(result_file.read_text())
    assert saved["decision"] == "prp"
    assert "nsaid_pausable" in {f["rule"] for f in saved["findings"]}
    assert "PRP fits best now" in result.stdout
