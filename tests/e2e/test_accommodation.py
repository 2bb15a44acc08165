"""Accommodation requests through signed Slack requests and the fake Slack, on SQLite and PostgreSQL."""
from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select

from bot.accommodation.service import MAX_TEXT
from bot.common.mrkdwn import SECTION_LIMIT, escape, unescape
from bot.common.people import Profile
from storage.accommodation_models import AccommodationChange, AccommodationRequest
from storage.outbox_models import PostedMessage
from tests.fakes.slack import message_text
from tests.outbox_helpers import outbox, posted_ts
from tests.registration_fixtures import eventually, press
from tests.slack_requests import select_value, text_value

CALENDAR = """
staff: [U0STAFF]
organisations:
  - {name: Org B, level: scale, seats: 60, code: ORG-B, membership_start: 2026-06-01, membership_end: 2027-05-31}
events:
  - slug: online
    title: Online half-days
    format: online
    timezone: America/New_York
    capacity: 20
    sessions: [{start: 2027-01-12T13:00, end: 2027-01-12T17:00}]
  - slug: hall
    title: Training in the hall
    format: in-person
    timezone: Europe/London
    capacity: 20
    location: Example Hall, 1 High St
    accessibility: ["The room is wheelchair / scooter accessible.", "Accessible restrooms are available."]
    sessions: [{start: 2027-02-03T09:00, end: 2027-02-03T17:00}]
"""
HALL_ENDS = datetime(2027, 2, 3, 17, 0, tzinfo=timezone.utc)
TRAINEE, OTHER, STAFF, STRANGER = "U0TRAINEE", "U0OTHER", "U0STAFF", "U0STRANGER"
SECRET = "I need live captions because of my hearing (marker-7f3a)"
CONTACT = "tess-private@example.org"


async def setup(app, fake_slack) -> None:
    await app.services.calendar.load_file(CALENDAR.encode(), "cal.yml")
    for user, name in ((TRAINEE, "Tess Trainee"), (OTHER, "Otto Other"), (STAFF, "Sam Staff"),
                       (STRANGER, "Stan Stranger")):
        fake_slack.add_user(user, name, f"{user.lower()}@example.org", tz="Europe/London")
    await app.services.registration.register(
        Profile(TRAINEE, "Tess Trainee", "u0trainee@example.org", "Europe/London"), "hall", "ORG-B", True)
    await app.services.outbox.drain()
    fake_slack.calls.clear()  # the registration's own DM is not what these tests count
    fake_slack.delivered.clear()


async def submit(app, user: str, slug: str, text: str, contact: str = "") -> dict:
    values = {"event": {"value": select_value(slug)}, "text": {"value": text_value(text)},
              "contact": {"value": text_value(contact)}}
    status, body = await app.send(*app.requests.view_submission(user, "accommodation_submit", values))
    assert status == 200, body
    return json.loads(body) if body else {}


def blocks_of(args: dict) -> list[dict]:
    blocks = args.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else blocks


def buttons_of(args: dict) -> dict[str, str]:
    return {e["action_id"]: e["value"] for b in blocks_of(args) if b["type"] == "actions" for e in b["elements"]}


def staff_posts(fake_slack) -> list[dict]:
    return fake_slack.messages_to("C0STAFF")


def updates_in(fake_slack, channel: str) -> list[dict]:
    return [c.args for c in fake_slack.calls_to("chat.update") if c.args["channel"] == channel]


async def later(app, clock, minutes: int = 70):
    """After the outbox's back-off, flush what waits (as the sweep would)."""
    await app.services.outbox.drain()
    clock.now += timedelta(minutes=minutes)
    return await app.services.outbox.flush()


async def requests(app) -> list[AccommodationRequest]:
    async with app.services.db.transaction() as s:
        return list(await s.scalars(select(AccommodationRequest).order_by(AccommodationRequest.id)))


async def history(app, request_id: int) -> list[tuple[str, str, str, str | None]]:
    async with app.services.db.transaction() as s:
        rows = await s.scalars(select(AccommodationChange).where(AccommodationChange.request_id == request_id)
                               .order_by(AccommodationChange.id))
        return [(c.action, c.status, c.actor, c.note) for c in rows]


async def submitted_and_posted(app, fake_slack, slug: str = "hall", user: str = TRAINEE) -> tuple[int, dict]:
    before, dms = len(staff_posts(fake_slack)), len(fake_slack.dms_to(user))
    await submit(app, user, slug, SECRET, CONTACT)
    # The DM is the last step of a delivery.
    await eventually(lambda: len(staff_posts(fake_slack)) > before and len(fake_slack.dms_to(user)) > dms)
    return (await requests(app))[-1].id, staff_posts(fake_slack)[-1]


