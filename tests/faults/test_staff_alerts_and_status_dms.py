"""Slack failing while accommodation requests change, and staff alerts while the staff channel is missing: every
DM and every in-place update waits in the outbox until Slack takes it, and each arrives once."""
from __future__ import annotations

import json

import pytest

from bot.common.people import Profile
from bot.slack.outbox import MAX_ATTEMPTS, dm
from bot.slack.outbox import STAFF as STAFF_CHANNEL
from tests.e2e.test_accommodation import (
    SECRET,
    STAFF,
    TRAINEE,
    later,
    setup,
    submitted_and_posted,
    updates_in,
)
from tests.e2e.test_registration import DEADLINE_PASSED
from tests.fakes.slack import message_text
from tests.outbox_helpers import outbox, posted_ts
from tests.registration_fixtures import CALENDAR, press

pytestmark = pytest.mark.both_databases
BLIP = 3  # one try and the client's two retries: the blip outlasts the HTTP retries, so the outbox must retry


def delivered_dms(fake_slack, user: str) -> list[str]:
    """DMs Slack took (a refused call is recorded too, but not delivered)."""
    return [message_text(d) for d in fake_slack.delivered if d["channel"] in (user, "D" + user)]


async def test_a_status_dm_lost_to_a_slack_blip_is_sent_by_the_sweep_once(app, fake_slack, clock):
    await setup(app, fake_slack)
    request_id, _ = await submitted_and_posted(app, fake_slack)
    fake_slack.fail_next(BLIP, "500", method="chat.postMessage")
    await press(app, STAFF, "accommodation_acknowledge", str(request_id))
    await app.settled()
    assert not [d for d in delivered_dms(fake_slack, TRAINEE) if "Staff acknowledged" in d]
    [waiting] = [m for m in await outbox(app.services, recipient=TRAINEE) if "Staff acknowledged" in (m.text or "")]
    assert waiting.status == "pending" and waiting.attempts == 1

    assert (await later(app, clock)).sent == 1
    assert len([d for d in delivered_dms(fake_slack, TRAINEE) if "Staff acknowledged" in d]) == 1
    assert (await later(app, clock)).sent == 0


async def test_a_failed_update_of_the_staff_post_is_retried_until_the_withdrawn_text_is_gone(app, fake_slack, clock):
    await setup(app, fake_slack)
    request_id, _ = await submitted_and_posted(app, fake_slack)
    ts = await posted_ts(app.services, f"accommodation:{request_id}")
    fake_slack.fail_next(2 * BLIP, "500", method="chat.update")  # the staff post's update and the receipt's
    await press(app, TRAINEE, "accommodation_withdraw", str(request_id))
    await app.settled()
    [waiting] = [m for m in await outbox(app.services, key=f"accommodation:{request_id}") if m.status == "pending"]
    assert waiting.attempts == 1 and "http_500" in waiting.last_error

    await later(app, clock)
    update = [u for u in updates_in(fake_slack, "C0STAFF") if u["ts"] == ts][-1]
    assert SECRET not in json.dumps(update) and "*Withdrawn*" in message_text(update)
    assert not [m for m in await outbox(app.services, key=f"accommodation:{request_id}") if m.status == "pending"]


async def test_staff_alerts_wait_for_a_missing_staff_channel_and_arrive_once(app, fake_slack, clock):
    """A failed delivery, a serial canceller and a forfeited seat, told while the channel is missing."""
    await app.services.calendar.load_file(CALENDAR.encode(), "cal.yml")
    fake_slack.add_user("U0P01", "Person 01", "p01@example.org", tz="Europe/London")
    fake_slack.add_user("U0P02", "Person 02", "p02@example.org", tz="Europe/London")
    fake_slack.missing_channels.add("C0STAFF")

    fake_slack.fail_next(1, "ok_false", error="internal_error", method="chat.postMessage")
    await app.services.outbox.send(dm("U0P02", "A message Slack keeps refusing", origin="test"))
    for _ in range(MAX_ATTEMPTS - 1):  # Slack refuses it every time, until the outbox gives up and tells staff
        fake_slack.fail_next(1, "ok_false", error="internal_error", method="chat.postMessage")
        await later(app, clock)
    [given_up] = await outbox(app.services, recipient="U0P02")
    assert given_up.status == "failed"

    person = Profile("U0P01", "Person 01", "p01@example.org", "Europe/London")
    registration = app.services.registration
    for _ in range(4):  # the fourth cancellation flags a serial canceller
        await registration.register(person, "big", "ORG-B", True)
        await registration.cancel("U0P01", (await registration.current("U0P01")).registration_id)
    await registration.register(person, "small", "ORG-A", True)
    clock.now = DEADLINE_PASSED
    await registration.cancel("U0P01", (await registration.current("U0P01")).registration_id)  # forfeits

    for _ in range(3):  # kept, however long the channel is missing
        await later(app, clock, minutes=24 * 60)
    staff = await outbox(app.services, recipient=STAFF_CHANNEL)
    assert len(staff) >= 3 and {m.status for m in staff} == {"pending"}
    assert not [d for d in fake_slack.delivered if d["channel"] == "C0STAFF"]
    assert "channel_not_found" in app.services.health.staff_channel_problem

    fake_slack.missing_channels.discard("C0STAFF")
    await later(app, clock)
    texts = [message_text(d) for d in fake_slack.delivered if d["channel"] == "C0STAFF"]
    assert len([t for t in texts if "could not be sent" in t and "U0P02" in t]) == 1
    assert len([t for t in texts if "cancelled 4 times" in t]) == 1
    assert len([t for t in texts if "forfeited" in t]) == 1
    assert len(texts) == len(staff) and app.services.health.staff_channel_problem is None
    await later(app, clock, minutes=24 * 60)
    assert len([d for d in fake_slack.delivered if d["channel"] == "C0STAFF"]) == len(texts)
