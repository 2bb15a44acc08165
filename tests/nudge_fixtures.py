"""A training event with trainees in different zones, for driving the scheduler through time."""
from __future__ import annotations

from sqlalchemy import update

from storage.models import Person

CALENDAR = """
staff: [U0STAFF]
organisations:
  - {name: Org A, level: gold, seats: 10, code: ORG-A, membership_start: 2026-10-01, membership_end: 2027-09-30,
     contacts: [U0CONTACT]}
events:
  - slug: jan
    title: January training
    format: online
    timezone: America/New_York
    capacity: 20
    zoom_join_url: https://zoom.us/j/999
    trainers: [U0TRAINER]
    sessions:
      - {start: 2027-01-12T13:00, end: 2027-01-12T17:00}
      - {start: 2027-01-13T13:00, end: 2027-01-13T17:00}
"""
ROSTER = "name,email,slack_user_id,organisation_code\nLena London,lena@x.org,U0LENA,ORG-A\nTaro Tokyo,taro@x.org,U0TARO,ORG-A\n"
ZONES = {"U0LENA": "Europe/London", "U0TARO": "Asia/Tokyo", "U0CONTACT": "America/Chicago", "U0TRAINER": "UTC"}


async def load_world(services, fake_slack, roster: str = ROSTER) -> None:
    await services.calendar.load_file(CALENDAR.replace("capacity: 20", "capacity: 500").encode(), "cal.yml")
    await services.calendar.load_roster("jan", roster.encode(), "roster.csv")
    async with services.db.transaction() as s:
        s.add(Person(slack_user_id="U0CONTACT", name="Cora Contact", email="cora@x.org", flagged=False))
        await s.flush()
        for user, tz in ZONES.items():
            await s.execute(update(Person).where(Person.slack_user_id == user).values(timezone=tz))
    for user, tz in ZONES.items():
        fake_slack.add_user(user, user, f"{user.lower()}@x.org", tz=tz)
