"""Storing and reading commentary and challenges. Every write keeps history; stale saves are refused.

Each write takes an optional `session`: the use case (dashboard.services) passes its own, so the change and its audit
entry commit together or not at all. Without one, the write commits on its own. The cached reads are forgotten once
the change has committed, whichever session committed it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import event, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from data_access.cache import cache
from data_access.db import get_engine, session_scope
from data_access.models import Area, Indicator, Period, utcnow
from data_access.review_models import Challenge, ChallengeEvent, Commentary, CommentaryRevision, DismissedDraft


class VersionConflict(Exception):
    """Someone else saved first. `current` holds what is stored now, to show the person who was late."""

    def __init__(self, current: dict):
        self.current = current
        super().__init__(
            f"changed by {current.get('updated_by') or current.get('author')} since you opened it "
            f"(now version {current['version']})"
        )


class NotFound(LookupError):
    pass


def _ids(s, indicator: str, area: str, period: str | None) -> tuple[int, int, int | None]:
    ind = s.scalar(select(Indicator.id).where(Indicator.code == indicator))
    ar = s.scalar(select(Area.id).where(Area.code == area))
    per = s.scalar(select(Period.id).where(Period.code == period)) if period else None
    if ind is None:
        raise NotFound(f"unknown indicator {indicator!r}")
    if ar is None:
        raise NotFound(f"unknown area {area!r}")
    if period and per is None:
        raise NotFound(f"no figures for period {period!r}")
    return ind, ar, per


def _forget_reads() -> None:
    for f in (commentary_table, challenges_table, challenge_events, dismissed_keys, commentary_revisions):
        cache.delete_memoized(f)


def _forget_on_commit(session: Session) -> None:
    """Forget the cached reads when this session commits (not before: another worker could cache the old rows)."""
    if session.info.get("review_reads_watched"):
        return
    session.info["review_reads_watched"] = True
    event.listen(session, "after_commit", lambda _s: _forget_reads())


@contextmanager
def _writing(session: Session | None) -> Iterator[Session]:
    """The caller's session, or one of our own that commits on leaving."""
    if session is not None:
        _forget_on_commit(session)
        yield session
        return
    with session_scope() as s:
        _forget_on_commit(s)
        yield s


def _insert_unless_present(s: Session, model: type, values: dict, keys: list[str]) -> bool:
    """Insert one row unless a row with the same unique `keys` exists; True when this call inserted it.

    One statement (INSERT ... ON CONFLICT DO NOTHING) rather than look-then-insert, so when two people write the
    same row at once the database waits for the first and the second learns it was late, instead of failing on the
    unique constraint."""
    dialect = s.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the app supports SQLite and PostgreSQL only
        raise NotImplementedError(f"no insert-unless-present for {dialect}")
    stmt = insert(model).values(**values).on_conflict_do_nothing(index_elements=keys).returning(model.id)
    return s.execute(stmt).scalar() is not None  # no row returned: it was there already


# ------------------------------------------------------------------ commentary


def _commentary_dict(c: Commentary) -> dict:
    return {"version": c.version, "body": c.body, "author": c.author, "updated_at": c.updated_at}


def save_commentary(
    indicator: str,
    area: str,
    period: str,
    body: str,
    author: str,
    expected_version: int | None,
    *,
    session: Session | None = None,
) -> int:
    """Write a new version of the commentary; `expected_version` is the version the author started from
    (None for a new one). Returns the new version; raises VersionConflict if someone saved in between, including
    when two people write the first commentary on a figure at once."""
    with _writing(session) as s:
        ind, ar, per = _ids(s, indicator, area, period)
        key = (Commentary.indicator_id == ind, Commentary.area_id == ar, Commentary.period_id == per)
        c = s.scalar(select(Commentary).where(*key).with_for_update())
        now = utcnow()
        if c is None:
            if expected_version not in (None, 0):
                raise VersionConflict({"version": 0, "body": "", "author": "", "updated_at": None})
            created = _insert_unless_present(
                s,
                Commentary,
                {
                    "indicator_id": ind,
                    "area_id": ar,
                    "period_id": per,
                    "body": body,
                    "author": author,
                    "updated_at": now,
                    "version": 1,
                },
                ["indicator_id", "area_id", "period_id"],
            )
            c = s.scalar(select(Commentary).where(*key).with_for_update().execution_options(populate_existing=True))
            if not created:  # someone else wrote the first version while this author was typing theirs
                raise VersionConflict(_commentary_dict(c))
        else:
            if expected_version != c.version:
                raise VersionConflict(_commentary_dict(c))
            c.body, c.author, c.updated_at, c.version = body, author, now, c.version + 1
            try:
                s.flush()
            except StaleDataError:  # saved by someone else between our read and our write (SQLite has no FOR UPDATE)
                raise VersionConflict(_commentary_now(ind, ar, per)) from None
        s.add(CommentaryRevision(commentary_id=c.id, version=c.version, body=body, author=author, at=now))
        s.flush()
        return c.version


