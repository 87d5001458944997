"""Numbered sources for recommendations shown on clinic pages (rejuv.web.citing)."""

from __future__ import annotations

from rejuv.services.advice import Advisor
from rejuv.web.citing import sources_for


def test_sources_are_numbered_in_order_of_first_use_and_unknown_keys_are_kept_apart() -> None:
    advisor = Advisor.load()
    known = next(iter(advisor.kb.citations))
    recommendation = {
        "options": [{"reasons": [{"citations": [known, "gone_since_then"]}]}],
        "findings": [{"citations": ["gone_since_then", known]}],
    }
    sources = sources_for(advisor, recommendation)
    assert sources.numbers == {known: 1, "gone_since_then": 2}
    assert list(sources.citations) == [known]
    assert sources.citations[known]["title"]
    assert sources.missing == ("gone_since_then",)


def test_a_recommendation_without_citations_has_no_sources() -> None:
    sources = sources_for(Advisor.load(), {"options": [], "findings": []})
    assert sources.numbers == {} and sources.missing == ()
