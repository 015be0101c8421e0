"""observation area statistics

PostgreSQL plans a query from a sample of each column. By default it keeps exact counts for the 100 most
common values only; a national table has more areas than that, and a board's own areas are among the rarest
(a few hundred figures beside a nation's millions), so the planner guessed an average area for them: about a
hundred thousand rows where there are a hundred, a scan of the whole table and a compiled plan instead of an
index read (45 ms instead of 1.4 ms for a board's scorecard at ten million rows). A larger sample for area_id
keeps a count for every area. Nothing changes on SQLite, which keeps no such statistics unless asked.

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-22 03:58:00
"""

from alembic import op

revision = "0005"
down_revision = "0001"
branch_labels = None
depends_on = None

AREA_STATISTICS = 1000  # values sampled per column: more than the areas a national database holds


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE observation ALTER COLUMN area_id SET STATISTICS {AREA_STATISTICS}")
        op.execute("ANALYZE observation")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE observation ALTER COLUMN area_id SET STATISTICS -1")
