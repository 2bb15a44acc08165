"""Loading the calendar file into the database and listing what is open."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.common import roles
from bot.training_calendar.file_format import CalendarSpec, EventSpec, OrganisationSpec
from storage.models import ACTIVE, Event, EventSession, Organisation, Registration


@dataclass(frozen=True)
class LoadSummary:
    organisations_new: int
    organisations_updated: int
    events_new: int
    events_updated: int

    def __str__(self) -> str:
        return (f"organisations: {self.organisations_new} new, {self.organisations_updated} updated; "
                f"events: {self.events_new} new, {self.events_updated} updated")


@dataclass(frozen=True)
class EventSummary:
    slug: str
    title: str
    format: str
    timezone: str
    sessions: tuple[tuple[datetime, datetime], ...]
    capacity: int
    seats_left: int
    registration_closes: datetime
    location: str | None
    accessibility: tuple[str, ...]

    @property
    def first_start(self) -> datetime:
        return self.sessions[0][0]


async def load_calendar(session: AsyncSession, spec: CalendarSpec) -> LoadSummary:
    """Upsert organisations (by code) and events (by slug); loading the same file twice changes nothing."""
    org_new = org_updated = ev_new = ev_updated = 0
    for org_spec in spec.organisations:
        created = await _upsert_organisation(session, org_spec)
        org_new, org_updated = org_new + created, org_updated + (not created)
    for event_spec in spec.events:
        created = await _upsert_event(session, event_spec)
        ev_new, ev_updated = ev_new + created, ev_updated + (not created)
    for user_id in spec.staff:
        await roles.grant(session, user_id, roles.STAFF)
    for user_id in spec.coordinators:
        await roles.grant(session, user_id, roles.COORDINATOR)
    return LoadSummary(org_new, org_updated, ev_new, ev_updated)


async def _upsert_organisation(session: AsyncSession, spec: OrganisationSpec) -> bool:
    org = await session.scalar(select(Organisation).where(Organisation.code == spec.code))
    created = org is None
    if created:
        org = Organisation(code=spec.code)
        session.add(org)
    for name in ("name", "level", "seats", "additional_seats", "rolled_in_seats", "rolled_out_seats",
                 "membership_start", "membership_end"):
        setattr(org, name, getattr(spec, name))
    await session.flush()
    await roles.replace_members(session, roles.CONTACT, roles.organisation_scope(org.id), spec.contacts)
    return created


async def event_with_sessions(session: AsyncSession, slug: str) -> Event | None:
    return await session.scalar(select(Event).where(Event.slug == slug).options(selectinload(Event.sessions)))


async def _upsert_event(session: AsyncSession, spec: EventSpec) -> bool:
    event = await event_with_sessions(session, spec.slug)
    created = event is None
    if created:
        event = Event(slug=spec.slug, status="open", sessions=[])
        session.add(event)
    for name in ("title", "format", "timezone", "capacity", "zoom_meeting_id", "zoom_join_url", "location"):
        setattr(event, name, getattr(spec, name))
    event.accessibility = list(spec.accessibility)
    if [(s.start, s.end) for s in event.sessions] != list(spec.sessions):
        event.sessions = [EventSession(start=start, end=end) for start, end in spec.sessions]
    await session.flush()
    await roles.replace_members(session, roles.TRAINER, roles.event_scope(event.id), spec.trainers)
    return created


def days_before(moment: datetime, days: int, timezone_name: str) -> datetime:
    """`days` calendar days earlier on the event's wall clock (so a DST change in between keeps 13:00 at 13:00)."""
    return moment.astimezone(ZoneInfo(timezone_name)) - timedelta(days=days)


def registration_deadline(first_start: datetime, close_days: int, timezone_name: str) -> datetime:
    return days_before(first_start, close_days, timezone_name)


async def active_counts(session: AsyncSession, event_ids: list[int]) -> dict[int, int]:
    rows = await session.execute(
        select(Registration.event_id, func.count()).where(
            Registration.event_id.in_(event_ids), Registration.status == ACTIVE).group_by(Registration.event_id))
    return dict(rows.all())


async def upcoming_events(session: AsyncSession, now: datetime, close_days: int) -> list[EventSummary]:
    """Open events that have not started, soonest first, with the seats they have left."""
    ahead = select(EventSession.event_id).where(EventSession.start > now)
    events = list(await session.scalars(
        select(Event).where(Event.status == "open", Event.id.in_(ahead)).options(selectinload(Event.sessions))))
    events = [e for e in events if e.sessions[0].start > now]
    counts = await active_counts(session, [e.id for e in events])
    summaries = [summarise(e, counts.get(e.id, 0), close_days) for e in events]
    return sorted(summaries, key=lambda s: (s.first_start, s.slug))


def summarise(event: Event, active: int, close_days: int) -> EventSummary:
    sessions = tuple((s.start, s.end) for s in event.sessions)
    return EventSummary(
        slug=event.slug, title=event.title, format=event.format, timezone=event.timezone,
        sessions=sessions, capacity=event.capacity, seats_left=max(event.capacity - active, 0),
        registration_closes=registration_deadline(sessions[0][0], close_days, event.timezone),
        location=event.location, accessibility=tuple(event.accessibility or ()))
