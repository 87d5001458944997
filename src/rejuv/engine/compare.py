"""The side-by-side comparison (Option Grid style), built from the knowledge base alone.

Rows are the questions people ask (from `comparison.yaml`); columns are the treatments; every cell carries
the citations of the statements it was built from, so the CLI, the web page and the PDF can all show them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rejuv.domain.errors import FieldError, IntakeError
from rejuv.domain.recommendation import DISCLAIMER
from rejuv.knowledge.loader import KnowledgeBase
from rejuv.knowledge.schema import SideEffect, Statement, Treatment

# What each GRADE certainty means, in words a 12-year-old can follow. The one mapping every page, the PDF, the
# CLI and the API use (the web's badges and legend read it too), following GRADE's four levels: very sure the
# real effect is close / probably close / may be quite different / likely to be quite different.
CERTAINTY_LABELS: dict[str, tuple[str, str]] = {
    "high": ("High", "We are very sure the real effect is close to what the studies found."),
    "moderate": (
        "Moderate",
        "The real effect is probably close to what the studies found, but it may be quite different.",
    ),
    "low": ("Low", "The real effect may be quite different from what the studies found."),
    "very_low": (
        "Very low",
        "We are very unsure. The real effect is likely to be quite different from what the studies found.",
    ),
}
FREQUENCY_WORDS = {
    "very_common": "very common",
    "common": "common",
    "uncommon": "uncommon",
    "rare": "rare",
    "very_rare": "very rare",
    "unknown": "how often is not known",
}


@dataclass(frozen=True)
class Cell:
    text: str
    citations: tuple[str, ...]
    items: tuple[str, ...] = ()
    unverified: bool = False

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text, "citations": list(self.citations)}
        if self.items:
            out["items"] = list(self.items)
        if self.unverified:
            out["unverified"] = True
        return out


@dataclass(frozen=True)
class Row:
    id: str
    question: str
    cells: dict[str, Cell]


@dataclass(frozen=True)
class Comparison:
    treatments: tuple[Treatment, ...]
    rows: tuple[Row, ...]
    citations: tuple[str, ...]  # every key the cells cite, in order of first use
    knowledge_version: str
    reviewed_on: str
    next_review: str

    def to_dict(self, kb: KnowledgeBase | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "treatments": [{"id": t.id, "name": t.name} for t in self.treatments],
            "rows": [
                {"id": r.id, "question": r.question, "cells": {k: c.to_dict() for k, c in r.cells.items()}}
                for r in self.rows
            ],
            "knowledge_version": self.knowledge_version,
            "reviewed_on": self.reviewed_on,
            "next_review": self.next_review,
            "disclaimer": DISCLAIMER,
        }
        if kb is not None:
            out["citations"] = {
                key: kb.citations[key].model_dump(mode="json", exclude_none=True) for key in self.citations
            }
        return out


def compare(kb: KnowledgeBase, ids: Sequence[str] | None = None) -> Comparison:
    """Compare the named treatments (all, in the base's order, when none are named)."""
    chosen = list(dict.fromkeys(ids)) if ids else list(kb.treatments)
    unknown = [i for i in chosen if i not in kb.treatments]
    if unknown:
        allowed = ", ".join(kb.treatments)
        raise IntakeError([FieldError("ids", f"unknown treatment {', '.join(unknown)} (allowed: {allowed})")])
    treatments = tuple(kb.treatments[i] for i in chosen)
    rows = tuple(
        Row(row.id, row.question, {t.id: _cell(kb, t, row.source) for t in treatments}) for row in kb.comparison
    )
    cited = dict.fromkeys(c for row in rows for cell in row.cells.values() for c in cell.citations)
    return Comparison(
        treatments=treatments,
        rows=rows,
        citations=tuple(cited),
        knowledge_version=kb.version,
        reviewed_on=min(t.reviewed_on for t in treatments).isoformat(),
        next_review=min(t.next_review for t in treatments).isoformat(),
    )


def _statement(s: Statement) -> Cell:
    return Cell(s.text, tuple(s.citations), unverified=s.unverified)


def _statements(items: Sequence[Statement]) -> Cell:
    citations = tuple(dict.fromkeys(c for s in items for c in s.citations))
    texts = tuple(s.text for s in items)
    return Cell(" ".join(texts), citations, items=texts, unverified=any(s.unverified for s in items))


def _effects(items: Sequence[SideEffect]) -> Cell:
    texts = tuple(f"{e.name} ({FREQUENCY_WORDS[e.frequency]}; {e.duration}): {e.text}" for e in items)
    citations = tuple(dict.fromkeys(c for e in items for c in e.citations))
    summary = ", ".join(f"{e.name.lower()} ({FREQUENCY_WORDS[e.frequency]})" for e in items)
    return Cell(
        summary[:1].upper() + summary[1:] + ".",
        citations,
        items=texts,
        unverified=any(e.unverified for e in items),
    )


def _cell(kb: KnowledgeBase, t: Treatment, source: str) -> Cell:
    if source == "summary":
        return _statement(t.summary)
    if source == "procedure":
        return _statements(t.procedure)
    if source == "benefits":
        return _statements(t.benefits)
    if source == "course":
        return _statement(t.course.text)
    if source == "onset":
        return _statement(t.onset)
    if source == "duration":
        return _statement(t.duration)
    if source == "downtime":
        return _statement(t.downtime.text)
    if source == "common_side_effects":
        return _effects(t.side_effects.common)
    if source == "rare_risks":
        return _effects(t.side_effects.rare_serious)
    if source == "evidence":
        label, meaning = CERTAINTY_LABELS[t.evidence.certainty]
        points = tuple(f"{p.claim} (certainty: {CERTAINTY_LABELS[p.certainty][0].lower()})" for p in t.evidence.points)
        citations = tuple(
            dict.fromkeys([*t.evidence.text.citations, *(c for p in t.evidence.points for c in p.citations)])
        )
        return Cell(f"Certainty of evidence: {label}. {meaning} {t.evidence.text.text}", citations, items=points)
    practical: dict[str, Statement] = {
        "blood_draw": t.practical.blood_draw,
        "needles": t.practical.needles,
        "visits": t.practical.visits,
        "cost": t.practical.cost,
    }
    return _statement(practical[source])
