"""Checkout through signed Slack requests and the fake Slack, on SQLite and PostgreSQL."""
from __future__ import annotations

import asyncio
import io
import json
from datetime import timedelta

from pypdf import PdfReader
from sqlalchemy import func, select

from bot.checkout.service import NOT_EVALUATOR, NOT_YOUR_TRAINEE
from storage.checkout_models import Certificate, CheckoutExtension, CheckoutStep, GetInvolvedSubmission
from tests.outbox_helpers import posted_ts
from tests.registration_fixtures import eventually, press
from tests.slack_requests import select_value, text_value

# NOW (conftest) is 2026-11-23 15:00 UTC: "oct" and "other" have ended, "future" has not.
CALENDAR = """
staff: [U0STAFF]
organisations:
  - {name: Org, level: gold, seats: 40, code: ORG, membership_start: 2026-01-01, membership_end: 2027-12-31}
events:
  - slug: oct
    title: October training
    format: online
    timezone: America/New_York
    capacity: 20
    trainers: [U0TRAINER]
    sessions:
      - {start: 2026-10-06T13:00, end: 2026-10-06T17:00}
      - {start: 2026-10-07T13:00, end: 2026-10-07T17:00}
  - slug: other
    title: Other training
    format: online
    timezone: Europe/Berlin
    capacity: 20
    trainers: [U0OTHERTR]
    sessions:
      - {start: 2026-10-20T09:00, end: 2026-10-20T17:00}
  - slug: future
    title: January training
    format: online
    timezone: Europe/Berlin
    capacity: 20
    trainers: [U0OTHERTR]
    sessions:
      - {start: 2027-01-12T09:00, end: 2027-01-12T17:00}
"""
ROSTERS = {
    "oct": "name,email,slack_user_id,organisation_code\nAda Lovelace,ada@example.org,U0ADA,ORG\n"
           "Ben Okafor,ben@example.org,U0BEN,ORG\nCleo Ruiz,cleo@example.org,,ORG\n",
    "other": "name,email,slack_user_id,organisation_code\nDan Ito,dan@example.org,U0DAN,ORG\n",
    "future": "name,email,slack_user_id,organisation_code\nEve Moreau,eve@example.org,U0EVE,ORG\n",
}
# Ada attends all of both sessions; Ben misses two hours of the second (a makeup).
ZOOM_CSV = """Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest
Ada Lovelace,ada@example.org,10/06/2026 12:58:00 PM,10/06/2026 05:00:00 PM,242,No
Ada Lovelace,ada@example.org,10/07/2026 12:57:00 PM,10/07/2026 05:00:00 PM,243,No
Ben Okafor,ben@example.org,10/06/2026 12:59:00 PM,10/06/2026 05:00:00 PM,241,No
Ben Okafor,ben@example.org,10/07/2026 03:00:00 PM,10/07/2026 05:00:00 PM,120,No
"""
GITHUB_PR = "https://github.com/swcarpentry/shell-novice/pull/1502"


async def setup(app, fake_slack) -> None:
    services = app.services
    await services.calendar.load_file(CALENDAR.encode(), "cal.yml")
    for slug, roster in ROSTERS.items():
        await services.calendar.load_roster(slug, roster.encode(), f"{slug}.csv")
    await services.attendance.import_files("oct", [("oct.csv", ZOOM_CSV.encode())], None, "cli")
    for user_id, name, email in [("U0ADA", "Ada Lovelace", "ada@example.org"), ("U0BEN", "Ben Okafor", "ben@example.org"),
                                 ("U0CLEO", "Cleo Ruiz", "cleo@example.org"), ("U0DAN", "Dan Ito", "dan@example.org"),
                                 ("U0EVE", "Eve Moreau", "eve@example.org")]:
        fake_slack.add_user(user_id, name, email, tz="Europe/London")
    for user_id in ("U0STAFF", "U0TRAINER", "U0OTHERTR", "U0STRANGER"):
        fake_slack.add_user(user_id, user_id, f"{user_id.lower()}@carpentries.org", tz="UTC")


