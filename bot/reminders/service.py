"""The reminder mechanism: derive what is due, record it under a unique key, hand its message to the outbox.

A reminder's key (kind, recipient, subject, due date) is recorded once (INSERT … ON CONFLICT DO NOTHING) and its
message is written to the outbox in the same transaction, to go in the recipient's working hours. So two
schedulers sharing one database, a restart or a crash never decide a reminder twice, and the outbox sends each
message once (design.md, "Scheduler").
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.common import timefmt
from bot.config import Settings
from bot.reminders.sources import Candidate
from bot.reminders.working_hours import send_moment
from bot.slack.outbox import Message, Outbox
from storage.db import Database
from storage.outbox_models import PENDING, SKIPPED, OutboxMessage
from storage.reminder_models import QUEUED, Reminder
from storage.reminder_models import SKIPPED as REMINDER_SKIPPED

log = logging.getLogger(__name__)

LOOKBACK = timedelta(days=30)
Source = Callable[[datetime, datetime], Awaitable[list[Candidate]]]  # candidates due in [start, end]
TextWriter = Callable[[str], Awaitable[str]]
ZoneLookup = Callable[[str], Awaitable[str | None]]  # a Slack user's zone from their profile (None: not known)
ZONE_LOOKUPS = 8  # profiles asked for at once


@dataclass
class SweepResult:
    recorded: int = 0
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    retrying: int = 0
    stopped: str | None = None  # Slack refused the app's token or scopes: everything stays due

    def __str__(self) -> str:
        text = (f"{self.recorded} newly due, {self.sent} sent, {self.skipped} skipped, {self.failed} failed, "
                f"{self.retrying} to retry")
        return text + (f"; stopped: Slack refused the app's token ({self.stopped})" if self.stopped else "")


@dataclass(frozen=True)
class Planned:
    candidate: Candidate
    send_at: datetime


class NudgeService:
    """`sources` derive candidates; `writers` write the text of kinds that need fresh data when they fall due;
    `hooks` are the other periodic duties of a sweep (accommodation retention, mentoring certificates);
    `zone_of` gives a recipient's zone from their Slack profile (the gateway's)."""

    def __init__(self, db: Database, settings: Settings, clock: Callable[[], datetime], outbox: Outbox,
                 sources: list[Source], writers: dict[str, TextWriter],
                 hooks: list[Callable[[], Awaitable[object]]], zone_of: ZoneLookup | None = None) -> None:
        self.db, self.settings, self.clock, self.outbox = db, settings, clock, outbox
        self.sources, self.writers, self.hooks = sources, writers, hooks
        self.zone_of = zone_of  # None: the stored zones only

    async def derive(self, start: datetime, end: datetime) -> list[Candidate]:
        found: list[Candidate] = []
        for source in self.sources:
            found += await source(start, end)
        return found

    def send_time(self, c: Candidate, tz: ZoneInfo, now: datetime | None = None) -> datetime:
        """DMs wait for the recipient's working hours (from now, if it is already late), but never past the
        moment they announce (working_hours.send_moment); channel posts go when due."""
        earliest = max(c.due_at, now) if now else c.due_at
        if c.tz is None:
            return earliest
        return send_moment(earliest, c.expires_at, tz, self.settings.work_start_hour, self.settings.work_end_hour,
                           self.settings.weekdays)

    async def zones(self, candidates: list[Candidate]) -> dict[str, ZoneInfo]:
        """Each DM recipient's zone: their Slack profile's (the gateway keeps it a day), else the one stored, else
        UTC. A lookup that fails falls back and never fails the sweep."""
        stored = {c.recipient: c.tz for c in candidates if c.tz is not None}
        if self.zone_of is None:
            return {user_id: timefmt.zone(tz) for user_id, tz in stored.items()}
        limit = asyncio.Semaphore(ZONE_LOOKUPS)

        async def one(user_id: str) -> ZoneInfo:
            async with limit:
                try:
                    found = await self.zone_of(user_id)
                except Exception:  # noqa: BLE001 - the stored zone will do
                    log.warning("no time zone from Slack for %s: using the one stored", user_id, exc_info=True)
                    found = None
            return timefmt.zone(found or stored[user_id])

        return dict(zip(stored, await asyncio.gather(*(one(u) for u in stored)), strict=True))

    async def preview(self, days: int) -> list[Planned]:
        now = self.clock()
        found = [c for c in await self.derive(now, now + timedelta(days=days))
                 if now < c.due_at <= now + timedelta(days=days)]
        zones = await self.zones(found)
        planned = [Planned(c, self.send_time(c, zones.get(c.recipient, timefmt.UTC))) for c in found]
        return sorted(planned, key=lambda p: (p.send_at, p.candidate.key))

    async def sweep(self) -> SweepResult:
        """The other duties, then newly due reminders recorded, stale ones dropped, and the outbox flushed."""
        now = self.clock()
        result = SweepResult()
        for hook in self.hooks:
            try:
                await hook()
            except Exception:  # noqa: BLE001 - one failing duty must not stop the reminders
                log.exception("sweep duty %s failed", getattr(hook, "__qualname__", hook))
        wanted = {c.key: c for c in await self.derive(now - LOOKBACK, now) if now - LOOKBACK < c.due_at <= now}
        result.recorded = await self._record(wanted, now)
        result.skipped = await self._drop_stale(wanted)
        if not await self.outbox.token_works():
            result.stopped = self.outbox.health.token_problem
            return result
        flushed = await self.outbox.flush()
        result.sent, result.failed, result.retrying = flushed.sent, flushed.failed, flushed.retrying
        result.skipped += flushed.skipped
        result.stopped = flushed.stopped
        return result

    async def _record(self, wanted: dict[str, Candidate], now: datetime) -> int:
        async with self.db.read() as s:
            known = set(await s.scalars(select(Reminder.key).where(Reminder.due_at > now - LOOKBACK)))
        new = [c for key, c in wanted.items() if key not in known]
        zones = await self.zones(new)
        rows, messages = [], {}
        for c in new:
            tz = zones.get(c.recipient, timefmt.UTC)
            send_at = self.send_time(c, tz, now)
            late = send_at >= c.expires_at or now >= c.expires_at
            rows.append({"key": c.key, "kind": c.kind, "recipient": c.recipient, "subject": c.subject[:200],
                         "due_at": c.due_at, "expires_at": c.expires_at, "status": REMINDER_SKIPPED if late else QUEUED,
                         "note": "its moment passed while the bot was off" if late else None, "created_at": now})
            if not late:
                text = await self.writers[c.kind](c.subject) if c.kind in self.writers else c.render(tz, send_at)
                messages[c.key] = Message(c.recipient, text, origin=c.kind, ref=c.key, send_after=send_at,
                                          expires_at=c.expires_at)
        async with self.db.transaction() as s:
            insert_ = pg_insert if s.bind.dialect.name == "postgresql" else sqlite_insert
            for i in range(0, len(rows), 500):
                inserted = await s.scalars(insert_(Reminder).on_conflict_do_nothing(index_elements=["key"])
                                           .returning(Reminder.key), rows[i:i + 500])
                self.outbox.add(s, *(messages[key] for key in inserted if key in messages), pump=False)
        return len(rows)

    async def _drop_stale(self, wanted: dict[str, Candidate]) -> int:
        """Reminders waiting for working hours that no longer apply (checkout completed, registration cancelled)."""
        async with self.db.read() as s:
            waiting = (await s.execute(select(OutboxMessage.id, OutboxMessage.ref, OutboxMessage.origin).where(
                OutboxMessage.status == PENDING, OutboxMessage.ref.is_not(None)))).all()
        stale = [i for i, ref, kind in waiting if ref not in wanted and kind not in self.writers]
        if stale:
            async with self.db.transaction() as s:
                await s.execute(update(OutboxMessage).where(OutboxMessage.id.in_(stale), OutboxMessage.status == PENDING)
                                .values(status=SKIPPED, last_error="no longer applies", text=None)
                                .execution_options(synchronize_session=False))
        return len(stale)
