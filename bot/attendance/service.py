"""Attendance: importing Zoom reports (files, API, webhooks) and reporting who attended how long."""
from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Row, and_, bindparam, delete, false, insert, or_, select, true, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.attendance import compute as ac
from bot.common import roles
from bot.common.errors import InputError, NotAllowed, Refusal
from bot.config import Settings
from bot.training_calendar import events as calendar
from bot.zoom.reports import ParticipantRow, ReportError, parse_api_pages, parse_csv, parse_json_file
from bot.zoom.webhook import LiveEvent
from storage.db import Database, Reader
from storage.db import rows as db_rows
from storage.models import (
    ACTIVE,
    NO_SHOW,
    AttendanceAlias,
    AttendanceImport,
    AttendanceRow,
    Event,
    EventSession,
    LiveInterval,
    Person,
    Registration,
)

# The report's statements, built once and read as plain rows (storage.db.rows): /attendance reads them on every call.
# The event, one row per session, and whether the viewer may see it:
REPORT_EVENT = select(Event.id, Event.slug, Event.title, EventSession.start, EventSession.end,
                      roles.staff_or_trainer(bindparam("viewer"), Event.id).label("viewable")).join(
    EventSession, EventSession.event_id == Event.id).where(Event.slug == bindparam("slug")).order_by(EventSession.start)
# The trainees, each with the participant names matched to them (a row per alias; only a trainee's count).
REPORT_PEOPLE = (
    select(Person.id, Person.name, Person.email, Person.slack_user_id, AttendanceAlias.alias).join(Registration)
    .outerjoin(AttendanceAlias, and_(AttendanceAlias.event_id == Registration.event_id,
                                     AttendanceAlias.person_id == Person.id))
    # Two comparisons, not IN: IN's list is expanded into the SQL text again on every execution.
    .where(Registration.event_id == bindparam("event_id"),
           or_(Registration.status == ACTIVE, Registration.status == NO_SHOW))
    .order_by(Person.name, Person.id))
# Imported rows and live intervals (`live`; an open one has no leave yet) in one statement.
REPORT_ROWS = union_all(
    select(AttendanceRow.name, AttendanceRow.email, AttendanceRow.join, AttendanceRow.leave, AttendanceRow.waiting_room,
           false().label("live")).where(AttendanceRow.event_id == bindparam("event_id")),
    select(LiveInterval.name, LiveInterval.email, LiveInterval.join, LiveInterval.leave, false(), true())
    .where(LiveInterval.event_id == bindparam("event_id")))
REPORT_IMPORTED = select(AttendanceImport.id).where(AttendanceImport.event_id == bindparam("event_id")).limit(1)


@dataclass(frozen=True)
class TraineeLine:
    person_id: int
    name: str
    email: str
    slack_user_id: str | None
    sessions: tuple[int, ...]  # attended seconds per session
    attended: int
    missed: int
    absent: bool
    at_risk: bool
    status: str


@dataclass(frozen=True)
class Report:
    slug: str
    title: str
    windows: tuple[ac.Window, ...]
    scheduled: int
    threshold: int
    trainees: tuple[TraineeLine, ...]
    unmatched: tuple[ac.UnmatchedParticipant, ...]
    in_progress: bool  # computed before the last session ended: only the time that has happened is missed
    partial_reason: str | None  # why the result is not final yet (see _partial_reason); None when it is


@dataclass(frozen=True)
class ImportSummary:
    slug: str
    imported: list[tuple[str, int]]  # (source, rows)
    skipped: list[str]  # sources already imported

    def __str__(self) -> str:
        parts = [f"{source}: {rows} rows imported" for source, rows in self.imported]
        parts += [f"{source}: already imported, nothing changed" for source in self.skipped]
        return f"{self.slug}: " + "; ".join(parts)


Source = tuple[str, list[ParticipantRow]]


def digest(rows: list[ParticipantRow]) -> str:
    """The same report (any row order) always gives the same digest."""
    lines = sorted(f"{r.name}\t{r.email}\t{r.join.isoformat()}\t{r.leave.isoformat()}\t{r.waiting_room}" for r in rows)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


