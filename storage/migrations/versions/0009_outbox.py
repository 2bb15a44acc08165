"""outbox: every message to Slack in one table, keyed messages' places in posted_messages; reminders hand their
messages over to it, and the per-table Slack locations and delivery claims go

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

KEPT_KINDS = ("retry", "calendar_file")  # messages kept while Slack was down: no reminder key to re-derive


def upgrade() -> None:
    outbox = op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("recipient", sa.String(40), nullable=False),
        sa.Column("key", sa.String(120), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("blocks", sa.JSON(), nullable=True),
        sa.Column("file_name", sa.String(200), nullable=True),
        sa.Column("file", sa.LargeBinary(), nullable=True),
        sa.Column("then", sa.JSON(), nullable=True),
        sa.Column("origin", sa.String(40), nullable=False),
        sa.Column("ref", sa.String(300), nullable=True, index=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("send_after", storage.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", storage.types.UTCDateTime(), nullable=True),
        sa.Column("lease_until", storage.types.UTCDateTime(), nullable=True),
        sa.Column("claimed_by", sa.String(80), nullable=True),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("sent_at", storage.types.UTCDateTime(), nullable=True),
    )
    op.create_index("ix_outbox_due", "outbox", ["status", "send_after"])
    op.create_index("ix_outbox_key_status", "outbox", ["key", "status"])
    posted = op.create_table(
        "posted_messages",
        sa.Column("key", sa.String(120), primary_key=True),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("ts", sa.String(40), nullable=False),
    )
    _move_waiting_reminders(outbox)
    _move_staff_posts(posted)
    with op.batch_alter_table("reminders") as batch:
        batch.drop_index("ix_reminders_send_after")
        for column in ("send_after", "attempts", "lease_until", "claimed_by", "text", "sent_at"):
            batch.drop_column(column)
        batch.alter_column("last_error", new_column_name="note")
    with op.batch_alter_table("accommodation_requests") as batch:
        batch.drop_index("ix_accommodation_requests_delivery")
        for column in ("delivery", "claimed_at", "staff_channel", "staff_ts"):
            batch.drop_column(column)
    for table in ("seat_requests", "get_involved_submissions"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("staff_channel")
            batch.drop_column("staff_ts")
    with op.batch_alter_table("mentoring_certificates") as batch:
        batch.drop_column("delivered_at")


def _move_waiting_reminders(outbox: sa.Table) -> None:
    """Reminders (and kept messages) not yet sent become outbox messages; every decided reminder is "queued"."""
    bind = op.get_bind()
    when = storage.types.UTCDateTime()
    rows = bind.execute(sa.text(
        "SELECT key, kind, recipient, text, attempts, send_after, expires_at, created_at FROM reminders "
        "WHERE status IN ('pending', 'claimed')").columns(send_after=when, expires_at=when, created_at=when)
    ).mappings().all()
    if rows:
        op.bulk_insert(outbox, [
            {"action": "post", "recipient": r["recipient"], "text": r["text"], "origin": r["kind"],
             "ref": None if r["kind"] in KEPT_KINDS else r["key"], "status": "pending", "attempts": r["attempts"],
             "send_after": r["send_after"], "expires_at": r["expires_at"], "created_at": r["created_at"]}
            for r in rows])
    bind.execute(sa.text("UPDATE reminders SET status = 'queued' WHERE status <> 'skipped'"))


def _move_staff_posts(posted: sa.Table) -> None:
    bind = op.get_bind()
    found = []
    for table, prefix in (("accommodation_requests", "accommodation"), ("seat_requests", "seat_request"),
                          ("get_involved_submissions", "get_involved")):
        found += [{"key": f"{prefix}:{r.id}", "channel": r.staff_channel, "ts": r.staff_ts} for r in bind.execute(
            sa.text(f"SELECT id, staff_channel, staff_ts FROM {table} WHERE staff_ts IS NOT NULL "  # noqa: S608
                    "AND staff_channel IS NOT NULL"))]
    if found:
        op.bulk_insert(posted, found)


def downgrade() -> None:
    with op.batch_alter_table("mentoring_certificates") as batch:
        batch.add_column(sa.Column("delivered_at", storage.types.UTCDateTime(), nullable=True))
    for table in ("seat_requests", "get_involved_submissions"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("staff_channel", sa.String(32), nullable=True))
            batch.add_column(sa.Column("staff_ts", sa.String(32), nullable=True))
    with op.batch_alter_table("accommodation_requests") as batch:
        batch.add_column(sa.Column("delivery", sa.String(20), nullable=False, server_default="posted"))
        batch.add_column(sa.Column("claimed_at", storage.types.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("staff_channel", sa.String(32), nullable=True))
        batch.add_column(sa.Column("staff_ts", sa.String(32), nullable=True))
        batch.create_index("ix_accommodation_requests_delivery", ["delivery"])
    with op.batch_alter_table("reminders") as batch:
        batch.alter_column("note", new_column_name="last_error")
        batch.add_column(sa.Column("send_after", storage.types.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("lease_until", storage.types.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("claimed_by", sa.String(80), nullable=True))
        batch.add_column(sa.Column("text", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("sent_at", storage.types.UTCDateTime(), nullable=True))
        batch.create_index("ix_reminders_send_after", ["send_after"])
    op.drop_table("posted_messages")
    op.drop_index("ix_outbox_key_status", table_name="outbox")
    op.drop_index("ix_outbox_due", table_name="outbox")
    op.drop_table("outbox")
