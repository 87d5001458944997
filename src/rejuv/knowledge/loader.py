"""Walk `knowledge/data/` and build one immutable, content-hashed KnowledgeBase.

The loader is deliberately unforgiving. Every problem is collected (not just the first) and reported as
`file: key.path: message`, because the people who edit these files are clinicians reviewing content, and a
list of everything wrong is kinder than a fix-one-rerun loop. Structural checks come from the pydantic
schema; the loader adds the checks that need the whole base: unique ids, resolved citations, known
parameters, treatments, concerns, zones and allergy ids.

`planning/` holds the planning core's data, which has its own loader; it is hashed here so that the
knowledge_version changes when any reviewed file changes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar, get_args

from pydantic import BaseModel, ValidationError

from rejuv.domain.errors import KnowledgeError
from rejuv.domain.intake import AllergyId, ConcernId, ZoneId
from rejuv.knowledge.schema import (
    Citation,
    ComparisonFile,
    ComparisonRow,
    Concern,
    ConcernFile,
    Parameter,
    ParameterValue,
    Rule,
    RuleFile,
    Treatment,
    Zone,
    ZoneFile,
)
from rejuv.knowledge.yaml_strict import DuplicateKeyError, load_yaml

DATA_DIR = Path(__file__).parent / "data"
_TOP_LEVEL_FILES = {"parameters.yaml", "concerns.yaml", "zones.yaml", "comparison.yaml"}
_DIRECTORIES = {"citations", "rules", "treatments", "planning"}

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class KnowledgeBase:
    """Everything the engine knows, read-only. `version` is a hash of every data file's bytes."""

    version: str
    root: Path
    as_of: dt.date
    citations: Mapping[str, Citation]
    parameters: Mapping[str, Parameter]
    rules: tuple[Rule, ...]
    treatments: Mapping[str, Treatment]
    concerns: Mapping[str, Concern]
    zones: Mapping[str, Zone]
    comparison: tuple[ComparisonRow, ...]
    # Derived data the engine caches per base (compiled rules); excluded from equality and repr.
    cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def parameter_value(self, parameter_id: str) -> ParameterValue:
        """The value of a parameter in force on the base's `as_of` date."""
        return self.parameters[parameter_id].value_at(self.as_of)

    @property
    def reviewed_on(self) -> dt.date:
        return min(t.reviewed_on for t in self.treatments.values())

    @property
    def next_review(self) -> dt.date:
        return min(t.next_review for t in self.treatments.values())


def load_knowledge_base(path: Path | None = None, *, as_of: dt.date | None = None) -> KnowledgeBase:
    """Load and validate the base at `path` (the shipped data by default). Raises KnowledgeError."""
    root = (path or DATA_DIR).resolve()
    problems: list[str] = []
    collector = _Collector(root, problems)
    if not root.is_dir():
        raise KnowledgeError([f"{root}: not a directory"])

    for entry in sorted(root.iterdir()):
        name = entry.name
        if entry.is_dir() and name not in _DIRECTORIES:
            problems.append(f"{name}/: unknown folder (allowed: {', '.join(sorted(_DIRECTORIES))})")
        elif entry.is_file() and name not in _TOP_LEVEL_FILES:
            problems.append(f"{name}: unknown file (allowed: {', '.join(sorted(_TOP_LEVEL_FILES))})")

    citations = collector.keyed_files("citations", Citation)
    parameters = collector.keyed_file("parameters.yaml", Parameter)
    rules = collector.list_files("rules", RuleFile, lambda f: f.rules, lambda r: r.id)
    treatments = collector.treatments()
    concerns = collector.listed_file("concerns.yaml", ConcernFile, lambda f: f.concerns, lambda c: c.id)
    zones = collector.listed_file("zones.yaml", ZoneFile, lambda f: f.zones, lambda z: z.id)
    comparison = collector.listed_file("comparison.yaml", ComparisonFile, lambda f: f.rows, lambda r: r.id)

    _check_contract_ids(problems, "concerns.yaml", set(concerns), set(get_args(ConcernId)), "concern")
    _check_contract_ids(problems, "zones.yaml", set(zones), set(get_args(ZoneId)), "zone")
    _check_references(collector, citations, parameters, rules, treatments, concerns)

    if problems:
        raise KnowledgeError(problems)
    return KnowledgeBase(
        version=_content_hash(root),
        root=root,
        as_of=as_of or dt.date.today(),
        citations=MappingProxyType(dict(citations)),
        parameters=MappingProxyType(dict(parameters)),
        rules=tuple(rule for rule, _where in rules.values()),
        treatments=MappingProxyType({k: t for k, (t, _where) in treatments.items()}),
        concerns=MappingProxyType({k: c for k, (c, _where) in concerns.items()}),
        zones=MappingProxyType({k: z for k, (z, _where) in zones.items()}),
        comparison=tuple(row for row, _where in comparison.values()),
    )


