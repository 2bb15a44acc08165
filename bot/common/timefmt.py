"""Dates and times shown to a reader in their own time zone."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC = ZoneInfo("UTC")


def zone(name: str | None) -> ZoneInfo:
    """The reader's zone; an unknown or missing one falls back to UTC (and says so via the abbreviation)."""
    try:
        return ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def when(moment: datetime, tz: ZoneInfo) -> str:
    """`Tue 1 Dec 2026, 13:00 EST`."""
    local = moment.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} {local.tzname()}"


def span(start: datetime, end: datetime, tz: ZoneInfo) -> str:
    """`Tue 1 Dec 2026, 13:00–17:00 EST`, or both dates when it crosses midnight locally."""
    a, b = start.astimezone(tz), end.astimezone(tz)
    if a.date() == b.date():
        return f"{a:%a} {a.day} {a:%b %Y, %H:%M}–{b:%H:%M} {b.tzname()}"
    return f"{when(start, tz)} – {when(end, tz)}"


def day(moment: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b %Y}"
