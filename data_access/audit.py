"""The audit log: every write to the board's data or its users, with who, when and what.

Call `record` from every write path (imports, RAG rule changes, commentary, challenges, user changes). Pass the
session of the write itself when there is one, so the entry and the change are committed together or not at all.
Never put a password or a secret in `detail`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_access import db
from data_access.auth_models import AuditEntry
from data_access.models import utcnow


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    actor: str
    action: str
    target: str
    detail: str


def record(
    actor: str, action: str, target: str = "", detail: str | dict | None = None, *, session: Session | None = None
) -> None:
    """Append one entry. `action` is a short dotted verb (`import`, `user.add`, `challenge.close`); `detail` a
    sentence or a dict (stored as JSON).

    With `session` (the session of the change being audited) the entry joins that transaction: it is committed with
    the change or rolled back with it, and a crash in between leaves neither. Without one, the entry is committed on
    its own at once (for callers with no transaction of their own)."""
    if isinstance(detail, dict):
        detail = json.dumps(detail, sort_keys=True, default=str)
    entry = AuditEntry(
        at=utcnow(),
        actor=(actor or "unknown")[:255],
        action=action[:64],
        target=(target or "")[:255],
        detail=detail or "",
    )
    if session is not None:
        session.add(entry)
        return
    with db.session_scope() as s:
        s.add(entry)


def recent(limit: int = 50, *, action: str | None = None, actor: str | None = None) -> list[AuditRow]:
    """The newest entries first."""
    q = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if action:
        q = q.where(AuditEntry.action == action)
    if actor:
        q = q.where(AuditEntry.actor == actor)
    with db.session_scope() as s:
        return [AuditRow(e.at, e.actor, e.action, e.target, e.detail) for e in s.scalars(q)]
