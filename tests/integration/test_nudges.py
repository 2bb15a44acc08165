"""The scheduler through a whole training: every reminder once, at the right local time; failures; downtime."""
from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.reminders.service import NudgeService
from bot.slack.health import SlackHealth
from bot.slack.outbox import Message, Outbox
from storage.reminder_models import Reminder
from tests.nudge_fixtures import ZONES, load_world
from tests.outbox_helpers import Outcome, reminder_outcomes, walk
from tests.outbox_helpers import outbox as outbox_rows

pytestmark = pytest.mark.both_databases

UTC = timezone.utc


async def sent(services) -> list[Outcome]:
    return sorted((r for r in await reminder_outcomes(services) if r.status == "sent"), key=lambda r: r.sent_at)


async def outcome(services, kind: str, recipient: str) -> Outcome:
    [found] = await reminder_outcomes(services, kind=kind, recipient=recipient)
    return found


def in_working_hours(moment: datetime, tz: str) -> bool:
    local = moment.astimezone(ZoneInfo(tz))
    return local.weekday() < 5 and 9 <= local.hour < 18


async def test_a_whole_training_sends_each_reminder_once_in_working_hours(services, fake_slack, clock):
    await load_world(services, fake_slack)
    await walk(services, clock, datetime(2027, 1, 4, 0, tzinfo=UTC), datetime(2027, 1, 15, 0, tzinfo=UTC))
    await walk(services, clock, datetime(2027, 2, 10, 0, tzinfo=UTC), datetime(2027, 4, 16, 0, tzinfo=UTC))
    reminders = await sent(services)
    kinds = Counter((r.kind, r.recipient) for r in reminders)
    for trainee in ("U0LENA", "U0TARO"):
        assert kinds[("prepare", trainee)] == 1 and kinds[("day_before", trainee)] == 1
        assert kinds[("checkout", trainee)] == 5  # 60, 30, 14, 7 and 1 days before
    assert kinds[("session_report", "U0TRAINER")] == 2
    assert len(fake_slack.delivered) == len(reminders)  # nothing sent twice or unrecorded
    for r in reminders:
        assert in_working_hours(r.sent_at, ZONES[r.recipient]), (r.kind, r.recipient, r.sent_at)
        assert r.sent_at >= r.due_at
    prepare = next(r for r in reminders if r.kind == "prepare" and r.recipient == "U0TARO")
    # due Tue 5 Jan 13:00 New York = Wed 03:00 Tokyo: sent when Taro's working day starts
    assert prepare.sent_at.astimezone(ZoneInfo("Asia/Tokyo")) == datetime(2027, 1, 6, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    taro = fake_slack.dms_to("U0TARO")
    assert any("3-minute segment" in t and "/training cancel" in t for t in taro)
    assert any("starts tomorrow" in t and "https://zoom.us/j/999" in t for t in taro)
    assert any("closes tomorrow" in t and "/training checkout" in t for t in taro)
    report = next(m for m in fake_slack.messages_to("U0TRAINER"))
    assert "Absent" in report["text"] and "/attendance jan" in report["text"]


async def test_preview_lists_what_would_be_sent_without_sending(services, fake_slack, clock):
    await load_world(services, fake_slack)
    clock.now = datetime(2027, 1, 1, tzinfo=UTC)
    planned = await services.nudges.preview(14)
    assert sorted({p.candidate.kind for p in planned}) == ["day_before", "org_deadline", "prepare", "seats_3m",
                                                          "session_report"]
    assert fake_slack.delivered == []
    async with services.db.transaction() as s:
        assert list(await s.scalars(select(Reminder))) == []


async def test_after_downtime_useful_reminders_go_late_and_passed_ones_are_skipped(services, fake_slack, clock):
    await load_world(services, fake_slack)
    clock.now = datetime(2027, 1, 12, 15, 0, tzinfo=UTC)  # Tue, after both reminders were due, before the start
    await services.nudges.sweep()
    assert (await outcome(services, "prepare", "U0LENA")).status == "sent"  # still useful: not started yet
    # 00:00 in Tokyo and it starts at 03:00: no working hours are left, so it goes at once, saying how soon
    assert (await outcome(services, "prepare", "U0TARO")).status == "sent"
    assert any("starts today (in 3 hours)" in t for t in fake_slack.dms_to("U0TARO"))
    clock.now = datetime(2027, 1, 20, 12, 0, tzinfo=UTC)
    await services.nudges.sweep()
    statuses = Counter(r.status for r in await reminder_outcomes(services))
    assert statuses["sent"] >= 1 and statuses["skipped"] >= 1
    assert Counter(m["channel"] for m in fake_slack.delivered)["U0LENA"] == 2  # prepare + day_before, once each


async def test_slack_failures_are_retried_permanent_errors_recorded_and_staff_told(services, fake_slack, clock):
    await load_world(services, fake_slack)
    clock.now = datetime(2027, 1, 5, 19, 0, tzinfo=UTC)  # Lena's prepare reminder is due, 19:00 London is late:
    clock.now = datetime(2027, 1, 6, 10, 0, tzinfo=UTC)  # Wed 10:00 London: inside her hours
    fake_slack.fail_next(20, "500", method="chat.postMessage")
    await services.nudges.sweep()
    assert fake_slack.delivered == []
    fake_slack.failures.clear()
    for minutes in (3, 10, 30, 70, 200):
        clock.now += timedelta(minutes=minutes)
        await services.nudges.sweep()
    assert Counter(m["channel"] for m in fake_slack.delivered)["U0LENA"] == 1
    del fake_slack.users["U0TARO"]  # user_not_found is permanent
    clock.now = datetime(2027, 1, 7, 1, 0, tzinfo=UTC)  # 10:00 Tokyo
    await services.nudges.sweep()
    taro = await outcome(services, "prepare", "U0TARO")
    assert taro.status == "failed" and taro.last_error == "user_not_found"


async def test_transient_failures_give_up_after_the_last_try_and_tell_staff(services, fake_slack, clock):
    await load_world(services, fake_slack)
    clock.now = datetime(2027, 1, 6, 10, 0, tzinfo=UTC)
    fake_slack.fail_next(1000, "ok_false", error="fatal_error", method="chat.postMessage")
    for _ in range(8):
        await services.nudges.sweep()
        clock.now += timedelta(hours=2)
    fake_slack.failures.clear()
    await services.nudges.sweep()
    lena = await outcome(services, "prepare", "U0LENA")
    assert lena.status == "failed" and lena.attempts == 5
    assert any("could not be sent after 5 tries" in m["text"] for m in fake_slack.messages_to("C0STAFF"))


async def test_two_schedulers_sweeping_at_once_send_every_reminder_once(services, fake_slack, clock):
    roster = "name,email,slack_user_id,organisation_code\n" + "".join(
        f"P{i},p{i}@x.org,U0N{i:03d},\n" for i in range(120))
    await load_world(services, fake_slack, roster)
    for i in range(120):
        fake_slack.add_user(f"U0N{i:03d}", f"P{i}", f"p{i}@x.org", tz="UTC")
    clock.now = datetime(2027, 1, 6, 10, 0, tzinfo=UTC)
    replica = Outbox(services.db, services.slack, services.settings, clock, SlackHealth(), worker="replica-2")
    other = NudgeService(services.db, services.settings, clock, replica, services.nudges.sources,
                         services.nudges.writers, hooks=[])
    results = await asyncio.gather(services.nudges.sweep(), other.sweep(), services.nudges.sweep())
    assert sum(r.sent for r in results) == 120
    assert Counter(m["channel"] for m in fake_slack.delivered).most_common(1)[0][1] == 1


async def test_checkout_nudges_follow_an_extension_and_stop_when_complete(services, fake_slack, clock):
    await load_world(services, fake_slack)
    clock.now = datetime(2027, 2, 15, 12, 0, tzinfo=UTC)  # 3 days after the 60-day nudge fell due (deadline 13 Apr)
    await services.nudges.sweep()
    assert [t for t in fake_slack.dms_to("U0LENA") if "closes in 57 days" in t]  # counted from when it went
    await services.checkout.extend("U0STAFF", "U0LENA", 3)
    clock.now = datetime(2027, 4, 7, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo, 6 days before the old deadline
    await services.nudges.sweep()
    assert not [t for t in fake_slack.dms_to("U0LENA") if "in 7 days" in t]
    assert [t for t in fake_slack.dms_to("U0TARO") if "in 7 days" in t]


async def test_a_dm_slack_refused_while_down_goes_out_once_when_it_is_back(services, fake_slack, clock):
    from bot.common.people import Profile
    from tests.registration_fixtures import CALENDAR

    await services.calendar.load_file(CALENDAR.encode(), "cal.yml")
    fake_slack.add_user("U0P01", "Pat", "pat@x.org", tz="UTC")
    fake_slack.fail_next(50, "500", method="chat.postMessage")
    await services.registration.register(Profile("U0P01", "Pat", "pat@x.org", "UTC"), "big", "ORG-B", True)
    await services.outbox.drain()
    assert fake_slack.delivered == [] and fake_slack.calls_to("chat.postMessage")
    fake_slack.failures.clear()
    clock.now = datetime(2026, 11, 23, 15, 5, tzinfo=UTC)  # a Monday, inside working hours
    for _ in range(3):
        await services.nudges.sweep()
        clock.now += timedelta(minutes=5)
    welcome = [m for m in fake_slack.delivered if "You are registered for *Big online event*" in m["text"]]
    assert len(welcome) == 1 and welcome[0]["channel"] == "U0P01"


async def test_a_message_goes_once_then_its_followup_even_if_that_fails(services, fake_slack, clock):
    fake_slack.add_user("U0X", "X", "x@x.org", tz="UTC")
    fake_slack.fail_next(1000, "ok_false", error="fatal_error", method="files.getUploadURLExternal")
    extra = Message("U0X", "the extra", action="upload", file_name="extra.ics", file=b"BEGIN:VCALENDAR")
    await services.outbox.send(Message("U0X", "with an extra", then=(extra,)), Message("U0X", "plain"))
    for _ in range(8):
        await services.outbox.drain()
        clock.now += timedelta(hours=2)
        await services.nudges.sweep()
    assert sorted(m["text"] for m in fake_slack.messages_to("U0X")) == ["plain", "with an extra"]  # each once
    assert "could not be sent after 5 tries" in fake_slack.messages_to("C0STAFF")[-1]["text"]
    assert len(fake_slack.calls_to("files.getUploadURLExternal")) == 5
    [upload] = await outbox_rows(services, action="upload")
    assert (upload.status, upload.attempts, upload.file) == ("failed", 5, None)  # given up, its content gone
