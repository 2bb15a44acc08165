"""/training status in one statement, on SQLite and PostgreSQL: the person's registrations, cancelled ones left
out, each event's seats counted over everyone registered (not just the person), waiting places, and
the deadlines the rules give."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.common.people import Profile
from bot.registration import queries as q
from bot.training_calendar import events as calendar
from tests.registration_fixtures import CALENDAR

pytestmark = pytest.mark.both_databases

ADA = Profile("U0ADA", "Ada Lovelace", "ada@example.org", "Europe/London")
BO = Profile("U0BO", "Bo Mensah", "bo@example.org", "UTC")
CY = Profile("U0CY", "Cy Park", "cy@example.org", "UTC")


async def test_status_lists_live_registrations_with_everyones_seats(services):
    await services.calendar.load_file(CALENDAR.encode(), "cal.yml")
    await services.registration.register(BO, "small", "ORG-B", True)
    await services.registration.register(CY, "small", "ORG-B", True)  # small (2 seats) is now full
    waiting = await services.registration.register(ADA, "small", "ORG-B", True)
    assert waiting.status == "waitlisted"
    [bo_small] = await services.registration.status(BO.user_id)
    await services.registration.cancel(BO.user_id, bo_small.registration_id)  # Ada moves up from the list
    assert (await services.registration.register(BO, "big", "ORG-B", True)).status == "active"

    items = await services.registration.status(BO.user_id)
    assert [(i.event.slug, i.status) for i in items] == [("big", "active")]  # the cancelled one is left out
    [ada] = await services.registration.status(ADA.user_id)
    assert (ada.event.slug, ada.status, ada.position, ada.event.seats_left) == ("small", "active", None, 0)
    [big_item] = items
    assert big_item.event.seats_left == 39  # 40 seats, Bo's taken

    async with services.db.read() as s:
        event = await calendar.event_with_sessions(s, "small")
    assert ada.change_deadline == q.change_deadline(event, services.settings.registration_close_days)
    assert ada.checkout_deadline == q.checkout_deadline(event, services.settings.checkout_days)
    assert ada.event.first_start == datetime(2027, 1, 12, 18, tzinfo=timezone.utc)  # 13:00 in New York


async def test_a_waiting_place_and_someone_with_nothing(services):
    await services.calendar.load_file(CALENDAR.encode(), "cal.yml")
    for who in (BO, CY, ADA):
        await services.registration.register(who, "small", "ORG-B", True)
    [ada] = await services.registration.status(ADA.user_id)
    assert (ada.status, ada.position, ada.event.seats_left) == ("waitlisted", 1, 0)
    assert await services.registration.status("U0NOBODY") == []
    assert await services.registration.own_status(Profile("U0NEW", "New Person", "new@example.org", None)) == []