async def test_bare_command_opens_the_form_with_accessibility_facts_and_answers_usage(app, fake_slack):
    await setup(app, fake_slack)
    status, body = await app.slash("/accommodation", "", TRAINEE)
    assert status == 200 and "/accommodation status" in json.loads(body)["text"]
    await eventually(lambda: fake_slack.calls_to("views.open"))
    view = fake_slack.last_view()
    assert view["callback_id"] == "accommodation_submit"
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert [o["value"] for o in blocks["event"]["element"]["options"]] == ["hall", "none"]
    assert blocks["event"]["element"]["options"][1]["text"]["text"] == "Not registered yet"
    assert blocks["text"]["element"]["multiline"] and not blocks["text"].get("optional")
    assert blocks["contact"]["optional"] is True
    shown = json.dumps(view)
    assert "No documentation is needed" in shown and "Only staff read this" in shown
    assert "Example Hall" in shown and "wheelchair / scooter accessible" in shown
    assert "Accessible restrooms are available" in shown

    status, body = await app.slash("/accommodation", "", OTHER)
    await eventually(lambda: len(fake_slack.calls_to("views.open")) == 2)
    options = fake_slack.last_view()["blocks"][1]["element"]["options"]
    assert [o["value"] for o in options] == ["none"] and "Example Hall" not in json.dumps(fake_slack.last_view())


async def test_help_and_unknown_subcommands_answer_usage_without_a_form(app, fake_slack):
    await setup(app, fake_slack)
    _, body = await app.slash("/accommodation", "help", TRAINEE)
    assert "/accommodation status" in body and "only staff read it" in body
    _, body = await app.slash("/accommodation", "bogus", TRAINEE)
    assert "I don't know `bogus`" in body and "/accommodation status" in body
    await app.settled()
    assert not fake_slack.calls_to("views.open")


async def test_submission_goes_to_the_staff_channel_and_the_requesters_dm_only(app, fake_slack):
    await setup(app, fake_slack)
    answer = await submit(app, TRAINEE, "hall", SECRET + " <!channel>", CONTACT)
    assert answer["response_action"] == "update" and SECRET not in json.dumps(answer)
    posted = (await eventually(lambda: staff_posts(fake_slack)))[0]
    shown = message_text(posted)
    assert SECRET in shown and CONTACT in shown and "<@U0TRAINEE>" in shown and "Training in the hall" in shown
    assert "&lt;!channel&gt;" in shown and "<!channel>" not in shown  # what a trainee types cannot ping anyone
    assert SECRET not in posted["text"]  # the notification text names who and which event only
    assert buttons_of(posted) == {"accommodation_acknowledge": "1", "accommodation_ask": "1",
                                  "accommodation_resolve": "1"}
    dm = (await eventually(lambda: fake_slack.dms_to(TRAINEE)))[-1]
    assert "reached Carpentries staff" in dm and "only staff can read it" in dm and SECRET in dm
    [request] = await requests(app)
    assert await posted_ts(app.services, f"accommodation:{request.id}")
    assert request.status == "submitted" and request.text == SECRET + " <!channel>" and request.contact == CONTACT
    assert [a for a, *_ in await history(app, request.id)] == ["submit"]
    for call in fake_slack.calls:
        if SECRET in json.dumps(call.args):
            assert call.method == "chat.postMessage" and call.args["channel"] in ("C0STAFF", TRAINEE)
    assert not any(SECRET in json.dumps(r) for r in fake_slack.responses)


async def test_a_long_text_full_of_markup_characters_reaches_staff_and_the_receipt_whole(app, fake_slack):
    await setup(app, fake_slack)
    text = ("Q&A <&> 5>4 & <!here> " * 200)[:MAX_TEXT].strip()
    assert len(text) >= MAX_TEXT - 1 and len(escape(text)) > 2 * SECTION_LIMIT
    await submit(app, TRAINEE, "hall", text)
    posted = (await eventually(lambda: staff_posts(fake_slack)))[0]
    sections = [b["text"]["text"] for b in blocks_of(posted) if b["type"] == "section"]
    assert all(len(t) <= SECTION_LIMIT for t in sections)
    quoted = [t for t in sections if t.startswith(">")]  # the request, one quoted piece per section
    assert len(quoted) >= 3 and unescape("".join(t[1:] for t in quoted)) == text
    assert "<!here>" not in message_text(posted)
    dm = (await eventually(lambda: fake_slack.dms_to(TRAINEE)))[-1]
    assert f"You wrote:\n>{escape(text)}\n" in dm


