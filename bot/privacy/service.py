"""Privacy (issue 9): everything stored about one person as JSON, and forgetting them.

Forgetting keeps every row a count depends on (registrations, seats, attendance minutes, checkout steps,
certificates, mentoring membership) and strips what identifies the person: the people row becomes
"forgotten person #<id>", their Slack id in audit columns becomes "forgotten#<id>", what they or staff
wrote about them is deleted, and mentions of them in other free text are replaced.
"""
from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import JSON, String, Text, cast, delete, false, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from bot.accommodation.service import AccommodationService
from bot.attendance import compute as ac
from bot.common.errors import InputError
from bot.zoom.reports import ParticipantRow
from storage.accommodation_models import AccommodationChange, AccommodationRequest
from storage.checkout_models import Certificate, CheckoutExtension, CheckoutStep, GetInvolvedSubmission
from storage.db import Database
from storage.mentoring_models import (
    OPEN,
    MentoringAttendee,
    MentoringCertificate,
    MentoringGroup,
    MentoringMark,
    MentoringMeeting,
    MentoringMember,
    MentoringSignup,
)
from storage.models import (
    ACTIVE,
    NO_SHOW,
    AttendanceAlias,
    AttendanceImport,
    AttendanceRow,
    Base,
    Event,
    LiveInterval,
    Person,
    Registration,
    RegistrationChange,
    Role,
    SeatRequest,
)
from storage.outbox_models import LIVE, OutboxMessage
from storage.reminder_models import Reminder

SLACK_ID = re.compile(r"<?@?([UW][A-Z0-9]{2,31})(?:\|[^>]*)?>?")
EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+")

# Columns holding the Slack id of whoever did something, possibly to someone else's record.
ACTORS: dict[type[Base], tuple[InstrumentedAttribute, ...]] = {
    RegistrationChange: (RegistrationChange.actor,),
    SeatRequest: (SeatRequest.requested_by, SeatRequest.decided_by),
    AccommodationRequest: (AccommodationRequest.requester,),
    AccommodationChange: (AccommodationChange.actor,),
    CheckoutStep: (CheckoutStep.evaluated_by,),
    CheckoutExtension: (CheckoutExtension.granted_by,),
    AttendanceImport: (AttendanceImport.imported_by,),
    AttendanceAlias: (AttendanceAlias.created_by,),
    MentoringGroup: (MentoringGroup.created_by,),
    MentoringMeeting: (MentoringMeeting.logged_by,),
    MentoringMark: (MentoringMark.marked_by,),
}
# Free text that may mention anyone (staff notes, reminder texts, audit details).
FREE_TEXT = (RegistrationChange.detail, AccommodationChange.note, CheckoutStep.notes, GetInvolvedSubmission.notes,
             Event.cancel_reason, OutboxMessage.text, OutboxMessage.blocks, OutboxMessage.then)
TABLES: tuple[type[Base], ...] = (
    Person, Role, Registration, RegistrationChange, SeatRequest, AccommodationRequest, AccommodationChange,
    CheckoutStep, GetInvolvedSubmission, CheckoutExtension, Certificate, AttendanceImport, AttendanceRow,
    AttendanceAlias, LiveInterval, MentoringSignup, MentoringGroup, MentoringMember, MentoringMeeting,
    MentoringAttendee, MentoringMark, MentoringCertificate, Reminder, OutboxMessage)


@dataclass(frozen=True)
class Forgotten:
    placeholder: str
    removed: list[tuple[str, int, str]]  # (table, rows, what was done to them)

    def __str__(self) -> str:
        lines = [f"now stored as {self.placeholder!r}; removed:"]
        lines += [f"  {table}: {count} {what}" for table, count, what in self.removed]
        return "\n".join(lines)


@dataclass(frozen=True)
class Subject:
    """Whom a request is about: a people row, or only a Slack id that roles and audit columns hold (staff,
    trainers and coordinators act without ever getting a people row)."""

    person: Person | None
    slack_id: str | None

    @property
    def person_id(self) -> int | None:
        return self.person.id if self.person else None