class _Collector:
    """Reads files and records problems; each method returns what it could validate."""

    def __init__(self, root: Path, problems: list[str]) -> None:
        self.root = root
        self.problems = problems
        # Where each citation reference appears: (file, key path, citation key).
        self.citation_refs: list[tuple[str, str, str]] = []
        # Treatment ids whose file exists but failed validation: not also reported as "unknown" elsewhere.
        self.invalid_treatments: set[str] = set()

    def _read(self, relative: str) -> Any:
        path = self.root / relative
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            self.problems.append(f"{relative}: required file is missing")
            return None
        try:
            return load_yaml(text)
        except DuplicateKeyError as exc:
            self.problems.append(f"{relative}: {exc}")
        except Exception as exc:  # any YAML syntax error: report it with its position, never a traceback
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}: " if mark is not None else ""
            self.problems.append(f"{relative}: {where}YAML syntax error: {getattr(exc, 'problem', exc)}")
        return None

    def _validate(self, relative: str, model: type[M], data: Any, prefix: str = "") -> M | None:
        try:
            parsed = model.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors():
                loc = ".".join(str(p) for p in (prefix, *err["loc"]) if p != "")
                self.problems.append(f"{relative}: {loc or '(top)'}: {_explain(err)}")
            return None
        self.citation_refs.extend((relative, f"{prefix}.{p}" if prefix else p, k) for p, k in _citations(parsed))
        return parsed

    def _files(self, folder: str) -> list[str]:
        directory = self.root / folder
        if not directory.is_dir():
            self.problems.append(f"{folder}/: required folder is missing")
            return []
        names = sorted(p.name for p in directory.iterdir())
        for name in names:
            if not name.endswith(".yaml"):
                self.problems.append(f"{folder}/{name}: unknown file (only .yaml files belong here)")
        return [f"{folder}/{n}" for n in names if n.endswith(".yaml")]

    def keyed_files(self, folder: str, model: type[M]) -> dict[str, M]:
        found: dict[str, M] = {}
        where: dict[str, str] = {}
        for relative in self._files(folder):
            for key, value in self._keyed(relative, model).items():
                if key in found:
                    self.problems.append(f"{relative}: {key}: duplicate id (also in {where[key]})")
                    continue
                found[key], where[key] = value, relative
        return found

    def keyed_file(self, relative: str, model: type[M]) -> dict[str, M]:
        return self._keyed(relative, model)

    def _keyed(self, relative: str, model: type[M]) -> dict[str, M]:
        data = self._read(relative)
        if data is None:
            return {}
        if not isinstance(data, dict):
            self.problems.append(f"{relative}: (top): must be a mapping of id to entry")
            return {}
        out: dict[str, M] = {}
        for key, value in data.items():
            parsed = self._validate(relative, model, value, prefix=str(key))
            if parsed is not None:
                out[str(key)] = parsed
        return out

    def listed_file(self, relative: str, model: type[M], items: Any, ident: Any) -> dict[str, tuple[Any, str]]:
        data = self._read(relative)
        parsed = self._validate(relative, model, data) if data is not None else None
        found: dict[str, tuple[Any, str]] = {}
        if parsed is None:
            return found
        for index, item in enumerate(items(parsed)):
            key = ident(item)
            if key in found:
                self.problems.append(f"{relative}: [{index}].id: duplicate id '{key}'")
                continue
            found[key] = (item, relative)
        return found

    def list_files(self, folder: str, model: type[M], items: Any, ident: Any) -> dict[str, tuple[Any, str]]:
        found: dict[str, tuple[Any, str]] = {}
        for relative in self._files(folder):
            for key, value in self.listed_file(relative, model, items, ident).items():
                if key in found:
                    self.problems.append(f"{relative}: {key}: duplicate id (also in {found[key][1]})")
                    continue
                found[key] = value
        return found

    def treatments(self) -> dict[str, tuple[Treatment, str]]:
        found: dict[str, tuple[Treatment, str]] = {}
        for relative in self._files("treatments"):
            data = self._read(relative)
            treatment = self._validate(relative, Treatment, data) if data is not None else None
            if treatment is None:
                self.invalid_treatments.add(Path(relative).stem)
                continue
            stem = Path(relative).stem
            if treatment.id != stem:
                self.problems.append(f"{relative}: id: '{treatment.id}' must match the file name '{stem}'")
                continue
            found[treatment.id] = (treatment, relative)
        if not found and not any(p.startswith("treatments/") for p in self.problems):
            self.problems.append("treatments/: at least one treatment is required")
        return found


