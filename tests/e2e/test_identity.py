"""Who a person is comes from their Slack profile, never from a form: through signed Slack requests and the fake
Slack, on SQLite and PostgreSQL."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.common.errors import InputError
from handlers.accommodation_views import NO_EVENT
from storage.accommodation_models import AccommodationRequest
from storage.models import Event, Person, Registration
from tests.registration_fixtures import eventually, register_values, setup, submit_register
from tests.slack_requests import select_value, text_value

pytestmark = pytest.mark.both_databases

STAFF_EMAIL = "instructor.training@carpentries.org"
ROSTER = b"name,email,slack_user_id,organisation_code\nRosa Roster,rosa@example.org,,ORG-B\n"


async def people(app) -> list[tuple[str | None, str | None, list[str]]]:
    """(Slack id, email, events of live registrations) of everyone, by email."""
    async with app.services.db.transaction() as s:
        rows = (await s.execute(select(Person.id, Person.slack_user_id, Person.email).order_by(Person.email))).all()
        regs = (await s.execute(select(Registration.person_id, Event.slug).join(Event)
                                .where(Registration.status.in_(("active", "waitlisted"))))).all()
    return [(sid, email, sorted(e for p, e in regs if p == pid)) for pid, sid, email in rows]


async def with_rosa(app, fake_slack) -> None:
    await setup(app, fake_slack)
    assert await app.services.calendar.load_roster("big", ROSTER, "big.csv") == 1


async def test_the_register_form_shows_the_slack_profile_escaped_and_asks_no_name_or_email(app, fake_slack):
    await setup(app, fake_slack)
    fake_slack.add_user("U0ODD", "<!channel> Odd", "odd@example.org")
    await app.slash("/training", "register", "U0ODD")
    await eventually(lambda: fake_slack.calls_to("views.open"))
    view = fake_slack.last_view()
    assert "You register as *&lt;!channel&gt; Odd* (odd@example.org)" in json.dumps(view)
    assert "<!channel>" not in json.dumps(view)
    assert not [b for b in view["blocks"] if b.get("block_id") in ("name", "email")]


async def test_an_email_typed_into_the_form_changes_nothing_about_who_registers(app, fake_slack):
    """A crafted submission carrying someone else's email (the form has no such field) registers the submitter as
    their Slack profile says; the roster record with that email stays someone else's."""
    await with_rosa(app, fake_slack)
    fake_slack.add_user("U0IMP", "Ivy Impostor", "ivy@example.org")
    values = {**register_values("small", "ORG-B"), "name": {"value": text_value("Rosa Roster")},
              "email": {"value": {"type": "email_text_input", "value": "rosa@example.org"}}}
    status, text = await app.send(*app.requests.view_submission("U0IMP", "register_submit", values))
    assert status == 200 and json.loads(text)["response_action"] == "update"
    assert await people(app) == [("U0IMP", "ivy@example.org", ["small"]), (None, "rosa@example.org", ["big"])]


async def test_a_roster_record_is_linked_to_the_slack_user_whose_profile_shows_its_email(app, fake_slack):
    await with_rosa(app, fake_slack)
    fake_slack.add_user("U0ROSA", "Rosa R.", "ROSA@Example.org")
    _, body = await app.slash("/training", "status", "U0ROSA")
    assert "1 registrations" in body and "Big online event" in body
    assert await people(app) == [("U0ROSA", "rosa@example.org", ["big"])]
    answer = await submit_register(app, "U0ROSA", "small", "ORG-B")  # the roster's seat is hers
    assert "You already hold a place at Big online event" in answer["errors"]["event"]


async def test_a_record_linked_to_another_slack_user_is_never_taken_over(app, fake_slack):
    await with_rosa(app, fake_slack)
    fake_slack.add_user("U0ROSA", "Rosa Roster", "rosa@example.org")
    await app.slash("/training", "status", "U0ROSA")  # links her record
    before = await people(app)
    fake_slack.add_user("U0TWIN", "Not Rosa", "Rosa@example.org")  # a second account showing her email
    answer = await submit_register(app, "U0TWIN", "small", "ORG-B")
    assert "is on someone else's record here" in answer["errors"]["event"]
    assert STAFF_EMAIL in answer["errors"]["event"]
    _, body = await app.slash("/training", "status", "U0TWIN")
    assert "0 registrations" in body
    answer = await submit_accommodation(app, "U0TWIN")
    assert STAFF_EMAIL in json.dumps(answer["errors"])
    assert await people(app) == before
    async with app.services.db.transaction() as s:
        assert list(await s.scalars(select(AccommodationRequest))) == []


async def test_a_second_record_for_the_same_email_is_refused(app, fake_slack):
    """Someone already known by their Slack id whose profile now shows a roster record's email: two records would
    be one person, so staff merge them; nothing changes meanwhile."""
    await with_rosa(app, fake_slack)
    await submit_register(app, "U0P01", "small", "ORG-B")
    before = await people(app)
    fake_slack.add_user("U0P01", "Person 01", "rosa@example.org")
    app.services.slack._profiles.clear()  # the profile changed in Slack; the cache would be minutes behind
    answer = await submit_register(app, "U0P01", "big", "ORG-B")
    assert "is on someone else's record" in answer["errors"]["event"]
    assert await people(app) == before


@pytest.mark.parametrize("failure", ["no email on the profile", "users.info failed"])
async def test_a_slack_user_without_a_known_email_is_told_whom_to_contact_and_nothing_is_stored(
        app, fake_slack, failure):
    await setup(app, fake_slack)
    if failure == "users.info failed":
        fake_slack.fail_next(2, "ok_false", error="user_not_found", method="users.info")
    else:
        fake_slack.add_user("U0P01", "Person 01", None)
    await app.slash("/training", "register ORG-B", "U0P01")
    [answer] = await eventually(lambda: fake_slack.responses)
    assert "Your Slack profile shows no email address" in answer["text"] and STAFF_EMAIL in answer["text"]
    assert not fake_slack.calls_to("views.open")
    answer = await submit_register(app, "U0P01", "small", "ORG-B")
    assert STAFF_EMAIL in answer["errors"]["event"]
    assert await people(app) == []


async def test_a_roster_row_cannot_give_a_linked_email_to_another_slack_user(app, fake_slack):
    await with_rosa(app, fake_slack)
    fake_slack.add_user("U0ROSA", "Rosa Roster", "rosa@example.org")
    await app.slash("/training", "status", "U0ROSA")
    row = b"name,email,slack_user_id,organisation_code\nRosa,rosa@example.org,U0OTHER,ORG-B\n"
    with pytest.raises(InputError, match="rosa@example.org belongs to Slack user U0ROSA, not U0OTHER"):
        await app.services.calendar.load_roster("small", row, "small.csv")


async def test_the_database_keeps_one_person_per_email_whatever_its_case(app, fake_slack):
    await with_rosa(app, fake_slack)
    with pytest.raises(IntegrityError):
        async with app.services.db.transaction() as s:
            s.add(Person(name="Copy", email="ROSA@example.org", flagged=False))


async def submit_accommodation(app, user: str) -> dict:
    values = {"event": {"value": select_value(NO_EVENT)}, "text": {"value": text_value("Captions, please")},
              "contact": {"value": text_value("")}}
    status, body = await app.send(*app.requests.view_submission(user, "accommodation_submit", values))
    assert status == 200, body
    return json.loads(body)
