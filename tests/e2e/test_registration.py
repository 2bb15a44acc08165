"""Registration through signed Slack requests and the fake Slack, on SQLite and PostgreSQL."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from storage.models import Person, Registration, RegistrationChange, SeatRequest
from tests.fakes.slack import message_text
from tests.outbox_helpers import outbox
from tests.registration_fixtures import eventually, press, setup, submit_register

DEADLINE_PASSED = datetime(2027, 1, 6, 12, 0, tzinfo=timezone.utc)  # "small" closes 2027-01-05 18:00 UTC


async def statuses(app, slug: str | None = None) -> dict[str, str]:
    async with app.services.db.transaction() as s:
        rows = await s.execute(select(Person.slack_user_id, Registration.status, Registration.event_id)
                               .join(Person, Person.id == Registration.person_id))
        return {user: status for user, status, _ in rows.all()}


async def test_register_command_opens_a_prefilled_modal(app, fake_slack):
    await setup(app, fake_slack)
    status, _ = await app.slash("/training", "register ORG-A", "U0P01")
    assert status == 200
    await eventually(lambda: fake_slack.calls_to("views.open"))
    call = fake_slack.calls_to("views.open")[0]
    assert call.args["trigger_id"].startswith("trig.U0P01")
    view = fake_slack.last_view()
    assert view["callback_id"] == "register_submit"
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["code"]["element"]["initial_value"] == "ORG-A"
    assert "You register as *Person 01* (p01@example.org)" in json.dumps(view)
    inputs = [b["block_id"] for b in view["blocks"] if b["type"] == "input"]
    assert inputs == ["event", "code", "coc"]  # no name or email to type: who registers is Slack's to say
    slugs = [o["value"] for o in blocks["event"]["element"]["options"]]
    assert slugs == ["small", "big"]  # "soon" closed for registration 7 days before it starts


async def test_successful_registration_dms_sessions_in_my_time_zone_and_an_ics(app, fake_slack):
    await setup(app, fake_slack)
    answer = await submit_register(app, "U0P01", "small", "org-a")
    assert answer["response_action"] == "update"
    assert (await statuses(app))["U0P01"] == "active"
    dm = (await eventually(lambda: fake_slack.dms_to("U0P01")))[0]
    assert "Tue 12 Jan 2027, 18:00–22:00 GMT" in dm  # 13:00 New York shown in London time
    assert "https://zoom.us/j/111" in dm and "3-minute segment" in dm and "/training cancel" in dm
    await eventually(lambda: fake_slack.calls_to("files.completeUploadExternal"))
    upload = next(iter(fake_slack.uploads.values()))
    assert b"BEGIN:VCALENDAR" in upload and upload.count(b"BEGIN:VEVENT") == 2
    async with app.services.db.transaction() as s:
        audit = list(await s.scalars(select(RegistrationChange)))
    assert [(a.action, a.to_status, a.actor) for a in audit] == [("register", "active", "U0P01")]


async def test_a_confirmation_slack_refused_is_sent_by_the_sweep_once_with_its_ics(app, fake_slack, clock):
    await setup(app, fake_slack)
    fake_slack.fail_next(20, "500", method="chat.postMessage")  # more than the client's retries
    answer = await submit_register(app, "U0P01", "small", "ORG-A")
    assert answer["response_action"] == "update" and (await statuses(app))["U0P01"] == "active"

    async def kept_message():
        return [m for m in await outbox(app.services, recipient="U0P01") if m.attempts and m.status == "pending"]

    [kept] = await eventually(kept_message)
    assert kept.origin == "registration" and kept.status == "pending" and "18:00–22:00 GMT" in kept.text
    assert fake_slack.delivered == [] and fake_slack.calls_to("files.completeUploadExternal") == []

    fake_slack.failures.clear()  # Slack is back
    clock.now += timedelta(minutes=3)
    for _ in range(2):
        await app.services.nudges.sweep()
    [dm] = [message_text(m) for m in fake_slack.delivered]  # once
    assert "Tue 12 Jan 2027, 18:00–22:00 GMT" in dm and "https://zoom.us/j/111" in dm
    [upload] = fake_slack.calls_to("files.completeUploadExternal")
    assert upload.args["channel_id"] == "DU0P01"
    [ics] = fake_slack.uploads.values()
    assert ics.count(b"BEGIN:VEVENT") == 2 and b"https://zoom.us/j/111" in ics


async def test_submission_errors_are_inline_on_the_field(app, fake_slack, clock):
    await setup(app, fake_slack)
    assert (await submit_register(app, "U0P01", "small", "NOPE"))["errors"]["code"].startswith("`NOPE` is not")
    # an inline error is plain text: what was typed shows as typed, not escaped
    assert (await submit_register(app, "U0P01", "small", "<A&B>"))["errors"]["code"].startswith("`<A&B>` is not")
    assert "Code of Conduct" in (await submit_register(app, "U0P01", "small", "ORG-A", coc=False))["errors"]["coc"]
    assert "expired on 30 Aug 2025" in (await submit_register(app, "U0P01", "small", "OLD-1"))["errors"]["code"]
    closed = (await submit_register(app, "U0P01", "soon", "ORG-A"))["errors"]["event"]
    assert "closed on Fri 20 Nov 2026, 09:00 GMT" in closed
    await submit_register(app, "U0P01", "small", "ORG-A")
    again = (await submit_register(app, "U0P01", "small", "ORG-A"))["errors"]["event"]
    assert "already registered" in again
    other = (await submit_register(app, "U0P01", "big", "ORG-B"))["errors"]["event"]
    assert "one seat per person" in other and "/training transfer" in other
    await submit_register(app, "U0P02", "big", "ORG-A")
    await submit_register(app, "U0P03", "big", "ORG-A")
    used_up = (await submit_register(app, "U0P04", "big", "ORG-A"))["errors"]["code"]
    assert "All 3 training seats of Org A are used" in used_up
    clock.now = DEADLINE_PASSED
    late = (await submit_register(app, "U0P05", "small", "ORG-B"))["errors"]["event"]
    assert "closed on Tue 5 Jan 2027, 18:00 GMT" in late and "instructor.training@carpentries.org" in late
    assert (await statuses(app)) == {"U0P01": "active", "U0P02": "active", "U0P03": "active"}


async def test_full_event_offers_the_waiting_list_with_position(app, fake_slack):
    await setup(app, fake_slack)
    for user in ("U0P01", "U0P02"):
        await submit_register(app, user, "small", "ORG-B")
    answer = await submit_register(app, "U0P03", "small", "ORG-B")
    assert "waiting list at position *1*" in json.dumps(answer["view"])
    assert (await statuses(app))["U0P03"] == "waitlisted"
    assert "position *1*" in (await eventually(lambda: fake_slack.dms_to("U0P03")))[0]
    status, body = await app.slash("/training", "status", "U0P03")
    assert "On the waiting list (position 1)" in body and "Cancel or move until Tue 5 Jan 2027" in body


async def test_cancel_before_deadline_returns_the_seat_and_promotes_the_first_waiting(app, fake_slack):
    await setup(app, fake_slack)
    for user in ("U0P01", "U0P02", "U0P03", "U0P04"):
        await submit_register(app, user, "small", "ORG-B")
    status, body = await app.slash("/training", "cancel", "U0P01")
    confirm = json.loads(body)["blocks"][1]["elements"][0]
    assert confirm["action_id"] == "cancel_confirm" and "goes back to your organisation" in body
    await press(app, "U0P01", "cancel_confirm", confirm["value"])
    await eventually(lambda: fake_slack.responses)
    assert "seat returned" in fake_slack.responses[-1]["text"]
    assert await statuses(app) == {"U0P01": "cancelled", "U0P02": "active", "U0P03": "active", "U0P04": "waitlisted"}
    promoted = await eventually(lambda: [t for t in fake_slack.dms_to("U0P03") if "freed up" in t])
    assert "Small online event" in promoted[0]


async def test_cancel_after_deadline_forfeits_and_tells_staff(app, fake_slack, clock):
    await setup(app, fake_slack)
    await submit_register(app, "U0P01", "small", "ORG-A")
    clock.now = DEADLINE_PASSED
    status, body = await app.slash("/training", "cancel", "U0P01")
    assert "will be forfeited" in body
    value = json.loads(body)["blocks"][1]["elements"][0]["value"]
    await press(app, "U0P01", "cancel_confirm", value)
    await eventually(lambda: fake_slack.responses)
    assert "forfeited" in fake_slack.responses[-1]["text"] and "move it" in fake_slack.responses[-1]["text"]
    assert (await statuses(app))["U0P01"] == "forfeited"
    staff = await eventually(lambda: fake_slack.messages_to("C0STAFF"))
    assert "after the registration deadline" in staff[0]["text"]
    seats = await app.services.registration_admin.seats("U0CONTACT", None)
    assert (seats.forfeited, seats.used, seats.left) == (1, 1, 2)


async def test_serial_canceller_is_flagged_to_staff(app, fake_slack):
    await setup(app, fake_slack)
    for _ in range(4):
        await submit_register(app, "U0P01", "big", "ORG-B")
        item = await app.services.registration.current("U0P01")
        await app.services.registration.cancel("U0P01", item.registration_id)
    await app.services.outbox.drain()
    flags = [m for m in fake_slack.messages_to("C0STAFF") if "cancelled 4 times" in m["text"]]
    assert len(flags) == 1
    async with app.services.db.transaction() as s:
        assert (await s.scalar(select(Person).where(Person.slack_user_id == "U0P01"))).flagged


async def test_transfer_before_deadline_with_room_happens_at_once(app, fake_slack):
    await setup(app, fake_slack)
    await submit_register(app, "U0P01", "small", "ORG-B")
    await app.slash("/training", "transfer", "U0P01")
    await eventually(lambda: fake_slack.calls_to("views.open"))
    modal = fake_slack.last_view()
    assert modal["callback_id"] == "transfer_submit"
    assert [o["value"] for o in modal["blocks"][1]["element"]["options"]] == ["big"]
    body, headers = app.requests.view_submission(
        "U0P01", "transfer_submit", {"target": {"value": {"type": "static_select",
                                                          "selected_option": {"value": "big"}}}},
        private_metadata=modal["private_metadata"])
    status, text = await app.send(body, headers)
    assert "moved to *Big online event*" in text
    async with app.services.db.transaction() as s:
        reg = await s.scalar(select(Registration))
        assert (reg.event_id, reg.status) == (2, "active")


async def test_transfer_after_deadline_goes_to_staff_who_alone_can_approve(app, fake_slack, clock):
    await setup(app, fake_slack)
    await submit_register(app, "U0P01", "small", "ORG-B")
    clock.now = DEADLINE_PASSED
    choice = await app.services.seat_moves.choices("U0P01")
    body, headers = app.requests.view_submission(
        "U0P01", "transfer_submit", {"target": {"value": {"type": "static_select",
                                                          "selected_option": {"value": "big"}}}},
        private_metadata=json.dumps({"registration": choice.registration_id}))
    status, text = await app.send(body, headers)
    assert "went to staff" in text
    posted = await eventually(lambda: fake_slack.messages_to("C0STAFF"))
    blocks = json.loads(posted[0]["blocks"]) if isinstance(posted[0]["blocks"], str) else posted[0]["blocks"]
    approve = blocks[1]["elements"][0]
    assert approve["action_id"] == "seat_request_approve" and "Small online event" in posted[0]["text"]

    await press(app, "U0STRANGER", "seat_request_approve", approve["value"])
    refusal = await eventually(lambda: fake_slack.responses)
    assert "Only Carpentries staff" in refusal[-1]["text"]
    async with app.services.db.transaction() as s:
        assert (await s.scalar(select(SeatRequest))).status == "pending"
        assert (await s.scalar(select(Registration))).event_id == 1

    await press(app, "U0STAFF", "seat_request_approve", approve["value"])
    await eventually(lambda: fake_slack.calls_to("chat.update"))
    assert "Approved" in json.dumps(fake_slack.calls_to("chat.update")[0].args["blocks"])
    assert any("approved" in t for t in fake_slack.dms_to("U0P01"))
    async with app.services.db.transaction() as s:
        assert (await s.scalar(select(Registration))).event_id == 2
        assert (await s.scalar(select(SeatRequest))).decided_by == "U0STAFF"


async def test_tampered_private_metadata_is_refused(app, fake_slack):
    await setup(app, fake_slack)
    await submit_register(app, "U0P01", "small", "ORG-B")
    await submit_register(app, "U0P02", "small", "ORG-B")
    other = await app.services.registration.current("U0P02")
    body, headers = app.requests.view_submission(
        "U0P01", "transfer_submit", {"target": {"value": {"type": "static_select",
                                                          "selected_option": {"value": "big"}}}},
        private_metadata=json.dumps({"registration": other.registration_id}))
    _, text = await app.send(body, headers)
    assert "not yours" in json.loads(text)["errors"]["target"]
    body, headers = app.requests.view_submission("U0P01", "transfer_submit", {}, private_metadata="{bad json")
    _, text = await app.send(body, headers)
    assert "out of date" in json.loads(text)["errors"]["target"]
    assert await statuses(app) == {"U0P01": "active", "U0P02": "active"}


async def test_seats_for_contacts_and_staff_only(app, fake_slack):
    await setup(app, fake_slack)
    await submit_register(app, "U0P01", "small", "ORG-A")
    _, body = await app.slash("/training", "seats", "U0CONTACT")
    assert "Org A" in body and "Left: 2" in body and "Person 01" in body and "`small` (active)" in body
    _, body = await app.slash("/training", "seats ORG-A", "U0STAFF")
    assert "Left: 2" in body
    _, body = await app.slash("/training", "seats ORG-A", "U0STRANGER")
    assert "is for organisation contacts and Carpentries staff" in json.loads(body)["text"]


async def test_seats_of_another_organisation_are_refused_like_an_unknown_code(app, fake_slack):
    """A contact of Org A cannot learn which other codes exist: a real code and a made-up one get the same words."""
    await setup(app, fake_slack)
    answers = [json.loads((await app.slash("/training", f"seats {code}", "U0CONTACT"))[1])["text"]
               for code in ("ORG-B", "NOPE-1")]
    assert answers[0] == answers[1] and "Only the organisation's contacts" in answers[0] and "Org B" not in answers[0]
    _, body = await app.slash("/training", "seats NOPE-1", "U0STAFF")
    assert "No organisation has the code `NOPE-1`" in json.loads(body)["text"]


async def test_admin_roster_and_cancel_event_tell_everyone(app, fake_slack):
    await setup(app, fake_slack)
    for user in ("U0P01", "U0P02", "U0P03"):
        await submit_register(app, user, "small", "ORG-A")
    _, body = await app.slash("/training", "admin roster small", "U0STAFF")
    assert "Person 01" in body and "Org A" in body and "*Waiting list* (1)" in body
    _, body = await app.slash("/training", "admin roster small", "U0P01")
    assert "`/training admin` is for trainers and Carpentries staff" in body
    _, body = await app.slash("/training", "admin roster small", "U0TRAINER")
    assert "`/training admin roster` is for Carpentries staff" in body
    _, body = await app.slash("/training", 'admin cancel-event small "Too few trainers"', "U0STAFF")
    button = json.loads(body)["blocks"][1]["elements"][0]
    assert button["action_id"] == "cancel_event_confirm" and (await statuses(app))["U0P01"] == "active"
    await press(app, "U0STAFF", "cancel_event_confirm", button["value"])
    await eventually(lambda: all(fake_slack.dms_to(u) and "cancelled" in fake_slack.dms_to(u)[-1]
                                 for u in ("U0P01", "U0P02", "U0P03")))
    note = fake_slack.dms_to("U0P03")[-1]
    assert "Too few trainers" in note and "Big online event" in note
    assert set((await statuses(app)).values()) == {"cancelled"}
    seats = await app.services.registration_admin.seats("U0STAFF", "ORG-A")
    assert seats.used == 0 and seats.left == 3


async def test_calendar_register_button_opens_the_modal_on_that_event(app, fake_slack):
    await setup(app, fake_slack)
    await press(app, "U0P01", "register_open", "big", channel="C0GENERAL")
    await eventually(lambda: fake_slack.calls_to("views.open"))
    event = {b.get("block_id"): b for b in fake_slack.last_view()["blocks"]}["event"]
    assert event["element"]["initial_option"]["value"] == "big"


async def test_a_register_button_whose_trigger_expired_asks_to_press_it_again(app, fake_slack):
    await setup(app, fake_slack)
    fake_slack.fail_next(1, "ok_false", error="expired_trigger_id", method="views.open")
    await press(app, "U0P01", "register_open", "big", channel="C0GENERAL")
    [said] = await eventually(lambda: [r for r in fake_slack.responses if r["key"] == "action"])
    assert "too busy to open the form in time" in said["text"] and "press the button again" in said["text"]
    assert "Something went wrong" not in said["text"]


async def test_a_no_show_asks_within_seven_days_to_re_register_and_staff_approve(app, fake_slack, clock):
    await setup(app, fake_slack)
    await submit_register(app, "U0P01", "small", "ORG-A")
    _, body = await app.slash("/training", "admin no-show small <@U0P01|p1>", "U0P02")
    assert "is for trainers and Carpentries staff" in body
    clock.now = datetime(2027, 1, 14, 12, 0, tzinfo=timezone.utc)
    _, body = await app.slash("/training", "admin no-show small <@U0P01|p1>", "U0STAFF")
    assert "marked as a no-show" in body
    assert (await app.services.registration_admin.seats("U0CONTACT", None)).no_show == 1
    choice = await app.services.seat_moves.choices("U0P01")
    assert choice.kind == "reregister" and [t.slug for t in choice.targets] == ["big"]
    result = await app.services.seat_moves.request("U0P01", choice.registration_id, "big")
    assert not result.moved and result.request.kind == "reregister"
    await app.services.seat_moves.decide(result.request.id, "U0STAFF", True)
    assert (await statuses(app))["U0P01"] == "active"
    seats = await app.services.registration_admin.seats("U0CONTACT", None)
    assert (seats.no_show, seats.active, seats.used) == (0, 1, 1)


async def test_a_slow_registration_is_acknowledged_in_time_and_its_outcome_sent_by_dm(app, fake_slack, monkeypatch):
    import asyncio

    await setup(app, fake_slack)
    app.services.settings.view_budget_ms = 100
    real, go_on = app.services.registration.register, asyncio.Event()

    async def slow(*args, **kwargs):
        await go_on.wait()  # still working when the form's acknowledgement is due
        return await real(*args, **kwargs)

    monkeypatch.setattr(app.services.registration, "register", slow)
    answer = await submit_register(app, "U0P01", "small", "ORG-A")
    assert answer["response_action"] == "update" and "finishing your registration" in json.dumps(answer)
    assert not fake_slack.dms_to("U0P01")
    go_on.set()
    dm = await eventually(lambda: fake_slack.dms_to("U0P01"))
    assert "You are registered for *Small online event*" in dm[0]
    go_on.clear()
    answer = await submit_register(app, "U0P02", "small", "NOPE")
    assert "finishing your registration" in json.dumps(answer)
    go_on.set()
    refused = await eventually(lambda: fake_slack.dms_to("U0P02"))
    assert "did not go through" in refused[0] and "`NOPE` is not" in refused[0]
