"""official areas and statistical neighbours

Every authority, region and England as the DfE's official files describe them (DfE number, region, the years an
authority reports, reorganisations), and each authority's ten statistical neighbours in the DfE's models. Only
columns and a table are added: existing areas keep their codes, names and boards.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 05:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_TEXT_COLUMNS = ("former_ons_codes", "replaces", "replaced_by", "members")


def upgrade() -> None:
    with op.batch_alter_table("area") as t:
        t.add_column(sa.Column("dfe_number", sa.String(16), nullable=True))
        t.add_column(sa.Column("region", sa.String(64), nullable=True))
        t.add_column(sa.Column("sub_region", sa.String(64), nullable=True))
        t.add_column(sa.Column("first_year", sa.Integer(), nullable=True))
        t.add_column(sa.Column("last_year", sa.Integer(), nullable=True))
        for name in _TEXT_COLUMNS:
            t.add_column(sa.Column(name, sa.String(255), nullable=False, server_default=""))
        t.add_column(sa.Column("official_note", sa.Text(), nullable=False, server_default=""))
        t.create_index("ix_area_dfe_number", ["dfe_number"])
    op.create_table(
        "statistical_neighbour",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("area_id", sa.Integer(), sa.ForeignKey("area.id"), nullable=False),
        sa.Column("model", sa.String(16), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("neighbour_area_id", sa.Integer(), sa.ForeignKey("area.id"), nullable=False),
        sa.Column("closeness", sa.String(32), nullable=False),
        sa.Column("source_document", sa.String(255), nullable=False),
        sa.Column("source_line", sa.Integer(), nullable=True),
        sa.UniqueConstraint("area_id", "model", "rank", name="uq_statistical_neighbour"),
    )


def downgrade() -> None:
    op.drop_table("statistical_neighbour")
    with op.batch_alter_table("area") as t:
        t.drop_index("ix_area_dfe_number")
        for name in ("dfe_number", "region", "sub_region", "first_year", "last_year", *_TEXT_COLUMNS, "official_note"):
            t.drop_column(name)