def _commentary_now(ind: int, ar: int, per: int | None) -> dict:
    """What is stored now, read outside the writer's failed transaction."""
    with session_scope() as s:
        c = s.scalar(
            select(Commentary).where(
                Commentary.indicator_id == ind, Commentary.area_id == ar, Commentary.period_id == per
            )
        )
        return _commentary_dict(c)


@cache.memoize()
def commentary_table() -> pd.DataFrame:
    """Current commentary on every figure (indicator, area, period codes)."""
    stmt = (
        select(
            Indicator.code.label("indicator"),
            Area.code.label("area"),
            Period.code.label("period"),
            Period.label.label("period_label"),
            Commentary.body,
            Commentary.author,
            Commentary.updated_at,
            Commentary.version,
        )
        .join(Indicator, Indicator.id == Commentary.indicator_id)
        .join(Area, Area.id == Commentary.area_id)
        .join(Period, Period.id == Commentary.period_id)
        .order_by(Commentary.updated_at.desc())
    )
    with get_engine().connect() as conn:
        return pd.read_sql(stmt, conn)


@cache.memoize()
def commentary_revisions(indicator: str, area: str, period: str) -> pd.DataFrame:
    """Every version of one commentary, newest first."""
    stmt = (
        select(CommentaryRevision.version, CommentaryRevision.body, CommentaryRevision.author, CommentaryRevision.at)
        .join(Commentary, Commentary.id == CommentaryRevision.commentary_id)
        .join(Indicator, Indicator.id == Commentary.indicator_id)
        .join(Area, Area.id == Commentary.area_id)
        .join(Period, Period.id == Commentary.period_id)
        .where(Indicator.code == indicator, Area.code == area, Period.code == period)
        .order_by(CommentaryRevision.version.desc())
    )
    with get_engine().connect() as conn:
        return pd.read_sql(stmt, conn)


# ------------------------------------------------------------------ challenges


@dataclass(frozen=True)
class ChallengeChange:
    """What a save changes. Fields left None stay as they are."""

    question: str | None = None
    owner: str | None = None
    due_date: date | None = None
    clear_due_date: bool = False
    meeting: str | None = None
    status: str | None = None
    response: str | None = None
    action: str = "edited"


def raise_challenge(
    indicator: str,
    area: str,
    period: str | None,
    question: str,
    owner: str,
    actor: str,
    *,
    due_date: date | None = None,
    meeting: str = "",
    facts: list[str] | None = None,
    session: Session | None = None,
) -> int:
    """Record a new open challenge and its first event; returns its number."""
    with _writing(session) as s:
        ind, ar, per = _ids(s, indicator, area, period)
        now = utcnow()
        c = Challenge(
            indicator_id=ind,
            area_id=ar,
            period_id=per,
            question=question,
            owner=owner,
            due_date=due_date,
            meeting=meeting,
            status="open",
            response="",
            facts=json.dumps(facts or []),
            raised_by=actor,
            raised_at=now,
            updated_by=actor,
            updated_at=now,
            version=1,
        )
        s.add(c)
        s.flush()
        s.add(
            ChallengeEvent(
                challenge_id=c.id,
                at=now,
                actor=actor,
                action="raised",
                from_status="",
                to_status="open",
                question=question,
                response="",
                version=1,
            )
        )
        s.flush()
        return c.id


def current_challenge(challenge_id: int, *, session: Session | None = None) -> dict:
    """The challenge as stored now (id, question, owner, due_date, meeting, status, response, version, updated_by,
    updated_at). Given a session, the row is also locked until that session ends (PostgreSQL)."""
    if session is not None:
        c = session.scalar(select(Challenge).where(Challenge.id == challenge_id).with_for_update())
        if c is None:
            raise NotFound(f"there is no challenge {challenge_id}")
        return _as_dict(c)
    with session_scope() as s:
        c = s.get(Challenge, challenge_id)
        if c is None:
            raise NotFound(f"there is no challenge {challenge_id}")
        return _as_dict(c)


