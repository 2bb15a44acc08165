"""iCalendar (RFC 5545) files for an event's sessions, built with the `icalendar` package: an
invitation, a cancellation, and an update after the session times change. Pure functions over
plain data (no database, no Slack); every time is written in UTC.

UIDs are `{slug}-{n}@trainingbot` (see `session_uid`): the event's slug and the session's 1-based
position in the event's sessions in time order, the scheme the first files sent already used. A
session keeps its UID when its times change, so a later file updates the entry a trainee imported
instead of adding a copy. When an event loses sessions, the last positions are the ones cancelled and
the remaining ones take the new times, so the calendar still ends up with exactly the new sessions.
UIDs do not name the person: each trainee imports into their own calendar.

SEQUENCE is the caller's: each file sent for the same UIDs needs a higher SEQUENCE than the files
before it (RFC 5546 §2.1.4), or clients ignore it: e.g. how many files for this event the person was
sent before (not a per-registration count: a person who cancels and registers again has the same UIDs).

METHOD. Invitations and updates are METHOD:PUBLISH, not REQUEST. The file is an attachment to a Slack
DM, not an e-mail invitation, and the bot is no organizer anyone can answer. A REQUEST needs ORGANIZER
and ATTENDEE (RFC 5546 §3.2.2); Outlook and Apple Calendar then offer Accept/Decline, whose replies go
to nobody, and a trainee could take "Decline" for giving up the seat. Google Calendar acts on REQUEST
and CANCEL only in e-mail (Gmail); a file is imported by hand (Settings › Import) as plain events
whatever its METHOD. PUBLISH imports as plain events in all three. Updates are where they differ:
Apple Calendar updates the entry with the file's UID when SEQUENCE is higher, while Outlook (reliable
only for REQUESTs from an organizer) and Google's import may add a copy. Cancellations are
METHOD:CANCEL, which clients that track the UID apply to the entry, plus STATUS:CANCELLED on each
VEVENT for those that only import. So the DM carrying an update or a cancellation should also say in
words what changed.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from icalendar import Calendar, Event

Span = tuple[datetime, datetime]  # a session's start and end, time-zone aware


@dataclass(frozen=True)
class EventText:
    """What every VEVENT of an event says; `location` is the join URL or the venue, `url` the join URL if known."""

    slug: str
    title: str
    location: str
    description: str
    url: str | None = None


def session_uid(slug: str, number: int) -> str:
    """The UID of the event's `number`th session (from 1, in time order)."""
    return f"{slug}-{number}@trainingbot"


def invitation(event: EventText, sessions: Sequence[Span], sequence: int, now: datetime) -> str:
    """METHOD:PUBLISH, one VEVENT per session."""
    return _calendar("PUBLISH", event, list(enumerate(sessions, 1)), sequence, now)


def cancellation(event: EventText, sessions: Sequence[Span], sequence: int, now: datetime) -> str:
    """METHOD:CANCEL of every session (a cancelled registration or event, or a transfer away)."""
    return _calendar("CANCEL", event, list(enumerate(sessions, 1)), sequence, now)


def rescheduled(event: EventText, old: Sequence[Span], new: Sequence[Span], sequence: int,
                now: datetime) -> list[str]:
    """After a change of session times: the new times under the same UIDs, then, when there are
    fewer sessions than before, a cancellation of the positions gone (with their old times). A
    calendar file has one METHOD, so that is a second file."""
    files = [invitation(event, new, sequence, now)]
    gone = list(enumerate(old, 1))[len(new):]
    if gone:
        files.append(_calendar("CANCEL", event, gone, sequence, now))
    return files


def _calendar(method: str, event: EventText, sessions: list[tuple[int, Span]], sequence: int,
              now: datetime) -> str:
    if sequence < 0:
        raise ValueError(f"SEQUENCE {sequence} is negative")
    calendar = Calendar()
    calendar.add("prodid", "-//trainingbot//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    for number, (start, end) in sessions:
        if _utc(end) <= _utc(start):
            raise ValueError(f"session {number} ends before it starts")
        vevent = Event.new(uid=session_uid(event.slug, number), stamp=_utc(now), start=_utc(start),
                           end=_utc(end), summary=event.title, sequence=sequence,
                           location=event.location or None, description=event.description or None, url=event.url,
                           status="CANCELLED" if method == "CANCEL" else None)
        calendar.add_component(vevent)
    return calendar.to_ical().decode()


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment.isoformat()} has no time zone")
    return moment.astimezone(timezone.utc)
