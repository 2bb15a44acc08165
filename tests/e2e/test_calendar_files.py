"""Calendars follow changes: a cancelled registration, a transfer, a cancelled event and new session times each
send an .ics with the UIDs of the invitation and a higher SEQUENCE (counted per person and event)."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from tests.calendar_file_helpers import calendars_to
from tests.registration_fixtures import CALENDAR, eventually, press, setup, submit_register

UTC = timezone.utc
SMALL_UIDS = ["small-1@trainingbot", "small-2@trainingbot"]
DEADLINE_PASSED = datetime(2027, 1, 6, 12, 0, tzinfo=UTC)  # "small" closes 2027-01-05 18:00 UTC


async def files(app, fake_slack, user: str, count: int):
    await app.settled()
    return await eventually(lambda: len(calendars_to(fake_slack, user)) >= count and calendars_to(fake_slack, user))


async def cancel(app, fake_slack, user: str) -> None:
    _, body = await app.slash("/training", "cancel", user)
    await press(app, user, "cancel_confirm", json.loads(body)["blocks"][1]["elements"][0]["value"])
    await eventually(lambda: fake_slack.responses)


@pytest.mark.both_databases  # the SEQUENCE counter is stored
async def test_a_cancelled_registration_cancels_the_same_uids_and_a_new_one_is_newer_still(app, fake_slack):
    await setup(app, fake_slack)
    await submit_register(app, "U0P01", "small", "ORG-A")
    [invitation] = await files(app, fake_slack, "U0P01", 1)
    assert (invitation.method, invitation.uids, invitation.sequences) == ("PUBLISH", SMALL_UIDS, {0})

    await cancel(app, fake_slack, "U0P01")
    invitation, removal = await files(app, fake_slack, "U0P01", 2)
    assert (removal.method, removal.uids, removal.sequences, removal.statuses) == (
        "CANCEL", SMALL_UIDS, {1}, {"CANCELLED"})
    assert "removes the sessions of Small online event" in removal.comment

    await submit_register(app, "U0P01", "small", "ORG-A")  # the same UIDs again: SEQUENCE goes on counting
    *_, again = await files(app, fake_slack, "U0P01", 3)
    assert (again.method, again.uids, again.sequences, again.statuses) == ("PUBLISH", SMALL_UIDS, {2}, {None})


async def test_leaving_the_waiting_list_sends_no_calendar_file(app, fake_slack):
    await setup(app, fake_slack)
    for user in ("U0P01", "U0P02", "U0P03"):
        await submit_register(app, user, "small", "ORG-B")
    await cancel(app, fake_slack, "U0P03")
    await app.settled()
    assert calendars_to(fake_slack, "U0P03") == []


async def test_a_transfer_cancels_the_old_event_and_invites_to_the_new(app, fake_slack):
    await setup(app, fake_slack)
    await submit_register(app, "U0P01", "small", "ORG-B")
    await files(app, fake_slack, "U0P01", 1)
    result = await app.services.seat_moves.request(
        "U0P01", (await app.services.registration.current("U0P01")).registration_id, "big")
    assert result.moved
    sent = await files(app, fake_slack, "U0P01", 3)
    [removal] = [f for f in sent if f.method == "CANCEL"]
    assert (removal.uids, removal.sequences, removal.statuses) == (SMALL_UIDS, {1}, {"CANCELLED"})
    [big] = [f for f in sent if f.uids == ["big-1@trainingbot"]]
    assert (big.method, big.sequences) == ("PUBLISH", {0})


async def test_a_transfer_staff_approve_cancels_the_old_event_and_invites_to_the_new(app, fake_slack, clock):
    await setup(app, fake_slack)
    await submit_register(app, "U0P01", "small", "ORG-A")
    await files(app, fake_slack, "U0P01", 1)
    clock.now = DEADLINE_PASSED
    choice = await app.services.seat_moves.choices("U0P01")
    result = await app.services.seat_moves.request("U0P01", choice.registration_id, "big")
    assert not result.moved and calendars_to(fake_slack, "U0P01")[1:] == []
    await app.services.seat_moves.decide(result.request.id, "U0STAFF", approve=True)
    sent = await files(app, fake_slack, "U0P01", 3)
    assert [(f.method, f.uids, f.sequences) for f in sent[1:]] in (
        [("CANCEL", SMALL_UIDS, {1}), ("PUBLISH", ["big-1@trainingbot"], {0})],
        [("PUBLISH", ["big-1@trainingbot"], {0}), ("CANCEL", SMALL_UIDS, {1})])


async def test_staff_cancelling_the_event_cancels_everyones_sessions(app, fake_slack):
    await setup(app, fake_slack)
    for user in ("U0P01", "U0P02", "U0P03"):  # U0P03 waits: no file to cancel
        await submit_register(app, user, "small", "ORG-A")
    await app.services.registration_admin.cancel_event("U0STAFF", "small", "Too few trainers")
    for user in ("U0P01", "U0P02"):
        invitation, removal = await files(app, fake_slack, user, 2)
        assert removal.uids == invitation.uids == SMALL_UIDS
        assert (removal.method, removal.sequences, removal.statuses) == ("CANCEL", {1}, {"CANCELLED"})
    assert calendars_to(fake_slack, "U0P03") == []


@pytest.mark.both_databases  # the SEQUENCE counter is stored
async def test_new_session_times_on_reload_move_the_same_uids_with_a_higher_sequence(app, fake_slack):
    await setup(app, fake_slack)
    await submit_register(app, "U0P01", "small", "ORG-A")
    await files(app, fake_slack, "U0P01", 1)
    moved = CALENDAR.replace("2027-01-12T13:00", "2027-01-12T14:00")
    await app.services.calendar.load_file(moved.encode(), "cal.yml")
    invitation, update = await files(app, fake_slack, "U0P01", 2)
    assert (update.method, update.uids, update.sequences) == ("PUBLISH", invitation.uids, {1})
    assert [e.start for e in update.calendar.events] == [datetime(2027, 1, 12, 19, tzinfo=UTC),
                                                         datetime(2027, 1, 13, 18, tzinfo=UTC)]
    told = [t for t in fake_slack.dms_to("U0P01") if "have changed" in t]
    assert len(told) == 1 and "Tue 12 Jan 2027, 19:00–22:00 GMT" in told[0]

    await app.services.calendar.load_file(moved.encode(), "cal.yml")  # nothing changed: nothing sent
    await app.settled()
    assert len(calendars_to(fake_slack, "U0P01")) == 2


async def test_a_session_dropped_on_reload_is_cancelled_in_a_second_file(app, fake_slack):
    await setup(app, fake_slack)
    await submit_register(app, "U0P01", "small", "ORG-A")
    await files(app, fake_slack, "U0P01", 1)
    fewer = CALENDAR.replace("      - {start: 2027-01-13T13:00, end: 2027-01-13T17:00}\n", "")
    await app.services.calendar.load_file(fewer.encode(), "cal.yml")
    _, update, removal = await files(app, fake_slack, "U0P01", 3)
    assert (update.method, update.uids, update.sequences) == ("PUBLISH", SMALL_UIDS[:1], {1})
    assert (removal.method, removal.uids, removal.sequences, removal.statuses) == (
        "CANCEL", SMALL_UIDS[1:], {1}, {"CANCELLED"})
