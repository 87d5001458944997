"""The app factory. Nothing is built at import: `create_app(settings)` makes the engine, migrates the
database, loads the knowledge base and wires the routers, so tests and the CLI each build their own app.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from rejuv.services.advice import Advisor
from rejuv.services.planning import Planner
from rejuv.settings import Settings
from rejuv.storage.database import make_engine, make_session_factory, migrate
from rejuv.storage.rate_limits import SqlRateLimitEvents
from rejuv.web.deps import AppState
from rejuv.web.errors import install_error_handlers
from rejuv.web.headers import SecurityHeaders
from rejuv.web.limits import BodySizeLimit
from rejuv.web.proxy import TrustedProxies
from rejuv.web.questions import build_steps
from rejuv.web.routers import (
    aid_pages,
    api_clinic,
    api_planning,
    api_plans,
    api_public,
    api_submissions,
    clinic_pages,
    docs,
    inbox_pages,
    plan_pages,
    questionnaire_pages,
    report_pages,
)
from rejuv.web.security import SessionCodec, SharedRateLimiter
from rejuv.web.templating import configure_templates

HERE = Path(__file__).parent
PDF_SLOTS = 2  # PDFs rendered at once per process (each takes seconds of CPU)


# A person sends their answers once or twice; more from one address in 10 minutes is a script filling the inbox.
SENDS_PER_WINDOW = 5
SEND_WINDOW_SECONDS = 600
# Anonymous refusals (a CSRF failure on the login form) audited per address in 10 minutes; more are dropped.
REFUSALS_AUDITED_PER_WINDOW = 20
REFUSAL_WINDOW_SECONDS = 600


def create_app(settings: Settings, advisor: Advisor | None = None) -> FastAPI:
    engine = make_engine(settings.resolved_database_url)
    migrate(engine)
    advisor = advisor or Advisor.load(settings.knowledge_path)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    configure_templates(templates, advisor)
    # Counted in the database, so every worker process and app server enforces one limit together.
    attempts = SqlRateLimitEvents(engine)
    state = AppState(
        settings=settings,
        engine=engine,
        session_factory=make_session_factory(engine),
        advisor=advisor,
        templates=templates,
        sessions=SessionCodec(settings),
        limiter=SharedRateLimiter(attempts, "login", settings.login_attempts_per_window, settings.login_window_seconds),
        send_limiter=SharedRateLimiter(attempts, "send", SENDS_PER_WINDOW, SEND_WINDOW_SECONDS),
        refusal_audit_limiter=SharedRateLimiter(
            attempts, "refusal", REFUSALS_AUDITED_PER_WINDOW, REFUSAL_WINDOW_SECONDS
        ),
        steps=build_steps(advisor.kb),
        planner=Planner.load(advisor.kb, settings.knowledge_path),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(
        title="rejuv",
        version="1",
        summary="A cited decision aid for facial mesotherapy and PRP, and a clinician workspace.",
        docs_url=None,  # FastAPI's Swagger UI loads from a CDN; /docs is served by our own router instead
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.rejuv = state
    app.state.pdf_slots = asyncio.Semaphore(PDF_SLOTS)
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)
    if settings.trusted_proxies:
        # Added last, so it runs first: everything after it sees the real client address.
        app.add_middleware(TrustedProxies, networks=settings.trusted_proxy_networks)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for router in (
        api_public,
        api_planning,
        api_clinic,
        api_plans,
        api_submissions,
        docs,
        aid_pages,
        questionnaire_pages,
        clinic_pages,
        inbox_pages,
        plan_pages,
        report_pages,
    ):
        app.include_router(router.router)
    return app
