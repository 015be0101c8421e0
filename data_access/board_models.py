"""Models for the board's own business: member agencies and their representatives, meetings and attendance, the
board's attendance rule, and the action tracker (section 11 audits, case reviews, inspections).

Nothing here is deleted: attendance is corrected in place (with an audit entry), and every change to an action is
kept as an event with who and when.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from data_access.models import Base, utcnow


class BoardAgency(Base):
    """A member agency of a board (the council's children's services, the police, a health trust...)."""

    __tablename__ = "board_agency"
    __table_args__ = (UniqueConstraint("board", "name", name="uq_board_agency"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    board: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)


class BoardRepresentative(Base):
    """An agency's named representative: a role, a name and the agency only (no other personal data).
    `username` links the representative to a sign-in, so a contributor can act for their own agency."""

    __tablename__ = "board_representative"
    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("board_agency.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    role_title: Mapped[str] = mapped_column(String(255), default="")
    username: Mapped[str | None] = mapped_column(String(64), index=True)


class BoardMeeting(Base):
    """A meeting of the board or one of its subgroups."""

    __tablename__ = "board_meeting"
    __table_args__ = (UniqueConstraint("board", "held_on", "kind", name="uq_board_meeting"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    board: Mapped[str] = mapped_column(String(64), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))  # board | subgroup
    recorded_by: Mapped[str] = mapped_column(String(255))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class BoardAttendance(Base):
    """One agency at one meeting: present, apologies (with the deputy who came, if any) or absent."""

    __tablename__ = "board_attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "agency_id", name="uq_board_attendance"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("board_meeting.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("board_agency.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))  # present | apologies | absent
    deputy: Mapped[str] = mapped_column(String(255), default="")


class BoardRule(Base):
    """The board's own settings: how many absences in a row turn an agency red."""

    __tablename__ = "board_rule"
    board: Mapped[str] = mapped_column(String(64), primary_key=True)
    absences_in_a_row: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[str] = mapped_column(String(255))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class BoardAction(Base):
    """An action the board tracks: from a section 11 audit, a serious case or learning review, or an inspection."""

    __tablename__ = "board_action"
    __table_args__ = (UniqueConstraint("board", "reference", name="uq_board_action_reference"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    board: Mapped[str] = mapped_column(String(64), index=True)
    reference: Mapped[str] = mapped_column(String(64))  # the board's own reference, e.g. "OFSTED-2016-129"
    source_kind: Mapped[str] = mapped_column(String(16))  # section11 | review | inspection
    source: Mapped[str] = mapped_column(String(255))  # e.g. "Ofsted review of the LSCB, 2016"
    source_document: Mapped[str] = mapped_column(String(255), default="")
    source_line: Mapped[int | None] = mapped_column(Integer)
    agency: Mapped[str] = mapped_column(String(255))  # the agency that owns the action
    text: Mapped[str] = mapped_column(Text)
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | evidenced | signed_off
    evidence: Mapped[str] = mapped_column(Text, default="")
    signed_off_by: Mapped[str] = mapped_column(String(255), default="")
    signed_off_at: Mapped[datetime | None] = mapped_column(DateTime)
    updated_by: Mapped[str] = mapped_column(String(255))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class BoardActionEvent(Base):
    """One change to an action: who, when, and what it became."""

    __tablename__ = "board_action_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("board_action.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(255))
    change: Mapped[str] = mapped_column(String(32))  # added | evidenced | signed_off | due_changed
    status: Mapped[str] = mapped_column(String(16))
    evidence: Mapped[str] = mapped_column(Text, default="")
    due_date: Mapped[date | None] = mapped_column(Date)
