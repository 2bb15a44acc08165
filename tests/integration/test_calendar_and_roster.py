"""Calendar and roster loads: idempotent upserts (stored alike on SQLite and PostgreSQL), all-or-nothing on bad input."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.common import roles
from bot.common.errors import InputError, NotAllowed
from bot.training_calendar.events import LoadSummary
from storage.models import Event, EventSession, Organisation, Registration, RegistrationChange, Role
from tests.conftest import EXAMPLES


GOOD = (EXAMPLES / "calendar.yml").read_text()

ONE_EVENT = """
organisations:
  - {name: Org, level: gold, seats: 2, code: ORG-1, membership_start: 2026-01-01, membership_end: 2026-12-31}
events:
  - slug: ev-1
    title: T
    format: online
    timezone: America/New_York
    capacity: 3
    trainers: [U0TRAINER1]
    sessions:
      - {start: 2027-01-12T13:00, end: 2027-01-12T17:00}
"""

BAD_CALENDARS = {
    "unknown time zone": (ONE_EVENT.replace("America/New_York", "Mars/Olympus"),
                          "events[0] (line 5) 'ev-1': unknown time zone 'Mars/Olympus'"),
    "end before start": (ONE_EVENT.replace("end: 2027-01-12T17:00", "end: 2027-01-12T12:00"),
                         "'ev-1': session 1 ends (2027-01-12T12:00) before it starts (2027-01-12T13:00)"),
    "duplicate slug": (ONE_EVENT + ONE_EVENT.split("events:\n")[1], "duplicate event slug 'ev-1'"),
    "bad date": (ONE_EVENT.replace("membership_end: 2026-12-31", "membership_end: 2026-13-45"),
                 "organisations[0] (line 3) 'Org': membership_end is not a valid date: '2026-13-45'"),
    "unknown key": (ONE_EVENT.replace("    capacity: 3", "    capacity: 3\n    colour: blue"),
                    "'ev-1': unknown key 'colour'"),
    "bad session time": (ONE_EVENT.replace("start: 2027-01-12T13:00", "start: tomorrow"),
                         "session 1 start is not a valid date and time: 'tomorrow'"),
    "missing title": (ONE_EVENT.replace("    title: T\n", ""), "'ev-1': missing title"),
    "yaml syntax": ("events: [unclosed", "not valid YAML"),
    "empty file": ("", "bad.yml: the file is empty"),
    "comments only": ("# the calendar\n\n# nothing yet\n", "bad.yml: the file is empty"),
    "nothing listed": ("organisations: []\nevents:\n", "lists no organisations, events, staff or coordinators"),
    "join link not https": (ONE_EVENT.replace("    capacity: 3",
                                              "    capacity: 3\n    zoom_join_url: http://zoom.us/j/1"),
                            "'ev-1': zoom_join_url must be an https:// link without spaces, <, > or |"),
    "join link with markup": (ONE_EVENT.replace("    capacity: 3", "    capacity: 3\n    zoom_join_url: "
                                                "'https://zoom.us/j/1|click <!channel>'"),
                              "zoom_join_url must be an https://"),
    "join link with a space": (ONE_EVENT.replace("    capacity: 3",
                                                 "    capacity: 3\n    zoom_join_url: https://zoom.us/j/1 2"),
                               "zoom_join_url must be an https://"),
    "yaml alias (bomb)": ('a: &a ["x","x"]\nb: &b [*a,*a]\nc: [*b,*b]\n', "aliases (*name) are not allowed"),
}


async def counts(db) -> tuple[int, ...]:
    async with db.transaction() as s:
        return tuple([await s.scalar(select(func.count()).select_from(t)) for t in
                      (Organisation, Event, EventSession, Role, Registration, RegistrationChange)])


@pytest.mark.both_databases  # what is stored, on both databases
async def test_example_calendar_loads_and_a_second_load_changes_nothing(services):
    summary = await services.calendar.load_file(GOOD.encode(), "calendar.yml")
    assert (summary.organisations_new, summary.events_new) == (2, 3)
    first = await counts(services.db)
    async with services.db.transaction() as s:
        session_ids = sorted(await s.scalars(select(EventSession.id)))
        melbourne = await s.scalar(select(Event).where(Event.slug == "2027-03-10-melbourne-in-person"))
        assert melbourne.accessibility[0] == "The room is wheelchair / scooter accessible."
    assert first[:4] == (2, 3, 8, 8)  # staff + coordinator + 2 contacts + 4 trainer roles
    again = await services.calendar.load_file(GOOD.encode(), "calendar.yml")
    assert again == LoadSummary(0, 0, 0, 0, 0)
    assert str(again) == "0 new organisations, 0 updated; 0 new events, 0 updated"
    assert await counts(services.db) == first
    async with services.db.transaction() as s:
        assert sorted(await s.scalars(select(EventSession.id))) == session_ids


@pytest.mark.both_databases  # what is stored, on both databases
async def test_changed_trainers_and_sessions_replace_the_old_ones(services):
    await services.calendar.load_file(ONE_EVENT.encode(), "c.yml")
    changed = ONE_EVENT.replace("[U0TRAINER1]", "[U0TRAINER9]").replace("T13:00", "T14:00")
    await services.calendar.load_file(changed.encode(), "c.yml")
    async with services.db.transaction() as s:
        trainers = list(await s.scalars(select(Role.slack_user_id).where(Role.role == "trainer")))
        starts = [r.start.hour for r in await s.scalars(select(EventSession))]
    assert trainers == ["U0TRAINER9"]
    assert starts == [19]  # 14:00 New York (EST) is 19:00 UTC


async def test_a_role_taken_out_of_the_file_fails_its_checks_after_the_next_load(services):
    with_roles = "staff: [U0STAFF1, U0STAFF2]\ncoordinators: [U0COORD2]\n" + ONE_EVENT.replace(
        "[U0TRAINER1]", "[U0TRAINER1, U0TRAINER2]")
    await services.calendar.load_file(with_roles.encode(), "c.yml")
    for user, role in (("U0STAFF2", roles.STAFF), ("U0COORD2", roles.COORDINATOR), ("U0TRAINER2", roles.TRAINER)):
        await services.access.require(user, role, "it")
    without = "staff: [U0STAFF1]\ncoordinators: []\n" + ONE_EVENT
    summary = await services.calendar.load_file(without.encode(), "c.yml")
    assert summary.roles_removed == ("U0TRAINER2 is no longer a trainer of ev-1", "U0STAFF2 is no longer staff",
                                     "U0COORD2 is no longer a mentoring coordinator")
    for user, role in (("U0STAFF2", roles.STAFF), ("U0COORD2", roles.COORDINATOR), ("U0TRAINER2", roles.TRAINER)):
        with pytest.raises(NotAllowed):
            await services.access.require(user, role, "it")
    await services.access.require("U0STAFF1", roles.STAFF, "it")
    # a file without a staff: key leaves the staff as they are
    assert (await services.calendar.load_file(ONE_EVENT.encode(), "c.yml")).roles_removed == ()
    await services.access.require("U0STAFF1", roles.STAFF, "it")


CHANGES = {  # one change to ONE_EVENT: (organisations updated, events updated, roles added)
    "organisation seats": (("seats: 2", "seats: 3"), (1, 0, 0)),
    "organisation contacts": (("membership_end: 2026-12-31}", "membership_end: 2026-12-31, contacts: [U0CONTACT9]}"),
                              (1, 0, 0)),
    "event title": (("title: T\n", "title: T2\n"), (0, 1, 0)),
    "event accessibility": (("capacity: 3\n", "capacity: 3\n    accessibility: [Step-free entrance]\n"), (0, 1, 0)),
    "session times": (("T13:00", "T14:00"), (0, 1, 0)),
    "trainers": (("[U0TRAINER1]", "[U0TRAINER1, U0TRAINER2]"), (0, 1, 0)),
    "staff": (("organisations:", "staff: [U0STAFF9]\norganisations:"), (0, 0, 1)),
}


@pytest.mark.parametrize("case", sorted(CHANGES))
async def test_a_reload_counts_as_updated_only_what_changed(services, case):
    (old, new), expected = CHANGES[case]
    await services.calendar.load_file(ONE_EVENT.encode(), "c.yml")
    assert old in ONE_EVENT
    summary = await services.calendar.load_file(ONE_EVENT.replace(old, new).encode(), "c.yml")
    assert (summary.organisations_new, summary.events_new) == (0, 0)
    assert (summary.organisations_updated, summary.events_updated, summary.roles_added) == expected
    again = await services.calendar.load_file(ONE_EVENT.replace(old, new).encode(), "c.yml")
    assert again == LoadSummary(0, 0, 0, 0, 0)


@pytest.mark.parametrize("case", sorted(BAD_CALENDARS))
async def test_bad_calendar_names_the_entry_and_problem_and_writes_nothing(services, case):
    await services.calendar.load_file(GOOD.encode(), "calendar.yml")
    before = await counts(services.db)
    text, expected = BAD_CALENDARS[case]
    with pytest.raises(InputError) as err:
        await services.calendar.load_file(text.encode(), "bad.yml")
    message = str(err.value)
    assert message.startswith("bad.yml") and expected in message and "\n" not in message
    assert await counts(services.db) == before


async def test_a_file_over_five_megabytes_is_refused(services):
    with pytest.raises(InputError, match="limit is 5 MB"):
        await services.calendar.load_file(b"#" * (50 * 1024 * 1024), "huge.yml")


ROSTER = "name,email,slack_user_id,organisation_code\nAda L,ada@example.org,U0ADA,ORG-1\nBo M,bo@example.org,,\n"


@pytest.mark.both_databases  # what is stored, on both databases
async def test_roster_registers_everyone_once(services):
    await services.calendar.load_file(ONE_EVENT.encode(), "c.yml")
    assert await services.calendar.load_roster("ev-1", ROSTER.encode(), "r.csv") == 2
    assert await services.calendar.load_roster("ev-1", ROSTER.encode(), "r.csv") == 0
    async with services.db.transaction() as s:
        regs = list(await s.scalars(select(Registration)))
        audit = list(await s.scalars(select(RegistrationChange)))
    assert sorted(r.status for r in regs) == ["active", "active"]
    assert len(audit) == 2 and {a.actor for a in audit} == {"cli"}


BAD_ROSTERS = {
    "bad header": ("email,name\nx@y.org,X\n", "line 1: header must be"),
    "bad email": ("name,email\nAda,not-an-email\n", "line 2: 'not-an-email' is not an email address"),
    "duplicate": ("name,email\nA,a@x.org\nB,A@x.org\n", "line 3: a@x.org appears twice"),
    "unknown org": ("name,email,organisation_code\nA,a@x.org,NOPE\n", "line 2: unknown organisation code 'NOPE'"),
    "over capacity": ("name,email\n" + "".join(f"P{i},p{i}@x.org\n" for i in range(4)),
                      "event ev-1 has 3 of 3 seats left, the roster adds 4 new registrations"),
    "org seats": ("name,email,organisation_code\n" + "".join(f"P{i},p{i}@x.org,ORG-1\n" for i in range(3)),
                  "organisation ORG-1 has 2 seats left, the roster needs 3"),
    "wrong column count": ("name,email\nA,a@x.org,extra\n", "line 2: expected 2 columns, got 3"),
    "not text": ("name,email\n\x00\x01", "not a text file"),
    "50 MB": ("name,email\n" + "a" * (50 * 1024 * 1024), "file is larger than 5 MB"),
    "not UTF-8": ("name,email\nJos\udce9,j@x.org\n", "not UTF-8 text"),
}


@pytest.mark.parametrize("case", sorted(BAD_ROSTERS))
async def test_bad_roster_is_refused_whole(services, case):
    await services.calendar.load_file(ONE_EVENT.encode(), "c.yml")
    before = await counts(services.db)
    text, expected = BAD_ROSTERS[case]
    with pytest.raises(InputError) as err:
        await services.calendar.load_roster("ev-1", text.encode(errors="surrogateescape"), "r.csv")
    assert expected in str(err.value) and str(err.value).startswith("r.csv")
    assert await counts(services.db) == before


async def test_roster_for_an_unknown_event_is_refused(services):
    with pytest.raises(InputError, match="unknown event 'nope'"):
        await services.calendar.load_roster("nope", ROSTER.encode(), "r.csv")
