"""archived: events and organisations staff no longer want shown, their history kept

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TABLES = ("events", "organisations")


def upgrade() -> None:
    # A plain-text default lets SQLite's batch mode use ALTER TABLE ADD COLUMN. An expression default (sa.false())
    # would make it copy the table and drop the old one, and with foreign keys on, dropping events deletes their
    # sessions (ON DELETE CASCADE).
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("archived", sa.Boolean(), nullable=False, server_default="0"))


def downgrade() -> None:
    # Not in batch mode for the same reason: SQLite (3.35 and later) drops a column in place.
    for table in TABLES:
        op.drop_column(table, "archived")
