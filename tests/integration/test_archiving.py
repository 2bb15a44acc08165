"""`archived: true` in the calendar file, on SQLite and PostgreSQL: archived events are neither listed nor open,
an archived organisation's code is unknown, history stays, and only the explicit flag archives."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from bot.common.errors import InputError, Refusal
from bot.common.people import Profile
from storage.models import Event, Organisation, Registration
from tests.registration_fixtures import CALENDAR

ADA = Profile("U0ADA", "Ada Lovelace", "ada@example.org", "Europe/London")
BO = Profile("U0BO", "Bo Mensah", "bo@example.org", "UTC")


def archive(text: str, *names: str) -> str:
    """The calendar with `archived: true` added to the organisations (by code) and events (by slug) named."""
    for name in names:
        if f"code: {name}," in text:
            text = text.replace(f"code: {name},", f"code: {name}, archived: true,")
        else:
            text = text.replace(f"  - slug: {name}\n", f"  - slug: {name}\n    archived: true\n")
        assert "archived: true" in text, name
    return text


async def listed(services) -> list[str]:
    return [e.slug for e in await services.calendar.upcoming()]


async def test_an_archived_event_is_not_listed_nor_open_and_its_registrations_stay(services):
    await services.calendar.load_file(CALENDAR.encode(), "cal.yml")
    held = await services.registration.register(ADA, "small", "ORG-A", True)
    summary = await services.calendar.load_file(archive(CALENDAR, "small").encode(), "cal.yml")
    assert (summary.events_updated, summary.organisations_updated) == (1, 0)
    assert "small" not in await listed(services) and "big" in await listed(services)
    assert "small" not in [e.slug for e in await services.registration.open_events()]
    with pytest.raises(Refusal, match="not open for registration"):
        await services.registration.register(BO, "small", "ORG-A", True)
    [status] = await services.registration.status(ADA.user_id)
    assert (status.event.slug, status.status) == ("small", held.status)
    with pytest.raises(InputError, match="event small is archived"):
        await services.calendar.load_roster("small", b"name,email\nCy,cy@example.org\n", "r.csv")


async def test_a_seat_cannot_move_to_an_archived_event(services):
    await services.calendar.load_file(CALENDAR.encode(), "cal.yml")
    held = await services.registration.register(ADA, "big", "ORG-B", True)
    assert held.status == "active"
    await services.calendar.load_file(archive(CALENDAR, "small").encode(), "cal.yml")
    [item] = await services.registration.status(ADA.user_id)
    with pytest.raises(Refusal, match="Pick an upcoming event"):
        await services.seat_moves.request(ADA.user_id, item.registration_id, "small")


async def test_an_archived_organisations_code_is_refused_like_an_unknown_one(services):
    await services.calendar.load_file(CALENDAR.encode(), "cal.yml")
    await services.registration.register(ADA, "big", "ORG-B", True)
    summary = await services.calendar.load_file(archive(CALENDAR, "ORG-B").encode(), "cal.yml")
    assert (summary.events_updated, summary.organisations_updated) == (0, 1)
    for code in ("ORG-B", "org-b"):
        with pytest.raises(Refusal, match="is not a registration code we know"):
            await services.registration.register(BO, "big", code, True)
    with pytest.raises(InputError, match="line 2: unknown organisation code 'ORG-B'"):
        await services.calendar.load_roster("big", b"name,email,organisation_code\nCy,cy@x.org,ORG-B\n", "r.csv")
    async with services.db.read() as s:
        reg = await s.scalar(select(Registration).join(Organisation).where(Organisation.code == "ORG-B"))
    assert reg.status == "active"  # the seat already taken stays


async def test_only_the_flag_archives_and_removing_it_restores(services):
    await services.calendar.load_file(archive(CALENDAR, "small", "ORG-A").encode(), "cal.yml")
    assert "small" not in await listed(services)
    without_big = CALENDAR[:CALENDAR.index("  - slug: big")] + CALENDAR[CALENDAR.index("  - slug: soon"):]
    summary = await services.calendar.load_file(without_big.encode(), "cal.yml")
    assert (summary.events_updated, summary.organisations_updated) == (1, 1)  # small and ORG-A: flag dropped
    assert await listed(services) == ["soon", "small", "big"]  # big is not in the file and still listed
    async with services.db.read() as s:
        assert list(await s.scalars(select(Event.archived).order_by(Event.slug))) == [False, False, False]
    assert (await services.registration.register(ADA, "small", "ORG-A", True)).status == "active"


CONTACTS = """
organisations:
  - {name: Org, level: gold, seats: 4, code: ORG, membership_start: 2026-06-01, membership_end: 2027-05-31,
     contacts: [U0CONTACT]}
"""


async def test_an_archived_organisations_contacts_are_not_nudged_about_seats(services, clock):
    clock.now = datetime(2026, 7, 1, tzinfo=timezone.utc)
    await services.calendar.load_file(CONTACTS.encode(), "c.yml")
    assert {p.candidate.kind for p in await services.nudges.preview(160)} == {"seats_3m", "seats_5m"}
    await services.calendar.load_file(archive(CONTACTS, "ORG").encode(), "c.yml")
    assert await services.nudges.preview(160) == []


def test_archived_must_be_true_or_false():
    from bot.training_calendar.file_format import parse_calendar

    with pytest.raises(InputError, match="'Org': archived must be true or false, got 'yes please'"):
        parse_calendar(CONTACTS.replace("code: ORG,", "code: ORG, archived: yes please,").encode(), "c.yml")


async def test_an_archived_events_attendance_stays_reportable(services):
    from tests import attendance_fixtures as af

    await af.load_event(services)
    await services.attendance.import_files("it-dec", [af.sample("plain_2021.csv")], None, "cli")
    before = await services.attendance.report("it-dec")
    await services.calendar.load_file(archive(af.CALENDAR, "it-dec").encode(), "cal.yml")
    after = await services.attendance.report("it-dec")
    assert len(after.trainees) == len(before.trainees) == 6 and after.trainees == before.trainees
