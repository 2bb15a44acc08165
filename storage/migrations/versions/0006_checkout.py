"""checkout: steps, Get Involved submissions, extensions, certificates

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "checkout_steps",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("registration_id", sa.Integer(), sa.ForeignKey("registrations.id"), nullable=False, index=True),
        sa.Column("step", sa.String(20), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("evaluated_by", sa.String(64), nullable=True),
        sa.Column("evaluated_at", storage.types.UTCDateTime(), nullable=True),
        sa.UniqueConstraint("registration_id", "step"),
    )
    op.create_table(
        "get_involved_submissions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("registration_id", sa.Integer(), sa.ForeignKey("registrations.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("url", sa.String(500), nullable=True),
        sa.Column("activity_date", sa.Date(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("submitted_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("staff_channel", sa.String(32), nullable=True),
        sa.Column("staff_ts", sa.String(32), nullable=True),
    )
    op.create_table(
        "checkout_extensions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("registration_id", sa.Integer(), sa.ForeignKey("registrations.id"), nullable=False, index=True),
        sa.Column("granted_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("new_deadline", storage.types.UTCDateTime(), nullable=False),
        sa.Column("granted_by", sa.String(64), nullable=False),
    )
    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("code", sa.String(20), nullable=False, unique=True),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("registration_id", sa.Integer(), sa.ForeignKey("registrations.id"), nullable=True, unique=True),
        sa.Column("mentoring_ref", sa.String(80), nullable=True),
    )


def downgrade() -> None:
    for table in ("certificates", "checkout_extensions", "get_involved_submissions", "checkout_steps"):
        op.drop_table(table)
