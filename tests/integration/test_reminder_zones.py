"""Reminders in each person's own working hours (their Slack profile's zone, asked once a day), never after the
moment they announce, and saying how soon the event starts when they go late; through the sweep and the fake Slack.

The event "sun" is on Sunday 10 Jan 2027, 10:00-14:00 Berlin (09:00 UTC, 16:00 Bangkok).
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from storage.models import Person
from tests.outbox_helpers import outbox as outbox_rows
from tests.outbox_helpers import reminder_outcomes, walk

pytestmark = pytest.mark.both_databases

UTC, BANGKOK, BERLIN, TOKYO = timezone.utc, ZoneInfo("Asia/Bangkok"), ZoneInfo("Europe/Berlin"), ZoneInfo("Asia/Tokyo")
SUNDAY_START = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)
CALENDAR = """
staff: [U0STAFF]
organisations:
  - {name: Org A, level: gold, seats: 10, code: ORG-A, membership_start: 2026-10-04, membership_end: 2027-10-03,
     contacts: [U0CONTACT]}
events:
  - slug: sun
    title: Sunday training
    format: online
    timezone: Europe/Berlin
    capacity: 20
    zoom_join_url: https://zoom.us/j/777
    trainers: [U0TRAINER]
    sessions:
      - {start: 2027-01-10T10:00, end: 2027-01-10T14:00}
  - slug: tue
    title: Tuesday training
    format: online
    timezone: Europe/Berlin
    capacity: 20
    sessions:
      - {start: 2027-01-12T14:00, end: 2027-01-12T18:00}
"""
ROSTER = ("name,email,slack_user_id,organisation_code\nBee Bangkok,bee@x.org,U0BEE,ORG-A\n"
          "Ben Berlin,ben@x.org,U0BEN,ORG-A\n")
PROFILE_ZONES = {"U0BEE": "Asia/Bangkok", "U0BEN": "Europe/Berlin", "U0CONTACT": "Asia/Tokyo",
                 "U0TRAINER": "Asia/Bangkok", "U0STAFF": "UTC", "U0LATE": "Europe/Berlin"}


async def load(services, fake_slack) -> None:
    """Nobody has used a form: the database knows no one's zone, only their Slack profiles do."""
    await services.calendar.load_file(CALENDAR.encode(), "cal.yml")
    await services.calendar.load_roster("sun", ROSTER.encode(), "sun.csv")
    for user, tz in PROFILE_ZONES.items():
        fake_slack.add_user(user, user, f"{user.lower()}@x.org", tz=tz)
    async with services.db.read() as s:
        assert set(await s.scalars(select(Person.timezone))) == {None}


def working(moment: datetime, tz: ZoneInfo) -> bool:
    local = moment.astimezone(tz)
    return local.weekday() < 5 and 9 <= local.hour < 18


async def sent(services, kind: str, recipient: str) -> datetime:
    [found] = await reminder_outcomes(services, kind=kind, recipient=recipient)
    assert found.status == "sent", found
    return found.sent_at


async def test_everyone_is_messaged_in_their_profiles_working_hours_asked_once(services, fake_slack, clock):
    await load(services, fake_slack)
    await walk(services, clock, datetime(2027, 1, 2, 12, 0, tzinfo=UTC), datetime(2027, 1, 11, 12, 0, tzinfo=UTC))

    # due Sun 3 Jan 10:00 Berlin = 16:00 Bangkok: Bee's checklist waits for her Monday morning, not UTC's
    prepare = await sent(services, "prepare", "U0BEE")
    assert prepare.astimezone(BANGKOK) == datetime(2027, 1, 4, 9, 0, tzinfo=BANGKOK)
    assert (await sent(services, "prepare", "U0BEN")).astimezone(BERLIN) == datetime(2027, 1, 4, 9, 0, tzinfo=BERLIN)
    # the contact's unused seats, due Mon 4 Jan 14:00 UTC = 23:00 Tokyo: Tuesday morning in Tokyo
    seats = await sent(services, "seats_3m", "U0CONTACT")
    assert seats.astimezone(TOKYO) == datetime(2027, 1, 5, 9, 0, tzinfo=TOKYO)
    # the trainer's report, due Sun 10 Jan 14:30 Berlin: Monday 09:00 in Bangkok (02:00 UTC)
    report = await sent(services, "session_report", "U0TRAINER")
    assert report.astimezone(BANGKOK) == datetime(2027, 1, 11, 9, 0, tzinfo=BANGKOK)
    for moment, tz in ((prepare, BANGKOK), (seats, TOKYO), (report, BANGKOK)):
        assert working(moment, tz)

    # the day before a Sunday event is a Saturday: it goes then, never on the Monday after the start
    for trainee in ("U0BEE", "U0BEN"):
        day_before = await sent(services, "day_before", trainee)
        assert day_before == datetime(2027, 1, 9, 9, 0, tzinfo=UTC) < SUNDAY_START
    assert any("starts tomorrow" in t for t in fake_slack.dms_to("U0BEE"))

    asked = Counter(c.args["user"] for c in fake_slack.calls_to("users.info"))
    assert asked == {"U0BEE": 1, "U0BEN": 1, "U0CONTACT": 1, "U0TRAINER": 1}  # the gateway keeps zones a day


