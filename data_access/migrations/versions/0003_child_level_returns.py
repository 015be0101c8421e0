"""child-level rows kept from statutory returns (SSDA903, Annex A) for the drill-down

Revision ID: 0003
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "return_ingest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_kind", sa.String(length=16), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=32), nullable=False),
        sa.Column("source_document", sa.String(length=255), nullable=False),
        sa.Column("rule_version", sa.String(length=64), nullable=False),
        sa.Column("options", sa.String(length=255), nullable=False),
        sa.Column("repairs", sa.Text(), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("ingested_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("return_kind", "area_id", "period", name="uq_return_ingest"),
    )
    op.create_table(
        "child_level_row",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ingest_id", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.String(length=80), nullable=False),
        sa.Column("period", sa.String(length=32), nullable=False),
        sa.Column("pseudo_id", sa.String(length=32), nullable=False),
        sa.Column("age_band", sa.String(length=16), nullable=False),
        sa.Column("counted", sa.Boolean(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("codes", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["ingest_id"], ["return_ingest.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("child_level_row", schema=None) as batch_op:
        batch_op.create_index("ix_child_level_row_indicator_period", ["indicator", "period", "ingest_id"], unique=False)
        batch_op.create_index("ix_child_level_row_ingest", ["ingest_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("child_level_row", schema=None) as batch_op:
        batch_op.drop_index("ix_child_level_row_ingest")
        batch_op.drop_index("ix_child_level_row_indicator_period")
    op.drop_table("child_level_row")
    op.drop_table("return_ingest")
