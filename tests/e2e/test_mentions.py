"""Every command that takes a person reads it as Slack sends it: with should_escape true a mention picked from
Slack's list arrives as `<@U…|handle>` (older clients) or `<@U…>`, and an email as `<mailto:…|…>`; with
should_escape false (or typed without picking) a mention is plain `@handle`."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from storage.checkout_models import CheckoutExtension
from storage.mentoring_models import MentoringMark
from storage.models import Event, Registration
from tests.e2e.test_checkout import answer, setup, steps
from tests.e2e.test_mentoring import NY, formed_group
from tests.registration_fixtures import eventually

ESCAPED = ("<@U0ADA|ada>", "<@U0ADA>", "<mailto:ada@example.org|ada@example.org>")
UNESCAPED = ("@ada", "@ADA", "@Ada_L", "U0ADA", "ada@example.org", '"@Ada  Lovelace"')
# @Ada_L is her display name; U0ADA a bare id; the plain email is how should_escape false sends one; her real
# name, with spaces, in quotes.


async def people(app, fake_slack) -> None:
    await setup(app, fake_slack)
    fake_slack.add_user("U0ADA", "Ada Lovelace", "ada@example.org", tz="Europe/London", handle="ada",
                        display_name="Ada_L")
    fake_slack.add_user("U0SAM1", "Sam Jones", "sam1@example.org", handle="sam")
    fake_slack.add_user("W0SAM2", "Sam", "sam2@example.org", handle="samuel.b")  # Enterprise Grid ids start with W
    fake_slack.add_user("U0GHOST", "Ghost", "ghost@example.org", handle="ghost", deleted=True)
    fake_slack.add_user("U0HELPER", "Helper", None, handle="helper", is_bot=True)


async def extensions(app) -> int:
    async with app.services.db.transaction() as s:
        return len(list(await s.scalars(select(CheckoutExtension))))


@pytest.mark.parametrize("ada", ESCAPED + UNESCAPED)
async def test_training_admin_commands_find_a_person_in_every_form_slack_sends(app, fake_slack, ada):
    await people(app, fake_slack)

    await answer(app, f"admin checkout {ada}", "U0TRAINER")
    await eventually(lambda: fake_slack.calls_to("views.open"))
    modal = fake_slack.last_view()
    assert modal["callback_id"] == "checkout_evaluate_submit" and "Ada Lovelace" in str(modal)

    marked = (await answer(app, f"admin mark welcome {ada}", "U0TRAINER"))["text"]
    assert "*Welcome Session* marked passed for 1: Ada Lovelace." in marked
    assert (await steps(app, "U0ADA"))["welcome_session"] == "passed"

    extended = (await answer(app, f"admin extend {ada} 2", "U0STAFF"))["text"]
    assert "(+2 months)" in extended and await extensions(app) == 1

    no_show = (await answer(app, f"admin no-show oct {ada}", "U0STAFF"))["text"]
    assert no_show.startswith("Ada Lovelace is marked as a no-show at `oct`")
    async with app.services.db.transaction() as s:
        assert await s.scalar(select(Registration.status).join(Registration.person)
                              .where(Registration.person.has(slack_user_id="U0ADA"))) == "no_show"


async def test_the_directory_is_read_page_by_page_and_kept_a_few_minutes(app, fake_slack):
    await people(app, fake_slack)
    assert len(fake_slack.users) > fake_slack.users_page  # more than one page
    await answer(app, "admin extend @ada 1", "U0STAFF")
    await answer(app, "admin extend @Ada_L 1", "U0STAFF")
    assert await extensions(app) == 2
    pages = fake_slack.calls_to("users.list")
    assert len(pages) == -(-len(fake_slack.users) // fake_slack.users_page)  # every page, once
    assert not pages[0].args.get("cursor") and all(p.args.get("cursor") for p in pages[1:])


async def test_an_email_is_looked_up_in_slack_for_a_single_person(app, fake_slack):
    await people(app, fake_slack)
    await answer(app, "admin extend <mailto:ada@example.org|ada@example.org>", "U0STAFF")
    assert [c.args["email"] for c in fake_slack.calls_to("users.lookupByEmail")] == ["ada@example.org"]
    unknown = (await answer(app, "admin extend nobody@example.org", "U0STAFF"))["text"]
    assert "No one in this Slack has the email nobody@example.org" in unknown
    assert await extensions(app) == 1


@pytest.mark.parametrize(("typed", "said"), [
    ("@nobody", "I don't know anyone called @nobody"),
    ("@ghost", "I don't know anyone called @ghost"),  # a deleted user
    ("@helper", "I don't know anyone called @helper"),  # a bot
    ("@no&body", "I don't know anyone called @no&amp;body"),
    ("@sam", "More than one person here is called @sam"),  # one's handle, the other's real name
])
async def test_an_unknown_or_ambiguous_name_is_named_and_nothing_changes(app, fake_slack, typed, said):
    await people(app, fake_slack)
    for command, user in ((f"admin extend {typed}", "U0STAFF"), (f"admin no-show oct {typed}", "U0STAFF"),
                          (f"admin mark welcome {typed} ada@example.org", "U0TRAINER"),
                          (f"admin checkout {typed}", "U0TRAINER")):
        text = (await answer(app, command, user))["text"]
        assert said in text and "nothing was changed" in text, command
    assert await extensions(app) == 0
    assert (await steps(app, "U0ADA"))["welcome_session"] == "not_evaluated"
    assert not fake_slack.calls_to("views.open")


async def test_a_w_id_in_a_mention_is_a_person(app, fake_slack):
    await people(app, fake_slack)
    text = (await answer(app, "admin no-show oct <@W0SAM2>", "U0STAFF"))["text"]
    assert "<@W0SAM2> has no active registration for `oct`" in text


@pytest.mark.parametrize("grace", ["<@U0MENTEENY|grace>", "<@U0MENTEENY>", "@grace", "@Grace"])
async def test_mentoring_admin_mark_and_slide_find_a_person_as_slack_sends_them(app, fake_slack, grace):
    await formed_group(app, fake_slack)
    fake_slack.add_user(NY, "Grace Newyork", "grace@example.org", tz="America/New_York", handle="grace")
    _, body = await app.slash("/mentoring", f"admin mark {grace} survey", "U0COORD")
    assert "Grace Newyork now has *survey* recorded" in body
    _, body = await app.slash("/mentoring", f"admin slide {grace}", "U0COORD")
    assert "showcase slide" in body
    async with app.services.db.transaction() as s:
        assert [m.criterion for m in await s.scalars(select(MentoringMark))] == ["survey"]


async def test_mentoring_admin_refuses_an_unknown_name(app, fake_slack):
    await formed_group(app, fake_slack)
    for command in ("admin mark @gracie survey", "admin slide @gracie"):
        _, body = await app.slash("/mentoring", command, "U0COORD")
        assert "I don't know anyone called @gracie" in body
    async with app.services.db.transaction() as s:
        assert list(await s.scalars(select(MentoringMark))) == []


@pytest.mark.parametrize("sent", ["Venue &amp; date &lt;changed&gt;", "Venue & date <changed>"])
async def test_typed_text_is_read_as_typed_in_both_escaping_modes(app, fake_slack, sent):
    """should_escape true sends `&`, `<`, `>` as entities; false sends them as typed. Either way the reason is
    stored as typed and shown escaped once."""
    from tests.registration_fixtures import press, submit_register
    from tests.registration_fixtures import setup as registration_setup

    await registration_setup(app, fake_slack)
    await submit_register(app, "U0P01", "small", "ORG-A")
    _, body = await app.slash("/training", f"admin cancel-event small {sent}", "U0STAFF")
    button = json.loads(body)["blocks"][1]["elements"][0]
    await press(app, "U0STAFF", "cancel_event_confirm", button["value"])
    note = (await eventually(lambda: [d for d in fake_slack.dms_to("U0P01") if "cancelled" in d]))[-1]
    assert "Venue &amp; date &lt;changed&gt;" in note and "&amp;amp;" not in note and "<changed>" not in note
    async with app.services.db.read() as s:
        assert await s.scalar(select(Event.cancel_reason).where(Event.slug == "small")) == "Venue & date <changed>"