async def test_without_the_profile_the_stored_zone_then_utc_is_used_and_the_sweep_goes_on(services, fake_slack,
                                                                                           clock):
    await load(services, fake_slack)
    async with services.db.transaction() as s:
        (await s.scalar(select(Person).where(Person.slack_user_id == "U0BEN"))).timezone = "Europe/Berlin"
    fake_slack.fail_next(1000, "ok_false", error="fatal_error", method="users.info")
    clock.now = datetime(2027, 1, 4, 7, 30, tzinfo=UTC)  # Monday: both checklists were due on Sunday
    result = await services.nudges.sweep()
    assert result.recorded >= 2 and fake_slack.calls_to("users.info")
    planned = {m.recipient: m.send_after for m in await outbox_rows(services, origin="prepare")}
    assert planned == {"U0BEN": datetime(2027, 1, 4, 8, 0, tzinfo=UTC),  # 09:00 in Berlin, as stored
                       "U0BEE": datetime(2027, 1, 4, 9, 0, tzinfo=UTC)}  # nothing stored: 09:00 UTC


async def test_a_checklist_sent_late_says_when_the_event_really_starts(services, fake_slack, clock):
    await load(services, fake_slack)
    clock.now = datetime(2027, 1, 11, 10, 0, tzinfo=UTC)  # Monday 11:00 Berlin, 27 hours before "tue" starts
    await services.calendar.load_roster("tue", b"name,email,slack_user_id,organisation_code\n"
                                               b"Lara Late,lara@x.org,U0LATE,ORG-A\n", "tue.csv")
    await services.nudges.sweep()
    assert await sent(services, "prepare", "U0LATE") == clock.now
    [checklist] = fake_slack.dms_to("U0LATE")
    assert "*Tuesday training* starts tomorrow (in 27 hours), on Tue 12 Jan 2027, 14:00 CET" in checklist
    assert "in a week" not in checklist


async def test_the_gateway_keeps_a_zone_a_day_and_asks_again_after_a_failure(services, fake_slack, monkeypatch):
    gateway, now = services.slack, [1000.0]
    monkeypatch.setattr("bot.slack.gateway.time.monotonic", lambda: now[0])
    fake_slack.add_user("U0BEE", "Bee", "bee@x.org", tz="Asia/Bangkok")
    fake_slack.fail_next(1, "ok_false", error="fatal_error", method="users.info")
    assert await gateway.zone("U0BEE") is None  # failed: not remembered
    assert [await gateway.zone("U0BEE") for _ in range(3)] == ["Asia/Bangkok"] * 3
    now[0] += 23 * 3600  # the profile (kept ten minutes) is stale, the zone is not
    assert await gateway.zone("U0BEE") == "Asia/Bangkok"
    assert len(fake_slack.calls_to("users.info")) == 2
    fake_slack.add_user("U0BEE", "Bee", "bee@x.org", tz="Europe/Berlin")
    now[0] += 3600
    assert await gateway.zone("U0BEE") == "Europe/Berlin"
    assert len(fake_slack.calls_to("users.info")) == 3