def _check_contract_ids(problems: list[str], relative: str, have: set[str], want: set[str], kind: str) -> None:
    for missing in sorted(want - have):
        problems.append(f"{relative}: {missing}: the intake contract's {kind} id has no entry")
    for extra in sorted(have - want):
        problems.append(f"{relative}: {extra}: not a {kind} id of the intake contract")


def _check_references(
    collector: _Collector,
    citations: Mapping[str, Citation],
    parameters: Mapping[str, Parameter],
    rules: Mapping[str, tuple[Rule, str]],
    treatments: Mapping[str, tuple[Treatment, str]],
    concerns: Mapping[str, tuple[Concern, str]],
) -> None:
    problems = collector.problems
    for relative, path, key in collector.citation_refs:
        if key not in citations:
            problems.append(f"{relative}: {path}: unknown citation '{key}' (not in citations/)")
    for index, (rule, relative) in enumerate(rules.values()):
        for pid in rule.parameters:
            if pid not in parameters:
                problems.append(f"{relative}: {rule.id}.parameters: unknown parameter '{pid}' ({index})")
        if rule.treatments != "all":
            for tid in rule.treatments:
                if tid not in treatments and tid not in collector.invalid_treatments:
                    problems.append(f"{relative}: {rule.id}.treatments: unknown treatment '{tid}'")
    allergy_ids = set(get_args(AllergyId))
    for treatment, relative in treatments.values():
        for group, ids in (
            ("indications.primary", treatment.indications.primary),
            ("indications.secondary", treatment.indications.secondary),
        ):
            for cid in ids:
                if concerns and cid not in concerns:
                    problems.append(f"{relative}: {group}: unknown concern '{cid}'")
        for note in treatment.indications.notes:
            if concerns and note.name not in concerns:
                problems.append(f"{relative}: indications.notes: unknown concern '{note.name}'")
        for group, ids in (
            ("components.contains", treatment.components.contains),
            ("components.may_contain", treatment.components.may_contain),
        ):
            for aid in ids:
                if aid not in allergy_ids:
                    problems.append(f"{relative}: {group}: '{aid}' is not an allergy id of the intake contract")


def _citations(model: BaseModel, path: str = "") -> Iterator[tuple[str, str]]:
    """Every (key path, citation key) inside a validated model, however deeply nested."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        here = f"{path}.{name}" if path else name
        if name == "citations" and isinstance(value, list):
            for key in value:
                yield here, key
        else:
            yield from _walk(value, here)


def _walk(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, BaseModel):
        yield from _citations(value, path)
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _walk(item, f"{path}[{i}]")
    elif isinstance(value, dict):
        for k, item in value.items():
            yield from _walk(item, f"{path}.{k}")


def _explain(err: Any) -> str:
    kind = err["type"]
    loc = err["loc"]
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        if loc and loc[-1] == "unit":
            return "a number without a unit: add `unit`"
        return "required key is missing"
    if kind == "too_short" and loc and loc[-1] == "citations":
        return "needs at least one citation"
    if kind == "string_pattern_mismatch":
        return f"does not match the required pattern {err['ctx']['pattern']}"
    return str(err["msg"])


def _content_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(_data_files(root)):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return "kb-" + digest.hexdigest()[:16]


def _data_files(root: Path) -> Iterable[Path]:
    return (p for p in root.rglob("*.yaml") if p.is_file())
