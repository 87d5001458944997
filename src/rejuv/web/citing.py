"""Numbered sources for a recommendation shown on a page, so every "[n]" beside a reason or a finding leads to
an entry in the list below it (a citation key alone tells a reader nothing).

A saved consultation or submission keeps the recommendation as it was made; its knowledge version may be
older than the one in use, so a key can be missing now. Such keys keep their number and are listed apart,
rather than silently dropped, so a reviewer can see which sources the old answer relied on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rejuv.services.advice import Advisor


@dataclass(frozen=True)
class Sources:
    citations: dict[str, dict[str, Any]]  # key -> the citation, in order of first use
    numbers: dict[str, int]  # key -> its number on the page, found or not
    missing: tuple[str, ...]  # keys the knowledge base in use no longer has


def cited_keys(recommendation: Mapping[str, Any]) -> list[str]:
    """Every citation key of the options' reasons and the findings, in order of first use."""
    keys: dict[str, None] = {}
    for option in recommendation.get("options", []):
        for reason in option.get("reasons", []):
            keys.update(dict.fromkeys(reason.get("citations", [])))
    for finding in recommendation.get("findings", []):
        keys.update(dict.fromkeys(finding.get("citations", [])))
    return list(keys)


def sources_for(advisor: Advisor, recommendation: Mapping[str, Any]) -> Sources:
    keys = cited_keys(recommendation)
    citations: dict[str, dict[str, Any]] = {}
    missing: list[str] = []
    for key in keys:
        found = advisor.citation(key)
        if found is None:
            missing.append(key)
        else:
            citations[key] = found
    return Sources(citations, {key: number for number, key in enumerate(keys, start=1)}, tuple(missing))
