"""Loading the calendar file into the database and listing what is open."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, joinedload

from bot.common import roles
from bot.common.plural import counted
from bot.training_calendar.file_format import CalendarSpec, EventSpec, OrganisationSpec
from storage.db import Reader, rows
from storage.models import ACTIVE, CANCELLED, Event, EventSession, Organisation, Person, Registration, Role

NEW, UPDATED, UNCHANGED = "new", "updated", "unchanged"
ORGANISATION_FIELDS = ("name", "level", "seats", "additional_seats", "rolled_in_seats", "rolled_out_seats",
                       "membership_start", "membership_end", "archived")
EVENT_FIELDS = ("title", "format", "timezone", "capacity", "zoom_meeting_id", "zoom_join_url", "location", "archived")


@dataclass(frozen=True)
class LoadSummary:
    organisations_new: int
    organisations_updated: int
    events_new: int
    events_updated: int
    roles_added: int = 0  # staff and coordinators
    roles_removed: tuple[str, ...] = ()  # one line each: who lost which role


    def __str__(self) -> str:
        line = (f"{counted(self.organisations_new, 'new organisation')}, {self.organisations_updated} updated; "
                f"{counted(self.events_new, 'new event')}, {self.events_updated} updated")
        if self.roles_added:
            line += f"; {counted(self.roles_added, 'staff or coordinator role')} added"
        return line


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
    zoom_meeting_id: str | None = None
    zoom_join_url: str | None = None

    @property
    def first_start(self) -> datetime:
        return self.sessions[0][0]


async def load_calendar(session: AsyncSession, spec: CalendarSpec) -> LoadSummary:
    """Upsert organisations (by code) and events (by slug); loading the same file twice changes nothing.
    A row counts as updated only when one of its values, sessions or roles changed. The roles follow the file:
    someone no longer listed as staff, coordinator, an event's trainer or an organisation's contact loses it."""
    removed: list[str] = []
    orgs = [await _upsert_organisation(session, org_spec, removed) for org_spec in spec.organisations]
    events = [await _upsert_event(session, event_spec, removed) for event_spec in spec.events]
    added = 0
    for role, user_ids in ((roles.STAFF, spec.staff), (roles.COORDINATOR, spec.coordinators)):
        if user_ids is None:
            continue
        for user_id in user_ids:
            if not await roles.has_role(session, user_id, role):
                session.add(Role(slack_user_id=user_id, role=role, scope=""))
                added += 1
        gone = await _remove_others(session, role, "", user_ids)
        removed.extend(f"{user_id} is no longer {ROLE_LABELS[role]}" for user_id in gone)
    return LoadSummary(orgs.count(NEW), orgs.count(UPDATED), events.count(NEW), events.count(UPDATED), added,
                       tuple(removed))


ROLE_LABELS = {roles.STAFF: "staff", roles.COORDINATOR: "a mentoring coordinator"}


async def _remove_others(session: AsyncSession, role: str, scope: str, keep: tuple[str, ...]) -> list[str]:
    """Take `role` in `scope` from everyone not in `keep`; who lost it, sorted."""
    gone = sorted(set(await session.scalars(select(Role.slack_user_id).where(
        Role.role == role, Role.scope == scope, Role.slack_user_id.not_in(keep)))))
    if gone:
        await session.execute(delete(Role).where(Role.role == role, Role.scope == scope,
                                                 Role.slack_user_id.in_(gone)))
    return gone


def _assign(row, values: dict) -> bool:
    """Set the values that differ; whether any did."""
    changed = {name: value for name, value in values.items() if getattr(row, name) != value}
    for name, value in changed.items():
        setattr(row, name, value)
    return bool(changed)


async def _replace_role(session: AsyncSession, role: str, scope: str, user_ids: tuple[str, ...],
                        removed: list[str], lost: str) -> bool:
    """Make exactly `user_ids` hold `role` in `scope`; whether that changed anything. Each person who lost it is
    added to `removed` as "<user> is no longer <lost>"."""
    before = set(await session.scalars(select(Role.slack_user_id).where(Role.role == role, Role.scope == scope)))
    if before == set(user_ids):
        return False
    removed.extend(f"{user_id} is no longer {lost}" for user_id in sorted(before - set(user_ids)))
    await roles.replace_members(session, role, scope, user_ids)
    return True


def _outcome(created: bool, changed: bool) -> str:
    return NEW if created else UPDATED if changed else UNCHANGED


async def _upsert_organisation(session: AsyncSession, spec: OrganisationSpec, removed: list[str]) -> str:
    org = await session.scalar(select(Organisation).where(Organisation.code == spec.code))
    created = org is None
    if created:
        org = Organisation(code=spec.code)
        session.add(org)
    changed = _assign(org, {name: getattr(spec, name) for name in ORGANISATION_FIELDS})
    await session.flush()
    contacts = await _replace_role(session, roles.CONTACT, roles.organisation_scope(org.id), spec.contacts, removed,
                                   f"a contact of {spec.code}")
    return _outcome(created, changed or contacts)


def takes_registrations(event: Event) -> bool:
    """Neither cancelled nor archived (whether it has started or closed is the caller's rule)."""
    return event.status == "open" and not event.archived


async def organisation_id_for_code(session: AsyncSession, code: str) -> int | None:
    """The organisation a registration code belongs to, in any case; an archived one's code is unknown."""
    return await session.scalar(select(Organisation.id).where(
        func.upper(Organisation.code) == code.upper(), Organisation.archived.is_(False)))


EVENT_WITH_SESSIONS = select(Event).where(Event.slug == bindparam("slug")).options(joinedload(Event.sessions))


async def event_with_sessions(session: AsyncSession, slug: str) -> Event | None:
    """The event and its sessions in one statement (a join: one event has a handful of sessions)."""
    return (await session.execute(EVENT_WITH_SESSIONS, {"slug": slug})).unique().scalar_one_or_none()


async def _upsert_event(session: AsyncSession, spec: EventSpec, removed: list[str]) -> str:
    event = await event_with_sessions(session, spec.slug)
    created = event is None
    if created:
        event = Event(slug=spec.slug, status="open", sessions=[])
        session.add(event)
    changed = _assign(event, {**{name: getattr(spec, name) for name in EVENT_FIELDS},
                              "accessibility": list(spec.accessibility)})
    if [(s.start, s.end) for s in event.sessions] != list(spec.sessions):
        event.sessions = [EventSession(start=start, end=end) for start, end in spec.sessions]
        changed = True
    await session.flush()
    trainers = await _replace_role(session, roles.TRAINER, roles.event_scope(event.id), spec.trainers, removed,
                                   f"a trainer of {spec.slug}")
    return _outcome(created, changed or trainers)


def days_before(moment: datetime, days: int, timezone_name: str) -> datetime:
    """`days` calendar days earlier on the event's wall clock (so a DST change in between keeps 13:00 at 13:00)."""
    return moment.astimezone(ZoneInfo(timezone_name)) - timedelta(days=days)


def registration_deadline(first_start: datetime, close_days: int, timezone_name: str) -> datetime:
    return days_before(first_start, close_days, timezone_name)


SUMMARY_COLUMNS = (Event.id, Event.slug, Event.title, Event.format, Event.timezone, Event.capacity, Event.location,
                   Event.accessibility, Event.zoom_meeting_id, Event.zoom_join_url)
_seat = aliased(Registration)
ACTIVE_SEATS = select(func.count()).where(_seat.event_id == Event.id, _seat.status == ACTIVE).scalar_subquery()
UPCOMING = (
    select(*SUMMARY_COLUMNS, ACTIVE_SEATS, EventSession.start, EventSession.end)
    .join(EventSession, EventSession.event_id == Event.id)
    .where(Event.status == "open", Event.archived.is_(False),
           Event.id.in_(select(EventSession.event_id).where(EventSession.start > bindparam("now"))))
    .order_by(Event.id, EventSession.start))


async def upcoming_events(session: Reader, now: datetime, close_days: int) -> list[EventSummary]:
    """Open events (not archived) that have not started, soonest first, with the seats they have left.

    Read in one statement, built once, as plain rows, not ORM objects: the calendar is the answer asked for most
    often."""
    found = await rows(session, UPCOMING, {"now": now})
    events: dict[int, tuple] = {}
    counts: dict[int, int] = {}
    sessions: dict[int, list[tuple[datetime, datetime]]] = {}
    for *event, count, start, end in found:
        events.setdefault(event[0], tuple(event))
        counts[event[0]] = count
        sessions.setdefault(event[0], []).append((start, end))
    ids = [i for i in events if sessions[i][0][0] > now]
    summaries = [_summary(events[i], tuple(sessions[i]), counts[i], close_days) for i in ids]
    return sorted(summaries, key=lambda s: (s.first_start, s.slug))


PERSON_EVENTS = (
    select(Registration.id, Registration.status, *SUMMARY_COLUMNS, ACTIVE_SEATS, EventSession.start, EventSession.end)
    .join(Event, Event.id == Registration.event_id).join(EventSession, EventSession.event_id == Event.id)
    .join(Person, Person.id == Registration.person_id)
    .where(Person.slack_user_id == bindparam("user_id"), Registration.status != CANCELLED)
    .order_by(Registration.created_at, Registration.id, EventSession.start))


async def registered_events(session: Reader, user_id: str,
                            close_days: int) -> list[tuple[int, str, int, EventSummary]]:
    """(registration id, status, event id, event) of each registration of a Slack user but cancelled ones, oldest
    first, for events with sessions: one statement, built once (`/training status` asks it)."""
    found: dict[int, tuple[str, tuple, int]] = {}
    sessions: dict[int, list[tuple[datetime, datetime]]] = {}
    for registration_id, status, *event, active, start, end in await rows(session, PERSON_EVENTS,
                                                                                   {"user_id": user_id}):
        found.setdefault(registration_id, (status, tuple(event), active))
        sessions.setdefault(registration_id, []).append((start, end))
    return [(registration_id, status, event[0], _summary(event, tuple(sessions[registration_id]), active, close_days))
            for registration_id, (status, event, active) in found.items()]


def summarise(event: Event, active: int, close_days: int) -> EventSummary:
    row = tuple(getattr(event, column.key) for column in SUMMARY_COLUMNS)
    return _summary(row, tuple((s.start, s.end) for s in event.sessions), active, close_days)


def _summary(row: tuple, sessions: tuple[tuple[datetime, datetime], ...], active: int,
             close_days: int) -> EventSummary:
    _, slug, title, format_, timezone_name, capacity, location, accessibility, meeting_id, join_url = row
    return EventSummary(
        slug=slug, title=title, format=format_, timezone=timezone_name, sessions=sessions, capacity=capacity,
        seats_left=max(capacity - active, 0),
        registration_closes=registration_deadline(sessions[0][0], close_days, timezone_name),
        location=location, accessibility=tuple(accessibility or ()), zoom_meeting_id=meeting_id,
        zoom_join_url=join_url)