class PrivacyService:
    """Forgetting someone also redacts the copies of their accommodation requests in Slack (`accommodation`)."""

    def __init__(self, db: Database, clock: Callable[[], datetime], accommodation: AccommodationService) -> None:
        self.db, self.clock, self.accommodation = db, clock, accommodation

    async def export(self, identifier: str) -> dict:
        """{"exported_at", "person_id", "tables": {table: [row, …]}}; rows of other people's records that
        only name this person as the one who acted keep just their non-text columns and that actor column."""
        async with self.db.transaction() as s:
            who = await find(s, identifier)
            owned = await _owned(s, who)
            tables = {}
            for model in TABLES:
                mine = set(await s.scalars(select(model.id).where(owned.get(model, false()))))
                acted = _acted(model, who.slack_id)
                rows = await s.scalars(select(model).where(or_(model.id.in_(sorted(mine)), acted)).order_by(model.id))
                tables[model.__tablename__] = [_plain(r, full=r.id in mine) for r in rows]
        return {"exported_at": self.clock().isoformat(), "person_id": who.person_id, "tables": tables}

    async def forget(self, identifier: str, actor: str = "cli") -> Forgotten:
        """One transaction; asks nothing, so callers confirm first if they want to."""
        now = self.clock()
        async with self.db.transaction() as s:
            who = await find(s, identifier, lock=True)
            person, sid = who.person, who.slack_id
            name = f"forgotten person #{person.id}" if person else "forgotten person"
            alias = f"forgotten#{person.id}" if person else "forgotten"
            owned = await _owned(s, who)
            removed = [("people", 1, "name, email, Slack id and time zone replaced")] if person else []

            async def run(table: str, what: str, statement) -> None:
                count = (await s.execute(statement.execution_options(synchronize_session=False))).rowcount
                if count:
                    removed.append((table, count, what))

            await run("attendance_rows", "names and emails replaced", update(AttendanceRow).where(
                owned[AttendanceRow]).values(name=name, email=""))
            await run("live_intervals", "names and emails replaced", update(LiveInterval).where(
                owned[LiveInterval]).values(name=name, email="", participant_key=alias))
            await run("attendance_aliases", "deleted", delete(AttendanceAlias).where(owned[AttendanceAlias]))
            await run("roles", "deleted", delete(Role).where(owned[Role]))
            await run("reminders", "deleted", delete(Reminder).where(owned[Reminder]))
            await run("outbox", "messages to them not sent yet deleted", delete(OutboxMessage).where(
                owned[OutboxMessage], OutboxMessage.status.in_(LIVE)))
            await run("outbox", "recipient of messages sent to them replaced", update(OutboxMessage).where(
                owned[OutboxMessage]).values(recipient=alias, ref=None))
            requests = list(await s.scalars(select(AccommodationRequest.id).where(owned[AccommodationRequest])))
            removed += await _forget_accommodation(s, requests, now, actor)
            await run("get_involved_submissions", "links and notes deleted", update(GetInvolvedSubmission).where(
                owned[GetInvolvedSubmission]).values(url=None, notes=None))
            await run("checkout_steps", "notes deleted", update(CheckoutStep).where(
                owned[CheckoutStep], CheckoutStep.notes.is_not(None)).values(notes=None))
            await run("mentoring_signups", "deleted (not in a group yet)", delete(MentoringSignup).where(
                owned[MentoringSignup], MentoringSignup.status == OPEN))
            await run("mentoring_signups", "goals and place deleted", update(MentoringSignup).where(
                owned[MentoringSignup]).values(goals="", place=None))
            words, pattern = _mentions(who)
            for column in FREE_TEXT:
                count = await _scrub(s, column, words, pattern, name)
                if count:
                    removed.append((column.class_.__tablename__, count, f"mentions in {column.key} replaced"))
            for model, columns in ACTORS.items():
                for column in columns:
                    await run(model.__tablename__, f"Slack ids in {column.key} replaced",
                              update(model).where(_is(column, sid)).values({column.key: alias}))
            if person:
                person.name, person.email, person.slack_user_id, person.timezone = name, None, None, None
            await s.flush()
            for request_id in requests:
                await self.accommodation.redact_in_slack(s, request_id, forget=True)
        return Forgotten(name, removed)


