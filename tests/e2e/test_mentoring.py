"""Mentoring groups through signed Slack requests and the fake Slack, on SQLite and PostgreSQL.

NOW is Monday 2026-11-23 15:00 UTC: Berlin is UTC+1, New York UTC-5, London UTC+0 that week.
"""
from __future__ import annotations

import io
import json
from datetime import date, datetime, timezone

from pypdf import PdfReader
from sqlalchemy import func, select

from bot.common.people import Profile
from bot.mentoring.rules import channel_name
from storage.mentoring_models import (
    MentoringCertificate,
    MentoringGroup,
    MentoringMark,
    MentoringMeeting,
    MentoringMember,
    MentoringSignup,
)
from tests.registration_fixtures import eventually, press
from tests.slack_requests import checkbox_values, select_value, text_value

CALENDAR = """
staff: [U0STAFF]
coordinators: [U0COORD]
organisations:
  - {name: Org A, level: gold, seats: 10, code: ORG-A, membership_start: 2026-01-01, membership_end: 2026-12-31}
events:
  - slug: winter
    title: Winter online event
    format: online
    timezone: Europe/Berlin
    capacity: 20
    trainers: [U0TRAINER]
    sessions:
      - {start: 2027-01-12T09:00, end: 2027-01-12T17:00}
"""
MENTOR, NY, LONDON, OTHER = "U0MENTOR", "U0MENTEENY", "U0MENTEELON", "U0OTHER"
PEOPLE = {MENTOR: ("Ada Mentor", "Europe/Berlin"), NY: ("Grace Newyork", "America/New_York"),
          LONDON: ("Alan London", "Europe/London"), OTHER: ("Otto Other", "Europe/Berlin"),
          "U0COORD": ("Kari Coordinator", "UTC"), "U0STAFF": ("Sam Staff", "UTC")}
FIRST_MEETING, SECOND_MEETING = "2026-11-30", "2026-12-07"


def multi(*values: str) -> dict:
    return {"type": "multi_static_select", "selected_options": [{"value": v} for v in values]}


def radio(value: str) -> dict:
    return {"type": "radio_buttons", "selected_option": {"value": value}}


def signup_values(role: str = "mentee", status: str = "certified", topics=("Python",), sub: str = "tw-confidence",
                  workshops: str = "0", tz: str = "Europe/Berlin", hours: dict | None = None, goals: str = "",
                  agreement: bool = False, coc: bool = True, place: str = "") -> dict:
    hours = {0: [16, 17]} if hours is None else hours
    values = {"role": {"value": radio(role)}, "status": {"value": radio(status)},
              "topics": {"value": multi(*topics)}, "type": {"value": select_value(sub)},
              "workshops": {"value": {"type": "number_input", "value": workshops}},
              "timezone": {"value": text_value(tz)}, "goals": {"value": text_value(goals)},
              "place": {"value": text_value(place)},
              "in_person": {"value": checkbox_values(*(["yes"] if place else []))},
              "agreement": {"value": checkbox_values(*(["accepted"] if agreement else []))},
              "coc": {"value": checkbox_values(*(["accepted"] if coc else []))}}
    for day in range(7):
        values[f"avail_{day}"] = {"value": multi(*map(str, hours.get(day, [])))}
    return values


async def submit(app, user: str, callback: str, values: dict, private_metadata: str = "") -> dict:
    status, text = await app.send(*app.requests.view_submission(user, callback, values,
                                                               private_metadata=private_metadata))
    assert status == 200, text
    return json.loads(text) if text else {}


async def sign_up(app, user: str, **kw) -> dict:
    return await submit(app, user, "mentoring_signup_submit", signup_values(**kw))


async def setup(app, fake_slack) -> None:
    await app.services.calendar.load_file(CALENDAR.encode(), "cal.yml")
    for user_id, (name, tz) in PEOPLE.items():
        fake_slack.add_user(user_id, name, f"{user_id.lower()}@example.org", tz=tz)


