"""A small calendar for registration tests, and helpers that drive the register modal through Slack."""
from __future__ import annotations

import json

from tests.slack_requests import checkbox_values, select_value, text_value

CALENDAR = """
staff: [U0STAFF]
organisations:
  - {name: Org A, level: gold, seats: 3, code: ORG-A, membership_start: 2026-01-01, membership_end: 2026-12-31,
     contacts: [U0CONTACT]}
  - {name: Org B, level: scale, seats: 60, code: ORG-B, membership_start: 2026-06-01, membership_end: 2027-05-31}
  - {name: Old Org, level: bronze, seats: 5, code: OLD-1, membership_start: 2024-06-01, membership_end: 2025-06-01}
events:
  - slug: small
    title: Small online event
    format: online
    timezone: America/New_York
    capacity: 2
    zoom_join_url: https://zoom.us/j/111
    trainers: [U0TRAINER]
    sessions:
      - {start: 2027-01-12T13:00, end: 2027-01-12T17:00}
      - {start: 2027-01-13T13:00, end: 2027-01-13T17:00}
  - slug: big
    title: Big online event
    format: online
    timezone: Europe/Berlin
    capacity: 40
    trainers: [U0TRAINER]
    sessions:
      - {start: 2027-02-03T09:00, end: 2027-02-03T17:00}
  - slug: soon
    title: Event next week
    format: in-person
    timezone: Europe/London
    capacity: 10
    location: Example Hall
    accessibility: [Step-free access]
    trainers: [U0TRAINER]
    sessions:
      - {start: 2026-11-27T09:00, end: 2026-11-27T17:00}
"""

USERS = {f"U0P{i:02d}": (f"Person {i:02d}", f"p{i:02d}@example.org") for i in range(60)}


async def setup(app, fake_slack):
    await app.services.calendar.load_file(CALENDAR.encode(), "cal.yml")
    for user_id, (name, email) in USERS.items():
        fake_slack.add_user(user_id, name, email, tz="Europe/London")
    for user_id in ("U0STAFF", "U0CONTACT", "U0TRAINER", "U0STRANGER"):
        fake_slack.add_user(user_id, user_id, f"{user_id.lower()}@carpentries.org", tz="UTC")


def register_values(slug: str, code: str, *, coc: bool = True) -> dict:
    """The register form's state as Slack sends it (who registers is the submitter's Slack profile)."""
    return {"event": {"value": select_value(slug)}, "code": {"value": text_value(code)},
            "coc": {"value": checkbox_values(*(["accepted"] if coc else []))}}


async def submit_register(app, user: str, slug: str, code: str, **kw) -> dict:
    body, headers = app.requests.view_submission(user, "register_submit", register_values(slug, code, **kw))
    status, text = await app.send(body, headers)
    assert status == 200, text
    return json.loads(text) if text else {}


async def press(app, user: str, action_id: str, value: str, **kw) -> None:
    status, text = await app.send(*app.requests.block_action(user, action_id, value, **kw))
    assert status == 200, text


async def eventually(check, timeout: float = 8.0):
    """Wait for work Bolt runs after its acknowledgement; `check` is a sync or async predicate."""
    import asyncio
    import inspect

    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = check()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)
