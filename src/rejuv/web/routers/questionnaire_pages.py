"""The questionnaire, the result with its knowledge check and SURE test, and the summary (HTML and PDF).

Answers travel in a hidden form field from step to step and are never written anywhere: closing the tab
forgets them, unless the person sends them to the clinic from the result page and ticks the consent box
(`POST /send`). Every POST carries the session's CSRF token.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from rejuv.domain.errors import FieldError, IntakeError
from rejuv.services import submissions
from rejuv.services.errors import Invalid
from rejuv.web.deps import AppState, SessionDep, StateDep
from rejuv.web.pages import ResultPage, StepPage
from rejuv.web.pdf import render_pdf
from rejuv.web.questionnaire import Answers, decode_state, encode_state, merge, to_intake, validate
from rejuv.web.result import build_result
from rejuv.web.security import CSRF_FIELD, CsrfRefused, TooManyAttempts, check_csrf
from rejuv.web.templating import render

router = APIRouter(include_in_schema=False)
StepRedo = tuple[int, Answers, dict[str, str], int]  # step index, answers, errors, status


@router.get("/questions", response_class=HTMLResponse)
async def first_step(request: Request, state: StateDep) -> HTMLResponse:
    return _step(request, state, 0, {}, {})


@router.post("/questions/{slug}", response_class=HTMLResponse)
async def answer_step(slug: str, request: Request, state: StateDep, session: SessionDep) -> HTMLResponse:
    """Take in one step's answers and show the next step (or the same one with what to fix).

    A post whose CSRF token does not match the session (the cookie expired after hours away, or was never
    sent) is not taken in, but nothing typed is lost either: the same step comes back with every answer still
    in place, a fresh token, and a message asking the person to press the button again (still a 403).
    Only a post from our own pages gets its answers back: another site must not be able to open this page
    with answers of its choosing (a hidden "not pregnant", say) one press away from being taken in.
    """
    form = await _read_form(request)
    index = next((i for i, s in enumerate(state.steps) if s.slug == slug), None)
    if index is None:
        check_csrf(session, _first(form, CSRF_FIELD))
        return render(
            request,
            "error.html",
            {"title": "Not Found", "status": 404, "detail": "There is no such question page.", "errors": []},
            404,
        )
    step = state.steps[index]
    answers = merge(decode_state(_first(form, "state")), form, step)
    try:
        check_csrf(session, _first(form, CSRF_FIELD))
    except CsrfRefused:
        if not _posted_from_this_site(request):
            raise
        return _step(request, state, index, answers, {}, 403, expired=True)
    if _first(form, "go") == "back":
        return _step(request, state, max(0, index - 1), answers, {})
    errors = validate(step, answers)
    if errors:
        return _step(request, state, index, answers, errors, 422)
    if index + 1 < len(state.steps):
        return _step(request, state, index + 1, answers, {})
    return _result(request, state, answers, {})


@router.post("/result", response_class=HTMLResponse)
async def result_with_checks(request: Request, state: StateDep, session: SessionDep) -> HTMLResponse:
    form = await _result_form(request, state, session)
    if isinstance(form, HTMLResponse):
        return form
    return _result(request, state, decode_state(_first(form, "state")), form)


@router.post("/summary", response_class=HTMLResponse)
async def printable_summary(request: Request, state: StateDep, session: SessionDep) -> HTMLResponse:
    form = await _result_form(request, state, session)
    if isinstance(form, HTMLResponse):
        return form
    return _result(request, state, decode_state(_first(form, "state")), form, template="summary.html")


@router.post("/summary.pdf")
async def summary_pdf(request: Request, state: StateDep, session: SessionDep) -> Response:
    form = await _result_form(request, state, session)
    if isinstance(form, HTMLResponse):
        return form
    page = _result_page(state, decode_state(_first(form, "state")), form)
    if isinstance(page, tuple):
        return _step(request, state, *page)
    html = state.templates.get_template("summary.html").render(
        {"request": request, "page": page, "title": page.title, "for_pdf": True, "csrf_token": lambda: ""}
    )
    # Rendering takes seconds of CPU: run it off the event loop, and at most PDF_SLOTS at once, so a burst
    # of PDF requests cannot starve everyone else.
    slots: asyncio.Semaphore = request.app.state.pdf_slots
    if slots.locked():
        return render(
            request,
            "error.html",
            {
                "title": "Busy",
                "status": 503,
                "errors": [],
                "detail": "Several summaries are being made right now. Please try again in a few seconds.",
            },
            503,
        )
    async with slots:
        pdf = await run_in_threadpool(render_pdf, html, str(request.base_url))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="rejuv-summary-{page.generated_on}.pdf"'},
    )


@router.post("/send", response_class=HTMLResponse)
async def send_to_clinic(request: Request, state: StateDep, session: SessionDep) -> HTMLResponse:
    """Store the answers for the clinic, only with the consent box ticked; otherwise say why beside the field.

    The result is recomputed from the hidden answers (never read from the form) by the use case itself. The
    form's hidden send key makes a refresh, a double click or going back and sending again show the first
    confirmation instead of storing a second copy. A form without the key (a page cached before keys existed)
    is sent as before, without that protection, rather than losing the person's send; a key that is present
    but malformed was tampered with or damaged, so nothing is stored and the form comes back with a fresh one.
    """
    form = await _result_form(request, state, session)
    if isinstance(form, HTMLResponse):
        return form
    page = _result_page(state, decode_state(_first(form, "state")), {})
    if isinstance(page, tuple):
        return _step(request, state, *page)
    values = {key: _first(form, key) or "" for key in ("name", "contact")}
    raw_key = _first(form, "send_key")
    retention_days = state.settings.submission_retention_days

    def again(errors: dict[str, str], status: int, key: str | None = raw_key) -> HTMLResponse:
        context = {
            "page": page,
            "title": "Your result",
            "send_errors": errors,
            "send_values": values,
            "send_key": key if submissions.is_send_key(key) else submissions.new_send_key(),
            "retention_days": retention_days,
        }
        return render(request, "result.html", context, status)

    if raw_key is not None and not submissions.is_send_key(raw_key):
        return again(
            {"form": "This page was out of date, so nothing was sent. Please tick the box and press Send again."},
            422,
            None,
        )
    key = submissions.SendKey("form", raw_key) if raw_key is not None else None
    consent = _first(form, "consent") == "yes"
    if consent and (key is None or not await run_in_threadpool(submissions.was_sent, state.uow(), key)):
        client = request.client.host if request.client else "unknown"
        try:
            await run_in_threadpool(state.send_limiter.check, client, client)  # counted in the database
        except TooManyAttempts as exc:
            minutes = max(1, round(exc.retry_after_seconds / 60))
            message = (
                f"Too many answers were sent from here just now. Try again in {minutes} minutes, or call the clinic."
            )
            return again({"consent": message}, 429)
    try:
        sent = await run_in_threadpool(
            functools.partial(
                submissions.send_submission,
                state.uow(),
                state.advisor,
                values["name"],
                values["contact"],
                consent,
                page.intake,
                retention_days=retention_days,
                send_key=key,
            )
        )
    except Invalid as exc:
        return again({e.path: e.message for e in exc.errors}, 422)
    except submissions.SendKeyReused as exc:
        return again(_reused_messages(exc), 409)
    except submissions.AlreadyDeleted as exc:
        context = {
            "title": "Already sent and deleted",
            "code": exc.code,
            "page": page,
            "retention_days": retention_days,
        }
        return render(request, "sent_deleted.html", context, 409)
    return render(
        request,
        "sent.html",
        {
            "title": "Sent to the clinic",
            "submission": sent.submission,
            "replayed": sent.replayed,
            "delete_on": long_date(sent.delete_after),
            "retention_days": retention_days,
            "answers_shown": page.answers_shown,
        },
    )


def long_date(moment: dt.datetime) -> str:
    """A date people read without thinking about formats: "25 December 2026"."""
    return f"{moment.day} {moment:%B %Y}"


def _reused_messages(exc: submissions.SendKeyReused) -> dict[str, str]:
    """Say beside each changed field that the first send stands and what to do instead, so a changed name or
    contact typed after going back is not lost without a word."""
    words = {"name": "name", "contact": "contact"}
    messages = {
        field: (
            f"You already sent your answers from this page (reference {exc.code}) with a different {words[field]}. "
            f"Nothing new was stored. To change it, tell the clinic and quote your reference code."
        )
        for field in exc.fields
        if field in words
    }
    if "intake" in exc.fields:
        messages["form"] = (
            f"You already sent other answers from this page (reference {exc.code}). Nothing new was stored. "
            "To send these answers too, open your result again and send them from there."
        )
    return messages


async def _result_form(request: Request, state: AppState, session: SessionDep) -> dict[str, list[str]] | HTMLResponse:
    """A result-page form's fields, or, when its token no longer matches (the session expired while the page
    was open), the result page again: nothing done, the knowledge check's and the send form's answers kept,
    a fresh token, and a message asking to press the button again. As for the steps, only for a post from
    our own pages; consent to send is never carried over: the person ticks it again."""
    form = await _read_form(request)
    try:
        check_csrf(session, _first(form, CSRF_FIELD))
    except CsrfRefused:
        if not _posted_from_this_site(request):
            raise
        page = _result_page(state, decode_state(_first(form, "state")), form)
        if isinstance(page, tuple):
            raise  # the carried answers do not even make an intake: nothing to give back
        context = {
            "page": page,
            "title": "Session expired: Your result",
            "expired": True,
            "send_values": {key: _first(form, key) or "" for key in ("name", "contact")},
            # The posted send key, when it is one, so sending again after this page still stores one copy.
            "send_key": posted
            if submissions.is_send_key(posted := _first(form, "send_key"))
            else submissions.new_send_key(),
            "retention_days": state.settings.submission_retention_days,
        }
        return render(request, "result.html", context, 403)
    return form


def _posted_from_this_site(request: Request) -> bool:
    """Whether the browser says the form was sent from one of our pages.

    Browsers name a form post's origin (Sec-Fetch-Site; Origin on every cross-site POST). A request naming
    neither is not a browser sending a form from another site, and such a client could fetch a fresh token
    anyway, so only a post that names another site is refused its answers back.
    """
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site in {"same-origin", "none"}  # the browser's own verdict, whatever a proxy did to Host
    origin = request.headers.get("origin")
    if origin is None:
        return True
    ours = request.base_url  # what the client asked for, port included
    sent = urlsplit(origin)
    return (sent.scheme, sent.netloc.lower()) == (ours.scheme, ours.netloc.lower())


async def _read_form(request: Request) -> dict[str, list[str]]:
    """The posted fields, not yet checked against the session's CSRF token."""
    data = await request.form(max_files=0, max_fields=400)
    form: dict[str, list[str]] = {}
    for key, value in data.multi_items():
        if isinstance(value, str):
            form.setdefault(key, []).append(value)
    return form


