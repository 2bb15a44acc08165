"""What a calendar reload changes for the people registered: new session times, or a join link now known. Each
is told by DM, with an updated .ics (same UIDs, higher SEQUENCE) if they were sent one. A join link goes in a
keyed DM, so a person gets it once: a later load that changes it edits that message (no stale link stays in view)
and says in a new DM that the link changed."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.common import timefmt
from bot.config import Settings
from bot.registration import calendar_files, texts
from bot.registration.ics import Span
from bot.slack.outbox import Message, Outbox, dm
from bot.training_calendar import events as calendar
from storage.models import ACTIVE, Event, Person, Registration


@dataclass(frozen=True)
class Before:
    sessions: tuple[Span, ...]
    join_url: str | None


async def snapshot(s: AsyncSession, slugs: list[str]) -> dict[str, Before]:
    """The sessions and join link of the events a load is about to change, as they are before it."""
    events = await s.scalars(select(Event).where(Event.slug.in_(slugs)).options(selectinload(Event.sessions)))
    return {e.slug: Before(tuple(calendar_files.spans(e)), e.zoom_join_url) for e in events}


async def announce(s: AsyncSession, outbox: Outbox, before: dict[str, Before], settings: Settings,
                   now: datetime) -> None:
    """After the load, in its transaction: tell the active registrants of every open event whose sessions moved
    or whose join link was added or changed."""
    for slug, old in before.items():
        event = await calendar.event_with_sessions(s, slug)
        moved = tuple(calendar_files.spans(event)) != old.sessions
        new_link = bool(event.zoom_join_url) and event.zoom_join_url != old.join_url
        if event.status != "open" or not (moved or new_link):
            continue
        summary = calendar.summarise(event, 0, settings.registration_close_days)
        people = await s.execute(select(Person.id, Person.slack_user_id, Person.timezone).join(Registration).where(
            Registration.event_id == event.id, Registration.status == ACTIVE, Person.slack_user_id.is_not(None)))
        for person_id, user_id, tz_name in people.all():
            files = tuple(await calendar_files.update(s, person_id, user_id, event, old.sessions, now))
            tz = timefmt.zone(tz_name)
            messages: list[Message] = []
            if new_link:
                messages.append(dm(user_id, texts.join_link(summary, tz), key=f"join_link:{event.id}:{user_id}",
                                   origin="join_link"))
                if old.join_url:
                    messages.append(dm(user_id, texts.join_link_changed(summary, tz), origin="join_link"))
            if moved:
                messages.append(dm(user_id, texts.sessions_changed(summary, tz, bool(files)),
                                   origin="sessions_changed"))
            messages[-1] = replace(messages[-1], then=files)
            outbox.add(s, *messages)
