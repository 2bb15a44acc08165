"""When a DM may be sent: inside the recipient's working hours on a weekday, in their own zone."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = frozenset(range(5))
EVERY_DAY = frozenset(range(7))


def next_working_moment(moment: datetime, tz: ZoneInfo, start_hour: int = 9, end_hour: int = 18,
                        weekdays: frozenset[int] = WEEKDAYS) -> datetime:
    """`moment` if it is inside working hours, else the next start of working hours (aware, in `tz`)."""
    local = moment.astimezone(tz)
    for _ in range(8):
        if local.weekday() in weekdays:
            opens = datetime.combine(local.date(), time(start_hour), tz)
            closes = datetime.combine(local.date(), time(0), tz) + timedelta(hours=end_hour)
            if local < opens:
                return opens
            if local < closes:
                return local
        local = datetime.combine(local.date() + timedelta(days=1), time(0), tz)
    raise AssertionError("a week always has a working day")


def send_moment(earliest: datetime, deadline: datetime, tz: ZoneInfo, start_hour: int = 9, end_hour: int = 18,
                weekdays: frozenset[int] = WEEKDAYS) -> datetime:
    """When a DM that may go from `earliest` is sent, never at or after `deadline` (the start or the closing it
    announces): the next moment inside the recipient's working hours if one comes before the deadline; else the
    next moment inside those hours on any day (a weekend event's reminder goes on the Saturday or Sunday morning);
    else `earliest` itself, out of hours: a reminder at night beats one after the event has begun.

    It is never planned earlier than `earliest` (the last working Friday, say): the text was written for then
    ("starts tomorrow") and would no longer be true.
    """
    for days in (weekdays, EVERY_DAY):
        moment = next_working_moment(earliest, tz, start_hour, end_hour, days)
        if moment < deadline:
            return moment
    return earliest


def at_local_hour(day_moment: datetime, tz: ZoneInfo, hour: int) -> datetime:
    """That calendar day (in `tz`) at `hour`:00 local time."""
    local = day_moment.astimezone(tz)
    return datetime.combine(local.date(), time(hour), tz)
