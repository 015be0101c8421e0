"""Storing and reading the board's own business: agencies, representatives, meetings, attendance, the attendance
rule and the action tracker.

Each write takes an optional `session`: the use case (dashboard.services.board) passes its own, so the change and
its audit entry commit together or not at all. The cached reads are forgotten once the change has committed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from data_access.board_models import (
    BoardAction,
    BoardActionEvent,
    BoardAgency,
    BoardAttendance,
    BoardMeeting,
    BoardRepresentative,
    BoardRule,
)
from data_access.cache import cache
from data_access.db import session_scope
from data_access.models import utcnow


class NotFound(LookupError):
    pass


def _forget_reads() -> None:
    for f in (agencies, attendance_rows, absence_rule, actions, action_events, agency_of_user, meetings):
        cache.delete_memoized(f)


def _forget_on_commit(session: Session) -> None:
    """Forget the cached reads when this session commits (not before: another worker could cache the old rows)."""
    if session.info.get("board_reads_watched"):
        return
    session.info["board_reads_watched"] = True
    event.listen(session, "after_commit", lambda _s: _forget_reads())


@contextmanager
def _writing(session: Session | None) -> Iterator[Session]:
    if session is not None:
        _forget_on_commit(session)
        yield session
        return
    with session_scope() as s:
        _forget_on_commit(s)
        yield s


@contextmanager
def _reading(session: Session | None) -> Iterator[Session]:
    if session is not None:
        yield session
        return
    with session_scope() as s:
        yield s


# ------------------------------------------------------------------ agencies and representatives


def ensure_agency(board: str, name: str, *, session: Session | None = None) -> int:
    """The agency's id, adding it to the board's members when it is new."""
    with _writing(session) as s:
        aid = s.scalar(select(BoardAgency.id).where(BoardAgency.board == board, BoardAgency.name == name))
        if aid is None:
            a = BoardAgency(board=board, name=name, active=True)
            s.add(a)
            s.flush()
            aid = a.id
        return aid


def add_representative(
    board: str, agency: str, name: str, role_title: str, username: str | None = None, *, session: Session | None = None
) -> int:
    """Name a representative of an agency (adding the agency if new); returns the representative's id."""
    with _writing(session) as s:
        aid = ensure_agency(board, agency, session=s)
        r = BoardRepresentative(agency_id=aid, name=name, role_title=role_title, username=username or None)
        s.add(r)
        s.flush()
        return r.id


@cache.memoize()
def agencies(board: str) -> list[dict]:
    """The board's member agencies, by name, each with its representatives ({name, role_title, username})."""
    with session_scope() as s:
        rows = s.scalars(
            select(BoardAgency).where(BoardAgency.board == board, BoardAgency.active).order_by(BoardAgency.name)
        ).all()
        reps = (
            s.execute(select(BoardRepresentative).join(BoardAgency).where(BoardAgency.board == board)).scalars().all()
        )
        by_agency: dict[int, list[dict]] = {}
        for r in reps:
            by_agency.setdefault(r.agency_id, []).append(
                {"name": r.name, "role_title": r.role_title, "username": r.username}
            )
        return [{"id": a.id, "name": a.name, "representatives": by_agency.get(a.id, [])} for a in rows]


@cache.memoize()
def agency_of_user(username: str, board: str | None = None) -> str | None:
    """The agency a signed-in user represents (on `board` if given); None when they represent none."""
    q = select(BoardAgency.name).join(BoardRepresentative).where(BoardRepresentative.username == username)
    if board:
        q = q.where(BoardAgency.board == board)
    with session_scope() as s:
        return s.scalars(q.order_by(BoardAgency.name).limit(1)).first()


# ------------------------------------------------------------------ meetings and attendance


def record_meeting(
    board: str,
    held_on: date,
    kind: str,
    actor: str,
    marks: dict[str, tuple[str, str]],
    *,
    session: Session | None = None,
) -> tuple[int, bool]:
    """Record (or correct) a meeting's attendance: `marks` maps agency name to (status, deputy). Returns the
    meeting's id and whether it was new."""
    with _writing(session) as s:
        m = s.scalar(
            select(BoardMeeting).where(
                BoardMeeting.board == board, BoardMeeting.held_on == held_on, BoardMeeting.kind == kind
            )
        )
        new = m is None
        if m is None:
            m = BoardMeeting(board=board, held_on=held_on, kind=kind, recorded_by=actor, recorded_at=utcnow())
            s.add(m)
            s.flush()
        else:
            m.recorded_by, m.recorded_at = actor, utcnow()
        for agency, (status, deputy) in marks.items():
            aid = ensure_agency(board, agency, session=s)
            row = s.scalar(
                select(BoardAttendance).where(BoardAttendance.meeting_id == m.id, BoardAttendance.agency_id == aid)
            )
            if row is None:
                s.add(BoardAttendance(meeting_id=m.id, agency_id=aid, status=status, deputy=deputy))
            else:
                row.status, row.deputy = status, deputy
        s.flush()
        return m.id, new


def attendance_in(
    board: str, kind: str | None = None, *, session: Session | None = None, exclude_meeting: int | None = None
) -> list[dict]:
    """Every attendance mark of the board ({agency, held_on, kind, status, deputy, meeting_id}), oldest first;
    read in `session` when given, so a use case sees its own uncommitted writes."""
    q = (
        select(
            BoardAgency.name,
            BoardMeeting.held_on,
            BoardMeeting.kind,
            BoardAttendance.status,
            BoardAttendance.deputy,
            BoardMeeting.id,
        )
        .join(BoardAttendance, BoardAttendance.agency_id == BoardAgency.id)
        .join(BoardMeeting, BoardMeeting.id == BoardAttendance.meeting_id)
        .where(BoardMeeting.board == board)
        .order_by(BoardMeeting.held_on, BoardAgency.name)
    )
    if kind:
        q = q.where(BoardMeeting.kind == kind)
    if exclude_meeting is not None:
        q = q.where(BoardMeeting.id != exclude_meeting)
    with _reading(session) as s:
        return [
            {"agency": a, "held_on": d, "kind": k, "status": st, "deputy": dep, "meeting_id": mid}
            for a, d, k, st, dep, mid in s.execute(q)
        ]


