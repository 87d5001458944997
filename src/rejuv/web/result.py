"""Builds the result page: the recommendation in plain words, what each option means for the things the person
said matter most, a knowledge check drawn from the reviewed content (so its answers change when the evidence
does), the SURE test, and the person's answers read back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from rejuv.knowledge.schema import Treatment
from rejuv.services.advice import Advisor
from rejuv.web.citing import cited_keys
from rejuv.web.pages import CheckItem, ResultPage, SureItem, ValueFit, ValueOption
from rejuv.web.questionnaire import encode_state
from rejuv.web.questions import STOPPED_LIST, UNSURE, Answers, Step
from rejuv.web.templating import CERTAINTY

SURE = (
    ("sure", "S", "Do you feel sure about the best choice for you?"),
    ("understand", "U", "Do you know the benefits and risks of each option?"),
    ("risk", "R", "Are you clear about which benefits and risks matter most to you?"),
    ("encourage", "E", "Do you have enough support and advice to make a choice?"),
)


def knowledge_checks(advisor: Advisor) -> list[CheckItem]:
    """True/false items whose answers are read from the knowledge base, never typed in twice."""
    kb = advisor.kb
    meso, prp = kb.treatments.get("mesotherapy"), kb.treatments.get("prp")
    if meso is None or prp is None:
        return []
    certainty = {t.name: CERTAINTY[t.evidence.certainty][0].lower() for t in (meso, prp)}
    both_high = all(t.evidence.certainty == "high" for t in (meso, prp))
    # "Usually" is the typical course, not the shortest one a study reported (PRP's range starts at 1).
    one_usually_enough = all(
        (t.course.sessions.typical or t.course.sessions.min or t.course.sessions.max or 1) <= 1 for t in (meso, prp)
    )
    return [
        CheckItem(
            "prp_blood",
            "PRP needs a sample of your own blood at each session.",
            prp.practical.requires_blood_draw,
            prp.practical.blood_draw.text,
            list(prp.practical.blood_draw.citations),
        ),
        CheckItem(
            "meso_own_body",
            "Mesotherapy uses material taken from your own body.",
            meso.practical.autologous,
            meso.summary.text,
            list(meso.summary.citations),
        ),
        CheckItem(
            "evidence_strong",
            "The research on both treatments is strong and certain.",
            both_high,
            "The evidence is rated: "
            + "; ".join(f"{n}: {c}" for n, c in certainty.items())
            + ". "
            + meso.evidence.text.text,
            list(dict.fromkeys([*meso.evidence.text.citations, *prp.evidence.text.citations])),
        ),
        CheckItem(
            "one_session",
            "One session is usually enough for either treatment.",
            one_usually_enough,
            f"{meso.name}: {meso.course.text.text} {prp.name}: {prp.course.text.text}",
            list(dict.fromkeys([*meso.course.text.citations, *prp.course.text.citations])),
        ),
    ]


IMPORTANCE_ORDER = {"a_lot": 0, "a_little": 1}  # "not" and unanswered are left out


def values_fit(advisor: Advisor, steps: tuple[Step, ...], answers: Answers) -> list[ValueFit]:
    """How each option relates to what the person said matters (step 1's imp.* questions), most important first.

    Every sentence is read from the cited knowledge base (practical facts, evidence certainty), never typed here.
    """
    treatments = list(advisor.kb.treatments.values())
    if not treatments:
        return []
    questions = {q.name: q for step in steps for q in step.questions}
    every = "Both options" if len(treatments) == 2 else "Every option"
    found: list[tuple[int, ValueFit]] = []
    for name, build in (("imp.needles", _needles), ("imp.evidence", _evidence)):
        value, question = answers.get(name), questions.get(name)
        if question is None or not isinstance(value, str) or value not in IMPORTANCE_ORDER:
            continue
        words = {c.value: c.label for c in question.choices}.get(value, value)
        summary, options, more = build(treatments, every)
        item = ValueFit(name.removeprefix("imp."), question.label, words, summary, options, more)
        found.append((IMPORTANCE_ORDER[value], item))
    return [item for _, item in sorted(found, key=lambda pair: pair[0])]


def _needles(treatments: list[Treatment], every: str) -> tuple[str, list[ValueOption], str]:
    blood = [t.name for t in treatments if t.practical.requires_blood_draw]
    summary = f"{every} use needles in the skin of your face."
    if blood and len(blood) < len(treatments):
        summary += f" {' and '.join(blood)} also {'needs' if len(blood) == 1 else 'need'} a blood sample from your arm."
    options = [
        ValueOption(
            t.id,
            t.name,
            f"{t.practical.needles.text} {t.practical.blood_draw.text}",
            list(dict.fromkeys([*t.practical.needles.citations, *t.practical.blood_draw.citations])),
        )
        for t in treatments
    ]
    return summary, options, "/compare#row-needles"


def _evidence(treatments: list[Treatment], every: str) -> tuple[str, list[ValueOption], str]:
    labels = "; ".join(f"{t.name}: {CERTAINTY[t.evidence.certainty][0].lower()}" for t in treatments)
    limited = all(t.evidence.certainty in ("low", "very_low") for t in treatments)
    summary = (f"The research on {every.lower()} is limited. " if limited else "") + f"How sure it is: {labels}."
    options = [
        ValueOption(
            t.id,
            t.name,
            CERTAINTY[t.evidence.certainty][1],
            list(t.evidence.text.citations),
            t.evidence.certainty,
        )
        for t in treatments
    ]
    return summary, options, "/compare#row-evidence"


def distinct_reasons(recommendation: dict[str, Any]) -> dict[str, Any]:
    """A copy of the recommendation whose options say each reason once.

    The engine can give an option a reason and then a longer one that repeats it word for word (`fit_primary`,
    then `decision_primary_only`: "...; the other option is not a main treatment for any of your concerns"). Only
    the longer one is shown, with the sources of both. The engine's output is not changed: the API keeps it whole.
    """
    options = []
    for option in recommendation.get("options", []):
        reasons: list[dict[str, Any]] = list(option.get("reasons", []))
        texts = [str(r.get("text", "")).strip() for r in reasons]
        said_again: dict[int, int] = {}  # reason -> the reason that repeats it
        for i, text in enumerate(texts):
            stem = text.rstrip(".").rstrip()
            for j, other in enumerate(texts):
                if stem and j != i and other.startswith(stem) and (len(other) > len(text) or (other == text and j < i)):
                    said_again[i] = j
                    break
        shown_by = {}  # each reason -> the reason shown in its place (itself when it is not repeated)
        for i in range(len(reasons)):
            k = i
            while k in said_again:  # no cycle: each step goes to a longer text, or the same text said earlier
                k = said_again[k]
            shown_by[i] = k
        kept = []
        for j, reason in enumerate(reasons):
            if shown_by[j] == j:
                sources = [c for i in range(len(reasons)) if shown_by[i] == j for c in reasons[i].get("citations", [])]
                kept.append({**reason, "citations": list(dict.fromkeys(sources))})
        options.append({**option, "reasons": kept})
    return {**recommendation, "options": options}


# The health questions a clinic must never read as "none" when they are left blank: pregnancy, breastfeeding,
# health conditions, medicines taken now and stopped lately, allergies. Each is on every person's health or
# medicines step (none is hidden by an earlier answer), so a blank one was shown and skipped: "Not answered".
ALWAYS_READ_BACK = frozenset(
    {
        "history.pregnant",
        "history.breastfeeding",
        "history.conditions",
        "history.medications",
        STOPPED_LIST,
        "history.allergies",
    }
)
NOT_ANSWERED = "Not answered"


def answers_read_back(steps: tuple[Step, ...], answers: Answers) -> list[tuple[str, str]]:
    """Each answered question with the words of the answer chosen, for the result page, the summary and its PDF,
    and the page after sending. The health questions in ALWAYS_READ_BACK are listed even when skipped, saying
    "Not answered", so that a reader never takes a missing line for "none"; other blank questions are left out."""
    shown: list[tuple[str, str]] = []
    for step in steps:
        for q in step.questions:
            value = answers.get(q.name)
            if value in (None, "", []):
                if q.name in ALWAYS_READ_BACK:
                    shown.append((q.shown_as, NOT_ANSWERED))
                continue
            labels = {c.value: c.label for c in q.choices}
            if isinstance(value, list):
                words = ", ".join(labels.get(v, v) for v in value)
                if q.kind == "concerns":
                    words = ", ".join(labels.get(v, v) + _severity(answers.get(f"severity.{v}")) for v in value)
            else:
                words = labels.get(value, f"{value} {q.unit}".strip())
            shown.append((q.shown_as, words))
    return shown


def _severity(value: Any) -> str:
    return f" ({value})" if isinstance(value, str) and value and value != UNSURE else ""


def build_result(
    advisor: Advisor,
    steps: tuple[Step, ...],
    answers: Answers,
    intake: dict[str, Any],
    recommendation: dict[str, Any],
    form: Mapping[str, list[str]] | None = None,
) -> ResultPage:
    form = form or {}
    checks = [
        CheckItem(c.id, c.statement, c.answer, c.explanation, c.citations, _bool(form.get(f"check.{c.id}")))
        for c in knowledge_checks(advisor)
    ]
    sure = [SureItem(key, letter, text, _bool(form.get(f"sure.{key}"))) for key, letter, text in SURE]
    recommendation = distinct_reasons(recommendation)
    values = values_fit(advisor, steps, answers)
    comparison = advisor.compare(None)
    cited: dict[str, None] = dict.fromkeys(comparison.get("citations", {}))
    for value in values:
        for value_option in value.options:
            cited.update(dict.fromkeys(value_option.citations))
    cited.update(dict.fromkeys(cited_keys(recommendation)))
    for check in checks:
        cited.update(dict.fromkeys(check.citations))
    citations = {key: found for key in cited if (found := advisor.citation(key)) is not None}
    return ResultPage(
        title="Your result",
        intake=intake,
        recommendation=recommendation,
        answers_shown=answers_read_back(steps, answers),
        state=encode_state(answers),
        checks=checks,
        sure=sure,
        checked=bool(form),
        citations=citations,
        citation_numbers={key: n for n, key in enumerate(citations, start=1)},
        comparison=comparison,
        generated_on=dt.date.today().isoformat(),
        values=values,
    )


def _bool(values: list[str] | None) -> bool | None:
    if not values:
        return None
    return {"true": True, "false": False}.get(values[0])
