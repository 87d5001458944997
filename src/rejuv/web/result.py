"""Builds the result page: the recommendation in plain words, a knowledge check drawn from the reviewed
content (so its answers change when the evidence does), the SURE test, and the person's answers read back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from rejuv.services.advice import Advisor
from rejuv.web.pages import CheckItem, ResultPage, SureItem
from rejuv.web.questionnaire import encode_state
from rejuv.web.questions import UNSURE, Answers, Step
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


def answers_read_back(steps: tuple[Step, ...], answers: Answers) -> list[tuple[str, str]]:
    """Each answered question with the words of the answer chosen, for the summary and the PDF."""
    shown: list[tuple[str, str]] = []
    for step in steps:
        for q in step.questions:
            value = answers.get(q.name)
            if value in (None, "", []):
                continue
            labels = {c.value: c.label for c in q.choices}
            if isinstance(value, list):
                words = ", ".join(labels.get(v, v) for v in value)
                if q.kind == "concerns":
                    words = ", ".join(labels.get(v, v) + _severity(answers.get(f"severity.{v}")) for v in value)
            else:
                words = labels.get(value, f"{value} {q.unit}".strip())
            shown.append((q.label, words))
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
    comparison = advisor.compare(None)
    cited: dict[str, None] = dict.fromkeys(comparison.get("citations", {}))
    for option in recommendation.get("options", []):
        for reason in option.get("reasons", []):
            cited.update(dict.fromkeys(reason.get("citations", [])))
    for finding in recommendation.get("findings", []):
        cited.update(dict.fromkeys(finding.get("citations", [])))
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
    )


def _bool(values: list[str] | None) -> bool | None:
    if not values:
        return None
    return {"true": True, "false": False}.get(values[0])
