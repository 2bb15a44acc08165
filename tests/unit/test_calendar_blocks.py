"""The calendar message is built once per distinct calendar and zone; each caller gets a copy of its own."""
from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from bot.training_calendar.events import EventSummary
from handlers.blocks import calendar_blocks

START = datetime(2027, 2, 1, 14, tzinfo=timezone.utc)
EVENT = EventSummary(slug="it-feb", title="February training", format="online", timezone="UTC",
                     sessions=((START, START.replace(hour=18)),), capacity=20, seats_left=3,
                     registration_closes=datetime(2027, 1, 25, tzinfo=timezone.utc), location=None,
                     accessibility=())
LONDON, TOKYO = ZoneInfo("Europe/London"), ZoneInfo("Asia/Tokyo")


def text_of(blocks: list[dict]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def test_each_caller_gets_its_own_copy():
    first = calendar_blocks([EVENT], LONDON)
    first[0]["text"]["text"] = "changed by a caller"
    first.append({"type": "divider"})
    again = calendar_blocks([EVENT], LONDON)
    assert again[0]["text"]["text"] == "Upcoming Instructor Training" and len(again) == len(first) - 1


def test_a_changed_seat_count_or_zone_gives_a_new_calendar():
    before = text_of(calendar_blocks([EVENT], LONDON))
    assert "3 of 20 seats left" in before and "14:00–18:00 GMT" in before
    fuller = text_of(calendar_blocks([dataclasses.replace(EVENT, seats_left=2)], LONDON))
    assert "2 of 20 seats left" in fuller
    assert "23:00 JST" in text_of(calendar_blocks([EVENT], TOKYO))
    full = text_of(calendar_blocks([dataclasses.replace(EVENT, seats_left=0)], LONDON))
    assert "Full: waiting list open" in full and "Join waiting list" in full
