"""observation source kind, value status and rounding

Every observation says which kind of source it comes from: `official` (the DfE's official statistics), `document`
(a board document), `returns` (computed from the council's child-level returns) or `partner` (a partner's return,
imported). The kind joins the natural key, so an official figure and a board document's figure for the same
indicator, area, period and breakdown are both kept. `value` may now be NULL: an official file publishes a symbol
instead of a number where a figure is suppressed or not available, and `value_status` says which. `rounded` marks
counts the DfE rounds. observation_history keeps the status and rounding of a replaced figure as well.

The kind of the rows already stored, by this rule:
- `returns` where the row has no source line, is marked derived and its note begins "Computed from ": that is what
  dashboard/returns/ingest.py writes for every figure it computes from an SSDA903 return or an Annex A workbook (it
  cites the return's file, never a line), and no figure read from a document has all three (a document's figure
  cites the line it was read from; the bundled seed figures cite `NNN_xxxxxxxxxxxxxxxx.txt` and a line).
- `document` for every other row: the bundled seed figures and anything imported from a file in the import
  format, which until now could only say where a figure came from in its source_document and note.
New rows an INSERT does not give a kind to get `document` (the server default), so an importer that does not yet
name the kind keeps working.

On PostgreSQL the columns are added in place: area_id keeps the larger statistics sample of 0005 and the
indexes stay as they are. On SQLite the table is copied (batch mode) with its indexes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 04:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

SOURCE_KINDS = ("official", "document", "returns", "partner")
VALUE_STATUSES = ("suppressed", "not_available", "not_applicable", "fewer_than_half", "low_reliability")
_OLD_KEY = ["indicator_id", "area_id", "period_id", "breakdown_dimension", "breakdown_value"]


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


_HISTORY_COLUMNS = (
    "id, observation_id, value, numerator, denominator, source_document, source_line, note, replaced_at, import_run_id"
)


def _set_history_aside() -> bool:
    """On SQLite batch mode copies observation to a new table and drops the old one, which observation_history
    refers to: with foreign keys enforced the drop fails while any history row exists, and neither switching the
    checks off (ignored inside the migration's transaction) nor deferring them (the copy is a different table to
    SQLite) helps. So the history rows wait in a temporary table and come back, ids unchanged, once observation
    is rebuilt. Returns True when it did so (SQLite only)."""
    if op.get_bind().dialect.name != "sqlite":
        return False
    op.execute("DROP TABLE IF EXISTS temp.history_aside")
    op.execute(f"CREATE TEMPORARY TABLE history_aside AS SELECT {_HISTORY_COLUMNS} FROM observation_history")
    op.execute("DELETE FROM observation_history")
    return True


def _bring_history_back() -> None:
    op.execute(f"INSERT INTO observation_history ({_HISTORY_COLUMNS}) SELECT {_HISTORY_COLUMNS} FROM history_aside")
    op.execute("DROP TABLE temp.history_aside")


def upgrade() -> None:
    aside = _set_history_aside()
    with op.batch_alter_table("observation") as t:
        t.add_column(sa.Column("source_kind", sa.String(16), nullable=False, server_default="document"))
        t.add_column(sa.Column("value_status", sa.String(32), nullable=True))
        t.add_column(sa.Column("rounded", sa.Boolean(), nullable=False, server_default=sa.false()))
        t.alter_column("value", existing_type=sa.Float(), nullable=True)
        t.drop_constraint("uq_observation_key", type_="unique")
        t.create_unique_constraint("uq_observation_key", [*_OLD_KEY, "source_kind"])
        t.create_check_constraint("ck_observation_source_kind", _in("source_kind", SOURCE_KINDS))
        t.create_check_constraint(
            "ck_observation_value_status",
            f"(value IS NULL AND {_in('value_status', VALUE_STATUSES)}) OR "
            "(value IS NOT NULL AND value_status IS NULL)",
        )
    # The rule stated above: figures an ingest computed from a council's returns.
    op.execute(
        "UPDATE observation SET source_kind = 'returns' "
        "WHERE derived AND source_line IS NULL AND note LIKE 'Computed from %'"
    )
    with op.batch_alter_table("observation_history") as t:
        t.add_column(sa.Column("value_status", sa.String(32), nullable=True))
        t.add_column(sa.Column("rounded", sa.Boolean(), nullable=False, server_default=sa.false()))
        t.alter_column("value", existing_type=sa.Float(), nullable=True)
    if aside:
        _bring_history_back()


def downgrade() -> None:
    # The old schema holds one figure per key and always a number: figures with no value go, and where kinds share
    # a key only the board document's figure (else the oldest row) stays. Their history goes with them.
    doomed = (
        "SELECT o.id FROM observation o WHERE o.value IS NULL OR EXISTS (SELECT 1 FROM observation p WHERE "
        + " AND ".join(f"p.{c} = o.{c}" for c in _OLD_KEY)
        + " AND p.id <> o.id AND (p.source_kind = 'document' OR (o.source_kind <> 'document' AND p.id < o.id)))"
    )
    op.execute(f"DELETE FROM observation_history WHERE observation_id IN ({doomed})")
    op.execute("DELETE FROM observation_history WHERE value IS NULL")
    op.execute(f"DELETE FROM observation WHERE id IN ({doomed})")
    aside = _set_history_aside()
    with op.batch_alter_table("observation_history") as t:
        t.alter_column("value", existing_type=sa.Float(), nullable=False)
        t.drop_column("rounded")
        t.drop_column("value_status")
    with op.batch_alter_table("observation") as t:
        t.drop_constraint("ck_observation_value_status", type_="check")
        t.drop_constraint("ck_observation_source_kind", type_="check")
        t.drop_constraint("uq_observation_key", type_="unique")
        t.create_unique_constraint("uq_observation_key", _OLD_KEY)
        t.alter_column("value", existing_type=sa.Float(), nullable=False)
        t.drop_column("rounded")
        t.drop_column("value_status")
        t.drop_column("source_kind")
    if aside:
        _bring_history_back()
