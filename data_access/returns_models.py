"""Child-level rows kept from statutory returns for the drill-down behind a figure.

Nothing here identifies a child directly: `pseudo_id` is a keyed hash of the council's child id (never the id
itself or the UPN), the age is a band, and codes are the return's own codes. Each row belongs to the ingest run
that made it; a new ingest of the same return for the same council and period replaces the old rows.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from data_access.models import Base, utcnow


class ReturnIngest(Base):
    """One ingest of a statutory return (SSDA903 for a year, or an Annex A workbook) for one council."""

    __tablename__ = "return_ingest"
    __table_args__ = (UniqueConstraint("return_kind", "area_id", "period", name="uq_return_ingest"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    return_kind: Mapped[str] = mapped_column(String(16))  # ssda903 | annex_a
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"))
    period: Mapped[str] = mapped_column(String(32))  # the return's period code, e.g. 2023-24
    source_document: Mapped[str] = mapped_column(String(255))
    rule_version: Mapped[str] = mapped_column(String(64))
    options: Mapped[str] = mapped_column(String(255), default="")  # e.g. "wording=carer"
    repairs: Mapped[str] = mapped_column(Text, default="")  # the repair log, one per line (file and row, no ids)
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    actor: Mapped[str] = mapped_column(String(255), default="")
    ingested_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    rows: Mapped[list[ChildLevelRow]] = relationship(back_populates="ingest")


class ChildLevelRow(Base):
    """One child (or one event of a child) behind one figure: counted in its numerator or only its cohort."""

    __tablename__ = "child_level_row"
    __table_args__ = (
        # The drill-down reads the rows behind one indicator and period (then filters by council).
        Index("ix_child_level_row_indicator_period", "indicator", "period", "ingest_id"),
        # Replacing an ingest deletes its rows.
        Index("ix_child_level_row_ingest", "ingest_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    ingest_id: Mapped[int] = mapped_column(ForeignKey("return_ingest.id"))
    indicator: Mapped[str] = mapped_column(String(80))
    period: Mapped[str] = mapped_column(String(32))
    pseudo_id: Mapped[str] = mapped_column(String(32))
    age_band: Mapped[str] = mapped_column(String(16))
    counted: Mapped[bool] = mapped_column(Boolean)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    codes: Mapped[str] = mapped_column(Text, default="")  # JSON object of the return's codes
    ingest: Mapped[ReturnIngest] = relationship(back_populates="rows")
