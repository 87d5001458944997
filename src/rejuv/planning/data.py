"""Load and validate the planning YAML: techniques, face template, PRP parameters, cocktails, aftercare.

This is the only planning module that reads files. A broken file fails loudly with its path first, then the
key, like the knowledge base loader: a reviewer must never find that a typo silently changed a chart.
Duplicate YAML keys are refused because PyYAML would otherwise keep the last one without a word.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

import rejuv.knowledge
from rejuv.domain.errors import KnowledgeError
from rejuv.knowledge.schema import Citation, Statement
from rejuv.knowledge.yaml_strict import DuplicateKeyError, load_yaml
from rejuv.planning.schema import (
    AftercareFile,
    CocktailFile,
    CocktailInputLimits,
    CocktailProduct,
    FaceTemplate,
    PrpFile,
    PrpParameters,
    Technique,
    TechniqueFile,
    TemplateFile,
    TreatmentAftercare,
)

DATA_ROOT = Path(rejuv.knowledge.__file__).parent / "data"
PLANNING_FILES = ("techniques.yaml", "face_template.yaml", "prp.yaml", "cocktails.yaml", "aftercare.yaml")

Model = TypeVar("Model", bound=BaseModel)


@dataclass(frozen=True)
class PlanningData:
    techniques: Mapping[str, Technique]
    template: FaceTemplate
    prp: PrpParameters
    cocktails: Mapping[str, CocktailProduct]
    cocktail_allergy_rule: Statement
    cocktail_limits: CocktailInputLimits  # plausibility limits for typing errors, not clinical thresholds
    aftercare: Mapping[str, TreatmentAftercare]
    citations: Mapping[str, Citation]  # the ones defined in citations/planning.yaml only


def _read(path: Path) -> Any:
    try:
        return load_yaml(path.read_text(encoding="utf-8"))  # the knowledge base's loader: duplicate keys refused
    except OSError as error:
        raise KnowledgeError([f"{path}: cannot be read ({error.strerror})"]) from error
    except DuplicateKeyError as error:
        raise KnowledgeError([f"{path}: {error}"]) from error
    except yaml.YAMLError as error:
        raise KnowledgeError([f"{path}: not valid YAML: {error}"]) from error


def _parse(path: Path, model: type[Model]) -> Model:
    try:
        return model.model_validate(_read(path))
    except ValidationError as error:
        problems = [
            f"{path}: {'.'.join(str(p) for p in issue['loc']) or '(document)'}: {issue['msg']}"
            for issue in error.errors()
        ]
        raise KnowledgeError(problems) from error


def _parse_citations(path: Path) -> dict[str, Citation]:
    raw = _read(path)
    if not isinstance(raw, dict):
        raise KnowledgeError([f"{path}: (document): expected a mapping of citation key to citation"])
    citations: dict[str, Citation] = {}
    problems: list[str] = []
    for key, value in raw.items():
        try:
            citations[str(key)] = Citation.model_validate(value)
        except ValidationError as error:
            problems.extend(
                f"{path}: {key}.{'.'.join(str(p) for p in issue['loc'])}: {issue['msg']}" for issue in error.errors()
            )
    if problems:
        raise KnowledgeError(problems)
    return citations


def load_planning_data(root: Path | None = None) -> PlanningData:
    """Read `root/planning/*.yaml` and `root/citations/planning.yaml` (root: the packaged `data/`)."""
    base = root or DATA_ROOT
    folder = base / "planning"
    techniques = _parse(folder / "techniques.yaml", TechniqueFile).techniques
    template = _parse(folder / "face_template.yaml", TemplateFile).template
    prp = _parse(folder / "prp.yaml", PrpFile).prp
    cocktails = _parse(folder / "cocktails.yaml", CocktailFile)
    aftercare = _parse(folder / "aftercare.yaml", AftercareFile).aftercare
    citations = _parse_citations(base / "citations" / "planning.yaml")

    problems: list[str] = []
    technique_ids = {t.id for t in techniques}
    for exclusion in template.exclusions:
        unknown = sorted(set(exclusion.waivable_for) - technique_ids)
        if unknown:
            problems.append(f"{folder / 'face_template.yaml'}: exclusions.{exclusion.id}.waivable_for: {unknown}")
    treatment_ids: list[str] = [a.treatment for a in aftercare]
    for name, ids in (
        ("techniques.yaml", [t.id for t in techniques]),
        ("cocktails.yaml", [p.id for p in cocktails.products]),
        ("aftercare.yaml", treatment_ids),
    ):
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            problems.append(f"{folder / name}: duplicate ids {duplicates}")
    if problems:
        raise KnowledgeError(problems)

    return PlanningData(
        techniques={t.id: t for t in techniques},
        template=template,
        prp=prp,
        cocktails={p.id: p for p in cocktails.products},
        cocktail_allergy_rule=cocktails.allergy_rule,
        cocktail_limits=cocktails.input_limits,
        aftercare={a.treatment: a for a in aftercare},
        citations=citations,
    )


def _walk(value: object) -> Iterator[str]:
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            item = getattr(value, name)
            if name == "citations" and isinstance(item, list):
                yield from (str(key) for key in item)
            else:
                yield from _walk(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _walk(item)
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _walk(item)


def cited_keys(data: PlanningData) -> frozenset[str]:
    """Every citation key the planning files use, so a check can resolve them against the registry."""
    parts: list[object] = [
        list(data.techniques.values()),
        data.template,
        data.prp,
        list(data.cocktails.values()),
        data.cocktail_allergy_rule,
        data.cocktail_limits,
        list(data.aftercare.values()),
    ]
    return frozenset(_walk(parts))
