"""What routes receive: the app's state, a fresh unit of work, the session and the logged-in user.

Built once per app by `create_app` and reached through `request.app.state`, never a module global, so two
apps (two tests, two databases) in one process never share anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from rejuv.services.accounts import get_user
from rejuv.services.advice import Advisor
from rejuv.services.planning import Planner
from rejuv.services.records import Role, User
from rejuv.settings import Settings
from rejuv.storage.uow import SqlUnitOfWork
from rejuv.web.questions import Step
from rejuv.web.security import NotAuthenticated, RateLimiter, SessionCodec, WebSession, WrongRole


@dataclass
class AppState:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    advisor: Advisor
    templates: Jinja2Templates
    sessions: SessionCodec
    limiter: RateLimiter  # logins per address and per username, shared by every process (in the database)
    send_limiter: RateLimiter  # sends to the clinic per address, so nobody can flood the inbox
    refusal_audit_limiter: RateLimiter  # anonymous refusals audited per address, so nobody can flood the log
    steps: tuple[Step, ...]
    planner: Planner

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.session_factory)


async def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.rejuv
    return state


StateDep = Annotated[AppState, Depends(app_state)]


async def web_session(request: Request, state: StateDep) -> WebSession:
    return state.sessions.read(request)


SessionDep = Annotated[WebSession, Depends(web_session)]


def optional_user(state: StateDep, session: SessionDep) -> User | None:
    if session.user_id is None:
        return None
    user = get_user(state.uow(), session.user_id)
    if user is None or user.session_version != session.version:
        return None  # the account is gone, or its sessions were ended at logout
    return user


OptionalUserDep = Annotated[User | None, Depends(optional_user)]


def require_role(*roles: Role) -> Callable[[User | None], User]:
    """A dependency that lets through only logged-in users holding one of `roles`."""

    def dependency(user: OptionalUserDep) -> User:
        if user is None:
            raise NotAuthenticated()
        if user.role not in roles:
            raise WrongRole(user.username)
        return user

    return dependency


ClinicianDep = Annotated[User, Depends(require_role("clinician"))]
AdminDep = Annotated[User, Depends(require_role("admin"))]

MAX_ROW_ID = 2_147_483_647  # a 32-bit INTEGER key on PostgreSQL; larger ids cannot exist, so they are 422
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="a record id")]
