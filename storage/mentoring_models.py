"""Mentoring tables: sign-ups, groups and their members, meetings, certificate criteria, certificates."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models import Base, Person, utcnow
from storage.types import UTCDateTime

OPEN, GROUPED = "open", "grouped"


class MentoringSignup(Base):
    """One per person; signing up again updates it. `slots` are the weekly UTC hours computed from
    `availability` (local hours per weekday, {"0": [9, 10], …}) in `timezone` when it was saved."""

    __tablename__ = "mentoring_signups"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), unique=True)
    role: Mapped[str] = mapped_column(String(10))  # mentor | mentee
    instructor_status: Mapped[str] = mapped_column(String(20))  # certified | training, as declared
    topics: Mapped[list[str]] = mapped_column(JSON)
    mtype: Mapped[str] = mapped_column(String(40))
    suboption: Mapped[str] = mapped_column(String(120))
    workshops_taught: Mapped[int] = mapped_column(Integer)
    timezone: Mapped[str] = mapped_column(String(64))
    availability: Mapped[dict[str, list[int]]] = mapped_column(JSON)
    slots: Mapped[list[int]] = mapped_column(JSON)
    in_person: Mapped[bool] = mapped_column(Boolean, default=False)
    place: Mapped[str | None] = mapped_column(String(200))
    goals: Mapped[str] = mapped_column(Text, default="")
    agreement_accepted: Mapped[bool] = mapped_column(Boolean, default=False)
    coc_accepted: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(10), default=OPEN)  # open | grouped
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    person: Mapped[Person] = relationship()


class MentoringGroup(Base):
    __tablename__ = "mentoring_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)  # the Slack channel's name
    channel_id: Mapped[str] = mapped_column(String(32), unique=True)
    topic: Mapped[str] = mapped_column(String(20))
    mtype: Mapped[str] = mapped_column(String(40))
    cohort: Mapped[str] = mapped_column(String(20), index=True)  # start month, "2026-11"
    mentor_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    slots: Mapped[list[int]] = mapped_column(JSON)  # the weekly UTC hours everyone shares
    start: Mapped[date] = mapped_column(Date)
    midway: Mapped[date] = mapped_column(Date)
    showcase: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date, index=True)
    slide_received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    members: Mapped[list[MentoringMember]] = relationship(back_populates="group", order_by="MentoringMember.id")


class MentoringMember(Base):
    """Everyone in a group, the mentor included."""

    __tablename__ = "mentoring_members"
    __table_args__ = (UniqueConstraint("group_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("mentoring_groups.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    role: Mapped[str] = mapped_column(String(10))

    group: Mapped[MentoringGroup] = relationship(back_populates="members")
    person: Mapped[Person] = relationship()


class MentoringMeeting(Base):
    """A meeting the mentor logged; logging the same day again replaces its attendees."""

    __tablename__ = "mentoring_meetings"
    __table_args__ = (UniqueConstraint("group_id", "held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("mentoring_groups.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    logged_by: Mapped[str] = mapped_column(String(32))
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    attendees: Mapped[list[MentoringAttendee]] = relationship(cascade="all, delete-orphan")


class MentoringAttendee(Base):
    __tablename__ = "mentoring_attendees"
    __table_args__ = (UniqueConstraint("meeting_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("mentoring_meetings.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))


class MentoringMark(Base):
    """A certificate criterion met (onboarding, check-in, showcase, survey), who recorded it and when."""

    __tablename__ = "mentoring_marks"
    __table_args__ = (UniqueConstraint("person_id", "group_id", "criterion"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("mentoring_groups.id"), index=True)
    criterion: Mapped[str] = mapped_column(String(20))
    marked_by: Mapped[str] = mapped_column(String(32))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MentoringCertificate(Base):
    """Issued once per member and group; its DM is written to the outbox in the same transaction."""

    __tablename__ = "mentoring_certificates"
    __table_args__ = (UniqueConstraint("person_id", "group_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    group_id: Mapped[int] = mapped_column(ForeignKey("mentoring_groups.id"), index=True)
    role: Mapped[str] = mapped_column(String(10))
    code: Mapped[str] = mapped_column(String(20), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