async def test_form_errors_are_inline_and_store_nothing(app, fake_slack):
    await setup(app, fake_slack)
    assert "what would help" in (await submit(app, TRAINEE, "hall", "   "))["errors"]["text"]
    assert "one of your registrations" in (await submit(app, TRAINEE, "online", SECRET))["errors"]["event"]
    assert await requests(app) == [] and not staff_posts(fake_slack)
    await submit(app, OTHER, "none", SECRET)
    posted = (await eventually(lambda: staff_posts(fake_slack)))[0]
    assert "Not registered yet" in message_text(posted)
    assert (await requests(app))[0].event_id is None


async def test_only_staff_can_use_the_buttons_and_a_refusal_changes_nothing(app, fake_slack):
    await setup(app, fake_slack)
    request_id, posted = await submitted_and_posted(app, fake_slack)
    dms = len(fake_slack.dms_to(TRAINEE))
    for action in ("accommodation_acknowledge", "accommodation_ask", "accommodation_resolve"):
        await press(app, STRANGER, action, str(request_id), message_ts=posted.get("ts", "1"))
    refusals = await eventually(lambda: len(fake_slack.responses) == 3 and fake_slack.responses)
    assert all("Only Carpentries staff" in r["text"] and r["response_type"] == "ephemeral" for r in refusals)
    meta = json.dumps({"id": request_id, "action": "resolve"})
    _, body = await app.send(*app.requests.view_submission(STRANGER, "accommodation_note_submit",
                                                           {"note": {"value": text_value("done")}},
                                                           private_metadata=meta))
    assert "Only Carpentries staff" in json.loads(body)["errors"]["note"]
    await app.settled()
    assert not fake_slack.calls_to("chat.update") and not fake_slack.calls_to("views.open")
    assert len(fake_slack.dms_to(TRAINEE)) == dms
    assert (await requests(app))[0].status == "submitted"
    assert [a for a, *_ in await history(app, request_id)] == ["submit"]


async def test_staff_acknowledge_ask_and_resolve_update_the_message_and_dm_the_requester(app, fake_slack):
    await setup(app, fake_slack)
    request_id, _ = await submitted_and_posted(app, fake_slack)
    ts = await posted_ts(app.services, f"accommodation:{request_id}")

    await press(app, STAFF, "accommodation_acknowledge", str(request_id))
    update_call = (await eventually(lambda: fake_slack.calls_to("chat.update")))[-1].args
    assert (update_call["channel"], update_call["ts"]) == ("C0STAFF", ts)
    assert "*Acknowledged* by <@U0STAFF>" in message_text(update_call) and SECRET in message_text(update_call)
    assert set(buttons_of(update_call)) == {"accommodation_ask", "accommodation_resolve"}
    assert await eventually(lambda: [d for d in fake_slack.dms_to(TRAINEE) if "Staff acknowledged" in d])
    await press(app, STAFF, "accommodation_acknowledge", str(request_id))  # from a stale copy of the message
    assert "already acknowledged" in (await eventually(lambda: fake_slack.responses))[-1]["text"]

    await press(app, STAFF, "accommodation_ask", str(request_id))
    await eventually(lambda: fake_slack.calls_to("views.open"))
    modal = fake_slack.last_view()
    assert modal["callback_id"] == "accommodation_note_submit" and "DM" in json.dumps(modal)
    empty = await app.send(*app.requests.view_submission(STAFF, "accommodation_note_submit",
                                                         {"note": {"value": text_value(" ")}},
                                                         private_metadata=modal["private_metadata"]))
    assert "details" in json.loads(empty[1])["errors"]["note"]
    _, body = await app.send(*app.requests.view_submission(
        STAFF, "accommodation_note_submit", {"note": {"value": text_value("Which sessions need captions?")}},
        private_metadata=modal["private_metadata"]))
    assert body == ""  # the modal closes
    asked = await eventually(lambda: [d for d in fake_slack.dms_to(TRAINEE) if "more details" in d])
    assert ">Which sessions need captions?" in asked[0] and "/accommodation" in asked[0]
    await eventually(lambda: len(fake_slack.calls_to("chat.update")) == 2)
    assert "*Details requested* by <@U0STAFF>" in message_text(fake_slack.calls_to("chat.update")[-1].args)

    await press(app, STAFF, "accommodation_resolve", str(request_id))
    await eventually(lambda: len(fake_slack.calls_to("views.open")) == 2)
    await app.send(*app.requests.view_submission(
        STAFF, "accommodation_note_submit", {"note": {"value": text_value("Captions booked for all sessions.")}},
        private_metadata=fake_slack.last_view()["private_metadata"]))
    await eventually(lambda: len(fake_slack.calls_to("chat.update")) == 3)
    final = fake_slack.calls_to("chat.update")[-1].args
    assert "*Resolved* by <@U0STAFF>" in message_text(final) and not buttons_of(final)
    resolved = await eventually(lambda: [d for d in fake_slack.dms_to(TRAINEE) if "resolved" in d])
    assert "Captions booked for all sessions." in resolved[0]

    await press(app, STAFF, "accommodation_acknowledge", str(request_id))
    assert await eventually(lambda: [r for r in fake_slack.responses if "already resolved" in r["text"]])
    assert len(fake_slack.calls_to("chat.update")) == 3
    assert await history(app, request_id) == [
        ("submit", "submitted", TRAINEE, None), ("acknowledge", "acknowledged", STAFF, None),
        ("ask", "details_requested", STAFF, "Which sessions need captions?"),
        ("resolve", "resolved", STAFF, "Captions booked for all sessions.")]


