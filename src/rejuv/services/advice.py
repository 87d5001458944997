"""The decision aid's read side: recommendations, treatments, comparisons and review dates from the core.

`Advisor` is the one object the web shell holds for the knowledge base; it turns core objects into the
contract dictionaries so that routes never touch the engine directly and tests can swap the knowledge base.

Recommendations are computed afresh every time and never memoised. A memo keyed by the intake would keep
what people typed (pregnancy, conditions, medicines) in memory shared by everyone, and its timing would tell
a stranger whether a given intake had been submitted: the decision aid promises to store nothing. The engine
takes a fraction of a millisecond, so there is nothing worth that risk to save.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from rejuv.domain.intake import parse_intake
from rejuv.engine import recommend
from rejuv.engine.compare import compare
from rejuv.knowledge.loader import KnowledgeBase, load_knowledge_base
from rejuv.knowledge.schema import Treatment
from rejuv.services.errors import NotFound


@dataclass(frozen=True)
class Advisor:
    kb: KnowledgeBase
    _comparisons: dict[str, dict[str, Any]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def load(cls, path: Path | None = None) -> Advisor:
        return cls(load_knowledge_base(path))

    @property
    def version(self) -> str:
        return str(self.kb.version)

    def recommend(self, document: Mapping[str, Any], *, may_hold_null: bool = True) -> dict[str, Any]:
        """Contract in, contract out; raises IntakeError naming every bad field. A fresh dict every call.

        `may_hold_null=False` when the JSON decoder already saw that no object holds a null.
        """
        return recommend(parse_intake(document, may_hold_null=may_hold_null), self.kb).to_dict()

    def recommend_json(self, document: Mapping[str, Any] | Any, *, may_hold_null: bool = True) -> bytes:
        """The recommendation as UTF-8 JSON bytes; raises IntakeError naming every bad field.

        orjson, because the standard encoder took a quarter of the API's time per request for this 4 KB answer.
        orjson refuses integers beyond 64 bits, which the contract allows in some counts (the trace repeats the
        answer), so those few answers take the standard encoder.
        """
        # to_encodable(): the contract document without fresh copies of every array, since it is only encoded.
        recommendation = recommend(parse_intake(document, may_hold_null=may_hold_null), self.kb).to_encodable()
        try:
            return orjson.dumps(recommendation)
        except TypeError:
            return json.dumps(recommendation, ensure_ascii=False, separators=(",", ":")).encode()

    def treatment_ids(self) -> list[str]:
        return list(self.kb.treatments)

    def treatment(self, treatment_id: str) -> Treatment:
        found: Treatment | None = self.kb.treatments.get(treatment_id)
        if found is None:
            raise NotFound(f"the treatment {treatment_id!r}")
        return found

    def treatment_summaries(self) -> list[dict[str, Any]]:
        return [
            {
                "id": t.id,
                "name": t.name,
                "summary": t.summary.text,
                "evidence_certainty": t.evidence.certainty,
                "reviewed_on": t.reviewed_on.isoformat(),
                "next_review": t.next_review.isoformat(),
            }
            for t in self.kb.treatments.values()
        ]

    def treatment_document(self, treatment_id: str) -> dict[str, Any]:
        document: dict[str, Any] = self.treatment(treatment_id).model_dump(mode="json")
        return document

    def compare(self, ids: list[str] | None = None) -> dict[str, Any]:
        """The comparison as a dict. Treat it as read-only: the full comparison is built once per Advisor."""
        if ids is not None:
            unknown = [i for i in ids if i not in self.kb.treatments]
            if unknown:
                raise NotFound(f"the treatment {unknown[0]!r}")
            built: dict[str, Any] = compare(self.kb, ids).to_dict(self.kb)
            return built
        if "all" not in self._comparisons:
            self._comparisons["all"] = compare(self.kb, None).to_dict(self.kb)
        return self._comparisons["all"]

    def citation(self, key: str) -> dict[str, Any] | None:
        found = self.kb.citations.get(key)
        return None if found is None else dict(found.model_dump(mode="json"))

    def knowledge(self) -> dict[str, Any]:
        treatments = list(self.kb.treatments.values())
        return {
            "knowledge_version": self.version,
            "reviewed_on": min(t.reviewed_on for t in treatments).isoformat() if treatments else None,
            "next_review": min(t.next_review for t in treatments).isoformat() if treatments else None,
            "treatments": [
                {
                    "id": t.id,
                    "name": t.name,
                    "authors": t.authors,
                    "reviewed_on": t.reviewed_on.isoformat(),
                    "next_review": t.next_review.isoformat(),
                }
                for t in treatments
            ],
            "citations": len(self.kb.citations),
        }
