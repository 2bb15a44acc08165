"""Deadlines are computed on the event's wall clock and shown in the reader's zone."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from bot.common import timefmt
from bot.training_calendar.events import days_before, registration_deadline


def test_registration_deadline_keeps_the_local_hour_across_a_dst_change():
    # New York springs forward on 14 Mar 2027; the event starts 16 Mar at 13:00 EDT (17:00 UTC).
    start = datetime(2027, 3, 16, 13, 0, tzinfo=ZoneInfo("America/New_York")).astimezone(timezone.utc)
    deadline = registration_deadline(start, 7, "America/New_York")
    assert deadline.astimezone(ZoneInfo("America/New_York")).hour == 13
    assert deadline.astimezone(timezone.utc) == datetime(2027, 3, 9, 18, 0, tzinfo=timezone.utc)
    assert timefmt.when(deadline, ZoneInfo("Asia/Tokyo")) == "Wed 10 Mar 2027, 03:00 JST"


def test_days_after_is_a_negative_days_before():
    end = datetime(2027, 1, 15, 22, 0, tzinfo=timezone.utc)
    assert days_before(end, -90, "Europe/Berlin").date().isoformat() == "2027-04-15"
