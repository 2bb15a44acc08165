"""Lookups and the audit trail shared by the registration services (all inside a caller's transaction)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from bot.common.errors import Refusal
from bot.training_calendar import events as calendar
from storage.db import Reader, rows
from storage.models import ACTIVE, WAITLISTED, Event, Organisation, Registration, RegistrationChange

LIVE = (ACTIVE, WAITLISTED)


async def lock_event(session: AsyncSession, slug: str) -> Event | None:
    """The event row locked FOR UPDATE (PostgreSQL); SQLite's BEGIN IMMEDIATE already holds the write lock."""
    return await session.scalar(select(Event).where(Event.slug == slug)
                                .options(selectinload(Event.sessions)).with_for_update(of=Event))


async def lock_event_id(session: AsyncSession, event_id: int) -> Event:
    return await session.scalar(select(Event).where(Event.id == event_id)
                                .options(selectinload(Event.sessions)).with_for_update(of=Event))


async def lock_organisation(session: AsyncSession, organisation_id: int) -> Organisation:
    return await session.scalar(select(Organisation).where(Organisation.id == organisation_id).with_for_update())


ACTIVE_COUNT = select(func.count()).where(Registration.event_id == bindparam("event_id"), Registration.status == ACTIVE)


async def active_count(session: AsyncSession, event_id: int) -> int:
    return await session.scalar(ACTIVE_COUNT, {"event_id": event_id}) or 0


WAITLIST_ORDER = (Registration.created_at, Registration.id)  # first come, first served


async def waitlist(session: AsyncSession, event_id: int) -> list[Registration]:
    rows = await session.scalars(select(Registration).where(
        Registration.event_id == event_id, Registration.status == WAITLISTED)
        .options(selectinload(Registration.person)).order_by(*WAITLIST_ORDER))
    return list(rows)


WAITLIST_IDS = select(Registration.id).where(Registration.event_id == bindparam("event_id"),
                                             Registration.status == WAITLISTED).order_by(*WAITLIST_ORDER)


async def waitlist_position(session: Reader, event_id: int, registration_id: int) -> int:
    return list((await rows(session, WAITLIST_IDS, {"event_id": event_id})).scalars()).index(registration_id) + 1


def first_start(event: Event) -> datetime:
    return event.sessions[0].start


def last_end(event: Event) -> datetime:
    return event.sessions[-1].end


def change_deadline(event: Event, close_days: int) -> datetime:
    """Registration, cancellation with refund of the seat, and automatic transfers close here."""
    return calendar.registration_deadline(first_start(event), close_days, event.timezone)


def checkout_deadline(event: Event, checkout_days: int) -> datetime:
    return checkout_due(last_end(event), event.timezone, checkout_days)


def checkout_due(last_end: datetime, timezone_name: str, checkout_days: int) -> datetime:
    """`checkout_days` calendar days after the last session ends, on the event's wall clock."""
    return calendar.days_before(last_end, -checkout_days, timezone_name)


# Built once (a person's registrations are read on most of their commands), with and without a status filter.
PERSON_REGISTRATIONS = select(Registration).where(Registration.person_id == bindparam("person_id")).options(
    joinedload(Registration.event).selectinload(Event.sessions),
    joinedload(Registration.organisation)).order_by(Registration.created_at)
PERSON_REGISTRATIONS_IN = PERSON_REGISTRATIONS.where(Registration.status.in_(bindparam("statuses", expanding=True)))


async def person_registrations(session: AsyncSession, person_id: int,
                               statuses: tuple[str, ...] | None = None) -> list[Registration]:
    if statuses:
        return list(await session.scalars(PERSON_REGISTRATIONS_IN, {"person_id": person_id,
                                                                    "statuses": list(statuses)}))
    return list(await session.scalars(PERSON_REGISTRATIONS, {"person_id": person_id}))


async def current_registration(session: AsyncSession, person_id: int, now: datetime,
                               statuses: tuple[str, ...] = LIVE) -> Registration | None:
    """The person's registration (in `statuses`) for an event that has not ended, if any."""
    for reg in await person_registrations(session, person_id, statuses):
        if reg.event.sessions and last_end(reg.event) > now:
            return reg
    return None


def audit(session: AsyncSession, reg: Registration, action: str, from_status: str | None, actor: str,
          detail: str | None = None) -> None:
    session.add(RegistrationChange(registration_id=reg.id, action=action, from_status=from_status,
                                   to_status=reg.status, actor=actor, detail=detail))


async def cancellations(session: AsyncSession, person_id: int) -> int:
    return await session.scalar(select(func.count()).select_from(RegistrationChange).join(
        Registration, Registration.id == RegistrationChange.registration_id).where(
        Registration.person_id == person_id, RegistrationChange.action == "cancel")) or 0


def require_found(value, message: str):
    if value is None:
        raise Refusal(message)
    return value

