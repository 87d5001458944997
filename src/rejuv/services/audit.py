"""The audit log: reading it (admins only; the shell checks the role before calling) and recording refusals.

Reads and writes of patient data are audited by the use cases that do them, in the same transaction. A
refused request (403) does no work, so the web shell records it here in a transaction of its own.
"""

from __future__ import annotations

from rejuv.services.clock import Clock, utc_now
from rejuv.services.ports import UnitOfWork
from rejuv.services.records import AuditEntry

ANONYMOUS = "anonymous"
REFUSED = "refused"
ROUTE = "route"
ROUTE_CHARS = 64  # audit_log.entity_id is String(64); entity (String(32)) is too short for most templates


def audit_entries(
    uow: UnitOfWork, actor: str, limit: int = 200, offset: int = 0, clock: Clock = utc_now
) -> list[AuditEntry]:
    """The newest entries first. Reading the log is itself logged, so nobody reads it unseen."""
    with uow:
        entries = uow.audit.latest(max(1, min(limit, 1000)), max(0, offset))
        uow.audit.add(actor, "read", "audit_log", None, f"offset={offset}", clock())
        uow.commit()
    return entries


def record_refusal(uow: UnitOfWork, actor: str, route: str, method: str, reason: str, clock: Clock = utc_now) -> None:
    """Audit a refused request: who (a username or "anonymous"), which route, the method and why.

    `route` must be the route's path template or a path without its query string: clinic search queries
    carry patient names, and the audit log keeps who looked, not what they typed into a URL. It is stored as
    the entry's entity_id under entity "route", cut to the column's 64 characters.
    """
    route = route.split("?", 1)[0][:ROUTE_CHARS]  # never a query string, even if a caller passes one
    with uow:
        uow.audit.add(actor[:64] or ANONYMOUS, REFUSED, ROUTE, route, f"{method} {reason}", clock())
        uow.commit()


def record_export(
    uow: UnitOfWork, actor: str, entity: str, entity_id: str, detail: str, clock: Clock = utc_now
) -> None:
    """Audit that patient data left the system as a file (a report PDF). Reading the data for it is audited
    by the reads themselves; this entry says a copy now exists outside, which a read does not."""
    with uow:
        uow.audit.add(actor, "export", entity, entity_id, detail, clock())
        uow.commit()