async def test_status_lists_requests_and_withdrawing_deletes_the_text_but_keeps_the_history(app, fake_slack):
    await setup(app, fake_slack)
    first, _ = await submitted_and_posted(app, fake_slack)
    second, _ = await submitted_and_posted(app, fake_slack, "none")
    _, body = await app.slash("/accommodation", "status", TRAINEE)
    listing = json.loads(body)
    assert SECRET not in body and "Training in the hall" in body and "Not registered yet" in body
    withdraw = [b["accessory"] for b in listing["blocks"] if b.get("accessory")]
    assert [(w["action_id"], w["value"]) for w in withdraw] == [("accommodation_withdraw", str(second)),
                                                                ("accommodation_withdraw", str(first))]
    _, body = await app.slash("/accommodation", "status", OTHER)
    assert "no accommodation requests" in body

    await press(app, STRANGER, "accommodation_withdraw", str(first))
    refusal = await eventually(lambda: fake_slack.responses)
    assert "not one of your requests" in refusal[-1]["text"]
    assert all(r.text == SECRET for r in await requests(app))

    await press(app, TRAINEE, "accommodation_withdraw", str(first))
    answer = await eventually(lambda: [r for r in fake_slack.responses if r.get("replace_original")])
    assert "its text is deleted" in json.dumps(answer[-1]) and "Withdrawn" in json.dumps(answer[-1])
    withdrawn, kept = await requests(app)
    assert (withdrawn.status, withdrawn.text, withdrawn.contact) == ("withdrawn", None, None)
    assert withdrawn.text_deleted_at is not None and kept.text == SECRET
    assert [(a, s, who) for a, s, who, _ in await history(app, first)] == [
        ("submit", "submitted", TRAINEE), ("withdraw", "withdrawn", TRAINEE)]
    update_call = (await eventually(lambda: updates_in(fake_slack, "C0STAFF")))[-1]
    assert update_call["ts"] == await posted_ts(app.services, f"accommodation:{first}")
    assert SECRET not in json.dumps(update_call)
    assert "*Withdrawn* by <@U0TRAINEE>" in message_text(update_call) and not buttons_of(update_call)
    assert await eventually(lambda: [d for d in fake_slack.dms_to(TRAINEE) if "You withdrew" in d])
    # the "You wrote" DM of the withdrawn request loses its quote (its own outbox row: it may go after the DM above)
    [receipt] = await eventually(lambda: updates_in(fake_slack, "D" + TRAINEE))
    assert receipt["ts"] == await posted_ts(app.services, f"accommodation:{first}:receipt")
    assert SECRET not in json.dumps(receipt) and "Its text is deleted" in message_text(receipt)

    await press(app, TRAINEE, "accommodation_withdraw", str(first))
    await press(app, STAFF, "accommodation_resolve", str(first))
    await eventually(lambda: len([r for r in fake_slack.responses if "already withdrawn" in r["text"]]) == 2)
    assert not fake_slack.calls_to("views.open")  # no note form for a withdrawn request
    statuses = await app.services.accommodation.statuses_for(TRAINEE)
    assert [(s.event_title, s.status, s.withdrawable) for s in statuses] == [
        ("Not registered yet", "submitted", True), ("Training in the hall", "withdrawn", False)]


