"""Seat requests through crashes in their logic: a cancelled registration takes its waiting request with it, and
approving checks again what is possible now."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from sqlalchemy import select

from storage.models import Registration, SeatRequest
from tests.fakes.slack import message_text
from tests.registration_fixtures import eventually, press, setup, submit_register

DEADLINE_PASSED = datetime(2027, 1, 6, 12, 0, tzinfo=timezone.utc)  # "small" closes 2027-01-05 18:00 UTC


async def requested_transfer(app, fake_slack, clock, user: str = "U0P01") -> str:
    """`user` registered on "small" (Org A), asks after the deadline to move to "big": the Approve button's value."""
    await submit_register(app, user, "small", "ORG-A")
    clock.now = DEADLINE_PASSED
    choice = await app.services.seat_moves.choices(user)
    result = await app.services.seat_moves.request(user, choice.registration_id, "big")
    assert not result.moved
    await app.settled()
    blocks = fake_slack.messages_to("C0STAFF")[-1]["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    return blocks[1]["elements"][0]["value"]


async def state(app) -> tuple[list[str], list[str], int]:
    async with app.services.db.read() as s:
        regs = list(await s.scalars(select(Registration.status).order_by(Registration.id)))
        requests = list(await s.scalars(select(SeatRequest.status).order_by(SeatRequest.id)))
    return regs, requests, (await app.services.registration_admin.seats("U0STAFF", "ORG-A")).left


async def test_cancelling_withdraws_the_waiting_request_and_the_staff_post_says_so(app, fake_slack, clock):
    await setup(app, fake_slack)
    approve = await requested_transfer(app, fake_slack, clock)
    item = await app.services.registration.current("U0P01")
    await press(app, "U0P01", "cancel_confirm", str(item.registration_id))
    await app.settled()
    assert await state(app) == (["forfeited"], ["withdrawn"], 2)
    [update] = [c.args for c in fake_slack.calls_to("chat.update") if c.args["channel"] == "C0STAFF"]
    assert "*Withdrawn* by <@U0P01>" in message_text(update) and "seat_request_approve" not in message_text(update)

    await press(app, "U0STAFF", "seat_request_approve", approve)  # from a copy of the post not yet updated
    refusal = await eventually(lambda: [r for r in fake_slack.responses if "already withdrawn" in r["text"]])
    assert refusal and await state(app) == (["forfeited"], ["withdrawn"], 2)  # nothing brought back


async def test_an_approval_after_the_event_was_cancelled_is_refused_with_the_reason(app, fake_slack, clock):
    await setup(app, fake_slack)
    approve = await requested_transfer(app, fake_slack, clock)
    async with app.services.db.transaction() as s:  # cancelled behind the request's back (an earlier version)
        reg = await s.scalar(select(Registration))
        reg.status = "cancelled"
    await press(app, "U0STAFF", "seat_request_approve", approve)
    [refusal] = await eventually(lambda: [r for r in fake_slack.responses if "no longer be approved" in r["text"]])
    assert "cancelled" in refusal["text"] and await state(app) == (["cancelled"], ["pending"], 3)


async def test_cancelling_the_event_withdraws_its_waiting_requests(app, fake_slack, clock):
    await setup(app, fake_slack)
    await requested_transfer(app, fake_slack, clock)
    await app.services.registration_admin.cancel_event("U0STAFF", "small", "Trainer ill")
    assert (await state(app))[:2] == (["cancelled"], ["withdrawn"])


async def test_a_waiting_person_moved_by_staff_needs_a_seat_of_the_organisation(app, fake_slack, clock):
    await setup(app, fake_slack)
    for user in ("U0P01", "U0P02"):  # fill "small" (capacity 2) with Org A's people
        await submit_register(app, user, "small", "ORG-A")
    await submit_register(app, "U0P03", "small", "ORG-A")  # Org A's third and last seat: waiting list
    await submit_register(app, "U0P04", "big", "ORG-A")
    assert (await state(app))[2] == 0
    clock.now = DEADLINE_PASSED
    choice = await app.services.seat_moves.choices("U0P03")
    result = await app.services.seat_moves.request("U0P03", choice.registration_id, "big")
    await press(app, "U0STAFF", "seat_request_approve", str(result.request.id))
    [refusal] = await eventually(lambda: [r for r in fake_slack.responses if "no seat left" in r["text"]])
    assert "Org A" in refusal["text"]
    regs, requests, left = await state(app)
    assert regs.count("active") == 3 and requests == ["pending"] and left == 0