async def answer(app, text: str, user: str) -> dict:
    status, body = await app.slash("/training", text, user)
    assert status == 200, body
    return json.loads(body) if body else {}


def blocks_text(message: dict) -> str:
    return json.dumps(message.get("blocks") or [], ensure_ascii=False) + (message.get("text") or "")


def action_value(message: dict, action_id: str) -> str:
    blocks = message["blocks"] if isinstance(message["blocks"], list) else json.loads(message["blocks"])
    return next(e["value"] for b in blocks if b["type"] == "actions" for e in b["elements"]
                if e["action_id"] == action_id)


def gi_values(kind: str, day: str, url: str = "", notes: str = "") -> dict:
    return {"kind": {"value": select_value(kind)}, "date": {"value": {"type": "datepicker", "selected_date": day}},
            "url": {"value": text_value(url)}, "notes": {"value": text_value(notes)}}


async def submit_gi(app, user: str, registration_id: int, values: dict) -> dict:
    body, headers = app.requests.view_submission(user, "checkout_get_involved_submit", values,
                                                 private_metadata=json.dumps({"registration": registration_id}))
    status, text = await app.send(body, headers)
    assert status == 200, text
    return json.loads(text) if text else {}


def eval_values(step: str, state: str, notes: str = "") -> dict:
    return {"step": {"value": select_value(step)}, "state": {"value": select_value(state)},
            "notes": {"value": text_value(notes)}}


async def submit_evaluation(app, user: str, registration_id: int, values: dict) -> dict:
    body, headers = app.requests.view_submission(user, "checkout_evaluate_submit", values,
                                                 private_metadata=json.dumps({"registration": registration_id}))
    status, text = await app.send(body, headers)
    assert status == 200, text
    return json.loads(text) if text else {}


async def registration_of(app, user: str) -> int:
    summary = await app.services.checkout.summary_for(user)
    return summary.registration_id


async def steps(app, user: str) -> dict[str, str]:
    summary = await app.services.checkout.summary_for(user)
    return {s.step: s.state for s in summary.steps}


async def count(app, model) -> int:
    async with app.services.db.transaction() as s:
        return await s.scalar(select(func.count()).select_from(model))


async def test_checkout_shows_steps_deadline_and_days_left(app, fake_slack):
    await setup(app, fake_slack)
    ada = await answer(app, "checkout", "U0ADA")
    text = blocks_text(ada)
    assert ada["text"] == "Your checkout: 1 of 4 steps passed"
    assert ":white_check_mark: *Training* — passed" in text  # present in the Zoom reports
    for step in ("Welcome Session", "Get Involved", "Teaching Demo"):
        assert f":white_circle: *{step}* — not evaluated" in text
    assert "*Deadline:* Tue 5 Jan 2027 — 43 days left" in text  # 90 days after 7 Oct, shown in London time
    assert action_value(ada, "checkout_get_involved_open") == str(await registration_of(app, "U0ADA"))

    ben = blocks_text(await answer(app, "checkout", "U0BEN"))
    assert ":white_circle: *Training* — not evaluated" in ben  # a makeup is for a trainer to confirm
    eve = blocks_text(await answer(app, "checkout", "U0EVE"))
    assert "starts once the training has ended" in eve and "Tue 12 Jan 2027" in eve and ":white_circle:" not in eve
    assert "no Instructor Training registration" in blocks_text(await answer(app, "checkout", "U0STRANGER"))
    async with app.services.db.transaction() as s:  # steps exist only for ended events
        assert await s.scalar(select(func.count()).select_from(CheckoutStep)) == 8


