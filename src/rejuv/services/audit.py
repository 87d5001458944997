"""Reading the audit log (admins only; the shell checks the role before calling)."""

from __future__ import annotations

from rejuv.services.clock import Clock, utc_now
from rejuv.services.ports import UnitOfWork
from rejuv.services.records import AuditEntry


def audit_entries(
    uow: UnitOfWork, actor: str, limit: int = 200, offset: int = 0, clock: Clock = utc_now
) -> list[AuditEntry]:
    """The newest entries first. Reading the log is itself logged, so nobody reads it unseen."""
    with uow:
        entries = uow.audit.latest(max(1, min(limit, 1000)), max(0, offset))
        uow.audit.add(actor, "read", "audit_log", None, f"offset={offset}", clock())
        uow.commit()
    return entries
