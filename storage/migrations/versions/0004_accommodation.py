"""accommodation: requests to staff and their status history

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accommodation_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("requester", sa.String(32), nullable=False, index=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False, index=True),
        sa.Column("event_id", sa.Integer(), sa.ForeignKey("events.id"), nullable=True, index=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("contact", sa.String(300), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("text_deleted_at", storage.types.UTCDateTime(), nullable=True),
        sa.Column("delivery", sa.String(20), nullable=False, index=True),
        sa.Column("claimed_at", storage.types.UTCDateTime(), nullable=True),
        sa.Column("staff_channel", sa.String(32), nullable=True),
        sa.Column("staff_ts", sa.String(32), nullable=True),
    )
    op.create_table(
        "accommodation_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("request_id", sa.Integer(),
                  sa.ForeignKey("accommodation_requests.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("actor", sa.String(32), nullable=False),
        sa.Column("at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("accommodation_changes")
    op.drop_table("accommodation_requests")