async def test_missing_staff_channel_keeps_the_request_and_a_later_flush_posts_it_once(app, fake_slack, clock):
    await setup(app, fake_slack)
    fake_slack.missing_channels.add("C0STAFF")
    await submit(app, TRAINEE, "hall", SECRET)
    dm = (await eventually(lambda: fake_slack.dms_to(TRAINEE)))[-1]
    assert "could not deliver it to staff yet" in dm and "instructor.training@carpentries.org" in dm
    [request] = await requests(app)
    assert request.text == SECRET and await posted_ts(app.services, f"accommodation:{request.id}") is None
    [waiting] = await outbox(app.services, key=f"accommodation:{request.id}")
    assert waiting.status == "pending" and app.services.health.staff_channel_problem.startswith("channel_not_found")

    assert (await later(app, clock)).retrying == 1  # still missing: kept, no new DM
    assert len(fake_slack.dms_to(TRAINEE)) == 1

    fake_slack.missing_channels.discard("C0STAFF")
    attempts = len(staff_posts(fake_slack))
    assert (await later(app, clock)).sent == 2  # the post, then the receipt it promised
    assert len(staff_posts(fake_slack)) == attempts + 1 and SECRET in message_text(staff_posts(fake_slack)[-1])
    assert "reached Carpentries staff" in fake_slack.dms_to(TRAINEE)[-1]
    assert await posted_ts(app.services, f"accommodation:{request.id}") and not app.services.health.problems()
    assert (await later(app, clock)).sent == 0
    assert len(staff_posts(fake_slack)) == attempts + 1


async def test_bot_not_in_the_staff_channel_is_undelivered_until_it_is_invited(app, fake_slack, clock):
    await setup(app, fake_slack)
    fake_slack.fail_next(1, "ok_false", error="not_in_channel", method="chat.postMessage")
    await submit(app, TRAINEE, "hall", SECRET)
    dm = (await eventually(lambda: fake_slack.dms_to(TRAINEE)))[-1]
    assert "could not deliver" in dm
    assert "invite the bot to C0STAFF" in app.services.health.staff_channel_problem
    assert (await later(app, clock)).sent == 2
    assert await posted_ts(app.services, "accommodation:1") and [a for a, *_ in await history(app, 1)] == ["submit"]


async def test_unset_staff_channel_says_whom_to_email_and_delivers_once_it_is_set(app, fake_slack, clock):
    await setup(app, fake_slack)
    app.services.settings.staff_channel = None
    answer = await submit(app, TRAINEE, "hall", SECRET)
    assert "not set up" in json.dumps(answer["view"]) and "instructor.training@carpentries.org" in json.dumps(answer)
    assert "could not deliver" in (await eventually(lambda: fake_slack.dms_to(TRAINEE)))[-1]
    assert (await later(app, clock)).sent == 0
    assert [c.args["channel"] for c in fake_slack.calls_to("chat.postMessage")] == [TRAINEE]  # the DM only
    app.services.settings.staff_channel = "C0STAFF"
    assert (await later(app, clock)).sent == 2
    assert len(staff_posts(fake_slack)) == 1


async def test_sweep_deletes_texts_after_the_retention_period(app, fake_slack, clock):
    await setup(app, fake_slack)
    hall, _ = await submitted_and_posted(app, fake_slack)
    await app.services.accommodation.act(hall, STAFF, "ask", "Which sessions?")
    unregistered_open, _ = await submitted_and_posted(app, fake_slack, "none")
    unregistered_done, _ = await submitted_and_posted(app, fake_slack, "none")
    await app.services.accommodation.act(unregistered_done, STAFF, "resolve", "Done.")
    await app.services.outbox.drain()
    updates = len(fake_slack.calls_to("chat.update"))

    clock.now = HALL_ENDS + timedelta(days=29)
    assert (await app.services.accommodation.sweep()).deleted == 1  # only the resolved one without an event
    assert [r.text for r in await requests(app)] == [SECRET, SECRET, None]

    clock.now = HALL_ENDS + timedelta(days=30, minutes=1)
    assert (await app.services.accommodation.sweep()).deleted == 1
    by_id = {r.id: r for r in await requests(app)}
    assert (by_id[hall].text, by_id[hall].contact, by_id[hall].status) == (None, None, "details_requested")
    assert by_id[unregistered_open].text == SECRET  # no event and not resolved: kept
    assert await history(app, hall) == [
        ("submit", "submitted", TRAINEE, None), ("ask", "details_requested", STAFF, None),
        ("delete text (retention)", "details_requested", "system", None)]
    await app.services.outbox.drain()
    changed = [c.args for c in fake_slack.calls_to("chat.update")[updates:]]
    assert len(changed) == 4 and all(SECRET not in json.dumps(c) for c in changed)  # two posts, two receipts
    assert "The text is deleted" in message_text([c for c in changed if c["channel"] == "C0STAFF"][-1])
    assert len([c for c in changed if c["channel"] == "D" + TRAINEE]) == 2
    assert (await app.services.accommodation.sweep()).deleted == 0
    await app.services.outbox.drain()
    assert len(fake_slack.calls_to("chat.update")) == updates + 4