async def find(s: AsyncSession, identifier: str, lock: bool = False) -> Subject:
    """Whom a Slack mention (`<@U…>`, `@U…`, `U…`) or an email (any case) names; InputError if nothing is stored."""
    given = identifier.strip()
    if EMAIL.fullmatch(given):
        where, sid = func.lower(Person.email) == given.lower(), None
    elif match := SLACK_ID.fullmatch(given):
        where, sid = Person.slack_user_id == match[1], match[1]
    else:
        raise InputError(f"{identifier!r} is neither a Slack user (@U…) nor an email")
    query = select(Person).where(where).order_by(Person.id)
    found = list(await s.scalars(query.with_for_update() if lock else query))
    if len(found) > 1:
        raise InputError(f"{len(found)} people are stored with {given}; give their Slack id instead")
    if found:
        return Subject(found[0], found[0].slack_user_id)
    if sid and await _holds_slack_id(s, sid):
        return Subject(None, sid)
    raise InputError(f"no one stored as {given}")


async def _holds_slack_id(s: AsyncSession, sid: str) -> bool:
    columns = [Role.slack_user_id, Reminder.recipient, OutboxMessage.recipient,
               *(c for cs in ACTORS.values() for c in cs)]
    for column in columns:
        if await s.scalar(select(column.class_.id).where(column == sid).limit(1)):
            return True
    return False


async def _owned(s: AsyncSession, who: Subject) -> dict[type[Base], object]:
    """Per table, the WHERE clause of the rows about this person."""
    pid, sid = who.person_id, who.slack_id
    regs = select(Registration.id).where(_is(Registration.person_id, pid))
    requests = or_(_is(AccommodationRequest.person_id, pid), _is(AccommodationRequest.requester, sid))
    rows, live = await _attendance(s, who.person) if who.person else ([], [])
    return {
        Person: _is(Person.id, pid), Role: _is(Role.slack_user_id, sid), Registration: _is(Registration.person_id, pid),
        RegistrationChange: RegistrationChange.registration_id.in_(regs),
        SeatRequest: SeatRequest.registration_id.in_(regs), AccommodationRequest: requests,
        AccommodationChange: AccommodationChange.request_id.in_(select(AccommodationRequest.id).where(requests)),
        CheckoutStep: CheckoutStep.registration_id.in_(regs),
        GetInvolvedSubmission: GetInvolvedSubmission.registration_id.in_(regs),
        CheckoutExtension: CheckoutExtension.registration_id.in_(regs), Certificate: _is(Certificate.person_id, pid),
        AttendanceRow: AttendanceRow.id.in_(rows), LiveInterval: LiveInterval.id.in_(live),
        AttendanceAlias: _is(AttendanceAlias.person_id, pid), MentoringSignup: _is(MentoringSignup.person_id, pid),
        MentoringGroup: _is(MentoringGroup.mentor_id, pid), MentoringMember: _is(MentoringMember.person_id, pid),
        MentoringAttendee: _is(MentoringAttendee.person_id, pid), MentoringMark: _is(MentoringMark.person_id, pid),
        MentoringCertificate: _is(MentoringCertificate.person_id, pid), Reminder: _is(Reminder.recipient, sid),
        OutboxMessage: _is(OutboxMessage.recipient, sid),
    }


