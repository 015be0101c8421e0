"""Users, sign-in sessions, sign-in attempts and the audit log: the tables and the queries on them.

Everything the sign-in needs across processes lives here, in the database, so several gunicorn workers (or hosts)
agree: who is signed in (a session row per sign-in), and how many times a name or an address failed to sign in
lately (the throttle). Password hashing and the rules about roles are in dashboard/auth; this module stores strings.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from data_access.models import Base, utcnow


class User(Base):
    """Someone who may sign in (AUTH_MODE=password). Names are stored in lower case; a user is disabled, never
    deleted, so the audit log keeps meaning something."""

    __tablename__ = "app_user"
    __table_args__ = (UniqueConstraint("name", name="uq_app_user_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(DateTime)


class UserSession(Base):
    """One sign-in. The browser holds a random token; only its SHA-256 is stored, so a copy of this table does
    not let anyone in. Signing out, disabling the user or idling past the limit ends it."""

    __tablename__ = "user_session"
    __table_args__ = (Index("ix_user_session_user", "user_id"),)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of the browser's token
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    address: Mapped[str] = mapped_column(String(64), default="")


class LoginAttempt(Base):
    """One try at the sign-in form, kept to throttle guessing (per name and per address) and to show who tried."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_username_at", "username", "at"),
        Index("ix_login_attempt_address_at", "address", "at"),
        Index("ix_login_attempt_at", "at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    username: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)


class AuditEntry(Base):
    """One write: who did what to what, and when. Append-only: nothing in the application updates or deletes it."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"), Index("ix_audit_log_action", "action"))
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(255), default="")
    detail: Mapped[str] = mapped_column(Text, default="")


# --- users ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserRow:
    """A user as the command line lists them (never the password hash)."""

    name: str
    role: str
    active: bool
    created_at: datetime
    last_sign_in_at: datetime | None


def _row(u: User) -> UserRow:
    return UserRow(u.name, u.role, u.active, u.created_at, u.last_sign_in_at)


def get_user(s: Session, name: str) -> User | None:
    """The user of that name (any case), or None."""
    return s.scalars(select(User).where(User.name == name.strip().lower())).first()


def add_user(s: Session, name: str, role: str, password_hash: str) -> UserRow:
    """A new, active user (the name is stored in lower case)."""
    u = User(name=name.strip().lower(), role=role, password_hash=password_hash, active=True, created_at=utcnow())
    s.add(u)
    s.flush()
    return _row(u)


def list_users(s: Session) -> list[UserRow]:
    """Every user, by name."""
    return [_row(u) for u in s.scalars(select(User).order_by(User.name))]


def count_active_users(s: Session) -> int:
    """How many users can sign in."""
    return s.execute(select(func.count()).select_from(User).where(User.active.is_(True))).scalar_one()


def set_user_fields(s: Session, name: str, **fields) -> bool:
    """Change a user's role, active flag or password hash. False when there is no such user."""
    r = s.execute(update(User).where(User.name == name.strip().lower()).values(**fields))
    return bool(r.rowcount)


# --- sessions ---------------------------------------------------------------------------------------------------


def token_digest(token: str) -> str:
    """What is stored of a session token: its SHA-256, so the table alone lets nobody in."""
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(s: Session, user_name: str, token: str, address: str, now: datetime) -> None:
    """Open a session for an existing user, and note when they last signed in."""
    user = get_user(s, user_name)
    assert user is not None
    s.add(UserSession(id=token_digest(token), user_id=user.id, created_at=now, last_seen_at=now, address=address[:64]))
    user.last_sign_in_at = now


@dataclass(frozen=True)
class SessionRow:
    """A session with its user's name, role and whether the user is still active."""

    user_name: str
    role: str
    active: bool
    created_at: datetime
    last_seen_at: datetime


def find_session(s: Session, token: str) -> SessionRow | None:
    """The session with this token, or None (never opened, signed out, or pruned)."""
    row = s.execute(
        select(User.name, User.role, User.active, UserSession.created_at, UserSession.last_seen_at)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.id == token_digest(token))
    ).first()
    return SessionRow(*row) if row else None


def touch_session(s: Session, token: str, now: datetime) -> None:
    """Note that the session was used at `now` (its idle time starts again)."""
    s.execute(update(UserSession).where(UserSession.id == token_digest(token)).values(last_seen_at=now))


def end_session(s: Session, token: str) -> None:
    """End one session (signing out, or idle too long)."""
    s.execute(delete(UserSession).where(UserSession.id == token_digest(token)))


def end_sessions_of(s: Session, user_name: str) -> int:
    """Sign a user out everywhere (disabled, or password changed)."""
    user = get_user(s, user_name)
    if user is None:
        return 0
    return s.execute(delete(UserSession).where(UserSession.user_id == user.id)).rowcount or 0


def prune_sessions(s: Session, idle_before: datetime, started_before: datetime) -> None:
    """Delete the sessions that idled past, or started before, the limits: they can no longer be used."""
    s.execute(
        delete(UserSession).where((UserSession.last_seen_at < idle_before) | (UserSession.created_at < started_before))
    )


# --- sign-in attempts (the throttle) ----------------------------------------------------------------------------


def record_attempt(s: Session, username: str, address: str, succeeded: bool, now: datetime) -> None:
    """Keep one try at the sign-in form, for the throttle."""
    s.add(LoginAttempt(at=now, username=username[:64], address=address[:64], succeeded=succeeded))


def recent_failures(s: Session, username: str, address: str, since: datetime) -> tuple[int, int]:
    """Failed sign-ins since `since`: (for this name since its last success, from this address)."""
    last_ok = s.execute(
        select(func.max(LoginAttempt.at)).where(
            LoginAttempt.username == username[:64], LoginAttempt.succeeded.is_(True)
        )
    ).scalar_one()
    user_since = max(since, last_ok) if last_ok else since
    by_user = s.execute(
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.username == username[:64], LoginAttempt.succeeded.is_(False), LoginAttempt.at > user_since)
    ).scalar_one()
    by_address = s.execute(
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.address == address[:64], LoginAttempt.succeeded.is_(False), LoginAttempt.at > since)
    ).scalar_one()
    return by_user, by_address


def prune_attempts(s: Session, before: datetime) -> None:
    """Forget the tries older than `before`."""
    s.execute(delete(LoginAttempt).where(LoginAttempt.at < before))


ATTEMPTS_KEPT = timedelta(days=90)
