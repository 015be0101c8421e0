"""merge the four branches off the board dataset schema into one head

0002 (users), 0003 (child-level returns), 0004 (commentary and challenge log) and 0005 (observation area
statistics) were each written against 0001 and touch different tables, so they were left as parallel heads.
This revision joins them so that the next migration has a single parent. It changes no schema.

Revision ID: 0006
Revises: 0002, 0003, 0004, 0005
"""

revision = "0006"
down_revision = ("0002", "0003", "0004", "0005")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
