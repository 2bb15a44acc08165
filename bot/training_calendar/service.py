"""Calendar queries and loads, each in its own transaction (what handlers and the CLI call)."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.config import Settings
from bot.training_calendar import events as calendar
from bot.training_calendar.file_format import parse_calendar
from bot.training_calendar.roster import load_roster, parse_roster
from storage.db import Database


class CalendarService:
    def __init__(self, db: Database, settings: Settings, clock: Callable[[], datetime]) -> None:
        self.db, self.settings, self.clock = db, settings, clock

    async def upcoming(self) -> list[calendar.EventSummary]:
        async with self.db.read() as session:
            return await calendar.upcoming_events(session, self.clock(), self.settings.registration_close_days)

    async def load_file(self, data: bytes, source: str) -> calendar.LoadSummary:
        spec = parse_calendar(data, source)
        async with self.db.transaction() as session:
            return await calendar.load_calendar(session, spec)

    async def load_roster(self, slug: str, data: bytes, source: str) -> int:
        rows = parse_roster(data, source)
        async with self.db.transaction() as session:
            return await load_roster(session, slug, rows, source)