async def test_get_involved_modal_shows_each_error_inline_then_reaches_staff(app, fake_slack):
    await setup(app, fake_slack)
    reg = await registration_of(app, "U0ADA")
    await press(app, "U0ADA", "checkout_get_involved_open", str(reg))
    await eventually(lambda: fake_slack.calls_to("views.open"))
    modal = fake_slack.last_view()
    assert modal["callback_id"] == "checkout_get_involved_submit" and modal["submit"]["text"] == "Submit"
    blocks = {b.get("block_id"): b for b in modal["blocks"]}
    assert blocks["date"]["element"]["initial_date"] == "2026-11-23"
    assert [o["value"] for o in blocks["kind"]["element"]["options"]] == ["workshop", "community", "github", "other"]

    future = await submit_gi(app, "U0ADA", reg, gi_values("workshop", "2026-12-01", "https://example.org/ws"))
    assert future["response_action"] == "errors" and "in the future" in future["errors"]["date"]
    no_url = await submit_gi(app, "U0ADA", reg, gi_values("workshop", "2026-11-10"))
    assert list(no_url["errors"]) == ["url"] and "workshop's website" in no_url["errors"]["url"]
    outside = await submit_gi(app, "U0ADA", reg, gi_values("github", "2026-11-10", "https://github.com/ada/notes/pull/1"))
    assert "github.com/carpentries-lab" in outside["errors"]["url"]
    no_notes = await submit_gi(app, "U0ADA", reg, gi_values("community", "2026-11-10"))
    assert "which meeting" in no_notes["errors"]["notes"]
    assert await count(app, GetInvolvedSubmission) == 0

    done = await submit_gi(app, "U0ADA", reg, gi_values("github", "2026-11-10", GITHUB_PR))
    assert done["response_action"] == "update" and "submitted" in json.dumps(done["view"])
    posted = (await eventually(lambda: fake_slack.messages_to("C0STAFF")))[0]
    assert "Ada Lovelace" in posted["text"] and GITHUB_PR in posted["text"]
    assert action_value(posted, "checkout_evaluate_open") == str(reg)
    assert (await eventually(lambda: _staff_ts(app))).startswith("1790000000.")


async def _staff_ts(app) -> str | None:
    async with app.services.db.read() as s:
        submission = await s.scalar(select(GetInvolvedSubmission.id).order_by(GetInvolvedSubmission.id.desc()))
    return await posted_ts(app.services, f"get_involved:{submission}") if submission else None


async def test_edit_until_evaluated_and_resubmit_only_after_asked_to_repeat(app, fake_slack, clock):
    await setup(app, fake_slack)
    reg = await registration_of(app, "U0ADA")
    await submit_gi(app, "U0ADA", reg, gi_values("community", "2026-11-10", notes="Community call"))
    await eventually(lambda: _staff_ts(app))
    clock.now += timedelta(minutes=10)

    await press(app, "U0ADA", "checkout_get_involved_open", str(reg))
    await eventually(lambda: fake_slack.calls_to("views.open"))
    modal = fake_slack.last_view()
    blocks = {b.get("block_id"): b for b in modal["blocks"]}
    assert modal["submit"]["text"] == "Save" and blocks["notes"]["element"]["initial_value"] == "Community call"
    assert blocks["kind"]["element"]["initial_option"]["value"] == "community"
    edited = await submit_gi(app, "U0ADA", reg, gi_values("community", "2026-11-12", notes="Lesson sprint call"))
    assert "updated" in json.dumps(edited["view"])
    update = (await eventually(lambda: fake_slack.calls_to("chat.update")))[0]
    assert "Lesson sprint call" in update.args["text"] and "edited" in update.args["text"]
    assert await count(app, GetInvolvedSubmission) == 1 and len(fake_slack.messages_to("C0STAFF")) == 1

    await submit_evaluation(app, "U0TRAINER", reg, eval_values("get_involved", "asked_to_repeat",
                                                               "Please take part in a meeting yourself"))
    dm = await eventually(lambda: [t for t in fake_slack.dms_to("U0ADA") if "asked to repeat" in t])
    assert "submit it again" in dm[0] and "take part in a meeting yourself" in dm[0]
    await eventually(lambda: len(fake_slack.calls_to("chat.update")) == 2)
    assert "Asked to repeat" in json.dumps(fake_slack.calls_to("chat.update")[-1].args["blocks"])

    again = await submit_gi(app, "U0ADA", reg, gi_values("workshop", "2026-11-20", "https://example.org/2026-11-20-ws"))
    assert again["response_action"] == "update"
    assert await count(app, GetInvolvedSubmission) == 2
    await eventually(lambda: len(fake_slack.messages_to("C0STAFF")) == 2)  # a new post for the new submission
    assert (await steps(app, "U0ADA"))["get_involved"] == "not_evaluated"

    await submit_evaluation(app, "U0STAFF", reg, eval_values("get_involved", "passed"))
    refused = await submit_gi(app, "U0ADA", reg, gi_values("other", "2026-11-21", notes="more"))
    assert "has passed" in refused["errors"]["kind"]
    await press(app, "U0ADA", "checkout_get_involved_open", str(reg))
    response = await eventually(lambda: fake_slack.responses)
    assert "nothing more to submit" in response[-1]["text"]
    assert await count(app, GetInvolvedSubmission) == 2


