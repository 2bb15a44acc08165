"""mentoring: sign-ups, groups, members, meetings and attendees, criteria marks, certificates

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mentoring_signups",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False, unique=True),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("instructor_status", sa.String(20), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("mtype", sa.String(40), nullable=False),
        sa.Column("suboption", sa.String(120), nullable=False),
        sa.Column("workshops_taught", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("availability", sa.JSON(), nullable=False),
        sa.Column("slots", sa.JSON(), nullable=False),
        sa.Column("in_person", sa.Boolean(), nullable=False),
        sa.Column("place", sa.String(200), nullable=True),
        sa.Column("goals", sa.Text(), nullable=False),
        sa.Column("agreement_accepted", sa.Boolean(), nullable=False),
        sa.Column("coc_accepted", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(), nullable=False),
    )
    op.create_table(
        "mentoring_groups",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(80), nullable=False, unique=True),
        sa.Column("channel_id", sa.String(32), nullable=False, unique=True),
        sa.Column("topic", sa.String(20), nullable=False),
        sa.Column("mtype", sa.String(40), nullable=False),
        sa.Column("cohort", sa.String(20), nullable=False, index=True),
        sa.Column("mentor_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("slots", sa.JSON(), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("midway", sa.Date(), nullable=False),
        sa.Column("showcase", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False, index=True),
        sa.Column("slide_received_at", storage.types.UTCDateTime(), nullable=True),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
    )
    op.create_table(
        "mentoring_members",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("group_id", sa.Integer(), sa.ForeignKey("mentoring_groups.id"), nullable=False, index=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False, index=True),
        sa.Column("role", sa.String(10), nullable=False),
        sa.UniqueConstraint("group_id", "person_id"),
    )
    op.create_table(
        "mentoring_meetings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("group_id", sa.Integer(), sa.ForeignKey("mentoring_groups.id"), nullable=False, index=True),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("logged_by", sa.String(32), nullable=False),
        sa.Column("logged_at", storage.types.UTCDateTime(), nullable=False),
        sa.UniqueConstraint("group_id", "held_on"),
    )
    op.create_table(
        "mentoring_attendees",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("meeting_id", sa.Integer(), sa.ForeignKey("mentoring_meetings.id"), nullable=False, index=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False),
        sa.UniqueConstraint("meeting_id", "person_id"),
    )
    op.create_table(
        "mentoring_marks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False, index=True),
        sa.Column("group_id", sa.Integer(), sa.ForeignKey("mentoring_groups.id"), nullable=False, index=True),
        sa.Column("criterion", sa.String(20), nullable=False),
        sa.Column("marked_by", sa.String(32), nullable=False),
        sa.Column("marked_at", storage.types.UTCDateTime(), nullable=False),
        sa.UniqueConstraint("person_id", "group_id", "criterion"),
    )
    op.create_table(
        "mentoring_certificates",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("group_id", sa.Integer(), sa.ForeignKey("mentoring_groups.id"), nullable=False, index=True),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("code", sa.String(20), nullable=False, unique=True),
        sa.Column("issued_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("delivered_at", storage.types.UTCDateTime(), nullable=True),
        sa.UniqueConstraint("person_id", "group_id"),
    )


def downgrade() -> None:
    for table in ("mentoring_certificates", "mentoring_marks", "mentoring_attendees", "mentoring_meetings",
                  "mentoring_members", "mentoring_groups", "mentoring_signups"):
        op.drop_table(table)
