"""Models for the board's review work: commentary on figures, and the chair's challenge log.

Nothing here is ever deleted: commentary keeps every revision, and a challenge keeps every change as an event.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from data_access.models import Base, utcnow


class Commentary(Base):
    """The current narrative on one indicator x area x period: what the figure means, what is being done."""

    __tablename__ = "commentary"
    __table_args__ = (UniqueConstraint("indicator_id", "area_id", "period_id", name="uq_commentary_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id"), index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"))
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id"))
    body: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(255))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Every UPDATE also says "WHERE version = the version read", so a save that lost a race changes nothing and is
    # told (StaleDataError), on SQLite too, which has no SELECT ... FOR UPDATE. The store sets the number itself.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}


class CommentaryRevision(Base):
    """Every version of a commentary, kept."""

    __tablename__ = "commentary_revision"
    id: Mapped[int] = mapped_column(primary_key=True)
    commentary_id: Mapped[int] = mapped_column(ForeignKey("commentary.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(255))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Challenge(Base):
    """A question the board puts to a partner about a figure, and what became of it."""

    __tablename__ = "challenge"
    __table_args__ = (Index("ix_challenge_status_due", "status", "due_date"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id"), index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"))
    period_id: Mapped[int | None] = mapped_column(ForeignKey("period.id"))
    question: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(255))  # the agency that owes an answer
    due_date: Mapped[date | None] = mapped_column(Date)
    meeting: Mapped[str] = mapped_column(String(100), default="")  # e.g. "Board 2016-12-08"
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | answered | closed | withdrawn
    response: Mapped[str] = mapped_column(Text, default="")
    facts: Mapped[str] = mapped_column(Text, default="")  # the facts a drafted question used (JSON list)
    raised_by: Mapped[str] = mapped_column(String(255))
    raised_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(255))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)  # optimistic concurrency: a stale save is refused
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # as Commentary: a lost race is told


class ChallengeEvent(Base):
    """One change to a challenge: who, when, what it was before and after."""

    __tablename__ = "challenge_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenge.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(32))  # raised | edited | answered | closed | withdrawn | reopened
    from_status: Mapped[str] = mapped_column(String(16), default="")
    to_status: Mapped[str] = mapped_column(String(16), default="")
    question: Mapped[str] = mapped_column(Text, default="")
    response: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer)


class DismissedDraft(Base):
    """A drafted question the chair dismissed, so it is not proposed again for the same figure."""

    __tablename__ = "dismissed_draft"
    __table_args__ = (UniqueConstraint("draft_key", name="uq_dismissed_draft"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    draft_key: Mapped[str] = mapped_column(String(255))
    dismissed_by: Mapped[str] = mapped_column(String(255))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