def _first(form: dict[str, list[str]], key: str) -> str | None:
    values = form.get(key)
    return values[0] if values else None


def _step(
    request: Request,
    state: AppState,
    index: int,
    answers: Answers,
    errors: dict[str, str],
    status: int = 200,
    *,
    expired: bool = False,
) -> HTMLResponse:
    """One question step. `expired`: the post was refused for its CSRF token; say so, and keep the answers."""
    step = state.steps[index]
    page = StepPage(step.title, step, index + 1, len(state.steps), answers, encode_state(answers), errors)
    title = f"{page.title} (step {page.number} of {page.total})"
    if expired:
        title = f"Session expired: {title}"
    return render(request, "step.html", {"page": page, "title": title, "expired": expired}, status)


def _result_page(state: AppState, answers: Answers, form: dict[str, list[str]]) -> ResultPage | StepRedo:
    """The result page, or (step index, answers, errors, status) when the answers need fixing first."""
    for index, step in enumerate(state.steps):
        errors = validate(step, answers)
        if errors:
            return (index, answers, errors, 422)
    intake = to_intake(answers)
    try:
        recommendation = state.advisor.recommend(intake)
    except IntakeError as exc:
        return _locate(state, answers, exc.errors)
    checks_form = {k: v for k, v in form.items() if k.startswith(("check.", "sure."))}
    return build_result(state.advisor, state.steps, answers, intake, recommendation, checks_form)


