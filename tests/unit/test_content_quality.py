"""The clinical content is readable by a 12-year-old, balanced between the options, and honest about evidence.

Readability uses the Flesch-Kincaid grade with a simple syllable count: rough, but enough to catch a long,
jargon-heavy sentence before a reviewer has to. Grade 7-8 is about a reading age of 12-13.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from difflib import SequenceMatcher

import pytest

from rejuv.knowledge.loader import KnowledgeBase
from rejuv.knowledge.schema import Treatment

MEAN_GRADE_LIMIT = 8.0
ANY_TEXT_GRADE_LIMIT = 12.0


def syllables(word: str) -> int:
    word = word.lower()
    count = len(re.findall(r"[aeiouy]+", word))
    if word.endswith("e") and not word.endswith(("le", "ee")) and count > 1:
        count -= 1
    return max(1, count)


def grade(text: str) -> float:
    sentences = max(1, len(re.findall(r"[.!?]+(?:\s|$)", text)))
    words = re.findall(r"[A-Za-z][A-Za-z'-]*", text)
    if not words:
        return 0.0
    return 0.39 * len(words) / sentences + 11.8 * sum(map(syllables, words)) / len(words) - 15.59


def person_facing_texts(treatment: Treatment) -> list[str]:
    texts = [treatment.summary.text, treatment.onset.text, treatment.duration.text, treatment.evidence.text.text]
    texts += [s.text for s in [*treatment.procedure, *treatment.benefits]]
    texts += [treatment.course.text.text, treatment.downtime.text.text]
    texts += [e.text for e in [*treatment.side_effects.common, *treatment.side_effects.rare_serious]]
    texts += [s.text for s in (treatment.practical.blood_draw, treatment.practical.needles)]
    return texts


def assert_readable(texts: Iterable[str]) -> None:
    graded = [(grade(t), t) for t in texts]
    mean = sum(g for g, _ in graded) / len(graded)
    assert mean <= MEAN_GRADE_LIMIT, f"mean reading grade {mean:.1f}"
    hardest = max(graded)
    assert hardest[0] <= ANY_TEXT_GRADE_LIMIT, f"grade {hardest[0]:.1f}: {hardest[1]}"


def test_the_grade_formula_tells_plain_from_dense_text() -> None:
    assert grade("The PRP is made from your blood. It goes back into your skin.") < 6
    assert grade("Intradermal autologous platelet concentrates demonstrate heterogeneous efficacy.") > 14


@pytest.mark.parametrize("treatment_id", ["mesotherapy", "prp"])
def test_treatment_content_is_plain_language(kb: KnowledgeBase, treatment_id: str) -> None:
    assert_readable(person_facing_texts(kb.treatments[treatment_id]))


def test_rule_sentences_and_mitigations_are_plain_language(kb: KnowledgeBase) -> None:
    assert_readable([r.text for r in kb.rules] + [r.mitigation for r in kb.rules if r.mitigation])


def test_why_it_matters_sentences_are_plain_language(kb: KnowledgeBase) -> None:
    assert_readable([r.why_it_matters for r in kb.rules if r.why_it_matters])


def _normalised(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def test_every_finding_that_changes_the_advice_says_why_it_matters(kb: KnowledgeBase) -> None:
    """A refer, exclude or caution finding tells the person what could go wrong, not only what to do.

    The explanation must be its own: not empty, not the rule's sentence, title or mitigation again (nor one of
    them with a word or two added or dropped), and short (one or two sentences). It is shown as written, so it
    must not hold a {placeholder} that only `text` and `mitigation` get filled in.
    """
    problems = []
    for rule in kb.rules:
        if rule.effect not in {"refer", "exclude", "caution"}:
            continue
        why = (rule.why_it_matters or "").strip()
        if not why:
            problems.append(f"{rule.id}: no why_it_matters")
            continue
        mine = _normalised(why)
        if mine == _normalised(rule.title):
            problems.append(f"{rule.id}: why_it_matters repeats the rule's title")
        for name in ("text", "mitigation"):
            other = _normalised(getattr(rule, name) or "")
            if other and (mine in other or other in mine or SequenceMatcher(None, mine, other).ratio() > 0.8):
                problems.append(f"{rule.id}: why_it_matters repeats the rule's {name}")
        if "{" in why or "}" in why:
            problems.append(f"{rule.id}: why_it_matters has a placeholder, which is never filled in")
        sentences = len(re.findall(r"[.!?]+(?:\s|$)", why))
        if not 1 <= sentences <= 2:
            problems.append(f"{rule.id}: why_it_matters has {sentences} sentences, not 1 or 2")
    assert not problems, "\n".join(problems)


def test_reference_list_fields_do_not_end_in_a_full_stop(kb: KnowledgeBase) -> None:
    """The reference lists add the full stop after the authors and the title ("Alam M et al. Effect of ...").

    A field that already ends in one ("et al.") would be shown with two.
    """
    doubled = [
        f"{key}.{name}: {value!r}"
        for key, citation in kb.citations.items()
        for name in ("authors", "title")
        if (value := getattr(citation, name)) and value.rstrip().endswith((".", "?", "!"))
    ]
    assert not doubled, "\n".join(doubled)


def test_concern_descriptions_are_plain_language(kb: KnowledgeBase) -> None:
    assert_readable([c.description for c in kb.concerns.values()])


def test_benefits_and_harms_are_given_in_comparable_detail(kb: KnowledgeBase) -> None:
    meso, prp = kb.treatments["mesotherapy"], kb.treatments["prp"]
    for treatment in (meso, prp):
        assert len(treatment.benefits) >= 4
        assert len(treatment.side_effects.common) >= 4
        assert len(treatment.side_effects.rare_serious) >= 3

    def words(items: Iterable[str]) -> int:
        return sum(len(t.split()) for t in items)

    for part in ("benefits", "harms"):
        counts = []
        for t in (meso, prp):
            texts = (
                [b.text for b in t.benefits]
                if part == "benefits"
                else [e.text for e in [*t.side_effects.common, *t.side_effects.rare_serious]]
            )
            counts.append(words(texts))
        assert 0.5 <= counts[0] / counts[1] <= 2.0, f"{part}: {counts}"


def test_neither_option_overstates_its_evidence(kb: KnowledgeBase) -> None:
    """Both evidence bases are small and weak; the content must say so and grade them low or very low."""
    for treatment in kb.treatments.values():
        assert treatment.evidence.certainty in {"low", "very_low"}
        assert all(p.certainty != "high" for p in treatment.evidence.points)
        assert re.search(r"\b(limited|weak|small|few|unclear|not known|unknown)\b", treatment.evidence.text.text)