async def test_failed_get_involved_cannot_be_resubmitted(app, fake_slack):
    await setup(app, fake_slack)
    reg = await registration_of(app, "U0ADA")
    await submit_gi(app, "U0ADA", reg, gi_values("other", "2026-11-10", notes="Read the handbook"))
    await submit_evaluation(app, "U0TRAINER", reg, eval_values("get_involved", "failed", "Reading is not taking part"))
    refused = await submit_gi(app, "U0ADA", reg, gi_values("other", "2026-11-11", notes="again"))
    assert "evaluated as failed" in refused["errors"]["kind"]


async def test_trainers_of_the_event_and_staff_evaluate_others_are_refused(app, fake_slack):
    await setup(app, fake_slack)
    await answer(app, "admin checkout <@U0ADA|ada>", "U0TRAINER")
    await eventually(lambda: fake_slack.calls_to("views.open"))
    modal = fake_slack.last_view()
    assert modal["callback_id"] == "checkout_evaluate_submit" and "Ada Lovelace" in json.dumps(modal)
    reg = json.loads(modal["private_metadata"])["registration"]

    no_notes = await submit_evaluation(app, "U0TRAINER", reg, eval_values("teaching_demo", "failed"))
    assert "Say why it failed" in no_notes["errors"]["notes"]
    ok = await submit_evaluation(app, "U0TRAINER", reg, eval_values("welcome_session", "passed", "Welcome!"))
    assert ok["response_action"] == "update" and "now *passed*" in json.dumps(ok["view"])
    dm = await eventually(lambda: fake_slack.dms_to("U0ADA"))
    assert "*Welcome Session* (October training) is now *passed* (by <@U0TRAINER>)" in dm[0]

    other = await submit_evaluation(app, "U0OTHERTR", reg, eval_values("teaching_demo", "passed"))
    assert other["errors"]["step"] == NOT_EVALUATOR
    stranger = await submit_evaluation(app, "U0STRANGER", reg, eval_values("teaching_demo", "passed"))
    assert stranger["errors"]["step"] == NOT_EVALUATOR
    await answer(app, "admin checkout <@U0ADA|ada>", "U0OTHERTR")
    refusal = await eventually(lambda: fake_slack.responses)
    assert refusal[-1]["text"] == NOT_EVALUATOR
    assert len(fake_slack.calls_to("views.open")) == 1

    await press(app, "U0STRANGER", "checkout_evaluate_open", str(reg))
    await eventually(lambda: len(fake_slack.responses) == 2)
    assert fake_slack.responses[-1]["text"] == NOT_EVALUATOR
    await press(app, "U0STAFF", "checkout_evaluate_open", str(reg))
    await eventually(lambda: len(fake_slack.calls_to("views.open")) == 2)
    staff_modal = fake_slack.last_view()
    step_block = next(b for b in staff_modal["blocks"] if b.get("block_id") == "step")
    assert step_block["element"]["initial_option"]["value"] == "get_involved"
    await submit_evaluation(app, "U0STAFF", reg, eval_values("training", "failed", "Missed the second day"))
    assert await steps(app, "U0ADA") == {"training": "failed", "welcome_session": "passed",
                                         "get_involved": "not_evaluated", "teaching_demo": "not_evaluated"}
    async with app.services.db.transaction() as s:
        row = await s.scalar(select(CheckoutStep).where(CheckoutStep.step == "training",
                                                        CheckoutStep.registration_id == reg))
        assert (row.evaluated_by, row.notes) == ("U0STAFF", "Missed the second day")

    await answer(app, "admin checkout <@U0EVE|eve>", "U0STAFF")
    await eventually(lambda: len(fake_slack.responses) == 3)
    assert "has not ended" in fake_slack.responses[-1]["text"]


