"""Every reminder the scheduler has decided on, under a unique key; its delivery is an outbox message (ref = key)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, utcnow
from storage.types import UTCDateTime

QUEUED, SKIPPED = "queued", "skipped"


class Reminder(Base):
    __tablename__ = "reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)  # kind|recipient|subject|due date
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), index=True)  # queued (in the outbox) | skipped
    note: Mapped[str | None] = mapped_column(String(200))  # why it was skipped
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
