"""Checkout after the training: steps, Get Involved submissions, deadline extensions, certificates."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, utcnow
from storage.types import UTCDateTime

NOT_EVALUATED = "not_evaluated"


class CheckoutStep(Base):
    """One step (training, welcome_session, get_involved, teaching_demo) of one registration."""

    __tablename__ = "checkout_steps"
    __table_args__ = (UniqueConstraint("registration_id", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), index=True)
    step: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), default=NOT_EVALUATED)  # | passed | failed | asked_to_repeat
    notes: Mapped[str | None] = mapped_column(Text)
    evaluated_by: Mapped[str | None] = mapped_column(String(64))  # Slack user id, or "attendance"
    evaluated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class GetInvolvedSubmission(Base):
    """What a trainee did to get involved; the latest one is editable until it is evaluated."""

    __tablename__ = "get_involved_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # workshop | community | github | other
    url: Mapped[str | None] = mapped_column(String(500))
    activity_date: Mapped[date] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default=NOT_EVALUATED)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CheckoutExtension(Base):
    __tablename__ = "checkout_extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), index=True)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    months: Mapped[int] = mapped_column(Integer)
    new_deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    granted_by: Mapped[str] = mapped_column(String(64))


class Certificate(Base):
    """An issued certificate (the PDF is rendered again when needed, never stored).

    At most one per registration: the unique constraint makes "exactly once" hold under races.
    """

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # instructor | mentor | mentee
    code: Mapped[str] = mapped_column(String(20), unique=True)
    issued_on: Mapped[date] = mapped_column(Date)
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id"), unique=True)
    mentoring_ref: Mapped[str | None] = mapped_column(String(80))