async def test_bulk_mark_reports_who_could_not_be_matched(app, fake_slack):
    await setup(app, fake_slack)
    text = ("mark welcome <@U0ADA|ada> cleo@example.org,<mailto:ben@example.org|ben@example.org> "
            "nobody@example.org <@U0EVE|eve> <@U0DAN|dan> whoever")
    result = (await answer(app, "admin " + text, "U0OTHERTR"))["text"]
    assert "*Welcome Session* marked passed for 4: Ada Lovelace, Ben Okafor, Cleo Ruiz, Dan Ito." in result
    assert "nobody@example.org: nobody registered with this email" in result
    assert "<@U0EVE|eve>" not in result and "U0EVE: no finished training" in result
    assert "`whoever`: not an email or an @mention" in result
    await eventually(lambda: fake_slack.dms_to("U0BEN") and fake_slack.dms_to("U0DAN"))
    assert "*Welcome Session* (October training) is now *passed* (by <@U0OTHERTR>)" in fake_slack.dms_to("U0ADA")[0]
    for user in ("U0ADA", "U0BEN", "U0DAN"):
        assert (await steps(app, user))["welcome_session"] == "passed"

    again = (await answer(app, "admin mark demo <@U0ADA|ada>", "U0TRAINER"))["text"]
    assert "marked passed for 1: Ada Lovelace" in again
    repeat = (await answer(app, "admin mark welcome <@U0ADA|ada>", "U0STAFF"))["text"]
    assert "marked passed for 0: nobody" in repeat and "Already passed: Ada Lovelace" in repeat
    refused = (await answer(app, "admin mark welcome <@U0BEN|ben>", "U0STRANGER"))["text"]
    assert "`/training admin` is for trainers and Carpentries staff" in refused
    assert "`welcome`, `demo` or `training`" in (await answer(app, "admin mark homework ada@example.org",
                                                               "U0STAFF"))["text"]


async def test_a_refusal_to_evaluate_names_nobody_and_is_the_same_for_everyone(app, fake_slack):
    """A trainer of another event learns nothing: a registered trainee, someone unknown and forged button values
    1, 2, 3… are refused with the same words, before anything is looked up."""
    await setup(app, fake_slack)
    fake_slack.add_user("U0NOBODY", "No Body", "nobody@example.org", tz="UTC")
    for text in ("admin checkout <@U0ADA|ada>", "admin checkout <@U0NOBODY|nobody>", "admin checkout <@U0BEN|ben>"):
        await answer(app, text, "U0OTHERTR")
    for value in ("1", "2", "3", "99999"):  # the trainees of `oct` (4 and 5 are U0OTHERTR's own), and none
        await press(app, "U0OTHERTR", "checkout_evaluate_open", value)
    await eventually(lambda: len(fake_slack.responses) == 7)
    assert [r["text"] for r in fake_slack.responses] == [NOT_EVALUATOR] * 7
    assert not fake_slack.calls_to("views.open")
    staff = await answer(app, "admin checkout <@U0NOBODY|nobody>", "U0STAFF")  # staff are told what is the matter
    said = staff.get("text") or (await eventually(lambda: len(fake_slack.responses) == 8
                                                  and fake_slack.responses))[-1]["text"]
    assert "has no Instructor Training registration" in said


