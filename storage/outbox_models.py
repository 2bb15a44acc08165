"""The outbox: every message on its way to Slack, and where keyed messages were posted.

A message is written in the transaction of the change it announces, so it exists exactly when the change does;
its content is kept only while it is on its way (cleared once it is sent, superseded or given up).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, utcnow
from storage.types import UTCDateTime

PENDING, CLAIMED, SENT, FAILED, SUPERSEDED, SKIPPED = "pending", "claimed", "sent", "failed", "superseded", "skipped"
LIVE = (PENDING, CLAIMED)


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "send_after"), Index("ix_outbox_key_status", "key", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    action: Mapped[str] = mapped_column(String(10))  # post | edit | delete | upload
    recipient: Mapped[str] = mapped_column(String(40))  # a channel, a user id (their DM) or "#staff"
    key: Mapped[str | None] = mapped_column(String(120))  # a keyed message is posted once, then edited in place
    text: Mapped[str | None] = mapped_column(Text)
    blocks: Mapped[list | None] = mapped_column(JSON)
    file_name: Mapped[str | None] = mapped_column(String(200))
    file: Mapped[bytes | None] = mapped_column(LargeBinary)
    then: Mapped[list | None] = mapped_column(JSON)  # messages to write once this one is sent
    origin: Mapped[str] = mapped_column(String(40))  # what wrote it (a reminder kind, "registration", …)
    ref: Mapped[str | None] = mapped_column(String(300), index=True)  # for its writer to find it again
    status: Mapped[str] = mapped_column(String(12), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    send_after: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PostedMessage(Base):
    """Where a keyed message lives in Slack, so later versions edit it instead of posting again."""

    __tablename__ = "posted_messages"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    channel: Mapped[str] = mapped_column(String(40))
    ts: Mapped[str] = mapped_column(String(40))
