"""Clinical scenarios: expected behaviour written as YAML cases and run by pytest.

Each ``tests/scenarios/*.yaml`` file is a list of cases. Every case becomes one test item named by its
``name`` sentence, so ``pytest tests/scenarios -k "Pregnancy"`` picks cases by what they say::

    - name: Pregnancy puts both treatments on hold and refers the patient
      intake: {schema_version: "1", patient: {age: 33, sex: female}, concerns: [{id: dullness}],
               history: {pregnant: true}}
      expect:
        decision: refer                                      # required
        options: {mesotherapy: not_now, prp: not_now}        # status per treatment
        findings: [pregnancy]                                # rule ids that must be among the findings
        absent_findings: [breastfeeding]                     # rule ids that must not be among them
        finding_treatments: {pregnancy: [mesotherapy, prp]}  # exact set of treatments a finding names
        addresses: {mesotherapy: [dullness]}                 # exact set of concern ids an option addresses
        reasons: {prp: [decision_primary_only]}              # rule ids that must be among an option's reasons

The cases are an oracle written from the decision policy (``shared/domain/clinical-facts.md`` section 10),
independently of the engine's code. So that they cannot drift from the contracts or rot silently:

* every case's intake is validated against ``contracts/intake.schema.json`` before the engine sees it;
* every recommendation the engine produces is validated against ``contracts/recommendation.schema.json``;
* unknown keys (in a case or in its ``expect``), duplicate keys, unknown treatments, statuses, decisions,
  concern ids and rule ids are refused: a typo fails its case instead of passing silently.

When a finding rule appears more than once (``allergy_to_component`` once for each treatment),
``finding_treatments`` compares the union of the treatments those findings name.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from rejuv.knowledge.loader import load_knowledge_base

REPO_ROOT = Path(__file__).resolve().parents[2]
CONTRACTS_DIR = REPO_ROOT / "src" / "rejuv" / "contracts"
SCENARIOS_DIR = Path(__file__).resolve().parent

TREATMENTS = frozenset({"mesotherapy", "prp"})
DECISIONS = frozenset({"mesotherapy", "prp", "either", "refer"})
STATUSES = frozenset({"recommended", "suitable", "caution", "not_now", "excluded"})
# The concern ids of the intake contract itself, so the scenarios cannot drift from it.
CONCERNS = frozenset(
    json.loads((CONTRACTS_DIR / "intake.schema.json").read_text(encoding="utf-8"))["properties"]["concerns"]["items"][
        "properties"
    ]["id"]["enum"]
)

# The rule ids cases may name: every rule of the shipped knowledge base. A misspelt id in `absent_findings`
# would otherwise always pass.
FINDING_RULES = frozenset(rule.id for rule in load_knowledge_base().rules)
DECISION_REASONS = frozenset({"decision_leaning", "decision_primary_only", "decision_preference", "decision_either"})
FIT_REASONS = frozenset({"fit_no_concern_addressed"})
REASON_RULES = FINDING_RULES | DECISION_REASONS | FIT_REASONS

CASE_KEYS = frozenset({"name", "intake", "expect"})
EXPECT_KEYS = frozenset(
    {"decision", "options", "findings", "absent_findings", "finding_treatments", "addresses", "reasons"}
)


# --------------------------------------------------------------------------------------------------------
# Loading


class _StrictLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses duplicate keys (a second ``findings:`` must not hide the first)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"found duplicate key {key!r}",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_cases(path: Path) -> list[tuple[int, Any]]:
    """Return ``(line, case)`` for every case in a scenario file; raise ``ScenarioFileError`` if unusable."""
    with path.open(encoding="utf-8") as stream:  # a stream, so that YAML errors name the file
        return _load_cases(path, _StrictLoader(stream))


def _load_cases(path: Path, loader: _StrictLoader) -> list[tuple[int, Any]]:
    try:
        root = loader.get_single_node()
        if root is None:
            raise ScenarioFileError(f"{path}: the file is empty; it must be a list of cases")
        if not isinstance(root, yaml.SequenceNode):
            kind = "mapping" if isinstance(root, yaml.MappingNode) else "scalar"
            raise ScenarioFileError(f"{path}: the file must be a list of cases, not a {kind}")
        lines = [item.start_mark.line + 1 for item in root.value]
        data = loader.construct_document(root)
    except yaml.YAMLError as exc:
        raise ScenarioFileError(f"{path}: invalid YAML: {exc}") from exc
    finally:
        loader.dispose()
    return list(zip(lines, data, strict=True))


@functools.cache
def _schema_validator(filename: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((CONTRACTS_DIR / filename).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@functools.cache
def _knowledge_base() -> Any:
    """Load the knowledge base once per test session (imported lazily: collection must not need it)."""
    from rejuv.knowledge.loader import load_knowledge_base

    return load_knowledge_base()


def _schema_errors(filename: str, document: Any) -> list[str]:
    errors = sorted(_schema_validator(filename).iter_errors(document), key=lambda e: list(e.absolute_path))
    return [f"{e.json_path}: {e.message}" for e in errors]


# --------------------------------------------------------------------------------------------------------
# Checking the shape of a case (before the engine runs)


def _string_list(value: Any, where: str, allowed: frozenset[str], kind: str) -> list[str]:
    problems: list[str] = []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return [f"{where}: must be a list of {kind} ids, got {value!r}"]
    problems += [f"{where}: unknown {kind} {v!r}" for v in value if v not in allowed]
    if len(set(value)) != len(value):
        problems.append(f"{where}: lists an id twice: {value!r}")
    return problems


def _treatment_map(value: Any, where: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{where}: must be a mapping keyed by treatment, got {value!r}"]
    return [f"{where}: unknown treatment {t!r}" for t in value if t not in TREATMENTS]


def case_problems(case: Any) -> list[str]:
    """Everything wrong with the shape of a case; empty when the case is well formed."""
    if not isinstance(case, dict):
        return [f"a case must be a mapping with keys {sorted(CASE_KEYS)}, got {case!r}"]
    problems = [f"unknown key {k!r} in case (allowed: {sorted(CASE_KEYS)})" for k in case if k not in CASE_KEYS]
    problems += [f"missing key {k!r}" for k in sorted(CASE_KEYS) if k not in case]
    name = case.get("name")
    if "name" in case and (not isinstance(name, str) or not name.strip()):
        problems.append(f"name: must be a non-empty sentence, got {name!r}")
    if "intake" in case and not isinstance(case["intake"], dict):
        problems.append(f"intake: must be a mapping, got {case['intake']!r}")
    expect = case.get("expect")
    if "expect" not in case:
        return problems
    if not isinstance(expect, dict):
        return [*problems, f"expect: must be a mapping, got {expect!r}"]

    problems += [
        f"unknown key {k!r} in expect (allowed: {sorted(EXPECT_KEYS)})" for k in expect if k not in EXPECT_KEYS
    ]
    if "decision" not in expect:
        problems.append("expect.decision is required")
    elif expect["decision"] not in DECISIONS:
        problems.append(f"expect.decision: {expect['decision']!r} is not one of {sorted(DECISIONS)}")

    if "options" in expect:
        problems += _treatment_map(expect["options"], "expect.options")
        if isinstance(expect["options"], dict):
            problems += [
                f"expect.options.{t}: unknown status {s!r}" for t, s in expect["options"].items() if s not in STATUSES
            ]
    for key in ("findings", "absent_findings"):
        if key in expect:
            problems += _string_list(expect[key], f"expect.{key}", FINDING_RULES, "finding rule")
    if isinstance(expect.get("findings"), list) and isinstance(expect.get("absent_findings"), list):
        both = sorted(set(expect["findings"]) & set(expect["absent_findings"]))
        if both:
            problems.append(f"expect: {both} listed both in findings and absent_findings")

    if "finding_treatments" in expect:
        value = expect["finding_treatments"]
        if not isinstance(value, dict):
            problems.append(f"expect.finding_treatments: must be a mapping keyed by rule id, got {value!r}")
        else:
            for rule, treatments in value.items():
                if rule not in FINDING_RULES:
                    problems.append(f"expect.finding_treatments: unknown finding rule {rule!r}")
                problems += _string_list(treatments, f"expect.finding_treatments.{rule}", TREATMENTS, "treatment")
    if "addresses" in expect:
        problems += _treatment_map(expect["addresses"], "expect.addresses")
        if isinstance(expect["addresses"], dict):
            for treatment, concerns in expect["addresses"].items():
                problems += _string_list(concerns, f"expect.addresses.{treatment}", CONCERNS, "concern")
    if "reasons" in expect:
        problems += _treatment_map(expect["reasons"], "expect.reasons")
        if isinstance(expect["reasons"], dict):
            for treatment, rules in expect["reasons"].items():
                problems += _string_list(rules, f"expect.reasons.{treatment}", REASON_RULES, "reason rule")
    return problems


# --------------------------------------------------------------------------------------------------------
# Comparing a recommendation with what a case expects


def _options_by_treatment(recommendation: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {o.get("treatment"): o for o in recommendation.get("options", []) if isinstance(o, Mapping)}


def _finding_rules(recommendation: Mapping[str, Any]) -> list[str]:
    return [f.get("rule") for f in _findings(recommendation)]


def _findings(recommendation: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [f for f in recommendation.get("findings", []) if isinstance(f, Mapping)]


def compare(expect: Mapping[str, Any], recommendation: Mapping[str, Any]) -> list[str]:
    """Every way the recommendation differs from the expectation; empty when it meets it."""
    differences: list[str] = []
    options = _options_by_treatment(recommendation)
    found = set(_finding_rules(recommendation))

    actual_decision = recommendation.get("decision")
    if actual_decision != expect["decision"]:
        differences.append(f"decision: expected {expect['decision']}, got {actual_decision}")

    for treatment, status in expect.get("options", {}).items():
        if treatment not in options:
            differences.append(f"options.{treatment}: expected status {status}, but there is no such option")
        elif options[treatment].get("status") != status:
            differences.append(f"options.{treatment}: expected status {status}, got {options[treatment].get('status')}")

    missing = [rule for rule in expect.get("findings", []) if rule not in found]
    if missing:
        differences.append(f"findings: expected {missing} among the findings, but they are missing")
    unwanted = [rule for rule in expect.get("absent_findings", []) if rule in found]
    if unwanted:
        differences.append(f"absent_findings: expected no {unwanted}, but they are present")

    for rule, treatments in expect.get("finding_treatments", {}).items():
        named = {t for f in _findings(recommendation) if f.get("rule") == rule for t in f.get("treatments", [])}
        if rule not in found:
            differences.append(f"finding_treatments.{rule}: expected {sorted(treatments)}, but no such finding")
        elif named != set(treatments):
            differences.append(f"finding_treatments.{rule}: expected {sorted(treatments)}, got {sorted(named)}")

    for treatment, concerns in expect.get("addresses", {}).items():
        if treatment not in options:
            differences.append(f"addresses.{treatment}: expected {sorted(concerns)}, but there is no such option")
            continue
        actual = set(options[treatment].get("addresses", []))
        if actual != set(concerns):
            differences.append(f"addresses.{treatment}: expected {sorted(concerns)}, got {sorted(actual)}")

    for treatment, rules in expect.get("reasons", {}).items():
        if treatment not in options:
            differences.append(f"reasons.{treatment}: expected {rules}, but there is no such option")
            continue
        given = [r.get("rule") for r in options[treatment].get("reasons", []) if isinstance(r, Mapping)]
        absent = [rule for rule in rules if rule not in given]
        if absent:
            differences.append(f"reasons.{treatment}: expected {absent} among the reasons, got {given}")
    return differences


def summarise(recommendation: Mapping[str, Any]) -> str:
    options = _options_by_treatment(recommendation)
    statuses = ", ".join(f"{t}={o.get('status')}" for t, o in sorted(options.items(), key=lambda kv: str(kv[0])))
    findings = ", ".join(
        f"{f.get('rule')}({'/'.join(map(str, f.get('treatments', [])))})" for f in _findings(recommendation)
    )
    return f"actual: decision={recommendation.get('decision')}; {statuses}; findings=[{findings}]"


# --------------------------------------------------------------------------------------------------------
# pytest plumbing


class ScenarioFileError(Exception):
    """A scenario file that is not a list of cases (a collection error naming the file)."""


class ScenarioFailure(Exception):
    """A case whose shape, intake or outcome is wrong; the message says what differed."""


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if file_path.suffix in {".yaml", ".yml"} and file_path.parent == SCENARIOS_DIR:
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFile(pytest.File):
    def collect(self) -> Iterator[ScenarioItem]:
        try:
            cases = load_cases(self.path)
        except ScenarioFileError as exc:
            raise self.CollectError(str(exc)) from exc
        seen: dict[str, int] = {}
        for index, (line, case) in enumerate(cases, start=1):
            problems = case_problems(case)
            name = case.get("name") if isinstance(case, dict) else None
            if not isinstance(name, str) or not name.strip():
                name = f"case {index} (line {line}) without a name"
            if name in seen:
                problems.append(f"the name is already used by the case at line {seen[name]}")
                name = f"{name} (duplicate at line {line})"
            seen.setdefault(name, line)
            yield ScenarioItem.from_parent(self, name=name, case=case, line=line, problems=problems)


class ScenarioItem(pytest.Item):
    def __init__(self, *, case: Any, line: int, problems: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case
        self.line = line
        self.problems = problems

    def _where(self) -> str:
        relative = self.path.relative_to(REPO_ROOT) if self.path.is_relative_to(REPO_ROOT) else self.path
        return f"{relative}:{self.line}: case {self.name!r}"

    def runtest(self) -> None:
        if self.problems:
            raise ScenarioFailure("the case is malformed:\n" + "\n".join(f"  {p}" for p in self.problems))
        intake_errors = _schema_errors("intake.schema.json", self.case["intake"])
        if intake_errors:
            raise ScenarioFailure(
                "the intake is not valid against intake.schema.json:\n" + "\n".join(f"  {e}" for e in intake_errors)
            )

        from rejuv.domain.intake import parse_intake
        from rejuv.engine import recommend

        recommendation = recommend(parse_intake(self.case["intake"]), _knowledge_base()).to_dict()

        failures = [
            f"recommendation.schema.json: {e}" for e in _schema_errors("recommendation.schema.json", recommendation)
        ]
        failures += compare(self.case["expect"], recommendation)
        if failures:
            raise ScenarioFailure("\n".join(f"  {f}" for f in failures) + "\n  " + summarise(recommendation))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ScenarioFailure):
            return f"{self._where()}\n{excinfo.value}"
        return f"{self._where()}: the engine raised\n{super().repr_failure(excinfo, style=style)}"

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.line - 1, f"{self.path.name}::{self.name}"
