"""attendance: imported Zoom reports, their rows, aliases, live webhook intervals

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attendance_imports",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("event_id", sa.Integer(), sa.ForeignKey("events.id"), nullable=False, index=True),
        sa.Column("source", sa.String(400), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("imported_by", sa.String(64), nullable=False),
        sa.Column("imported_at", storage.types.UTCDateTime(), nullable=False),
        sa.UniqueConstraint("event_id", "digest"),
    )
    op.create_table(
        "attendance_rows",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("import_id", sa.Integer(), sa.ForeignKey("attendance_imports.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("event_id", sa.Integer(), sa.ForeignKey("events.id"), nullable=False, index=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("join", storage.types.UTCDateTime(), nullable=False),
        sa.Column("leave", storage.types.UTCDateTime(), nullable=False),
        sa.Column("waiting_room", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "attendance_aliases",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("event_id", sa.Integer(), sa.ForeignKey("events.id"), nullable=False, index=True),
        sa.Column("alias", sa.String(300), nullable=False),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.UniqueConstraint("event_id", "alias"),
    )
    op.create_table(
        "live_intervals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("event_id", sa.Integer(), sa.ForeignKey("events.id"), nullable=False, index=True),
        sa.Column("meeting_uuid", sa.String(100), nullable=False, index=True),
        sa.Column("participant_key", sa.String(200), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("join", storage.types.UTCDateTime(), nullable=False),
        sa.Column("leave", storage.types.UTCDateTime(), nullable=True),
    )


def downgrade() -> None:
    for table in ("live_intervals", "attendance_aliases", "attendance_rows", "attendance_imports"):
        op.drop_table(table)