async def test_the_text_is_never_logged(app, fake_slack, clock, caplog, backend):
    caplog.set_level(logging.DEBUG)
    await setup(app, fake_slack)
    await app.slash("/accommodation", "", TRAINEE)
    await eventually(lambda: fake_slack.calls_to("views.open"))
    fake_slack.missing_channels.add("C0STAFF")
    await submit(app, OTHER, "none", SECRET, CONTACT)
    await eventually(lambda: fake_slack.dms_to(OTHER))
    fake_slack.missing_channels.discard("C0STAFF")
    request_id, _ = await submitted_and_posted(app, fake_slack)
    await press(app, STAFF, "accommodation_acknowledge", str(request_id))
    await eventually(lambda: fake_slack.calls_to("chat.update"))
    await press(app, STAFF, "accommodation_ask", str(request_id))
    await eventually(lambda: len(fake_slack.calls_to("views.open")) == 2)
    await app.send(*app.requests.view_submission(
        STAFF, "accommodation_note_submit", {"note": {"value": text_value("Which sessions?")}},
        private_metadata=fake_slack.last_view()["private_metadata"]))
    await eventually(lambda: len(fake_slack.calls_to("chat.update")) == 2)
    await app.slash("/accommodation", "status", TRAINEE)
    assert (await later(app, clock)).sent == 2
    await press(app, TRAINEE, "accommodation_withdraw", str(request_id))
    await eventually(lambda: [r for r in fake_slack.responses if r.get("replace_original")])
    clock.now = HALL_ENDS + timedelta(days=60)
    await app.services.accommodation.sweep()

    messages = [r.getMessage() for r in caplog.records]
    assert any(r.levelno == logging.DEBUG for r in caplog.records)  # DEBUG records were captured
    if backend == "sqlite":
        assert any(r.name == "aiosqlite" for r in caplog.records)
    assert not [m for m in messages if "marker-7f3a" in m or CONTACT in m]
    assert "marker-7f3a" not in caplog.text and CONTACT not in caplog.text


async def test_the_scheduler_sweep_delivers_a_request_the_staff_channel_missed(app, fake_slack, clock):
    fake_slack.add_user("U0REQ", "Rae Quest", "rae@x.org", tz="UTC")
    fake_slack.missing_channels.add("C0STAFF")
    request_id = await app.services.accommodation.submit(Profile("U0REQ", "Rae Quest", "rae@x.org", "UTC"), None,
                                                         "A sign-language interpreter, please", "")
    await app.services.accommodation.confirm(request_id)
    assert not [m for m in fake_slack.delivered if m["channel"] == "C0STAFF"]
    assert "could not deliver" in (await eventually(lambda: fake_slack.dms_to("U0REQ")))[-1]
    fake_slack.missing_channels.clear()
    clock.now += timedelta(minutes=5)
    await app.services.nudges.sweep()
    await app.services.nudges.sweep()
    posted = [m for m in fake_slack.delivered if m["channel"] == "C0STAFF"]
    assert len(posted) == 1 and "interpreter" in str(posted[0].get("blocks") or posted[0].get("text"))


async def test_a_request_from_before_the_outbox_is_put_on_the_board_by_the_sweep(app, fake_slack):
    """A request with no staff post and none on its way (stored by an earlier version) is posted once."""
    await setup(app, fake_slack)
    request_id, _ = await submitted_and_posted(app, fake_slack)
    async with app.services.db.transaction() as s:
        await s.execute(delete(PostedMessage))  # as if it had never been posted
    assert (await app.services.accommodation.sweep()).reposted == 1
    await app.services.outbox.drain()
    assert (await app.services.accommodation.sweep()).reposted == 0
    assert len(staff_posts(fake_slack)) == 2 and SECRET in message_text(staff_posts(fake_slack)[-1])
