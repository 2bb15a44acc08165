"""App Home: app_home_opened publishes a personal view that stays inside Block Kit's limits."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from tests.registration_fixtures import eventually

BUSY = """
staff: [U0BUSY]
organisations:
  - {name: Busy Org, level: gold, seats: 200, code: BUSY, membership_start: 2026-01-01, membership_end: 2027-12-31,
     contacts: [U0BUSY]}
events:
"""
EVENT = """  - slug: ev-{n}
    title: Event number {n} with a long descriptive title to use up text space in the home tab
    format: {fmt}
    timezone: America/New_York
    capacity: 30
    location: A long venue address, Building {n}, Some Street, Some City
    accessibility: [Step-free access, Accessible restrooms]
    trainers: [U0BUSY]
    sessions:
      - {{start: 2027-0{m}-1{d}T13:00, end: 2027-0{m}-1{d}T17:00}}
      - {{start: 2027-0{m}-2{d}T13:00, end: 2027-0{m}-2{d}T17:00}}
"""


async def _open_home(app, fake_slack, user: str) -> dict:
    before = len(fake_slack.calls_to("views.publish"))
    status, _ = await app.send(*app.requests.event({"type": "app_home_opened", "user": user, "channel": "D0X",
                                                    "tab": "home", "event_ts": "1"}))
    assert status == 200
    await eventually(lambda: len(fake_slack.calls_to("views.publish")) > before)
    call = fake_slack.calls_to("views.publish")[-1]
    assert call.args["user_id"] == user
    return fake_slack.last_view("views.publish")


async def test_a_trainee_sees_the_event_in_their_zone_and_how_to_join(app, fake_slack):
    from tests.registration_fixtures import setup, submit_register

    await setup(app, fake_slack)
    await submit_register(app, "U0P01", "small", "ORG-A")
    view = await _open_home(app, fake_slack, "U0P01")
    text = json.dumps(view, ensure_ascii=False)
    assert view["type"] == "home"
    assert "*Small online event* — registered" in text and "Tue 12 Jan 2027, 18:00–22:00 GMT" in text
    assert "Online on Zoom" in text and "register_open" in text and "/accommodation" in text
    assert "Staff" not in [b.get("text", {}).get("text") for b in view["blocks"] if b["type"] == "header"]


async def test_a_person_with_a_lot_of_history_stays_within_block_kit_limits(app, fake_slack, clock):
    calendar = BUSY + "".join(EVENT.format(n=n, m=1 + n % 8, d=n % 9, fmt="in-person" if n % 2 else "online")
                              for n in range(12))
    await app.services.calendar.load_file(calendar.encode(), "busy.yml")
    fake_slack.add_user("U0BUSY", "Busy Person", "busy@x.org", tz="Asia/Kolkata")
    from bot.common.people import Profile

    profile = Profile("U0BUSY", "Busy Person", "busy@x.org", "Asia/Kolkata")
    for n in range(12):  # register, cancel, register again …
        done = await app.services.registration.register(profile, f"ev-{n}", "BUSY", True)
        item = await app.services.registration.current("U0BUSY")
        if n < 11:
            await app.services.registration.cancel("U0BUSY", item.registration_id)
        assert done.event.slug == f"ev-{n}"
    for n in range(40):
        await app.services.accommodation.submit(profile, None, f"request {n}: captions please", "")
    view = await _open_home(app, fake_slack, "U0BUSY")
    assert len(view["blocks"]) <= 100
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in view["blocks"])
    headers = [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]
    assert {"Instructor Training", "Your events as a trainer", "Staff", "Seats of Busy Org",
            "Accommodation requests"} <= set(headers)
    text = json.dumps(view, ensure_ascii=False)
    assert "…and 30 more" in text and "captions please" not in text
    clock.now = datetime(2027, 6, 1, tzinfo=timezone.utc)
    assert len((await _open_home(app, fake_slack, "U0BUSY"))["blocks"]) <= 100
