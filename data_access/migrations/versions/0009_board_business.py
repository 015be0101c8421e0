"""the board's own business: agencies, representatives, meetings, attendance, the attendance rule, actions

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "board_agency",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("board", sa.String(64), nullable=False, index=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("board", "name", name="uq_board_agency"),
    )
    op.create_table(
        "board_representative",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("board_agency.id"), nullable=False, index=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("role_title", sa.String(255), nullable=False),
        sa.Column("username", sa.String(64), nullable=True, index=True),
    )
    op.create_table(
        "board_meeting",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("board", sa.String(64), nullable=False, index=True),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("recorded_by", sa.String(255), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("board", "held_on", "kind", name="uq_board_meeting"),
    )
    op.create_table(
        "board_attendance",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("meeting_id", sa.Integer(), sa.ForeignKey("board_meeting.id"), nullable=False, index=True),
        sa.Column("agency_id", sa.Integer(), sa.ForeignKey("board_agency.id"), nullable=False, index=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("deputy", sa.String(255), nullable=False),
        sa.UniqueConstraint("meeting_id", "agency_id", name="uq_board_attendance"),
    )
    op.create_table(
        "board_rule",
        sa.Column("board", sa.String(64), primary_key=True),
        sa.Column("absences_in_a_row", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(255), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "board_action",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("board", sa.String(64), nullable=False, index=True),
        sa.Column("reference", sa.String(64), nullable=False),
        sa.Column("source_kind", sa.String(16), nullable=False),
        sa.Column("source", sa.String(255), nullable=False),
        sa.Column("source_document", sa.String(255), nullable=False),
        sa.Column("source_line", sa.Integer(), nullable=True),
        sa.Column("agency", sa.String(255), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("signed_off_by", sa.String(255), nullable=False),
        sa.Column("signed_off_at", sa.DateTime(), nullable=True),
        sa.Column("updated_by", sa.String(255), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("board", "reference", name="uq_board_action_reference"),
    )
    op.create_table(
        "board_action_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("action_id", sa.Integer(), sa.ForeignKey("board_action.id"), nullable=False, index=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("change", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
    )


def downgrade() -> None:
    for table in (
        "board_action_event",
        "board_action",
        "board_rule",
        "board_attendance",
        "board_meeting",
        "board_representative",
        "board_agency",
    ):
        op.drop_table(table)
