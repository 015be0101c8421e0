"""The schema: one set of SQLAlchemy 2.x models for SQLite and PostgreSQL.

The board dataset is long-format: an observation is one figure for indicator x area x period x breakdown.
The headline figure has an empty breakdown ('' rather than NULL, so the natural key is unique on every database).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class Board(Base):
    """A safeguarding board (LSCB / safeguarding partnership)."""

    __tablename__ = "board"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    short_name: Mapped[str] = mapped_column(String(100))
    areas: Mapped[list[Area]] = relationship(back_populates="board")


class Area(Base):
    """A local authority, a board total, or a comparator (England, London, statistical neighbours)."""

    __tablename__ = "area"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(32))  # local_authority | board_total | comparator
    board_id: Mapped[int | None] = mapped_column(ForeignKey("board.id"))
    ons_code: Mapped[str | None] = mapped_column(String(16))
    board: Mapped[Board | None] = relationship(back_populates="areas")
    # What the DfE's official files say of the area (None for a board total or a board's own comparator).
    dfe_number: Mapped[str | None] = mapped_column(String(16), index=True)  # old_la_code; "314 / 318" if joint
    region: Mapped[str | None] = mapped_column(String(64))  # the region area's code
    sub_region: Mapped[str | None] = mapped_column(String(64))  # inner_london | outer_london
    first_year: Mapped[int | None] = mapped_column(Integer)  # the first and last collection year it appears in
    last_year: Mapped[int | None] = mapped_column(Integer)
    former_ons_codes: Mapped[str] = mapped_column(String(255), default="")  # space-separated
    replaces: Mapped[str] = mapped_column(String(255), default="")  # area codes, space-separated
    replaced_by: Mapped[str] = mapped_column(String(255), default="")
    members: Mapped[str] = mapped_column(String(255), default="")  # a joint return's authorities
    official_note: Mapped[str] = mapped_column(Text, default="")


class StatisticalNeighbour(Base):
    """One of an authority's ten statistical neighbours in one of the DfE's models, with how close it is."""

    __tablename__ = "statistical_neighbour"
    __table_args__ = (UniqueConstraint("area_id", "model", "rank", name="uq_statistical_neighbour"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"))
    model: Mapped[str] = mapped_column(String(16))  # "2021" (the April 2021 groupings) | "2025"
    rank: Mapped[int] = mapped_column(Integer)  # 1 = closest
    neighbour_area_id: Mapped[int] = mapped_column(ForeignKey("area.id"))
    closeness: Mapped[str] = mapped_column(String(32), default="")  # the DfE's words: "Very close", "Close", ...
    source_document: Mapped[str] = mapped_column(String(255), default="")
    source_line: Mapped[int | None] = mapped_column(Integer)


class Indicator(Base):
    """An indicator the board watches; its definition lives in the registry and is synced here."""

    __tablename__ = "indicator"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(80), unique=True)
    domain: Mapped[str] = mapped_column(String(32), index=True)
    title: Mapped[str] = mapped_column(String(255))
    unit: Mapped[str] = mapped_column(String(16))
    polarity: Mapped[str] = mapped_column(String(20))
    definition: Mapped[str] = mapped_column(Text, default="")
    definition_source: Mapped[str] = mapped_column(Text, default="")
    breakdowns: Mapped[str] = mapped_column(String(255), default="")  # comma-separated dimension names
    headline: Mapped[bool] = mapped_column(Boolean, default=False)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class RagRule(Base):
    """How an indicator is rated, optionally for one board, from a period onwards."""

    __tablename__ = "rag_rule"
    __table_args__ = (UniqueConstraint("indicator_id", "board_id", "applies_from", name="uq_rag_rule"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id"), index=True)
    board_id: Mapped[int | None] = mapped_column(ForeignKey("board.id"))
    kind: Mapped[str] = mapped_column(String(16))  # target | comparator | range | none
    target: Mapped[float | None] = mapped_column(Float)
    tolerance: Mapped[float | None] = mapped_column(Float)
    range_low: Mapped[float | None] = mapped_column(Float)
    range_high: Mapped[float | None] = mapped_column(Float)
    comparator_area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    source_document: Mapped[str | None] = mapped_column(String(255))
    source_line: Mapped[int | None] = mapped_column(Integer)
    source_quote: Mapped[str | None] = mapped_column(Text)
    default_reason: Mapped[str | None] = mapped_column(Text)
    applies_from: Mapped[str] = mapped_column(String(32), default="")  # period code; '' = always
    origin: Mapped[str] = mapped_column(String(16), default="registry")  # registry | board


class Period(Base):
    """A reporting period in one normalised, sortable form (see data_access.periods)."""

    __tablename__ = "period"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    label: Mapped[str] = mapped_column(String(64))
    sort_key: Mapped[str] = mapped_column(String(32), index=True)


# Which kind of source a figure comes from. Figures of different kinds for the same indicator, area, period and
# breakdown are all kept (the kind is part of the natural key): an official figure never overwrites a board's own.
SOURCE_KINDS = ("official", "document", "returns", "partner")
# Why a figure has no value: the DfE's symbols c, x, z, k/low and u, in words.
VALUE_STATUSES = ("suppressed", "not_available", "not_applicable", "fewer_than_half", "low_reliability")
# What an insert that does not say (the importer as it was before kinds existed) gets: a board document's figure.
DEFAULT_SOURCE_KIND = "document"


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Observation(Base):
    """One figure of the board dataset, with where it came from.

    `value` is NULL only when the source publishes a symbol instead of a number; `value_status` then says which.
    `rounded` marks counts the DfE rounds (to the nearest 10 for national and regional totals).
    """

    __tablename__ = "observation"
    __table_args__ = (
        UniqueConstraint(
            "indicator_id",
            "area_id",
            "period_id",
            "breakdown_dimension",
            "breakdown_value",
            "source_kind",
            name="uq_observation_key",
        ),
        # The scorecard and exceptions read every headline figure of an area (or a board's areas) at once.
        Index("ix_observation_area_headline", "area_id", "breakdown_dimension", "indicator_id", "period_id"),
        # Drill-down and trend charts read one indicator's breakdowns across areas and periods.
        Index("ix_observation_indicator_breakdown", "indicator_id", "breakdown_dimension", "area_id"),
        CheckConstraint(_in("source_kind", SOURCE_KINDS), name="ck_observation_source_kind"),
        # A figure has a number or a reason it has none, never both and never neither.
        CheckConstraint(
            f"(value IS NULL AND {_in('value_status', VALUE_STATUSES)}) OR "
            "(value IS NOT NULL AND value_status IS NULL)",
            name="ck_observation_value_status",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id"))
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"))
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id"))
    breakdown_dimension: Mapped[str] = mapped_column(String(64), default="")
    breakdown_value: Mapped[str] = mapped_column(String(128), default="")
    source_kind: Mapped[str] = mapped_column(
        String(16), default=DEFAULT_SOURCE_KIND, server_default=DEFAULT_SOURCE_KIND
    )
    value: Mapped[float | None] = mapped_column(Float)
    value_status: Mapped[str | None] = mapped_column(String(32))
    rounded: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    numerator: Mapped[float | None] = mapped_column(Float)
    denominator: Mapped[float | None] = mapped_column(Float)
    source_document: Mapped[str] = mapped_column(String(255), default="")
    source_line: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    derived: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ObservationHistory(Base):
    """The value an observation had before an import changed it: a board can see what changed and when."""

    __tablename__ = "observation_history"
    id: Mapped[int] = mapped_column(primary_key=True)
    observation_id: Mapped[int] = mapped_column(ForeignKey("observation.id"), index=True)
    value: Mapped[float | None] = mapped_column(Float)
    value_status: Mapped[str | None] = mapped_column(String(32))
    rounded: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    numerator: Mapped[float | None] = mapped_column(Float)
    denominator: Mapped[float | None] = mapped_column(Float)
    source_document: Mapped[str] = mapped_column(String(255), default="")
    source_line: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    replaced_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_run.id"))


class ImportRun(Base):
    """One import: what file, when, and what it did."""

    __tablename__ = "import_run"
    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(500))
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    added: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    actor: Mapped[str] = mapped_column(String(255), default="")


class DataQualityFlag(Base):
    """A problem the dataset checks found: the figure is shown, with a warning beside it."""

    __tablename__ = "data_quality_flag"
    __table_args__ = (Index("ix_dq_indicator_area", "indicator_id", "area_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id"))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    period_id: Mapped[int | None] = mapped_column(ForeignKey("period.id"))
    check: Mapped[str] = mapped_column(String(40))  # percent_mismatch | parts_vs_total | sources_disagree
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Meta(Base):
    """Small key/value facts about the database, e.g. when the dataset last changed."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