async def test_only_the_events_own_trainers_and_staff_pass_its_training_step(app, fake_slack):
    """Cleo (of `oct`) attended nothing; U0OTHERTR trains `other` and `future`, not `oct`."""
    await setup(app, fake_slack)
    cleo = await app.services.checkout.summary_for("U0CLEO")
    reg = cleo.registration_id
    refused = (await answer(app, "admin mark training cleo@example.org nobody@example.org", "U0OTHERTR"))["text"]
    assert f"cleo@example.org: {NOT_YOUR_TRAINEE}" in refused and f"nobody@example.org: {NOT_YOUR_TRAINEE}" in refused
    assert "Cleo Ruiz" not in refused and "marked passed for 0" in refused
    other = await submit_evaluation(app, "U0OTHERTR", reg, eval_values("training", "passed", "ok"))
    assert other["errors"]["step"] == NOT_EVALUATOR
    assert (await steps(app, "U0CLEO"))["training"] == "not_evaluated" and not fake_slack.dms_to("U0CLEO")
    # welcome and demo sessions are run by any trainer for anyone: still allowed
    assert "marked passed for 1: Cleo Ruiz" in (await answer(app, "admin mark demo cleo@example.org",
                                                              "U0OTHERTR"))["text"]
    own = (await answer(app, "admin mark training cleo@example.org", "U0TRAINER"))["text"]
    assert "marked passed for 1: Cleo Ruiz" in own
    assert (await steps(app, "U0CLEO"))["training"] == "passed"


async def test_extensions_are_kept_and_capped_one_year_after_the_training(app, fake_slack):
    await setup(app, fake_slack)
    first = (await answer(app, "admin extend <@U0ADA|ada>", "U0STAFF"))["text"]
    assert "deadline is now *Mon 5 Apr 2027* (+3 months)" in first
    dm = await eventually(lambda: fake_slack.dms_to("U0ADA"))
    assert "extended by 3 months" in dm[0] and "Mon 5 Apr 2027" in dm[0] and "<@U0STAFF>" in dm[0]
    view = blocks_text(await answer(app, "checkout", "U0ADA"))
    assert "*Deadline:* Mon 5 Apr 2027 (extended 1×)" in view

    assert "*Tue 5 Oct 2027* (+6 months)" in (await answer(app, "admin extend <@U0ADA|ada> 6", "U0STAFF"))["text"]
    capped = (await answer(app, "admin extend <@U0ADA|ada>", "U0STAFF"))["text"]
    assert "*Thu 7 Oct 2027* (+3 months, the most possible" in capped
    refused = (await answer(app, "admin extend <@U0ADA|ada>", "U0STAFF"))["text"]
    assert "no further extension is possible" in refused
    assert "`/training admin extend` is for Carpentries staff" in (
        await answer(app, "admin extend <@U0BEN|ben>", "U0TRAINER"))["text"]
    assert "Usage" in (await answer(app, "admin extend <@U0BEN|ben> lots", "U0STAFF"))["text"]

    async with app.services.db.transaction() as s:
        rows = list(await s.scalars(select(CheckoutExtension).order_by(CheckoutExtension.id)))
    assert [(r.months, r.granted_by) for r in rows] == [(3, "U0STAFF"), (6, "U0STAFF"), (3, "U0STAFF")]
    deadlines = {d.user_id: d for d in await app.services.checkout.checkout_deadlines()}
    assert deadlines["U0ADA"].deadline.date().isoformat() == "2027-10-07"  # the nudges follow it
    ben = deadlines["U0BEN"]
    assert (ben.deadline.date().isoformat(), ben.complete, ben.event_title, ben.tz) == (
        "2027-01-05", False, "October training", None)
    assert set(deadlines) == {"U0ADA", "U0BEN", "U0DAN"}  # Cleo has no Slack id; Eve's event is to come


