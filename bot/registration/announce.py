"""The messages that announce a seat: the confirmation DM and the calendar file that follows it."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.registration import calendar_files, texts
from bot.slack.outbox import Message, dm
from bot.training_calendar.events import EventSummary


async def confirmation(s: AsyncSession, person_id: int, user_id: str, tz: ZoneInfo, event: EventSummary,
                       event_id: int, settings: Settings, now: datetime, *, promoted: bool = False) -> Message:
    """Sessions, format, how to join, preparation and how to change; once the DM is sent, an .ics with every
    session follows in the same conversation (so it never arrives alone)."""
    write = texts.promoted if promoted else texts.registered
    calendar_file = await calendar_files.invitation(s, person_id, user_id, event, event_id, now)
    return dm(user_id, write(event, tz, event.zoom_join_url, settings.registration_close_days), origin="registration",
              then=(calendar_file,))
