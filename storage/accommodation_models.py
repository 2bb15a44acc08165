"""Accommodation requests and their status history.

What the requester wrote (text, preferred contact) and staff notes are nullable: withdrawing a request
or the retention period deletes them, while the request row and its status history stay for the audit.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models import Base, Event, Person, utcnow
from storage.types import UTCDateTime

# Status of a request.
SUBMITTED, ACKNOWLEDGED, DETAILS_REQUESTED, RESOLVED, WITHDRAWN = (
    "submitted", "acknowledged", "details_requested", "resolved", "withdrawn")


class AccommodationRequest(Base):
    __tablename__ = "accommodation_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    requester: Mapped[str] = mapped_column(String(32), index=True)  # Slack user id
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), index=True)  # None: not registered yet
    text: Mapped[str | None] = mapped_column(Text)
    contact: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default=SUBMITTED)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    text_deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship()
    event: Mapped[Event | None] = relationship()
    changes: Mapped[list[AccommodationChange]] = relationship(
        back_populates="request", order_by="AccommodationChange.id", cascade="all, delete-orphan")


class AccommodationChange(Base):
    """Audit: each status change (and delivery, deletion of the text), who did it and when."""

    __tablename__ = "accommodation_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("accommodation_requests.id", ondelete="CASCADE"),
                                            index=True)
    action: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20))  # the request's status after this change
    actor: Mapped[str] = mapped_column(String(32))  # Slack user id, or "system"
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)  # a staff note; deleted with the request's text

    request: Mapped[AccommodationRequest] = relationship(back_populates="changes")