async def _attendance(s: AsyncSession, person: Person) -> tuple[list[int], list[int]]:
    """Ids of the Zoom rows (reports, live) that are this person's: those with their email anywhere, and those
    the attendance report gives them (by email, name or alias, as bot.attendance_compute matches)."""
    events = list(await s.scalars(select(Registration.event_id).distinct().where(
        Registration.person_id == person.id, Registration.status.in_((ACTIVE, NO_SHOW)))))
    found: list[list[int]] = []
    for model in (AttendanceRow, LiveInterval):
        ids = set(await s.scalars(select(model.id).where(_is(func.lower(model.email), (person.email or "").lower()))))
        for event_id in events:
            trainees = (await s.execute(select(Person.id, Person.name, Person.email).join(Registration).where(
                Registration.event_id == event_id, Registration.status.in_((ACTIVE, NO_SHOW))))).all()
            aliases = dict((await s.execute(select(AttendanceAlias.alias, AttendanceAlias.person_id).where(
                AttendanceAlias.event_id == event_id))).all())
            stored = await s.execute(select(model.id, model.name, model.email, model.join).where(
                model.event_id == event_id))
            # `line` carries the row's id through the matching; times do not matter to it.
            rows = [ParticipantRow(name, email, join, join, False, row_id) for row_id, name, email, join in stored]
            matched, _ = ac.match_rows(rows, [ac.TraineeRef(i, n, e or "") for i, n, e in trainees], aliases)
            ids.update(row.line for row in matched.get(person.id, ()))
        found.append(sorted(ids))
    return found[0], found[1]


async def _forget_accommodation(s: AsyncSession, ids: list[int], now: datetime, actor: str
                                ) -> list[tuple[str, int, str]]:
    """As a withdrawal or the retention period does: text, contact and staff notes go, the history stays."""
    texts = list(await s.scalars(select(AccommodationRequest).where(
        AccommodationRequest.id.in_(ids), AccommodationRequest.text_deleted_at.is_(None))))
    for request in texts:
        request.text = request.contact = None
        request.text_deleted_at = now
        s.add(AccommodationChange(request_id=request.id, action="delete text (forget)", status=request.status,
                                  actor=actor, at=now))
    notes = (await s.execute(update(AccommodationChange).where(
        AccommodationChange.request_id.in_(ids), AccommodationChange.note.is_not(None)).values(note=None)
        .execution_options(synchronize_session=False))).rowcount
    removed = [("accommodation_requests", len(texts), "texts and contacts deleted")] if texts else []
    return removed + ([("accommodation_changes", notes, "staff notes deleted")] if notes else [])


def _mentions(who: Subject) -> tuple[list[str], re.Pattern]:
    """The person's Slack id, email and name, and a pattern finding them (and `<@U…>` mentions) as whole words."""
    sid, person = who.slack_id, who.person
    words = [w for w in (sid, person and person.email, person and person.name) if w]
    parts = [rf"<@{re.escape(sid)}(?:\|[^>]*)?>"] if sid else []
    parts += [rf"(?<!\w){re.escape(w)}(?!\w)" for w in words]
    return words, re.compile("|".join(parts), re.IGNORECASE)


async def _scrub(s: AsyncSession, column: InstrumentedAttribute, words: list[str], pattern: re.Pattern,
                 placeholder: str) -> int:
    """Replace the mentions in one free-text column (or JSON column: messages' blocks); returns how many rows
    changed."""
    model, is_json = column.class_, isinstance(column.type, JSON)
    searched = cast(column, Text) if is_json else column
    candidates = await s.execute(select(model.id, column).where(
        or_(*(searched.icontains(w, autoescape=True) for w in words))))
    changed = 0
    for row_id, value in candidates.all():
        text = json.dumps(value) if is_json else value
        new = pattern.sub(placeholder, text)
        if new != text:
            await s.execute(update(model).where(model.id == row_id)
                            .values({column.key: json.loads(new) if is_json else new})
                            .execution_options(synchronize_session=False))
            changed += 1
    return changed


def _is(column, value: str | int | None):
    """column = value, and never `IS NULL` when the value is missing."""
    return column == value if value else false()


def _acted(model: type[Base], sid: str | None):
    return or_(false(), *(column == sid for column in ACTORS.get(model, ()))) if sid else false()


def _plain(row: Base, full: bool) -> dict:
    """The row as JSON values; without `full`, text columns other than the actor's are left out."""
    actors = {c.key for c in ACTORS.get(type(row), ())}
    out = {}
    for attr in row.__mapper__.column_attrs:
        if full or attr.key in actors or not isinstance(attr.columns[0].type, String):
            value = getattr(row, attr.key)
            if isinstance(value, bytes):
                value = base64.b64encode(value).decode()
            out[attr.key] = value.isoformat() if isinstance(value, (date, datetime)) else value
    return out
