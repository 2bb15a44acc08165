"""The messages that announce a seat: the confirmation DM and the calendar file that follows it."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.config import Settings
from bot.registration import ics, texts
from bot.slack.outbox import Message, dm
from bot.training_calendar.events import EventSummary


def confirmation(user_id: str, tz: ZoneInfo, event: EventSummary, zoom_url: str | None, settings: Settings,
                 now: datetime, *, promoted: bool = False) -> Message:
    """Sessions, format, preparation and how to change; once the DM is sent, an .ics with every session follows
    in the same conversation (so it never arrives alone)."""
    write = texts.promoted if promoted else texts.registered
    text = ics.EventText(event.slug, event.title, zoom_url or event.location or "Zoom", "Carpentries Instructor Training")
    body = ics.invitation(text, event.sessions, 0, now)
    calendar_file = Message(user_id, "Add these sessions to your calendar.", action="upload",
                            file_name=f"{event.slug}.ics", file=body.encode(), origin="registration")
    return dm(user_id, write(event, tz, zoom_url, settings.registration_close_days), origin="registration",
              then=(calendar_file,))
