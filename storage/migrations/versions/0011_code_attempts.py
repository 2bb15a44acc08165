"""code_attempts: wrong registration codes, so that someone guessing codes must wait (in every process)

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "code_attempts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("slack_user_id", sa.String(32), nullable=False),
        sa.Column("at", storage.types.UTCDateTime(), nullable=False),
    )
    op.create_index("ix_code_attempts_user_at", "code_attempts", ["slack_user_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_code_attempts_user_at", table_name="code_attempts")
    op.drop_table("code_attempts")
