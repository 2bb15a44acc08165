"""How to join: the registration DM, its .ics, the day-before reminder and App Home give the join link when the
calendar file has it; otherwise the meeting ID and where the link will come, and a reload that adds the link
sends it by DM (once), to people registered through a roster too."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from bot.registration.texts import LINK_LATER
from tests.calendar_file_helpers import calendars_to
from tests.e2e.test_home import _open_home
from tests.registration_fixtures import CALENDAR, eventually, setup, submit_register

UTC = timezone.utc
LINK = "https://zoom.us/j/222?pwd=x&y=1"  # & is escaped in mrkdwn
NEW_LINK = "https://zoom.us/j/333"
WITH_ID = CALENDAR.replace("    capacity: 40\n", "    capacity: 40\n    zoom_meeting_id: '81234567890'\n")
WITH_LINK = WITH_ID.replace("    capacity: 40\n", f"    capacity: 40\n    zoom_join_url: {LINK}\n")
ROSTER = "name,email,slack_user_id\nRoster Person,roster@example.org,U0P09\n"


async def day_before_reminder(app, user: str) -> str:
    """The day-before reminder of "big" (starts 3 Feb 2027) as the scheduler would write it."""
    candidates = await app.services.nudges.derive(datetime(2027, 1, 25, tzinfo=UTC), datetime(2027, 2, 3, tzinfo=UTC))
    [reminder] = [c for c in candidates if c.kind == "day_before" and c.recipient == user]
    return reminder.render(ZoneInfo("Europe/London"), datetime(2027, 2, 2, 9, tzinfo=UTC))


async def home_text(app, fake_slack, user: str) -> str:
    return json.dumps(await _open_home(app, fake_slack, user), ensure_ascii=False)


async def test_a_known_link_is_in_the_dm_the_ics_the_reminder_and_app_home(app, fake_slack):
    await setup(app, fake_slack)
    await app.services.calendar.load_file(WITH_LINK.encode(), "cal.yml")
    await submit_register(app, "U0P01", "big", "ORG-B")
    [dm] = await eventually(lambda: fake_slack.dms_to("U0P01"))
    assert "join at https://zoom.us/j/222?pwd=x&amp;y=1" in dm and LINK_LATER not in dm
    [sent] = await eventually(lambda: calendars_to(fake_slack, "U0P01"))
    [vevent] = sent.calendar.events
    assert (str(vevent["LOCATION"]), str(vevent["URL"])) == (LINK, LINK) and LINK in str(vevent["DESCRIPTION"])
    reminder = await day_before_reminder(app, "U0P01")
    assert "join at https://zoom.us/j/222?pwd=x&amp;y=1" in reminder and LINK_LATER not in reminder
    home = await home_text(app, fake_slack, "U0P01")
    assert "Online on Zoom: join at https://zoom.us/j/222?pwd=x&amp;y=1" in home and LINK_LATER not in home


async def test_without_a_link_they_give_the_meeting_id_and_say_the_link_comes_by_dm(app, fake_slack):
    await setup(app, fake_slack)
    await app.services.calendar.load_file(WITH_ID.encode(), "cal.yml")
    await submit_register(app, "U0P01", "big", "ORG-B")
    [dm] = await eventually(lambda: fake_slack.dms_to("U0P01"))
    assert f"Zoom meeting ID 81234567890; {LINK_LATER}" in dm and "zoom.us" not in dm
    [sent] = await eventually(lambda: calendars_to(fake_slack, "U0P01"))
    [vevent] = sent.calendar.events
    assert str(vevent["LOCATION"]) == "Zoom (meeting ID 81234567890)" and "URL" not in vevent
    assert LINK_LATER in str(vevent["DESCRIPTION"])
    reminder = await day_before_reminder(app, "U0P01")
    assert f"Zoom meeting ID 81234567890; {LINK_LATER}" in reminder
    home = await home_text(app, fake_slack, "U0P01")
    assert f"Online on Zoom: Zoom meeting ID 81234567890; {LINK_LATER}" in home


async def test_a_reload_that_adds_the_link_sends_it_once_with_an_updated_ics(app, fake_slack):
    await setup(app, fake_slack)
    await app.services.calendar.load_file(WITH_ID.encode(), "cal.yml")
    await submit_register(app, "U0P01", "big", "ORG-B")
    [invitation] = await eventually(lambda: calendars_to(fake_slack, "U0P01"))
    for _ in range(2):
        await app.services.calendar.load_file(WITH_LINK.encode(), "cal.yml")
        await app.settled()
    [told] = [t for t in fake_slack.dms_to("U0P01") if "The Zoom link for *Big online event*" in t]
    assert "https://zoom.us/j/222?pwd=x&amp;y=1" in told
    invitation, update = calendars_to(fake_slack, "U0P01")
    assert (update.method, update.uids, update.sequences) == ("PUBLISH", invitation.uids, {1})
    assert str(update.calendar.events[0]["URL"]) == LINK

    await app.services.calendar.load_file(WITH_LINK.replace(LINK, NEW_LINK).encode(), "cal.yml")
    await app.settled()
    [changed] = [t for t in fake_slack.dms_to("U0P01") if "has changed" in t]
    assert NEW_LINK in changed and LINK not in changed
    [edited] = [c.args for c in fake_slack.calls_to("chat.update") if c.args["channel"] == "DU0P01"]
    assert NEW_LINK in edited["text"] and "zoom.us/j/222" not in edited["text"]
    assert calendars_to(fake_slack, "U0P01")[-1].sequences == {2}


async def test_a_roster_trainee_is_never_sent_to_a_registration_dm_and_gets_the_link_when_it_comes(app, fake_slack):
    await setup(app, fake_slack)
    await app.services.calendar.load_file(WITH_ID.encode(), "cal.yml")
    await app.services.calendar.load_roster("big", ROSTER.encode(), "roster.csv")
    home = await home_text(app, fake_slack, "U0P09")
    assert "*Big online event* — registered" in home and "registration DM" not in home
    assert f"Zoom meeting ID 81234567890; {LINK_LATER}" in home
    assert f"Zoom meeting ID 81234567890; {LINK_LATER}" in await day_before_reminder(app, "U0P09")

    await app.services.calendar.load_file(WITH_LINK.encode(), "cal.yml")
    await app.settled()
    [told] = fake_slack.dms_to("U0P09")
    assert "The Zoom link for *Big online event*" in told and "https://zoom.us/j/222?pwd=x&amp;y=1" in told
    assert calendars_to(fake_slack, "U0P09") == []  # no calendar file of ours to update
    home = await home_text(app, fake_slack, "U0P09")
    assert "join at https://zoom.us/j/222?pwd=x&amp;y=1" in home and "registration DM" not in home
