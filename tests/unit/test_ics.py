import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from bot.registration.ics import EventText, cancellation, invitation, rescheduled, session_uid

NEW_YORK = ZoneInfo("America/New_York")
UTC = timezone.utc
NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
EVENT = EventText("2026-12-01-online", "Instructor Training", "https://zoom.us/j/111", "Bring a lesson")
SESSIONS = [(datetime(2026, 12, d, 13, tzinfo=NEW_YORK), datetime(2026, 12, d, 17, tzinfo=NEW_YORK)) for d in (1, 2, 3)]


def parsed(ics: str) -> Calendar:
    return Calendar.from_ical(ics)


def uids(ics: str) -> list[str]:
    return [str(e["UID"]) for e in parsed(ics).events]


def test_invitation_is_published_one_event_per_session_in_utc():
    ics = invitation(EVENT, SESSIONS, 0, NOW)
    calendar = parsed(ics)
    assert (calendar["METHOD"], calendar["VERSION"], calendar["PRODID"]) == ("PUBLISH", "2.0", "-//trainingbot//EN")
    assert ics.endswith("END:VCALENDAR\r\n") and "\n" not in ics.replace("\r\n", "")
    events = calendar.events
    assert [str(e["UID"]) for e in events] == [f"2026-12-01-online-{n}@trainingbot" for n in (1, 2, 3)]
    assert [(e.start, e.end) for e in events] == [(datetime(2026, 12, d, 18, tzinfo=UTC), datetime(2026, 12, d, 22, tzinfo=UTC))
                                                  for d in (1, 2, 3)]
    times = [line for line in ics.split("\r\n") if line.startswith(("DTSTART", "DTEND", "DTSTAMP"))]
    assert len(times) == 9 and all(re.fullmatch(r"DT(START|END|STAMP):\d{8}T\d{6}Z", line) for line in times)
    assert "DTSTART:20261201T180000Z" in times and "DTSTAMP:20261120T093000Z" in times
    assert {(e.summary, e["LOCATION"], e["DESCRIPTION"], e.sequence, e.stamp) for e in events} == {
        ("Instructor Training", "https://zoom.us/j/111", "Bring a lesson", 0, NOW)}
    assert all("STATUS" not in e for e in events)


def test_the_uid_depends_on_slug_and_position_only():
    assert session_uid("it-dec", 2) == "it-dec-2@trainingbot"
    moved = [(start + timedelta(days=7), end + timedelta(days=7, hours=1)) for start, end in SESSIONS]
    assert uids(invitation(EVENT, moved, 1, NOW + timedelta(days=1))) == uids(invitation(EVENT, SESSIONS, 0, NOW))


def test_cancellation_uses_the_same_uids_with_cancel_and_cancelled():
    calendar = parsed(cancellation(EVENT, SESSIONS, 1, NOW))
    assert calendar["METHOD"] == "CANCEL"
    assert [str(e["UID"]) for e in calendar.events] == uids(invitation(EVENT, SESSIONS, 0, NOW))
    assert {(e.sequence, e.status) for e in calendar.events} == {(1, "CANCELLED")}
    assert calendar.events[0].start == datetime(2026, 12, 1, 18, tzinfo=UTC)


def test_rescheduling_moves_the_same_uids_and_cancels_positions_gone():
    new = [(datetime(2026, 12, 8, 14, tzinfo=NEW_YORK), datetime(2026, 12, 8, 18, tzinfo=NEW_YORK)),
           (datetime(2026, 12, 9, 9, tzinfo=NEW_YORK), datetime(2026, 12, 9, 17, tzinfo=NEW_YORK))]
    update, cancel = (parsed(ics) for ics in rescheduled(EVENT, SESSIONS, new, 2, NOW))
    assert update["METHOD"] == "PUBLISH"
    assert [(str(e["UID"]), e.start, e.sequence) for e in update.events] == [
        ("2026-12-01-online-1@trainingbot", datetime(2026, 12, 8, 19, tzinfo=UTC), 2),
        ("2026-12-01-online-2@trainingbot", datetime(2026, 12, 9, 14, tzinfo=UTC), 2)]
    assert cancel["METHOD"] == "CANCEL"
    [gone] = cancel.events
    assert (str(gone["UID"]), gone.start, gone.sequence, gone.status) == (
        "2026-12-01-online-3@trainingbot", datetime(2026, 12, 3, 18, tzinfo=UTC), 2, "CANCELLED")


def test_rescheduling_without_sessions_gone_is_one_file():
    [update] = rescheduled(EVENT, SESSIONS[:2], SESSIONS, 1, NOW)
    assert uids(update) == [session_uid(EVENT.slug, n) for n in (1, 2, 3)]


def test_commas_semicolons_backslashes_and_newlines_are_escaped_and_read_back():
    title, location = "Git, Shell; R\nday 1", "Room 2; Building C, 3rd floor\r\nC:\\doors"
    ics = invitation(EventText("s", title, location, "line one\rline two"), SESSIONS[:1], 0, NOW)
    assert "SUMMARY:Git\\, Shell\\; R\\nday 1\r\n" in ics
    assert "LOCATION:Room 2\\; Building C\\, 3rd floor\\nC:\\\\doors\r\n" in ics
    [event] = parsed(ics).events
    assert (event.summary, str(event["LOCATION"])) == (title, location.replace("\r\n", "\n"))
    assert str(event["DESCRIPTION"]) == "line one\nline two"


def test_long_lines_are_folded_at_75_octets_without_splitting_characters():
    description = "Zoë's notes — " * 40 + "日本語" * 30
    ics = invitation(EventText("s", "T", "https://zoom.us/j/1?pwd=" + "x" * 120, description), SESSIONS[:1], 0, NOW)
    physical = ics.split("\r\n")[:-1]
    assert all(len(line.encode("utf-8")) <= 75 for line in physical)
    assert sum(line.startswith(" ") for line in physical) > 5
    [event] = parsed(ics).events
    assert str(event["DESCRIPTION"]) == description and str(event["LOCATION"]).endswith("x" * 120)


def test_empty_location_and_description_are_left_out():
    [event] = parsed(invitation(EventText("s", "T", "", ""), SESSIONS[:1], 0, NOW)).events
    assert "LOCATION" not in event and "DESCRIPTION" not in event


@pytest.mark.parametrize("sessions, sequence", [
    ([(datetime(2026, 12, 1, 13), datetime(2026, 12, 1, 17))], 0),  # no time zone
    ([(SESSIONS[0][1], SESSIONS[0][0])], 0),  # ends before it starts
    (SESSIONS, -1),
])
def test_naive_or_reversed_sessions_and_negative_sequences_are_refused(sessions, sequence):
    with pytest.raises(ValueError):
        invitation(EVENT, sessions, sequence, NOW)
    with pytest.raises(ValueError):
        cancellation(EVENT, sessions, sequence, NOW)
