"""No overbooking, ever: many concurrent registrations against the last seats, on SQLite and PostgreSQL."""
from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from bot.common.errors import Refusal
from bot.common.people import Profile
from storage.models import Registration

pytestmark = pytest.mark.both_databases

CALENDAR = """
organisations:
  - {name: Big, level: transform, seats: 500, code: BIG, membership_start: 2026-01-01, membership_end: 2027-12-31}
  - {name: Small, level: launch, seats: 3, code: SMALL, membership_start: 2026-01-01, membership_end: 2027-12-31}
events:
  - slug: ten
    title: Ten seats
    format: online
    timezone: UTC
    capacity: 10
    sessions: [{start: 2027-01-12T13:00, end: 2027-01-12T17:00}]
  - slug: roomy
    title: Roomy
    format: online
    timezone: UTC
    capacity: 200
    sessions: [{start: 2027-02-12T13:00, end: 2027-02-12T17:00}]
"""


async def _race(services, slug: str, code: str, n: int = 50) -> list:
    await services.calendar.load_file(CALENDAR.encode(), "c.yml")

    async def one(i: int):
        profile = Profile(user_id=f"U0RACE{i:03d}", name=f"Racer {i}", email=f"r{i}@x.org", timezone="UTC")
        try:
            return await services.registration.register(profile, slug, code, True)
        except Refusal as refusal:
            return refusal

    return await asyncio.gather(*(one(i) for i in range(n)))


async def count(services, status: str) -> int:
    async with services.db.transaction() as s:
        return await s.scalar(select(func.count()).where(Registration.status == status))


async def test_fifty_racing_for_ten_event_seats_leaves_exactly_ten_registered(services):
    results = await _race(services, "ten", "BIG")
    assert sum(r.status == "active" for r in results) == 10
    assert await count(services, "active") == 10
    assert await count(services, "waitlisted") == 40
    positions = sorted(r.position for r in results if r.status == "waitlisted")
    assert positions == list(range(1, 41))


async def test_fifty_racing_for_three_organisation_seats_leaves_exactly_three(services):
    results = await _race(services, "roomy", "SMALL")
    refused = [r for r in results if isinstance(r, Refusal)]
    assert len(refused) == 47 and all(r.field == "code" and "All 3 training seats" in r.message for r in refused)
    assert await count(services, "active") == 3
