"""Tables. Times are aware UTC (UTCDateTime); calendar dates are plain dates."""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, func, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.types import UTCDateTime


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(80), unique=True)
    seats: Mapped[int] = mapped_column(Integer)
    additional_seats: Mapped[int] = mapped_column(Integer, default=0)
    rolled_in_seats: Mapped[int] = mapped_column(Integer, default=0)
    rolled_out_seats: Mapped[int] = mapped_column(Integer, default=0)
    membership_start: Mapped[date] = mapped_column(Date)
    membership_end: Mapped[date] = mapped_column(Date)
    # Archived: no longer offered (its code is refused like an unknown one); its history stays.
    archived: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

    @property
    def total_seats(self) -> int:
        return self.seats + self.additional_seats + self.rolled_in_seats


class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    format: Mapped[str] = mapped_column(String(20))  # online | in-person
    timezone: Mapped[str] = mapped_column(String(64))
    capacity: Mapped[int] = mapped_column(Integer)
    zoom_meeting_id: Mapped[str | None] = mapped_column(String(40))
    zoom_join_url: Mapped[str | None] = mapped_column(String(400))
    location: Mapped[str | None] = mapped_column(String(400))
    accessibility: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | cancelled
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    # Archived: not listed and not open for registration; registrations, attendance and checkout stay.
    archived: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

    sessions: Mapped[list[EventSession]] = relationship(
        back_populates="event", order_by="EventSession.start", cascade="all, delete-orphan")


class EventSession(Base):
    __tablename__ = "event_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[datetime] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship(back_populates="sessions")


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    slack_user_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    timezone: Mapped[str | None] = mapped_column(String(64))
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)


# One person per email, whatever its case (bot.common.people links Slack users to roster records by it).
Index("uq_people_email_lower", func.lower(Person.email), unique=True)


class Role(Base):
    """staff, coordinator (global); trainer (of an event); contact (of an organisation)."""

    __tablename__ = "roles"
    __table_args__ = (UniqueConstraint("slack_user_id", "role", "scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slack_user_id: Mapped[str] = mapped_column(String(32), index=True)
    role: Mapped[str] = mapped_column(String(20))
    # "" for global roles, "event:<id>" or "organisation:<id>" for scoped ones.
    scope: Mapped[str] = mapped_column(String(40), default="")


ACTIVE = "active"
WAITLISTED = "waitlisted"
CANCELLED = "cancelled"
FORFEITED = "forfeited"
NO_SHOW = "no_show"
SEAT_USING = (ACTIVE, NO_SHOW, FORFEITED)


class Registration(Base):
    __tablename__ = "registrations"
    __table_args__ = (
        # At most one live (active or waiting) registration per person and event.
        Index("uq_registration_live", "event_id", "person_id", unique=True,
              sqlite_where=text("status IN ('active', 'waitlisted')"),
              postgresql_where=text("status IN ('active', 'waitlisted')")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship()
    person: Mapped[Person] = relationship()
    organisation: Mapped[Organisation | None] = relationship()


class RegistrationChange(Base):
    """Audit: every change of a registration, who made it and when."""

    __tablename__ = "registration_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(64))  # Slack user id, or "cli", or "system"
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    detail: Mapped[str | None] = mapped_column(Text)


class SeatRequest(Base):
    """A transfer or re-registration that needs a staff decision (shown on the staff board)."""

    __tablename__ = "seat_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), index=True)
    source_event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    target_event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    kind: Mapped[str] = mapped_column(String(20))  # transfer | reregister
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | approved | refused
    requested_by: Mapped[str] = mapped_column(String(32))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    registration: Mapped[Registration] = relationship()
    source_event: Mapped[Event] = relationship(foreign_keys=[source_event_id])
    target_event: Mapped[Event] = relationship(foreign_keys=[target_event_id])


class AttendanceImport(Base):
    """One imported Zoom report; `digest` makes importing the same report twice a no-op."""

    __tablename__ = "attendance_imports"
    __table_args__ = (UniqueConstraint("event_id", "digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    source: Mapped[str] = mapped_column(String(400))
    digest: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)
    imported_by: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AttendanceRow(Base):
    __tablename__ = "attendance_rows"

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("attendance_imports.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    email: Mapped[str] = mapped_column(String(320))
    join: Mapped[datetime] = mapped_column(UTCDateTime)
    leave: Mapped[datetime] = mapped_column(UTCDateTime)
    waiting_room: Mapped[bool] = mapped_column(Boolean)


class AttendanceAlias(Base):
    """A participant name a trainer matched to a trainee once, for this event."""

    __tablename__ = "attendance_aliases"
    __table_args__ = (UniqueConstraint("event_id", "alias"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    alias: Mapped[str] = mapped_column(String(300))  # normalised name
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_by: Mapped[str] = mapped_column(String(32))


class LiveInterval(Base):
    """Provisional attendance from Zoom webhooks, replaced by the report once the meeting has ended."""

    __tablename__ = "live_intervals"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    meeting_uuid: Mapped[str] = mapped_column(String(100), index=True)
    participant_key: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    email: Mapped[str] = mapped_column(String(320))
    join: Mapped[datetime] = mapped_column(UTCDateTime)
    leave: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CodeAttempt(Base):
    """A wrong registration code someone entered: counted to make them wait after too many."""

    __tablename__ = "code_attempts"
    __table_args__ = (Index("ix_code_attempts_user_at", "slack_user_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slack_user_id: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class CalendarFile(Base):
    """The last calendar (.ics) file sent to a person for an event: its SEQUENCE, which every later file for the
    same UIDs must exceed (a re-registration reuses them), and whether it cancelled the sessions."""

    __tablename__ = "calendar_files"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True, index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
