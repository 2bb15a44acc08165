"""reminders: what the scheduler sends, claimed before sending so it goes out exactly once

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(300), nullable=False, unique=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("recipient", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("due_at", storage.types.UTCDateTime(), nullable=False, index=True),
        sa.Column("send_after", storage.types.UTCDateTime(), nullable=False, index=True),
        sa.Column("expires_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False, index=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_until", storage.types.UTCDateTime(), nullable=True),
        sa.Column("claimed_by", sa.String(80), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("sent_at", storage.types.UTCDateTime(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("reminders")
