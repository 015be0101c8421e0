"""commentary and challenge log

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-22 02:38:33.479885
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dismissed_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draft_key", sa.String(length=255), nullable=False),
        sa.Column("dismissed_by", sa.String(length=255), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("draft_key", name="uq_dismissed_draft"),
    )
    op.create_table(
        "challenge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=255), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("meeting", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("raised_by", sa.String(length=255), nullable=False),
        sa.Column("raised_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=255), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"],
            ["area.id"],
        ),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicator.id"],
        ),
        sa.ForeignKeyConstraint(
            ["period_id"],
            ["period.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("challenge", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_challenge_indicator_id"), ["indicator_id"], unique=False)
        batch_op.create_index("ix_challenge_status_due", ["status", "due_date"], unique=False)

    op.create_table(
        "commentary",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=255), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"],
            ["area.id"],
        ),
        sa.ForeignKeyConstraint(
            ["indicator_id"],
            ["indicator.id"],
        ),
        sa.ForeignKeyConstraint(
            ["period_id"],
            ["period.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("indicator_id", "area_id", "period_id", name="uq_commentary_key"),
    )
    with op.batch_alter_table("commentary", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_commentary_indicator_id"), ["indicator_id"], unique=False)

    op.create_table(
        "challenge_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=False),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenge.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("challenge_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_challenge_event_challenge_id"), ["challenge_id"], unique=False)

    op.create_table(
        "commentary_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commentary_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=255), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["commentary_id"],
            ["commentary.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("commentary_revision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_commentary_revision_commentary_id"), ["commentary_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("commentary_revision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commentary_revision_commentary_id"))

    op.drop_table("commentary_revision")
    with op.batch_alter_table("challenge_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_challenge_event_challenge_id"))

    op.drop_table("challenge_event")
    with op.batch_alter_table("commentary", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commentary_indicator_id"))

    op.drop_table("commentary")
    with op.batch_alter_table("challenge", schema=None) as batch_op:
        batch_op.drop_index("ix_challenge_status_due")
        batch_op.drop_index(batch_op.f("ix_challenge_indicator_id"))

    op.drop_table("challenge")
    op.drop_table("dismissed_draft")
