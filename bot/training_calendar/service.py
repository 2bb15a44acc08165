"""Calendar queries and loads, each in its own transaction (what handlers and the CLI call)."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.config import Settings
from bot.registration import event_changes
from bot.slack.outbox import Outbox
from bot.training_calendar import events as calendar
from bot.training_calendar.file_format import parse_calendar
from bot.training_calendar.roster import load_roster, parse_roster
from storage.db import Database


class CalendarService:
    """`outbox` tells the people registered what a load changed for them (`event_changes`)."""

    def __init__(self, db: Database, settings: Settings, clock: Callable[[], datetime], outbox: Outbox) -> None:
        self.db, self.settings, self.clock, self.outbox = db, settings, clock, outbox

    async def upcoming(self) -> list[calendar.EventSummary]:
        async with self.db.read_rows() as reader:
            return await calendar.upcoming_events(reader, self.clock(), self.settings.registration_close_days)

    async def load_file(self, data: bytes, source: str) -> calendar.LoadSummary:
        spec = parse_calendar(data, source)
        async with self.db.transaction() as session:
            before = await event_changes.snapshot(session, [e.slug for e in spec.events])
            summary = await calendar.load_calendar(session, spec)
            await event_changes.announce(session, self.outbox, before, self.settings, self.clock())
        return summary

    async def load_roster(self, slug: str, data: bytes, source: str) -> int:
        rows = parse_roster(data, source)
        async with self.db.transaction() as session:
            return await load_roster(session, slug, rows, source)