async def sign_up_group(app, fake_slack) -> None:
    """A mentor in Berlin (Mon 16-18 local), mentees in New York (Mon 10-12) and London (Mon 15-16)."""
    await setup(app, fake_slack)
    await app.services.registration.register(Profile(NY, PEOPLE[NY][0], "ny@example.org", PEOPLE[NY][1]),
                                             "winter", "ORG-A", True)
    answers = [await sign_up(app, MENTOR, role="mentor", workshops="3", agreement=True, goals="Share what works"),
               await sign_up(app, NY, status="training", tz="America/New_York", hours={0: [10, 11]},
                             goals="Teach my first Python lesson", place="Brooklyn"),
               await sign_up(app, LONDON, workshops="1", tz="Europe/London", hours={0: [15]},
                             topics=("general",), goals="Gain confidence")]
    assert all(a["response_action"] == "update" for a in answers), answers


async def proposals(app, user: str = "U0COORD") -> dict:
    status, body = await app.slash("/mentoring", "admin proposals", user)
    assert status == 200
    return json.loads(body)


async def approve_first(app, fake_slack, user: str = "U0COORD") -> str:
    """Press Approve on the first proposal; the coordinator's answer (through response_url)."""
    answer = await proposals(app)
    value = next(e["value"] for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"])
    before = len(fake_slack.responses)
    await press(app, user, "mentoring_approve", value)
    await eventually(lambda: len(fake_slack.responses) > before)
    return fake_slack.responses[-1]["text"]


async def count(app, model) -> int:
    async with app.services.db.transaction() as s:
        return await s.scalar(select(func.count()).select_from(model))


async def signup_statuses(app) -> list[str]:
    async with app.services.db.transaction() as s:
        return sorted(await s.scalars(select(MentoringSignup.status)))


def uploads_to(fake_slack, user: str) -> list[bytes]:
    """The PDFs uploaded to a user's DM (not the calendar files of their registration)."""
    return [fake_slack.uploads[f["id"]] for c in fake_slack.calls_to("files.completeUploadExternal")
            if c.args.get("channel_id") == "D" + user
            for f in (json.loads(c.args["files"]) if isinstance(c.args["files"], str) else c.args["files"])
            if f.get("title", "").endswith(".pdf")]


# ---- sign-up --------------------------------------------------------------------------------------
async def test_signup_opens_a_modal_with_weekly_hours_in_my_zone_and_the_mentor_agreement(app, fake_slack):
    await setup(app, fake_slack)
    status, _ = await app.slash("/mentoring", "signup", MENTOR)
    assert status == 200
    await eventually(lambda: fake_slack.calls_to("views.open"))
    view = fake_slack.last_view()
    assert view["callback_id"] == "mentoring_signup_submit" and len(view["blocks"]) <= 100
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["timezone"]["element"]["initial_value"] == "Europe/Berlin"  # from the Slack profile
    days = [blocks[f"avail_{d}"] for d in range(7)]
    assert [d["label"]["text"] for d in days][:2] == ["Monday", "Tuesday"]
    assert all(d["element"]["type"] == "multi_static_select" and len(d["element"]["options"]) == 24 for d in days)
    assert [o["value"] for o in blocks["topics"]["element"]["options"]] == ["Git", "Shell", "Python", "R", "SQL",
                                                                             "general"]
    groups = blocks["type"]["element"]["option_groups"]
    assert [g["label"]["text"] for g in groups] == ["Lesson Maintenance", "Teaching Workshops",
                                                    "Organizing Workshops", "Community Building"]
    assert all(len(g["options"]) == 2 for g in groups)
    text = json.dumps(view)
    assert "question my expert blind spot" in text and "Code of Conduct" in text


async def test_submission_is_stored_with_utc_slots_and_signing_up_again_updates(app, fake_slack):
    await setup(app, fake_slack)
    answer = await sign_up(app, MENTOR, role="mentor", workshops="3", agreement=True, hours={0: [16, 17], 6: [23]},
                           goals="Grow new instructors", place="Berlin")
    assert answer["response_action"] == "update" and "signed up as a *mentor*" in json.dumps(answer["view"])
    async with app.services.db.transaction() as s:
        row = await s.scalar(select(MentoringSignup))
    assert (row.role, row.topics, row.mtype, row.workshops_taught) == ("mentor", ["Python"], "Teaching Workshops", 3)
    assert row.suboption == "Developing confidence and skill in teaching" and row.timezone == "Europe/Berlin"
    assert row.availability == {"0": [16, 17], "6": [23]}
    assert row.slots == [15, 16, 6 * 24 + 22]  # Berlin is UTC+1 in November
    assert (row.in_person, row.place, row.agreement_accepted, row.coc_accepted, row.status) == (
        True, "Berlin", True, True, "open")

    await sign_up(app, MENTOR, role="mentor", workshops="4", agreement=True, topics=("R", "SQL"), sub="lm-maintenance")
    async with app.services.db.transaction() as s:
        rows = list(await s.scalars(select(MentoringSignup)))
    assert len(rows) == 1 and (rows[0].topics, rows[0].mtype, rows[0].workshops_taught) == (
        ["R", "SQL"], "Lesson Maintenance", 4)

    await app.slash("/mentoring", "signup", MENTOR)  # the modal is prefilled with the sign-up
    await eventually(lambda: len(fake_slack.calls_to("views.open")) == 1)
    blocks = {b.get("block_id"): b for b in fake_slack.last_view()["blocks"]}
    assert [o["value"] for o in blocks["topics"]["element"]["initial_options"]] == ["R", "SQL"]
    assert blocks["type"]["element"]["initial_option"]["value"] == "lm-maintenance"
    assert [o["value"] for o in blocks["avail_0"]["element"]["initial_options"]] == ["16", "17"]


async def test_eligibility_refusals_are_kind_inline_and_store_nothing(app, fake_slack):
    await setup(app, fake_slack)
    untrained = (await sign_up(app, OTHER, status="training"))["errors"]["status"]
    assert "completed Instructor Training or are taking it now" in untrained
    experienced = (await sign_up(app, OTHER, workshops="2"))["errors"]["workshops"]
    assert "fewer than two workshops" in experienced and "sign up as a mentor" in experienced
    uncertified = (await sign_up(app, OTHER, role="mentor", status="training", workshops="5",
                                 agreement=True))["errors"]["status"]
    assert "Mentors are certified" in uncertified
    new_mentor = (await sign_up(app, OTHER, role="mentor", workshops="1", agreement=True))["errors"]["workshops"]
    assert "at least 2 workshops" in new_mentor and "taught 1" in new_mentor
    assert "mentor agreement" in (await sign_up(app, OTHER, role="mentor", workshops="2"))["errors"]["agreement"]
    assert "Code of Conduct" in (await sign_up(app, OTHER, coc=False))["errors"]["coc"]
    assert "at least one hour" in (await sign_up(app, OTHER, hours={}))["errors"]["avail_0"]
    assert "not a time zone" in (await sign_up(app, OTHER, tz="Mars/Olympus"))["errors"]["timezone"]
    assert "as a number" in (await sign_up(app, OTHER, workshops="two"))["errors"]["workshops"]
    assert await count(app, MentoringSignup) == 0
    # An active Instructor Training registration makes a not-yet-certified person eligible as a mentee.
    await app.services.registration.register(Profile(OTHER, "Otto Other", "o@example.org", None), "winter",
                                             "ORG-A", True)
    assert (await sign_up(app, OTHER, status="training"))["response_action"] == "update"
    assert await count(app, MentoringSignup) == 1


# ---- proposals and approval -----------------------------------------------------------------------
async def test_coordinator_sees_proposals_with_reasons_hours_per_zone_and_the_unmatched(app, fake_slack):
    await sign_up_group(app, fake_slack)
    await sign_up(app, OTHER, topics=("R",), sub="lm-development")
    answer = await proposals(app)
    text = json.dumps(answer, ensure_ascii=False)
    assert "Ada Mentor" in text and "Grace Newyork" in text and "Alan London" in text
    assert "topic Python and type Teaching Workshops shared by everyone" in text
    assert "Grace Newyork (America/New_York): Mon 10:00" in text
    assert "Ada Mentor (Europe/Berlin): Mon 16:00" in text and "Alan London (Europe/London): Mon 15:00" in text
    assert "Could meet in person: Grace Newyork (Brooklyn)" in text
    assert "Otto Other" in text and "no mentor offers R / Lesson Maintenance" in text
    assert sum(b["type"] == "actions" for b in answer["blocks"]) == 1

    status, body = await app.slash("/mentoring", "admin proposals", OTHER)
    assert "is for mentoring coordinators and Carpentries staff" in body and "Ada Mentor" not in body


async def test_approve_creates_a_private_channel_invites_everyone_and_posts_the_introduction(app, fake_slack):
    await sign_up_group(app, fake_slack)
    answer = await approve_first(app, fake_slack)
    assert answer.startswith(":white_check_mark: Created the private channel")
    [channel] = fake_slack.channels.values()
    assert channel["is_private"] and channel["members"] == {MENTOR, NY, LONDON}
    assert channel["name"] == "mentoring-2026-11-python-teaching-ada"
    intro = (await eventually(lambda: fake_slack.messages_to(channel["id"])))[0]["text"]
    assert f"Mentor: <@{MENTOR}>" in intro and f"<@{NY}>" in intro and f"<@{LONDON}>" in intro
    assert "Teach my first Python lesson" in intro and "Decide on a meeting schedule" in intro
    assert f"<@{NY}> (America/New_York): Mon 10:00" in intro and f"<@{MENTOR}> (Europe/Berlin): Mon 16:00" in intro
    assert "Start: Mon 23 Nov 2026" in intro and "Mid-way touch base and survey: Mon 28 Dec 2026" in intro
    assert "showcase (each group presents one slide): Mon 25 Jan 2027" in intro
    assert "End and post-programme survey: Mon 1 Feb 2027" in intro
    async with app.services.db.transaction() as s:
        group = await s.scalar(select(MentoringGroup))
        members = list(await s.scalars(select(MentoringMember.role).where(MentoringMember.group_id == group.id)))
    assert (group.channel_id, group.name, group.cohort, group.slots) == (
        channel["id"], channel["name"], "2026-11", [15])
    assert (group.midway, group.showcase, group.end) == (date(2026, 12, 28), date(2027, 1, 25), date(2027, 2, 1))
    assert sorted(members) == ["mentee", "mentee", "mentor"]
    assert await signup_statuses(app) == ["grouped"] * 3
    assert "No group can be formed" in json.dumps(await proposals(app))  # nobody is proposed twice
    updated = await sign_up(app, NY, status="training", tz="America/New_York", hours={0: [10]}, goals="More")
    assert "You are in a running group" in json.dumps(updated) and await signup_statuses(app) == ["grouped"] * 3


async def test_a_taken_channel_name_gets_a_suffix(app, fake_slack):
    await sign_up_group(app, fake_slack)
    taken = channel_name("Python", "Teaching Workshops", "Ada Mentor", date(2026, 11, 23))
    fake_slack.channels["C0OLD"] = {"id": "C0OLD", "name": taken, "is_private": False, "members": set()}
    await approve_first(app, fake_slack)
    names = [c.args["name"] for c in fake_slack.calls_to("conversations.create")]
    assert names == [taken, f"{taken}-2"]
    async with app.services.db.transaction() as s:
        assert await s.scalar(select(MentoringGroup.name)) == f"{taken}-2"


async def test_slack_refusals_leave_nothing_half_made(app, fake_slack):
    await sign_up_group(app, fake_slack)
    fake_slack.fail_next(1, "ok_false", error="missing_scope", method="conversations.create")
    answer = await approve_first(app, fake_slack)
    assert "missing_scope" in answer and "groups:write" in answer and "Nothing was created or saved" in answer
    fake_slack.fail_next(3, "429", retry_after=0, method="conversations.create")  # more than the client retries
    assert "ratelimited" in await approve_first(app, fake_slack)
    assert not fake_slack.channels
    fake_slack.fail_next(1, "ok_false", error="user_not_found", method="conversations.invite")
    answer = await approve_first(app, fake_slack)
    assert "refused to invite the members" in answer and "was not saved" in answer and "archive" in answer
    assert await count(app, MentoringGroup) == 0 and await count(app, MentoringMember) == 0
    assert await signup_statuses(app) == ["open"] * 3


async def test_a_failed_save_after_the_channel_was_made_is_reported(app, fake_slack, monkeypatch):
    await sign_up_group(app, fake_slack)

    async def broken_save(*args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(app.services.mentoring.forming, "_save", broken_save)
    answer = await approve_first(app, fake_slack)
    [channel] = fake_slack.channels.values()
    assert f"The private channel #{channel['name']} was created and everyone invited" in answer
    assert "could not be saved" in answer and f"Please archive the empty channel #{channel['name']}" in answer
    assert fake_slack.calls_to("conversations.archive")  # tried first (the fake does not know it)
    assert await count(app, MentoringGroup) == 0 and await signup_statuses(app) == ["open"] * 3


async def test_only_coordinators_can_approve(app, fake_slack):
    await sign_up_group(app, fake_slack)
    answer = await approve_first(app, fake_slack, user=OTHER)
    assert "Only mentoring coordinators and Carpentries staff can form mentoring groups" in answer
    assert not fake_slack.calls_to("conversations.create") and await count(app, MentoringGroup) == 0
    assert "Created the private channel" in await approve_first(app, fake_slack, user="U0STAFF")  # staff may


# ---- during the group -----------------------------------------------------------------------------
async def formed_group(app, fake_slack) -> str:
    await sign_up_group(app, fake_slack)
    await approve_first(app, fake_slack)
    return next(iter(fake_slack.channels))


async def log_meeting(app, fake_slack, channel: str, day: str, attendees: list[str], user: str = MENTOR) -> dict:
    before = len(fake_slack.calls_to("views.open"))
    await app.slash("/mentoring", "meeting", user, channel=channel)
    await eventually(lambda: len(fake_slack.calls_to("views.open")) > before)
    view = fake_slack.last_view()
    values = {"date": {"value": {"type": "datepicker", "selected_date": day}},
              "attendees": {"value": {"type": "multi_users_select", "selected_users": attendees}}}
    return await submit(app, user, view["callback_id"], values, view["private_metadata"])


async def test_the_mentor_logs_meetings_with_attendees_from_the_group(app, fake_slack, clock):
    channel = await formed_group(app, fake_slack)
    clock.now = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
    await app.slash("/mentoring", "meeting", MENTOR, channel=channel)
    await eventually(lambda: fake_slack.calls_to("views.open"))
    modal = fake_slack.last_view()
    blocks = {b.get("block_id"): b for b in modal["blocks"]}
    assert modal["callback_id"] == "mentoring_meeting_submit"
    assert blocks["attendees"]["element"]["type"] == "multi_users_select"
    assert blocks["attendees"]["element"]["initial_users"] == [NY, LONDON]
    assert blocks["date"]["element"]["initial_date"] == "2026-12-01"

    stranger = await log_meeting(app, fake_slack, channel, FIRST_MEETING, [NY, OTHER])
    assert f"<@{OTHER}> is not in this group" in stranger["errors"]["attendees"]
    future = await log_meeting(app, fake_slack, channel, "2026-12-09", [NY])
    assert "still to come" in future["errors"]["date"]
    done = await log_meeting(app, fake_slack, channel, FIRST_MEETING, [NY, LONDON])
    assert "Mon 30 Nov 2026 is logged with 2 attendees" in json.dumps(done)
    again = await log_meeting(app, fake_slack, channel, FIRST_MEETING, [NY])
    assert "is updated with 1 attendees" in json.dumps(again)
    async with app.services.db.transaction() as s:
        meetings = list(await s.scalars(select(MentoringMeeting)))
    assert [(m.held_on, m.logged_by) for m in meetings] == [(date(2026, 11, 30), MENTOR)]

    await app.slash("/mentoring", "meeting", NY, channel=channel)
    await eventually(lambda: fake_slack.responses and "Only the group's mentor" in fake_slack.responses[-1]["text"])
    await app.slash("/mentoring", "meeting", MENTOR, channel="C0GENERAL")
    await eventually(lambda: "group's private channel" in fake_slack.responses[-1]["text"])


async def test_criteria_status_report_and_the_certificate_by_dm(app, fake_slack, clock):
    channel = await formed_group(app, fake_slack)
    clock.now = datetime(2026, 12, 8, 12, 0, tzinfo=timezone.utc)
    for day in (FIRST_MEETING, SECOND_MEETING):
        await log_meeting(app, fake_slack, channel, day, [NY, LONDON])

    _, body = await app.slash("/mentoring", "status", NY)
    assert "Attend at least 2 mentoring meetings (2 so far)" in body
    assert "Still missing: Attend the virtual showcase; Complete the post-programme survey." in body
    assert f"<#{channel}>" in body and "mid-way Mon 28 Dec 2026" in body

    _, body = await app.slash("/mentoring", "admin mark <@U0MENTEENY|grace> onboarding", "U0COORD")
    assert "`onboarding` is not a criterion for mentees" in body
    _, body = await app.slash("/mentoring", f"admin mark <@{NY}> showcase", OTHER)
    assert "is for mentoring coordinators and Carpentries staff" in body
    for criterion in ("showcase", "survey"):
        _, body = await app.slash("/mentoring", f"admin mark <@{NY}> {criterion}", "U0COORD")
        assert f"now has *{criterion}* recorded" in body
    _, body = await app.slash("/mentoring", f"admin mark <@{NY}> survey", "U0COORD")
    assert "already had *survey*" in body

    [pdf] = await eventually(lambda: uploads_to(fake_slack, NY))
    async with app.services.db.transaction() as s:
        cert = await s.scalar(select(MentoringCertificate))
        marks = await s.scalar(select(func.count()).select_from(MentoringMark))
    assert (cert.role, marks) == ("mentee", 2)
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Grace Newyork" in text and cert.code in text and "Mentee" in text
    assert await app.services.mentoring.issue_certificates() == []  # idempotent
    verified = await app.services.mentoring.verify(cert.code.lower())
    assert (verified.name, verified.kind) == ("Grace Newyork", "mentee") and "mentoring group" in verified.what
    assert await app.services.mentoring.verify("TB-NOPE-NOPE") is None
    assert len(uploads_to(fake_slack, NY)) == 1 and not uploads_to(fake_slack, LONDON)

    _, body = await app.slash("/mentoring", "status", NY)
    assert f"Certificate issued (verification code `{cert.code}`)" in body
    _, body = await app.slash("/mentoring", "admin report", "U0COORD")
    assert "2026-11: 1 of 3 complete (33%)" in body and "2 meetings logged" in body
    assert "Grace Newyork (mentee): complete" in body and "Alan London (mentee): missing showcase, survey" in body
    assert "Ada Mentor (mentor): missing onboarding, showcase, check-in, survey" in body

    for criterion in ("onboarding", "check-in", "showcase", "survey"):
        await app.slash("/mentoring", f"admin mark <@{MENTOR}> {criterion}", "U0COORD")
    [mentor_pdf] = await eventually(lambda: uploads_to(fake_slack, MENTOR))
    assert "Ada Mentor" in PdfReader(io.BytesIO(mentor_pdf)).pages[0].extract_text()


async def test_dates_for_the_scheduler_and_the_group_for_the_app_home(app, fake_slack):
    channel = await formed_group(app, fake_slack)
    mentoring = app.services.mentoring
    assert await mentoring.dates_due(date(2026, 12, 1), date(2026, 12, 27)) == []
    [due] = await mentoring.dates_due(date(2026, 12, 28), date(2027, 1, 25))
    assert due.group.channel_id == channel and due.due == (("midway", date(2026, 12, 28)),
                                                           ("showcase", date(2027, 1, 25)))
    assert due.slide_missing and set(due.survey_missing) == {MENTOR, NY, LONDON}
    _, body = await app.slash("/mentoring", f"admin slide <@{LONDON}>", "U0COORD")
    assert "showcase slide" in body
    await app.slash("/mentoring", f"admin mark <@{LONDON}> survey", "U0COORD")
    [due] = await mentoring.dates_due(date(2027, 2, 1), date(2027, 2, 1))
    assert due.due == (("end", date(2027, 2, 1)),) and not due.slide_missing
    assert set(due.survey_missing) == {MENTOR, NY}

    group = await mentoring.group_for(NY)
    assert (group.channel_id, group.mentor.user_id, group.phase) == (channel, MENTOR, "first half")
    assert [m.user_id for m in group.members] == [MENTOR, NY, LONDON]
    assert await mentoring.group_for(OTHER) is None
    _, body = await app.slash("/mentoring", "status", OTHER)
    assert "You have not signed up for mentoring yet" in body
