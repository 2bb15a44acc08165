"""The reminder mechanism: derive what is due, record it under a unique key, claim it, send it, mark it.

Claims are conditional UPDATEs, so two schedulers sharing one database never both take a reminder;
a claim whose process died is taken again after its lease expires (design.md, "Scheduler").
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.common import timefmt
from bot.config import Settings
from bot.reminders import sources
from bot.reminders.sources import Candidate
from bot.reminders.working_hours import next_working_moment
from bot.slack.gateway import Followup, SlackGateway
from storage.db import Database
from storage.reminder_models import CLAIMED, FAILED, PENDING, SENT, SKIPPED, Reminder

log = logging.getLogger(__name__)

LOOKBACK = timedelta(days=30)
RETRY = "retry"  # a message that failed when first sent, kept for the sweep (not derived, so never "stale")
RETRY_FOR = timedelta(days=3)
MAX_ATTEMPTS = 5
BATCH = 100
Source = Callable[[datetime, datetime], Awaitable[list[Candidate]]]  # candidates due in [start, end]
TextWriter = Callable[[str], Awaitable[str]]
FollowupAction = Callable[[str, str], Awaitable[object]]  # (the conversation the message went to, subject)


@dataclass
class SweepResult:
    recorded: int = 0
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    retrying: int = 0

    def __str__(self) -> str:
        return (f"{self.recorded} newly due, {self.sent} sent, {self.skipped} skipped, {self.failed} failed, "
                f"{self.retrying} to retry")


@dataclass(frozen=True)
class Planned:
    candidate: Candidate
    send_at: datetime


@dataclass
class NudgeService:
    db: Database
    settings: Settings
    clock: Callable[[], datetime]
    slack: SlackGateway
    sources: list[Source] = field(default_factory=list)
    writers: dict[str, TextWriter] = field(default_factory=dict)  # kinds whose text is written at send time
    hooks: list[Callable[[], Awaitable[object]]] = field(default_factory=list)  # other sweeps (retention, …)
    followups: dict[str, FollowupAction] = field(default_factory=dict)  # kinds of kept messages with more to do
    worker: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")

    async def derive(self, start: datetime, end: datetime) -> list[Candidate]:
        found: list[Candidate] = []
        for source in self.sources:
            found += await source(start, end)
        return found

    def send_time(self, c: Candidate, now: datetime | None = None) -> datetime:
        """DMs wait for the recipient's working hours (from now, if it is already late); channel posts go when due."""
        earliest = max(c.due_at, now) if now else c.due_at
        if c.tz is None:
            return earliest
        return next_working_moment(earliest, timefmt.zone(c.tz), self.settings.work_start_hour,
                                   self.settings.work_end_hour, self.settings.weekdays)

    async def preview(self, days: int) -> list[Planned]:
        now = self.clock()
        found = await self.derive(now, now + timedelta(days=days))
        planned = [Planned(c, self.send_time(c)) for c in found if now < c.due_at <= now + timedelta(days=days)]
        return sorted(planned, key=lambda p: (p.send_at, p.candidate.key))

    async def sweep(self) -> SweepResult:
        now = self.clock()
        result = SweepResult()
        for hook in self.hooks:
            try:
                await hook()
            except Exception:  # noqa: BLE001 - one failing hook must not stop the reminders
                log.exception("sweep hook %s failed", getattr(hook, "__qualname__", hook))
        wanted = {c.key: c for c in await self.derive(now - LOOKBACK, now) if now - LOOKBACK < c.due_at <= now}
        result.recorded = await self._record(wanted, now)
        while True:
            batch = await self._claim(now)
            if not batch:
                break
            await self._deliver(batch, wanted, now, result)
        return result

    async def keep(self, recipient: str, text: str, followup: Followup | None = None) -> None:
        """Store a message Slack could not take now; the next sweeps send it (once) while Slack comes back, then
        run the `followups` action its kind names (with its subject), if any."""
        now = self.clock()
        digest = hashlib.sha256(text.encode()).hexdigest()[:20]
        kind, subject = followup if followup and followup[0] in self.followups else (RETRY, digest)
        row = {"key": f"{kind}|{recipient}|{digest}|{now:%Y-%m-%d}", "kind": kind, "recipient": recipient,
               "subject": subject[:200], "due_at": now, "send_after": now + timedelta(minutes=1),
               "expires_at": now + RETRY_FOR, "status": PENDING, "attempts": 0, "text": text, "created_at": now}
        async with self.db.transaction() as s:
            await _insert_new(s, [row])

    async def _record(self, wanted: dict[str, Candidate], now: datetime) -> int:
        keys = list(wanted)
        async with self.db.transaction() as s:
            known = set(await s.scalars(select(Reminder.key).where(Reminder.due_at > now - LOOKBACK)))
            rows = []
            for key in keys:
                if key in known:
                    continue
                c = wanted[key]
                send_at = self.send_time(c, now)
                late = send_at >= c.expires_at or now >= c.expires_at
                rows.append({"key": key, "kind": c.kind, "recipient": c.recipient, "subject": c.subject[:200],
                             "due_at": c.due_at, "send_after": send_at, "expires_at": c.expires_at,
                             "status": SKIPPED if late else PENDING, "attempts": 0, "text": c.render(),
                             "last_error": "its moment passed while the bot was off" if late else None,
                             "created_at": now})
            for i in range(0, len(rows), 500):
                await _insert_new(s, rows[i:i + 500])
        return len(rows)

    async def _claim(self, now: datetime) -> list[Reminder]:
        """Take up to BATCH due reminders; the repeated condition makes a concurrent claim of the same row fail."""
        claimable = or_(Reminder.status == PENDING, and_(Reminder.status == CLAIMED, Reminder.lease_until < now))
        due = and_(claimable, Reminder.send_after <= now)
        ids = select(Reminder.id).where(due).order_by(Reminder.send_after, Reminder.id).limit(BATCH)
        lease = now + timedelta(seconds=self.settings.reminder_lease_seconds)
        async with self.db.transaction() as s:
            rows = await s.execute(update(Reminder).where(Reminder.id.in_(ids.scalar_subquery()), due)
                                   .values(status=CLAIMED, lease_until=lease, claimed_by=self.worker,
                                           attempts=Reminder.attempts + 1)
                                   .returning(Reminder.id, Reminder.kind, Reminder.recipient, Reminder.subject,
                                              Reminder.key, Reminder.text, Reminder.expires_at, Reminder.attempts)
                                   .execution_options(synchronize_session=False))
            return [Reminder(id=r.id, kind=r.kind, recipient=r.recipient, subject=r.subject, key=r.key, text=r.text,
                             expires_at=r.expires_at, attempts=r.attempts) for r in rows.all()]

    async def _deliver(self, batch: list[Reminder], wanted: dict[str, Candidate], now: datetime,
                       result: SweepResult) -> None:
        limit = asyncio.Semaphore(8)

        async def one(r: Reminder) -> tuple[int, dict]:
            if r.expires_at <= now:
                result.skipped += 1
                return r.id, {"status": SKIPPED, "last_error": "its moment passed before it could be sent"}
            if r.key not in wanted and r.kind not in self.writers and r.kind not in self.followups \
                    and r.kind != RETRY:
                result.skipped += 1
                return r.id, {"status": SKIPPED, "last_error": "no longer applies"}
            async with limit:
                text = r.text or await self.writers[r.kind](r.subject)
                delivery = await self.slack.post(r.recipient, text, keep=False)
            if delivery.ok:
                result.sent += 1
                await self._follow_up(r, delivery.channel or r.recipient)
                return r.id, {"status": SENT, "sent_at": now, "last_error": None}
            if delivery.permanent or r.attempts >= MAX_ATTEMPTS:
                result.failed += 1
                if not delivery.permanent:
                    await self._report_failure(r, delivery.error)
                return r.id, {"status": FAILED, "last_error": (delivery.error or "unknown")[:200]}
            result.retrying += 1
            backoff = timedelta(minutes=min(2 ** r.attempts, 60))
            return r.id, {"status": PENDING, "send_after": now + backoff, "last_error": (delivery.error or "")[:200]}

        outcomes = await asyncio.gather(*(one(r) for r in batch))
        async with self.db.transaction() as s:
            for reminder_id, values in outcomes:
                await s.execute(update(Reminder).where(Reminder.id == reminder_id, Reminder.claimed_by == self.worker)
                                .values(**values))

    async def _follow_up(self, r: Reminder, conversation: str) -> None:
        action = self.followups.get(r.kind)
        if action is None:
            return
        try:
            await action(conversation, r.subject)
        except Exception:  # noqa: BLE001 - the message itself went; its extra must not make it go twice
            log.exception("the follow-up of a kept %s message failed", r.kind)

    async def _report_failure(self, r: Reminder, error: str | None) -> None:
        if self.settings.staff_channel:
            await self.slack.post(self.settings.staff_channel,
                                  f":warning: A `{r.kind}` reminder to {r.recipient} could not be sent after "
                                  f"{r.attempts} tries ({error}). It will not be retried.")


async def _insert_new(s, rows: list[dict]) -> None:
    """INSERT … ON CONFLICT (key) DO NOTHING, in the dialect at hand: a key recorded twice stays one reminder."""
    insert_ = pg_insert if s.bind.dialect.name == "postgresql" else sqlite_insert
    await s.execute(insert_(Reminder).on_conflict_do_nothing(index_elements=["key"]), rows)


def standard_sources(db: Database, settings: Settings, clock: Callable[[], datetime]) -> list[Source]:
    """The reminder kinds of registration, organisation contacts and trainers, each read in its own transaction."""

    async def trainees(start, end):
        async with db.read() as s:
            return await sources.trainee_event_reminders(s, settings, start, end)

    async def contacts(start, end):
        async with db.read() as s:
            return await sources.contact_reminders(s, settings, start, clock())

    async def trainers(start, end):
        async with db.read() as s:
            return await sources.trainer_session_reports(s, start, end)

    return [trainees, contacts, trainers]

