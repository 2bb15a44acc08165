import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.registration.ics import calendar_ics

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 20, 9, 30, tzinfo=timezone.utc)
SESSIONS = [(datetime(2026, 12, 1, 13, tzinfo=NEW_YORK), datetime(2026, 12, 1, 17, tzinfo=NEW_YORK)),
            (datetime(2026, 12, 2, 13, tzinfo=NEW_YORK), datetime(2026, 12, 2, 17, tzinfo=NEW_YORK))]


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def _events(ics: str) -> list[dict[str, str]]:
    """Unfold the content lines and read each VEVENT's properties back."""
    lines = ics.replace("\r\n ", "").split("\r\n")
    events, current = [], None
    for line in lines:
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            events.append(current)
            current = None
        elif current is not None:
            name, value = line.split(":", 1)
            current[name] = _unescape(value)
    return events


def _ics(**overrides) -> str:
    arguments = dict(uid_prefix="2026-12-01-online", title="Instructor Training", sessions=SESSIONS,
                     location="Zoom", description="Bring a lesson", now=NOW)
    return calendar_ics(**(arguments | overrides))


def test_calendar_envelope_and_crlf_line_endings():
    ics = _ics()
    assert ics.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//trainingbot//EN\r\n")
    assert ics.endswith("END:VCALENDAR\r\n")
    assert "\n" not in ics.replace("\r\n", "")


def test_each_session_is_an_event_in_utc_with_a_stable_uid():
    events = _events(_ics())
    assert [(e["UID"], e["DTSTART"], e["DTEND"]) for e in events] == [
        ("2026-12-01-online-1@trainingbot", "20261201T180000Z", "20261201T220000Z"),
        ("2026-12-01-online-2@trainingbot", "20261202T180000Z", "20261202T220000Z"),
    ]
    assert all(e["DTSTAMP"] == "20261120T093000Z" and e["SUMMARY"] == "Instructor Training" for e in events)
    assert all(e["LOCATION"] == "Zoom" and e["DESCRIPTION"] == "Bring a lesson" for e in events)


def test_text_is_escaped_and_reads_back_unchanged():
    description = "Room 2; bring: laptop, charger\nC:\\temp\r\nsecond line"
    ics = _ics(title="Git, Shell; R", description=description)
    assert "SUMMARY:Git\\, Shell\\; R\r\n" in ics
    [event, _] = _events(ics)
    assert event["SUMMARY"] == "Git, Shell; R"
    assert event["DESCRIPTION"] == description.replace("\r\n", "\n")


def test_long_lines_are_folded_at_75_octets_without_splitting_characters():
    description = "Zoë's notes — " * 40 + "日本語" * 30
    ics = _ics(description=description)
    physical = ics.split("\r\n")[:-1]
    assert all(len(line.encode("utf-8")) <= 75 for line in physical)
    assert any(line.startswith(" ") for line in physical)
    assert _events(ics)[0]["DESCRIPTION"] == description


def test_empty_location_and_description_are_left_out():
    [event, _] = _events(_ics(location="", description=""))
    assert "LOCATION" not in event and "DESCRIPTION" not in event


def test_naive_or_reversed_sessions_are_refused():
    naive = datetime(2026, 12, 1, 13)
    with pytest.raises(ValueError):
        _ics(sessions=[(naive, naive + timedelta(hours=4))])
    start = SESSIONS[0][0]
    with pytest.raises(ValueError):
        _ics(sessions=[(start, start - timedelta(hours=1))])
