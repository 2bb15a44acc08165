"""Block Kit many people are shown alike is built once per distinct input (the calendar, an attendance summary, the
register form's choice of event); each caller gets a copy of its own, and a change in what it shows rebuilds it."""
from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from bot.attendance.compute import Window
from bot.attendance.service import Report, TraineeLine
from bot.common.people import Profile
from bot.training_calendar.events import EventSummary
from handlers.attendance_views import summary_blocks
from handlers.blocks import calendar_blocks
from handlers.registration_views import register_modal

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


def person(name: str) -> Profile:
    return Profile(user_id="U0" + name.upper(), name=name, email=f"{name}@example.org", timezone="Europe/London")


def test_the_register_form_is_each_persons_own_around_a_shared_choice_of_event():
    ada = register_modal([EVENT], person("ada"), LONDON, code="ORG-A")
    assert [b.get("block_id", b["type"]) for b in ada["blocks"]] == ["section", "event", "code", "context", "coc"]
    event = ada["blocks"][1]["element"]
    assert event["type"] == "static_select" and event["options"][0]["value"] == "it-feb"
    assert "(3 left)" in event["options"][0]["text"]["text"]
    ada["blocks"][1]["element"]["options"].clear()  # a caller changing its copy
    bob = register_modal([EVENT], person("bob"), LONDON, chosen="it-feb")
    assert bob["blocks"][1]["element"]["options"][0]["value"] == "it-feb"
    assert bob["blocks"][1]["element"]["initial_option"]["value"] == "it-feb"
    assert "*bob* (bob@example.org)" in text_of(bob["blocks"]) and "ada" not in text_of(bob["blocks"])
    assert "ORG-A" in text_of(ada["blocks"]) and "ORG-A" not in text_of(bob["blocks"])
    fuller = register_modal([dataclasses.replace(EVENT, seats_left=0)], person("ada"), LONDON)
    assert "(full: waiting list)" in fuller["blocks"][1]["element"]["options"][0]["text"]["text"]


def report(minutes_attended: int) -> Report:
    line = TraineeLine(person_id=1, name="Ada <b>", email="ada@example.org", slack_user_id="U0ADA",
                       sessions=(minutes_attended * 60,), attended=minutes_attended * 60,
                       missed=(240 - minutes_attended) * 60, absent=minutes_attended < 180, at_risk=False,
                       status="passed" if minutes_attended >= 180 else "retake")
    return Report("it-feb", "February training", (Window(START, START.replace(hour=18)),), 240 * 60, 60 * 60,
                  (line,), (), False, None)


def test_an_attendance_summary_is_a_copy_and_a_new_minute_rebuilds_it():
    first = summary_blocks(report(200))
    assert "200 min attended, 40 missed" in text_of(first) and "Ada &lt;b&gt;" in text_of(first)
    first[2]["text"]["text"] = "changed by a caller"
    assert "200 min attended" in text_of(summary_blocks(report(200)))
    later = text_of(summary_blocks(report(170)))
    assert "170 min attended, 70 missed" in later and ":x: *absent*" in later