async def test_certificate_is_sent_once_when_every_step_has_passed(app, fake_slack, clock):
    await setup(app, fake_slack)
    reg = await registration_of(app, "U0ADA")
    await answer(app, "admin mark welcome ada@example.org", "U0TRAINER")
    await answer(app, "admin mark demo ada@example.org", "U0TRAINER")
    await submit_gi(app, "U0ADA", reg, gi_values("github", "2026-11-10", GITHUB_PR))
    await eventually(lambda: _staff_ts(app))
    assert not fake_slack.uploads

    done = await submit_evaluation(app, "U0TRAINER", reg, eval_values("get_involved", "passed"))
    assert "certificate is on its way" in json.dumps(done["view"])
    await eventually(lambda: fake_slack.calls_to("files.completeUploadExternal"))
    async with app.services.db.transaction() as s:
        cert = await s.scalar(select(Certificate))
    [pdf] = fake_slack.uploads.values()
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Ada Lovelace" in text and cert.code in text and "2026-11-23" in text
    assert "Carpentries Instructor" in text and "Instructor Training and its checkout" in text
    assert {d.user_id: d.complete for d in await app.services.checkout.checkout_deadlines()}["U0ADA"]
    complete = fake_slack.calls_to("files.completeUploadExternal")[0].args
    assert complete["channel_id"] == "DU0ADA" and cert.code in complete["initial_comment"]

    view = blocks_text(await answer(app, "checkout", "U0ADA"))
    assert f"*Certified* on 23 Nov 2026 · verification code `{cert.code}`" in view
    again = await submit_evaluation(app, "U0TRAINER", reg, eval_values("teaching_demo", "failed", "oops"))
    assert "already certified" in again["errors"]["step"]
    assert (await steps(app, "U0ADA"))["teaching_demo"] == "passed"
    found = await app.services.checkout.verify(cert.code.lower().replace("-", ""))
    assert (found.name, found.kind_label, found.issued_on.isoformat()) == ("Ada Lovelace", "Carpentries Instructor",
                                                                           "2026-11-23")
    assert await app.services.checkout.verify("TB-0000-0000") is None
    assert len(fake_slack.uploads) == 1 and await count(app, Certificate) == 1

    await press(app, "U0ADA", "checkout_certificate_send", cert.code)  # asked for explicitly: same code
    await eventually(lambda: len(fake_slack.uploads) == 2)
    assert cert.code in PdfReader(io.BytesIO(list(fake_slack.uploads.values())[1])).pages[0].extract_text()
    assert await count(app, Certificate) == 1


async def test_two_evaluations_completing_at_once_issue_one_certificate(app, fake_slack):
    await setup(app, fake_slack)
    checkout = app.services.checkout
    reg = await registration_of(app, "U0BEN")
    await checkout.mark("U0TRAINER", "training", ["U0BEN"])  # the makeup was done
    await checkout.mark("U0TRAINER", "welcome", ["U0BEN"])
    results = await asyncio.gather(checkout.evaluate("U0TRAINER", reg, "get_involved", "passed", None),
                                   checkout.evaluate("U0STAFF", reg, "teaching_demo", "passed", None))
    assert sum(r.certified for r in results) == 1
    assert await count(app, Certificate) == 1
    await app.services.outbox.drain()
    assert len(fake_slack.uploads) == 1
    assert "Ben Okafor" in PdfReader(io.BytesIO(next(iter(fake_slack.uploads.values())))).pages[0].extract_text()


async def test_a_certificate_without_a_slack_account_is_flagged_to_staff(app, fake_slack):
    await setup(app, fake_slack)
    checkout = app.services.checkout
    for step in ("training", "welcome", "demo"):
        await checkout.mark("U0TRAINER", step, ["cleo@example.org"])
    located = await checkout.mark("U0TRAINER", "welcome", ["cleo@example.org"])
    assert located.already == ["Cleo Ruiz"]
    summary = await checkout.evaluation_form("U0STAFF", "U0CLEO")  # found through her Slack profile's email
    done = await checkout.evaluate("U0STAFF", summary.registration_id, "get_involved", "passed", None)
    assert done.certified
    await app.services.outbox.drain()
    warning = fake_slack.messages_to("C0STAFF")[-1]["text"]
    assert "certificate of Cleo Ruiz" in warning and "no Slack account" in warning
    assert not fake_slack.uploads


async def test_admin_help_lists_checkout_and_registration_commands(app, fake_slack):
    await setup(app, fake_slack)
    text = (await answer(app, "admin help", "U0STAFF"))["text"]
    assert "/training admin roster EVENT" in text and "/training admin extend @user [MONTHS]" in text
    roster = await answer(app, "admin roster oct", "U0STAFF")  # still reaches the registration admin
    assert "Roster of oct" in roster["text"]
