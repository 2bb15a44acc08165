"""The calendar (.ics) files a trainee is sent for an event, as outbox uploads, each with the next SEQUENCE.

The counter is per person and event (table calendar_files), not per registration: a person who cancels and
registers again keeps the same UIDs, so their new invitation must still be newer than the cancellation. A
cancellation or an update goes only to someone whose last file for the event put its sessions in their
calendar; a roster-loaded trainee who was never sent a file gets none.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.common.mrkdwn import escape
from bot.registration import ics
from bot.registration.texts import LINK_LATER
from bot.slack.outbox import Message
from bot.training_calendar.events import EventSummary
from storage.models import CalendarFile, Event

ORIGIN = "calendar_file"


class JoinFacts(Protocol):
    """What a file says about an event (an `Event` row and an `EventSummary` both have it)."""

    slug: str
    title: str
    format: str
    location: str | None
    zoom_meeting_id: str | None
    zoom_join_url: str | None


def event_text(event: JoinFacts) -> ics.EventText:
    """The join link in LOCATION, URL and DESCRIPTION when known; else the meeting ID and when the link comes."""
    about = "Carpentries Instructor Training"
    if event.format != "online":
        return ics.EventText(event.slug, event.title, event.location or "", about)
    if event.zoom_join_url:
        return ics.EventText(event.slug, event.title, event.zoom_join_url,
                             f"{about}.\nJoin on Zoom: {event.zoom_join_url}", url=event.zoom_join_url)
    meeting = f" (meeting ID {event.zoom_meeting_id})" if event.zoom_meeting_id else ""
    return ics.EventText(event.slug, event.title, f"Zoom{meeting}",
                         f"{about}.\nOnline on Zoom{meeting}: {LINK_LATER}.")


async def _next(s: AsyncSession, person_id: int, event_id: int, *, cancelled: bool,
                only_if_held: bool) -> int | None:
    """Record a file about to be sent and return its SEQUENCE; None (nothing recorded) when `only_if_held` and the
    person's calendar holds no sessions of ours for the event."""
    row = await s.scalar(select(CalendarFile).where(CalendarFile.person_id == person_id,
                                                    CalendarFile.event_id == event_id).with_for_update())
    if only_if_held and (row is None or row.cancelled):
        return None
    if row is None:
        s.add(CalendarFile(person_id=person_id, event_id=event_id, sequence=0, cancelled=cancelled))
        return 0
    row.sequence, row.cancelled = row.sequence + 1, cancelled
    return row.sequence


def _upload(user_id: str, slug: str, body: str, comment: str) -> Message:
    return Message(user_id, comment, action="upload", file_name=f"{slug}.ics", file=body.encode(), origin=ORIGIN)


def spans(event: Event) -> list[ics.Span]:
    return [(x.start, x.end) for x in event.sessions]


async def invitation(s: AsyncSession, person_id: int, user_id: str, event: EventSummary, event_id: int,
                     now: datetime) -> Message:
    """Every session of the event, to add to a calendar."""
    sequence = await _next(s, person_id, event_id, cancelled=False, only_if_held=False)
    body = ics.invitation(event_text(event), event.sessions, sequence, now)
    return _upload(user_id, event.slug, body, "Add these sessions to your calendar.")


async def cancellation(s: AsyncSession, person_id: int, user_id: str, event: Event, now: datetime) -> Message | None:
    """Removes the event's sessions from the person's calendar; None if no file of ours put them there."""
    sequence = await _next(s, person_id, event.id, cancelled=True, only_if_held=True)
    if sequence is None:
        return None
    body = ics.cancellation(event_text(event), spans(event), sequence, now)
    return _upload(user_id, event.slug, body,
                   f"This calendar file removes the sessions of {escape(event.title)} from your calendar.")


async def update(s: AsyncSession, person_id: int, user_id: str, event: Event, old: Sequence[ics.Span],
                 now: datetime) -> list[Message]:
    """The event's sessions as they are now (same UIDs, higher SEQUENCE), and a cancellation of any gone; nothing
    if no file of ours put them in the person's calendar."""
    sequence = await _next(s, person_id, event.id, cancelled=False, only_if_held=True)
    if sequence is None:
        return []
    files = ics.rescheduled(event_text(event), old, spans(event), sequence, now)
    comments = ["This calendar file updates the sessions in your calendar.",
                "This calendar file removes the sessions that no longer take place."]
    return [_upload(user_id, event.slug, body, comment) for body, comment in zip(files, comments)]