@cache.memoize()
def attendance_rows(board: str, kind: str | None = None) -> list[dict]:
    """attendance_in, cached for the pages."""
    return attendance_in(board, kind)


@cache.memoize()
def meetings(board: str) -> list[dict]:
    """The board's meetings, newest first ({id, held_on, kind, recorded_by, recorded_at})."""
    with session_scope() as s:
        return [
            {
                "id": m.id,
                "held_on": m.held_on,
                "kind": m.kind,
                "recorded_by": m.recorded_by,
                "recorded_at": m.recorded_at,
            }
            for m in s.scalars(
                select(BoardMeeting)
                .where(BoardMeeting.board == board)
                .order_by(BoardMeeting.held_on.desc(), BoardMeeting.kind)
            )
        ]


@cache.memoize()
def absence_rule(board: str) -> int | None:
    """The board's 'absences in a row' setting; None when the board has not set one."""
    with session_scope() as s:
        return s.scalar(select(BoardRule.absences_in_a_row).where(BoardRule.board == board))


def set_absence_rule(board: str, n: int, actor: str, *, session: Session | None = None) -> int | None:
    """Store the board's setting; returns the value it replaced (None when there was none)."""
    with _writing(session) as s:
        r = s.get(BoardRule, board)
        before = r.absences_in_a_row if r else None
        if r is None:
            s.add(BoardRule(board=board, absences_in_a_row=n, updated_by=actor, updated_at=utcnow()))
        else:
            r.absences_in_a_row, r.updated_by, r.updated_at = n, actor, utcnow()
        s.flush()
        return before


# ------------------------------------------------------------------ actions


def _action_dict(a: BoardAction) -> dict:
    return {
        "id": a.id,
        "board": a.board,
        "reference": a.reference,
        "source_kind": a.source_kind,
        "source": a.source,
        "source_document": a.source_document,
        "source_line": a.source_line,
        "agency": a.agency,
        "text": a.text,
        "due_date": a.due_date,
        "status": a.status,
        "evidence": a.evidence,
        "signed_off_by": a.signed_off_by,
        "signed_off_at": a.signed_off_at,
        "updated_by": a.updated_by,
        "updated_at": a.updated_at,
    }


def add_action(
    board: str,
    reference: str,
    source_kind: str,
    source: str,
    agency: str,
    text: str,
    actor: str,
    *,
    due_date: date | None = None,
    source_document: str = "",
    source_line: int | None = None,
    session: Session | None = None,
) -> int | None:
    """Add an action unless the board already has one with this reference; its id, or None when it existed."""
    with _writing(session) as s:
        if s.scalar(select(BoardAction.id).where(BoardAction.board == board, BoardAction.reference == reference)):
            return None
        now = utcnow()
        a = BoardAction(
            board=board,
            reference=reference,
            source_kind=source_kind,
            source=source,
            source_document=source_document,
            source_line=source_line,
            agency=agency,
            text=text,
            due_date=due_date,
            status="open",
            evidence="",
            signed_off_by="",
            updated_by=actor,
            updated_at=now,
        )
        s.add(a)
        s.flush()
        s.add(
            BoardActionEvent(
                action_id=a.id, at=now, actor=actor, change="added", status="open", evidence="", due_date=due_date
            )
        )
        s.flush()
        return a.id


def action_for_update(action_id: int, *, session: Session) -> dict:
    """The action as stored now, locked until `session` ends (PostgreSQL)."""
    a = session.scalar(select(BoardAction).where(BoardAction.id == action_id).with_for_update())
    if a is None:
        raise NotFound(f"there is no action {action_id}")
    return _action_dict(a)


def update_action(
    action_id: int,
    actor: str,
    change: str,
    status: str,
    *,
    evidence: str | None = None,
    signed_off: bool = False,
    session: Session | None = None,
) -> None:
    """Apply a change and keep it as an event with who and when."""
    with _writing(session) as s:
        a = s.get(BoardAction, action_id)
        if a is None:
            raise NotFound(f"there is no action {action_id}")
        now: datetime = utcnow()
        a.status = status
        if evidence is not None:
            a.evidence = evidence
        if signed_off:
            a.signed_off_by, a.signed_off_at = actor, now
        elif status != "signed_off":
            a.signed_off_by, a.signed_off_at = "", None
        a.updated_by, a.updated_at = actor, now
        s.add(
            BoardActionEvent(
                action_id=a.id,
                at=now,
                actor=actor,
                change=change,
                status=status,
                evidence=a.evidence,
                due_date=a.due_date,
            )
        )
        s.flush()


@cache.memoize()
def actions(board: str) -> list[dict]:
    """Every action of the board, oldest reference first."""
    with session_scope() as s:
        return [
            _action_dict(a)
            for a in s.scalars(select(BoardAction).where(BoardAction.board == board).order_by(BoardAction.id))
        ]


@cache.memoize()
def action_events(action_id: int) -> list[dict]:
    """Every change to an action, oldest first ({at, actor, change, status, evidence})."""
    with session_scope() as s:
        return [
            {"at": e.at, "actor": e.actor, "change": e.change, "status": e.status, "evidence": e.evidence}
            for e in s.scalars(
                select(BoardActionEvent).where(BoardActionEvent.action_id == action_id).order_by(BoardActionEvent.id)
            )
        ]
