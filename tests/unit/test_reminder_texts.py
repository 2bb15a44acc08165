"""The preparation checklist and the day-before reminder say when the event really starts, however late they go."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.reminders.texts import checkout_reminder, day_before_reminder, prepare_reminder
from bot.training_calendar.events import EventSummary

START = datetime(2027, 1, 12, 7, 0, tzinfo=timezone.utc)  # Tue 14:00 in Bangkok
BANGKOK = ZoneInfo("Asia/Bangkok")
EVENT = EventSummary("jan", "January training", "online", "America/New_York", ((START, START + timedelta(hours=4)),),
                     20, 5, START - timedelta(days=14), None, ())


def opening(at: datetime) -> str:
    return prepare_reminder(EVENT, BANGKOK, None, at).split("\n", 1)[0]


@pytest.mark.parametrize("before, says", [
    (timedelta(days=7), "starts in a week, on Tue 12 Jan 2027, 14:00 +07"),
    (timedelta(days=6, hours=2), "starts in a week"),
    (timedelta(days=3, hours=1), "starts in 3 days, on Tue 12 Jan 2027"),
    (timedelta(hours=20), "starts tomorrow (in 20 hours), on Tue 12 Jan 2027, 14:00 +07"),
    (timedelta(hours=5), "starts today (in 5 hours)"),
    (timedelta(hours=1), "starts today (in 1 hour)"),
    (timedelta(minutes=20), "starts today (in less than an hour)"),
])
def test_the_checklist_says_how_soon_the_event_starts_in_the_readers_zone(before, says):
    text = opening(START - before)
    assert says in text
    assert ("in a week" in text) == (before >= timedelta(days=6))


@pytest.mark.parametrize("before, says", [
    (timedelta(hours=22), "starts tomorrow (in 22 hours), Tue 12 Jan 2027, 14:00 +07"),
    (timedelta(hours=4), "starts today (in 4 hours), Tue 12 Jan 2027, 14:00 +07"),  # sent on the day, planned late
])
def test_the_day_before_reminder_says_today_when_it_goes_on_the_day(before, says):
    text = day_before_reminder(EVENT, BANGKOK, None, START - before).split("\n", 1)[0]
    assert says in text and ("tomorrow" in text) == (before > timedelta(hours=7))


@pytest.mark.parametrize("before, says", [
    (timedelta(days=30), "closes in 30 days"),
    (timedelta(days=6, hours=20), "closes in 7 days"),  # the 7-day nudge, held back by working hours: still true
    (timedelta(hours=20), "closes tomorrow"),
    (timedelta(hours=3), "closes today"),
])
def test_the_checkout_reminder_counts_the_days_left_from_when_it_goes(before, says):
    assert says in checkout_reminder("January training", START, START - before, BANGKOK)