class AttendanceService:
    def __init__(self, db: Database, settings: Settings, clock: Callable[[], datetime],
                 zoom_pages: Callable[[str, list[tuple[datetime, datetime]]], Awaitable[list[dict]]] | None = None):
        self.db, self.settings, self.clock = db, settings, clock
        self.zoom_pages = zoom_pages

    # ---- importing ------------------------------------------------------------
    async def _event(self, s: AsyncSession, slug: str) -> Event:
        event = await calendar.event_with_sessions(s, slug)
        if event is None:
            raise InputError(f"unknown event {slug!r}")
        return event

    async def parse_files(self, slug: str, files: list[tuple[str, bytes]], tz_name: str | None) -> list[Source]:
        """Parse every file before anything is stored: one bad file stops the whole import."""
        async with self.db.transaction() as s:
            event = await self._event(s, slug)
        try:
            tz = ZoneInfo(tz_name or event.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InputError(f"--tz {tz_name!r} is not a time zone (use an IANA name like America/New_York)") from None
        sources = []
        for name, data in files:
            try:
                looks_json = data.lstrip()[:1] in (b"{", b"[")
                rows = parse_json_file(data, name) if looks_json else parse_csv(data, tz, name)
            except ReportError as exc:
                raise InputError(str(exc)) from None
            sources.append((name, rows))
        return sources

    async def store(self, slug: str, sources: list[Source], actor: str) -> ImportSummary:
        """All sources in one transaction; a report outside every session window refuses the lot."""
        imported, skipped = [], []
        async with self.db.transaction() as s:
            event = await self._event(s, slug)
            windows = [ac.Window(x.start, x.end) for x in event.sessions]
            for name, rows in sources:
                if rows and not ac.covers_any_window(rows, windows):
                    raise InputError(f"{name}: its times ({_span(rows)}) fall outside every session of {slug}; "
                                     "is it the report of another event, or does it need --tz?")
                key = digest(rows)
                if await s.scalar(select(AttendanceImport.id).where(
                        AttendanceImport.event_id == event.id, AttendanceImport.digest == key)):
                    skipped.append(name)
                    continue
                record = AttendanceImport(event_id=event.id, source=name[:400], digest=key, rows=len(rows),
                                          imported_by=actor)
                s.add(record)
                await s.flush()
                if rows:
                    await s.execute(insert(AttendanceRow), [
                        {"import_id": record.id, "event_id": event.id, "name": r.name[:300], "email": r.email[:320],
                         "join": r.join, "leave": r.leave, "waiting_room": r.waiting_room} for r in rows])
                imported.append((name, len(rows)))
        return ImportSummary(slug, imported, skipped)

    async def import_files(self, slug: str, files: list[tuple[str, bytes]], tz_name: str | None,
                           actor: str) -> ImportSummary:
        return await self.store(slug, await self.parse_files(slug, files, tz_name), actor)

    async def import_zoom(self, slug: str, actor: str) -> ImportSummary:
        """Fetch every instance of the event's meeting that overlaps a session, and import them."""
        if self.zoom_pages is None:
            raise InputError("Zoom is not configured: set ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET")
        async with self.db.transaction() as s:
            event = await self._event(s, slug)
            meeting, windows = event.zoom_meeting_id, [(x.start, x.end) for x in event.sessions]
        if not meeting:
            raise InputError(f"event {slug} has no zoom_meeting_id in the calendar")
        pages = await self.zoom_pages(meeting, windows)
        try:
            rows = parse_api_pages(pages, f"zoom meeting {meeting}")
        except ReportError as exc:
            raise InputError(str(exc)) from None
        summary = await self.store(slug, [(f"zoom meeting {meeting}", rows)], actor)
        async with self.db.transaction() as s:
            await s.execute(delete(LiveInterval).where(LiveInterval.event_id == (await self._event(s, slug)).id))
        return summary

    async def record_live(self, live: LiveEvent) -> str | None:
        """A webhook's join or leave, kept as provisional; returns the event's slug, None for other meetings."""
        async with self.db.transaction() as s:
            event = await s.scalar(select(Event).where(Event.zoom_meeting_id == live.meeting_id))
            if event is None:
                return None
            if live.kind == "joined":
                s.add(LiveInterval(event_id=event.id, meeting_uuid=live.meeting_uuid,
                                   participant_key=live.participant_key[:200], name=live.name[:300],
                                   email=live.email[:320], join=live.at))
            elif live.kind == "left":
                open_interval = await s.scalar(select(LiveInterval).where(
                    LiveInterval.meeting_uuid == live.meeting_uuid, LiveInterval.participant_key == live.participant_key,
                    LiveInterval.leave.is_(None)).order_by(LiveInterval.join.desc()).limit(1))
                if open_interval is not None and live.at >= open_interval.join:
                    open_interval.leave = live.at
            return event.slug

    # ---- reporting --------------------------------------------------------------
    async def require_viewer(self, user_id: str, slug: str) -> None:
        async with self.db.read_rows() as s:
            await self._report_event(s, slug, user_id)

    async def _report_event(self, s: Reader, slug: str, viewer: str | None) -> list[Row]:
        """The event's rows (id, slug, title, start, end), one per session; with `viewer`, refused unless they are
        staff or one of its trainers. Someone who is not staff is refused alike for an event they do not train and
        for one that does not exist."""
        found = (await db_rows(s, REPORT_EVENT, {"slug": slug, "viewer": viewer or ""})).all()
        if viewer is None or (found and found[0].viewable):
            if not found:
                raise InputError(f"unknown event {slug!r}")
            return found
        if not found and await roles.is_staff(s, viewer):
            raise Refusal(f"There is no event `{slug}`. `/training calendar` lists the upcoming ones.")
        raise NotAllowed(f"Only the trainers of `{slug}` and Carpentries staff can see its attendance.")

    async def report(self, slug: str, viewer: str | None = None) -> Report:
        """The attendance report of an event; with `viewer`, only for its trainers and staff (checked in the
        same statement that reads the event, which /attendance does on every call)."""
        now = self.clock()
        async with self.db.read_rows() as s:
            sessions = await self._report_event(s, slug, viewer)
            event_id, slug, title = sessions[0].id, sessions[0].slug, sessions[0].title
            first, last = sessions[0].start, sessions[-1].end
            in_progress = first <= now < last
            # While the event runs, only the time that has happened can have been missed.
            windows = [ac.Window(x.start, min(x.end, now)) for x in sessions if x.start < now] if in_progress \
                else [ac.Window(x.start, x.end) for x in sessions]
            of_event = {"event_id": event_id}
            people: dict[int, tuple] = {}  # rows, not entities: only read
            aliases: dict[str, int] = {}
            for person_id, name, email, slack_user_id, alias in await db_rows(s, REPORT_PEOPLE, of_event):
                people.setdefault(person_id, (name, email or "", slack_user_id))
                if alias is not None:
                    aliases[alias] = person_id
            found = (await db_rows(s, REPORT_ROWS, of_event)).all()
            # Stored rows prove an import, so only without them is one looked for (a table with no rows).
            has_report = bool(found) or (await db_rows(s, REPORT_IMPORTED, of_event)).first() is not None
            rows = [ParticipantRow(name, email, join, leave or now, waiting, 0)
                    for name, email, join, leave, waiting, live in found if not live or (leave or now) > join]
        threshold = self.settings.absence_threshold_minutes * 60
        result = ac.compute([ac.TraineeRef(pid, name, email) for pid, (name, email, _) in people.items()], rows,
                            windows, aliases, threshold, self.settings.makeup_limit_minutes * 60)
        lines = []
        for pid, (name, email, slack_user_id) in people.items():
            t = result.trainees[pid]
            lines.append(TraineeLine(pid, name, email, slack_user_id, t.sessions, t.attended, t.missed,
                                     t.absent, threshold / 2 < t.missed <= threshold, t.status))
        return Report(slug, title, tuple(windows), result.scheduled, threshold, tuple(lines),
                      tuple(result.unmatched), in_progress, _partial_reason(now, first, last, has_report))

    async def final_report(self, slug: str) -> Report:
        """The report, refused unless final: AMY records a training's outcome for good, so it must never get
        the "Failed" of a cohort whose event has not ended or whose Zoom report is not imported."""
        report = await self.report(slug)
        if report.partial_reason:
            raise InputError(f"{slug}: not exported for AMY, which takes final results only: {report.partial_reason}")
        return report

    async def save_alias(self, user_id: str, slug: str, participant_name: str, person_id: int) -> None:
        """A trainer matches an unmatched participant to a trainee; later reports use the alias."""
        await self.require_viewer(user_id, slug)
        alias = ac.normalise_name(participant_name)
        if not alias:
            raise Refusal("That participant has no name to match.")
        async with self.db.transaction() as s:
            event = await self._event(s, slug)
            registered = await s.scalar(select(Registration.id).where(
                Registration.event_id == event.id, Registration.person_id == person_id,
                Registration.status.in_((ACTIVE, NO_SHOW))))
            if registered is None:
                raise Refusal("That person is not registered for this event.")
            existing = await s.scalar(select(AttendanceAlias).where(
                AttendanceAlias.event_id == event.id, AttendanceAlias.alias == alias))
            if existing:
                existing.person_id, existing.created_by = person_id, user_id
            else:
                s.add(AttendanceAlias(event_id=event.id, alias=alias, person_id=person_id, created_by=user_id))

    async def trainer_events(self, user_id: str) -> list[str]:
        """Slugs of the events this person trains, most recent first."""
        async with self.db.read() as s:
            scopes = await roles.scopes_of(s, user_id, roles.TRAINER)
            ids = [int(scope.split(":")[1]) for scope in scopes]
            events = list(await s.scalars(select(Event).where(Event.id.in_(ids)).options(selectinload(Event.sessions))))
        events.sort(key=lambda e: e.sessions[0].start if e.sessions else self.clock(), reverse=True)
        return [e.slug for e in events]


def _partial_reason(now: datetime, first: datetime, last: datetime, has_report: bool) -> str | None:
    """Why a report is not final: before the end, or with no Zoom report at all, "missed" is not known yet."""
    def utc(moment: datetime) -> str:
        return f"{moment.astimezone(timezone.utc):%Y-%m-%d %H:%M} UTC"

    if now < first:
        return f"the event has not started (its first session starts {utc(first)})"
    if now < last:
        return f"the event has not ended (its last session ends {utc(last)})"
    if not has_report:
        return "no Zoom attendance report has been imported (trainingbot attendance import)"
    return None


def _span(rows: list[ParticipantRow]) -> str:
    first, last = min(r.join for r in rows), max(r.leave for r in rows)
    return f"{first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M} UTC"
