"""iCalendar (RFC 5545) files for an event's sessions, to add them to any calendar app."""
from __future__ import annotations

from datetime import datetime, timezone

_LINE_OCTETS = 75


def calendar_ics(uid_prefix: str, title: str, sessions: list[tuple[datetime, datetime]], location: str,
                 description: str, now: datetime) -> str:
    """A VCALENDAR with one VEVENT per (start, end) session, times in UTC, UIDs `{uid_prefix}-{n}@trainingbot`.

    UIDs depend only on the prefix and the session's position, so a re-sent file updates the
    events already imported instead of adding copies.
    """
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//trainingbot//EN", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH"]
    for number, (start, end) in enumerate(sessions, start=1):
        if end <= start:
            raise ValueError(f"session {number} ends before it starts")
        lines += ["BEGIN:VEVENT",
                  f"UID:{_escape(f'{uid_prefix}-{number}@trainingbot')}",
                  f"DTSTAMP:{_utc(now)}",
                  f"DTSTART:{_utc(start)}",
                  f"DTEND:{_utc(end)}",
                  f"SUMMARY:{_escape(title)}"]
        if location:
            lines.append(f"LOCATION:{_escape(location)}")
        if description:
            lines.append(f"DESCRIPTION:{_escape(description)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


def _utc(moment: datetime) -> str:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment.isoformat()} has no time zone")
    return moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _escape(text: str) -> str:
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines of at most 75 UTF-8 octets, never split inside a character; continuations start with a space."""
    parts, current, size = [], "", 0
    for char in line:
        octets = len(char.encode("utf-8"))
        if size + octets > _LINE_OCTETS:
            parts.append(current)
            current, size = " ", 1
        current += char
        size += octets
    parts.append(current)
    return "\r\n".join(parts)
