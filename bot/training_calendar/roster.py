"""Bulk registrations from a CSV roster: `name,email[,slack_user_id][,organisation_code]`, all or nothing."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.common import people
from bot.common.errors import InputError
from bot.common.plural import counted
from bot.registration.rules import seats_used
from storage.models import ACTIVE, WAITLISTED, Event, Organisation, Person, Registration, RegistrationChange

COLUMNS = ("name", "email", "slack_user_id", "organisation_code")
EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,31}$")
MAX_BYTES = 5 * 1024 * 1024
MAX_LENGTHS = {"name": 200, "email": 320, "organisation_code": 80}  # the columns they are stored in


@dataclass(frozen=True)
class RosterRow:
    line: int
    name: str
    email: str
    slack_user_id: str | None
    organisation_code: str | None


def parse_roster(data: bytes, source: str) -> list[RosterRow]:
    if len(data) > MAX_BYTES:
        raise InputError(f"{source}: file is larger than 5 MB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{source}: not UTF-8 text") from None
    if "\x00" in text:
        raise InputError(f"{source}: not a text file")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader, [])]
        if header[:2] != ["name", "email"] or any(h not in COLUMNS for h in header) or len(set(header)) != len(header):
            raise InputError(f"{source}, line 1: header must be name,email[,slack_user_id][,organisation_code], "
                             f"got {','.join(header) or 'nothing'}")
        rows, seen = [], set()
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(header):
                raise InputError(f"{source}, line {line}: expected {len(header)} columns, got {len(values)}")
            row = dict(zip(header, (v.strip() for v in values)))
            rows.append(_row(source, line, row, seen))
    except csv.Error as exc:
        raise InputError(f"{source}, line {reader.line_num}: not valid CSV ({exc})") from None
    return rows


def _row(source: str, line: int, row: dict[str, str], seen: set[str]) -> RosterRow:
    where = f"{source}, line {line}"
    if not row["name"]:
        raise InputError(f"{where}: name is empty")
    for column, limit in MAX_LENGTHS.items():
        if len(row.get(column) or "") > limit:
            raise InputError(f"{where}: {column} is {len(row[column])} characters long; the limit is {limit}")
    email = row["email"].lower()
    if not EMAIL.match(email):
        raise InputError(f"{where}: {row['email']!r} is not an email address")
    if email in seen:
        raise InputError(f"{where}: {email} appears twice")
    seen.add(email)
    user_id = row.get("slack_user_id") or None
    if user_id and not USER_ID.match(user_id):
        raise InputError(f"{where}: {user_id!r} is not a Slack user ID (like U012ABCDEF)")
    return RosterRow(line, row["name"], email, user_id, row.get("organisation_code") or None)


async def load_roster(session: AsyncSession, slug: str, rows: list[RosterRow], source: str) -> int:
    """Register every row on the event (already registered people are left as they are); returns how many were new."""
    event = await session.scalar(select(Event).where(Event.slug == slug).with_for_update())
    if event is None:
        raise InputError(f"{source}: unknown event {slug!r} (load it with `trainingbot calendar load` first)")
    if event.status != "open":
        raise InputError(f"{source}: event {slug} is cancelled")
    if event.archived:
        raise InputError(f"{source}: event {slug} is archived (archived: true in the calendar file)")
    orgs = {o.code: o for o in await session.scalars(select(Organisation).where(Organisation.archived.is_(False)))}
    added: list[tuple[RosterRow, Person, Organisation | None]] = []
    for row in rows:
        org = None
        if row.organisation_code:
            org = orgs.get(row.organisation_code)
            if org is None:
                raise InputError(f"{source}, line {row.line}: unknown organisation code {row.organisation_code!r}")
        person = await _person(session, row, source)
        already = await session.scalar(select(Registration.id).where(
            Registration.event_id == event.id, Registration.person_id == person.id,
            Registration.status.in_((ACTIVE, WAITLISTED))))
        if already is None:
            added.append((row, person, org))
    active = await session.scalar(select(func.count()).where(
        Registration.event_id == event.id, Registration.status == ACTIVE))
    if active + len(added) > event.capacity:
        raise InputError(f"{source}: event {slug} has {event.capacity - active} of {counted(event.capacity, 'seat')} "
                         f"left, the roster adds {counted(len(added), 'new registration')}")
    for org in {o.id: o for _, _, o in added if o}.values():
        wanted = sum(1 for _, _, o in added if o is org)
        left = org.total_seats - org.rolled_out_seats - await seats_used(session, org.id)
        if wanted > left:
            raise InputError(f"{source}: organisation {org.code} has {counted(left, 'seat')} left, "
                             f"the roster needs {wanted}")
    for _, person, org in added:
        reg = Registration(event_id=event.id, person_id=person.id,
                           organisation_id=org.id if org else None, status=ACTIVE)
        session.add(reg)
        await session.flush()
        session.add(RegistrationChange(registration_id=reg.id, action="roster load", from_status=None,
                                       to_status=ACTIVE, actor="cli", detail=source))
    return len(added)


async def _person(session: AsyncSession, row: RosterRow, source: str) -> Person:
    person = None
    if row.slack_user_id:
        person = await people.by_slack_id(session, row.slack_user_id)
    if person is None:
        person = await people.by_email(session, row.email)
        if person and row.slack_user_id and person.slack_user_id not in (None, row.slack_user_id):
            raise InputError(f"{source}, line {row.line}: {row.email} belongs to Slack user "
                             f"{person.slack_user_id}, not {row.slack_user_id} (one person per email)")
    if person is None:
        person = Person(name=row.name, email=row.email, slack_user_id=row.slack_user_id, flagged=False)
        session.add(person)
        await session.flush()
    return person