def _result(
    request: Request, state: AppState, answers: Answers, form: dict[str, list[str]], template: str = "result.html"
) -> HTMLResponse:
    page = _result_page(state, answers, form)
    if isinstance(page, tuple):
        return _step(request, state, *page)
    # Each rendering of the result gets a fresh send key: the send form it holds can store at most one copy.
    context = {
        "page": page,
        "title": "Your result",
        "send_key": submissions.new_send_key(),
        "retention_days": state.settings.submission_retention_days,
    }
    return render(request, template, context)


def _locate(state: AppState, answers: Answers, errors: list[FieldError]) -> StepRedo:
    """Put each contract error beside the form field it came from, on the first step that has one."""
    by_field = {_form_field(e.path): f"Please check this answer: it {e.message}." for e in errors}
    for index, step in enumerate(state.steps):
        names = {q.name for q in step.questions}
        found = {k: v for k, v in by_field.items() if k in names}
        if found:
            return index, answers, found, 422
    return 0, answers, {"": "; ".join(str(e) for e in errors)}, 422


def _form_field(path: str) -> str:
    parts = path.split(".")
    if parts[0] == "preferences" and len(parts) > 1:
        return f"pref.{parts[1]}"
    if parts[0] == "concerns":
        return "concerns"
    if parts[:2] == ["history", "labs"] and len(parts) > 2:
        return f"labs.{parts[2]}"
    if parts[:2] == ["history", "recent_procedures"]:
        return "recent.other"
    return ".".join(parts[:2])