def _as_dict(c: Challenge) -> dict:
    return {
        "id": c.id,
        "question": c.question,
        "owner": c.owner,
        "due_date": c.due_date,
        "meeting": c.meeting,
        "status": c.status,
        "response": c.response,
        "version": c.version,
        "updated_by": c.updated_by,
        "updated_at": c.updated_at,
    }


def update_challenge(
    challenge_id: int, expected_version: int, actor: str, change: ChallengeChange, *, session: Session | None = None
) -> int:
    """Apply a change made from `expected_version`; raise VersionConflict (with what is stored now) if the
    challenge changed since. Returns the new version. Every change is kept as an event."""
    with _writing(session) as s:
        c = s.scalar(select(Challenge).where(Challenge.id == challenge_id).with_for_update())
        if c is None:
            raise NotFound(f"there is no challenge {challenge_id}")
        if c.version != expected_version:
            raise VersionConflict(_as_dict(c))
        before = c.status
        for field in ("question", "owner", "meeting", "status", "response"):
            v = getattr(change, field)
            if v is not None:
                setattr(c, field, v)
        if change.due_date is not None or change.clear_due_date:
            c.due_date = change.due_date
        now = utcnow()
        c.version += 1
        c.updated_by, c.updated_at = actor, now
        try:
            s.flush()
        except StaleDataError:  # changed by someone else between our read and our write (SQLite has no FOR UPDATE)
            raise VersionConflict(current_challenge(challenge_id)) from None
        s.add(
            ChallengeEvent(
                challenge_id=c.id,
                at=now,
                actor=actor,
                action=change.action,
                from_status=before,
                to_status=c.status,
                question=c.question,
                response=c.response,
                version=c.version,
            )
        )
        s.flush()
        return c.version


@cache.memoize()
def challenges_table() -> pd.DataFrame:
    """Every challenge with its indicator, domain, area and period."""
    stmt = (
        select(
            Challenge.id,
            Indicator.code.label("indicator"),
            Indicator.title.label("indicator_title"),
            Indicator.domain,
            Area.code.label("area"),
            Area.name.label("area_name"),
            Period.code.label("period"),
            Period.label.label("period_label"),
            Challenge.question,
            Challenge.owner,
            Challenge.due_date,
            Challenge.meeting,
            Challenge.status,
            Challenge.response,
            Challenge.facts,
            Challenge.raised_by,
            Challenge.raised_at,
            Challenge.updated_by,
            Challenge.updated_at,
            Challenge.version,
        )
        .join(Indicator, Indicator.id == Challenge.indicator_id)
        .join(Area, Area.id == Challenge.area_id)
        .outerjoin(Period, Period.id == Challenge.period_id)
        .order_by(Challenge.raised_at.desc())
    )
    with get_engine().connect() as conn:
        return pd.read_sql(stmt, conn)


@cache.memoize()
def challenge_events(challenge_id: int) -> pd.DataFrame:
    stmt = (
        select(
            ChallengeEvent.at,
            ChallengeEvent.actor,
            ChallengeEvent.action,
            ChallengeEvent.from_status,
            ChallengeEvent.to_status,
            ChallengeEvent.question,
            ChallengeEvent.response,
            ChallengeEvent.version,
        )
        .where(ChallengeEvent.challenge_id == challenge_id)
        .order_by(ChallengeEvent.version)
    )
    with get_engine().connect() as conn:
        return pd.read_sql(stmt, conn)


def dismiss_draft(draft_key: str, actor: str, *, session: Session | None = None) -> bool:
    """Mark a drafted question as dealt with (dismissed, or raised) so it is not proposed again. True when this
    call marked it; False when it already was, by someone else, even a moment ago."""
    with _writing(session) as s:
        return _insert_unless_present(
            s, DismissedDraft, {"draft_key": draft_key, "dismissed_by": actor, "at": utcnow()}, ["draft_key"]
        )


def draft_dismissal(draft_key: str) -> dict | None:
    """Who dealt with a draft and when ({"by", "at"}), and the challenge raised from it if one was ("challenge")."""
    with session_scope() as s:
        d = s.scalar(select(DismissedDraft).where(DismissedDraft.draft_key == draft_key))
        if d is None:
            return None
        cid = s.scalar(
            select(Challenge.id)
            .where(Challenge.facts == json.dumps([f"drafted: {draft_key}"]))
            .order_by(Challenge.id)
            .limit(1)
        )
        return {"by": d.dismissed_by, "at": d.at, "challenge": cid}


@cache.memoize()
def dismissed_keys() -> frozenset[str]:
    with get_engine().connect() as conn:
        return frozenset(conn.execute(select(DismissedDraft.draft_key)).scalars())
