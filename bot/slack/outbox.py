"""The one way out: every DM, channel post, in-place edit, deletion and file goes through the outbox.

Services `add` messages in the transaction of the change they announce, so a message exists exactly when its
change does. After the commit the pump sends it; a message Slack refuses for a passing reason stays pending and
the next flush (the sweep's, or the next commit's) retries it with back-off. Each message is claimed (a conditional
UPDATE with a lease, so replicas sharing a database never both send it) and its outcome is written as soon as
Slack answers: a process killed mid-flush can repeat only the messages Slack was answering at that moment.

A keyed message (the staff board's posts, a receipt that may later be redacted) is posted once and then edited in
place: its newest version wins, and older versions still waiting are superseded unsent.
"""
from __future__ import annotations

import asyncio
import base64
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.common.errors import SlackUnavailable
from bot.config import Settings
from bot.slack.errors import Delivery
from bot.slack.gateway import SlackGateway
from bot.slack.health import SlackHealth
from bot.slack.recorder import GroupWriter
from storage.db import Database
from storage.outbox_models import (
    CLAIMED,
    FAILED,
    LIVE,
    PENDING,
    SENT,
    SKIPPED,
    SUPERSEDED,
    OutboxMessage,
    PostedMessage,
)

log = logging.getLogger(__name__)

STAFF = "#staff"  # the STAFF_CHANNEL setting as it is when the message goes
MAX_ATTEMPTS = 5
CONCURRENCY = 8
BATCH = 50  # claimed at a time; one not sent before its lease lapses is left to whoever takes it over
CLEARED = {"text": None, "blocks": None, "file": None, "then": None}


@dataclass(frozen=True)
class Message:
    """A message to send. `action`: post (or, when `key` was posted before, edit it), edit (only if posted),
    delete, upload (`file`). `then`: messages to write once this one is sent, e.g. the file a DM promised."""

    recipient: str
    text: str = ""
    blocks: list | None = None
    key: str | None = None
    action: str = "post"
    file_name: str | None = None
    file: bytes | None = None
    origin: str = "message"
    ref: str | None = None
    send_after: datetime | None = None
    expires_at: datetime | None = None
    then: tuple[Message, ...] = ()

    def as_json(self) -> dict:
        return {"recipient": self.recipient, "text": self.text, "blocks": self.blocks, "key": self.key,
                "action": self.action, "file_name": self.file_name, "origin": self.origin,
                "file": base64.b64encode(self.file).decode() if self.file is not None else None,
                "then": [m.as_json() for m in self.then]}

    @classmethod
    def from_json(cls, data: dict) -> Message:
        file = data.get("file")
        return cls(data["recipient"], data.get("text") or "", data.get("blocks"), data.get("key"),
                   data.get("action", "post"), data.get("file_name"),
                   base64.b64decode(file) if file is not None else None, data.get("origin", "message"),
                   then=tuple(cls.from_json(m) for m in data.get("then") or ()))


def dm(user_id: str, text: str, **kw) -> Message:
    return Message(user_id, text, **kw)


def to_staff(text: str, **kw) -> Message:
    return Message(STAFF, text, **kw)


@dataclass
class FlushResult:
    sent: int = 0
    failed: int = 0
    retrying: int = 0
    skipped: int = 0
    stopped: str | None = None  # the token or scope problem that stopped the flush

    def add(self, other: FlushResult) -> None:
        self.sent, self.failed = self.sent + other.sent, self.failed + other.failed
        self.retrying, self.skipped = self.retrying + other.retrying, self.skipped + other.skipped
        self.stopped = self.stopped or other.stopped


@dataclass(frozen=True)
class _Outcome:
    values: dict
    counted: str  # which FlushResult field
    posted: tuple[str, str] | None = None  # (channel, ts) of a keyed message
    forget_post: bool = False


class Outbox:
    def __init__(self, db: Database, gateway: SlackGateway, settings: Settings, clock: Callable[[], datetime],
                 health: SlackHealth, *, worker: str | None = None) -> None:
        self.db, self.gateway, self.settings, self.clock, self.health = db, gateway, settings, clock, health
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}"
        self._lock = asyncio.Lock()
        self._pump: asyncio.Task | None = None
        self._again = False

    # ---- writing ----------------------------------------------------------------------------------------------
    def add(self, s: AsyncSession, *messages: Message, pump: bool = True) -> None:
        """Write messages in the caller's transaction; the pump sends them once it has committed (`pump=False`:
        the caller flushes itself). A new version of a keyed message supersedes (and clears) the versions still
        waiting, before the commit."""
        now = self.clock()
        rows = [_row(m, now) for m in messages]
        s.add_all(rows)
        s.info.setdefault("outbox_keyed", []).extend(row for row in rows if row.key is not None)
        hooks = [("before_commit", _supersede_waiting)] + ([("after_commit", self.kick)] if pump else [])
        for name, hook in hooks:
            registered = s.info.setdefault(name, [])
            if hook not in registered:
                registered.append(hook)

    async def add_once(self, s: AsyncSession, message: Message) -> bool:
        """A keyed notice written only if no version of it ever was, so a retry or the next sweep finding the
        same problem does not tell anyone again (nor edit what they were told). Whether it was written."""
        if await s.scalar(select(OutboxMessage.id).where(OutboxMessage.key == message.key).limit(1)) is not None:
            return False
        self.add(s, message)
        return True

    async def send(self, *messages: Message) -> None:
        """Messages that announce no change of their own (answers, alerts): written and sent at once."""
        async with self.db.transaction() as s:
            self.add(s, *messages)

    # ---- sending ----------------------------------------------------------------------------------------------
    def kick(self) -> None:
        """Send what is due soon, in the background (one pump per process)."""
        self._again = True
        if self._pump is None or self._pump.done():
            self._pump = asyncio.get_running_loop().create_task(self._run_pump(), name="outbox-pump")

    async def _run_pump(self) -> None:
        while self._again:
            self._again = False
            if self.health.token_problem:
                return  # the sweep checks the token and sends once it works again
            try:
                await self.flush()
            except Exception:  # noqa: BLE001 - what is unsent stays pending for the next flush
                log.exception("outbox flush failed")

    @property
    def busy(self) -> bool:
        return self._pump is not None and not self._pump.done()

    async def drain(self) -> None:
        """Wait for the pump (before shutdown, and at the end of a CLI command)."""
        while self._pump is not None and not self._pump.done():
            await asyncio.shield(self._pump)

    async def token_works(self) -> bool:
        """After a token problem: whether Slack takes the token again (auth.test); if so, sending resumes."""
        if not self.health.token_problem:
            return True
        try:
            if await self.gateway.check_token():
                return False
        except SlackUnavailable:
            return False
        log.warning("Slack takes the app's token again: sending what waited")
        self.health.token_problem = None
        return True

    async def flush(self) -> FlushResult:
        """Send every due message until none is left or Slack refuses the app's token."""
        result = FlushResult()
        async with self._lock:
            while result.stopped is None:
                batch = await self._claim()
                if not batch:
                    break
                result.add(await self._deliver_batch(batch))
        return result

    async def _claim(self) -> list[OutboxMessage]:
        """Take up to BATCH due messages (a lapsed claim of a dead worker included); of a keyed message only its
        newest version, and never while another version is in flight. The UPDATE repeats the claimable condition,
        so of two workers racing for a message one gets it."""
        o, other = OutboxMessage, aliased(OutboxMessage)
        now = self.clock()
        claimable = or_(o.status == PENDING, and_(o.status == CLAIMED, o.lease_until < now))
        newer = exists().where(other.key == o.key, other.id > o.id, other.status.in_(LIVE))
        in_flight = exists().where(other.key == o.key, other.id < o.id, other.status == CLAIMED,
                                   other.lease_until >= now)
        due = (select(o.id).where(o.status == PENDING, o.send_after <= now,
                                  or_(o.key.is_(None), and_(~newer, ~in_flight)))
               .order_by(o.send_after, o.id).limit(BATCH))
        lapsed = select(o.id).where(o.status == CLAIMED, o.lease_until < now).limit(BATCH)
        lease = now + timedelta(seconds=self.settings.reminder_lease_seconds)
        async with self.db.transaction() as s:
            ids = list(await s.scalars(due)) + list(await s.scalars(lapsed))
            if not ids:
                return []
            claimed = list(await s.scalars(
                update(o).where(o.id.in_(ids), claimable)
                .values(status=CLAIMED, lease_until=lease, claimed_by=self.worker, attempts=o.attempts + 1)
                .returning(o).execution_options(synchronize_session=False)))
            for row in claimed:
                if row.key is not None:
                    await _supersede(s, row)
        return sorted(claimed, key=lambda r: r.id)

    async def _deliver_batch(self, batch: list[OutboxMessage]) -> FlushResult:
        result, limit = FlushResult(), asyncio.Semaphore(CONCURRENCY)

        outcomes = GroupWriter(self._record)

        async def one(row: OutboxMessage) -> None:
            async with limit:
                if result.stopped:
                    return  # released below, still due
                outcome = await self._deliver(row)
                if outcome.counted == "stopped":
                    result.stopped = result.stopped or outcome.values["last_error"]
                    return
                setattr(result, outcome.counted, getattr(result, outcome.counted) + 1)
                outcomes.add((row, outcome))

        try:
            await asyncio.gather(*(one(row) for row in batch))
        finally:
            await outcomes.close()
        if result.stopped:
            await self._release([row.id for row in batch])
            await self._token_alarm(result.stopped)
        return result

    async def _deliver(self, row: OutboxMessage) -> _Outcome:
        now = self.clock()
        if row.lease_until <= now:  # too slow: another worker may have taken it over, so leave it to them
            return _Outcome({"status": PENDING, "lease_until": None}, "retrying")
        if row.expires_at is not None and row.expires_at <= now:
            return _Outcome({"status": SKIPPED, "last_error": "its moment passed before it could be sent"}, "skipped")
        channel = self.settings.staff_channel if row.recipient == STAFF else row.recipient
        if not channel:
            self.health.staff_channel_problem = "STAFF_CHANNEL is not set"
            return self._later(row, "STAFF_CHANNEL is not set")
        posted = await self._posted(row.key) if row.key else None
        if row.action in ("edit", "delete") and posted is None:
            return _Outcome({"status": SKIPPED, "last_error": "nothing posted to change", "sent_at": now}, "skipped")
        delivery = await self._call(row, channel, posted)
        if delivery.ok:
            if row.recipient == STAFF:
                self.health.staff_channel_problem = None
            keep = (delivery.channel or channel, delivery.ts) if row.key and row.action == "post" else None
            return _Outcome({"status": SENT, "sent_at": now, "last_error": None}, "sent",
                            posted=keep if keep and keep[1] else None, forget_post=row.action == "delete")
        if delivery.token_problem:
            return _Outcome({"last_error": delivery.error}, "stopped")
        if row.recipient == STAFF and delivery.channel_problem:
            self.health.staff_channel_problem = f"{delivery.error} (invite the bot to {channel})"
            return self._later(row, delivery.error)
        if delivery.recipient_problem:
            return _Outcome({"status": FAILED, "last_error": delivery.error}, "failed")
        if row.attempts >= MAX_ATTEMPTS and row.recipient != STAFF:
            await self.send(to_staff(f":warning: A `{row.origin}` message to {row.recipient} could not be sent "
                                     f"after {row.attempts} tries ({delivery.error}). It will not be retried.",
                                     origin="delivery_failure"))
            return _Outcome({"status": FAILED, "last_error": delivery.error}, "failed")
        return self._later(row, delivery.error)

    def _later(self, row: OutboxMessage, error: str | None) -> _Outcome:
        backoff = timedelta(minutes=min(2 ** min(row.attempts, 6), 60))
        return _Outcome({"status": PENDING, "send_after": self.clock() + backoff, "lease_until": None,
                         "last_error": (error or "")[:200]}, "retrying")

    async def _call(self, row: OutboxMessage, channel: str, posted: PostedMessage | None) -> Delivery:
        if row.action == "upload":
            return await self.gateway.upload(channel, row.file_name or "file", row.file or b"", row.file_name or "",
                                             row.text or "")
        if row.action == "delete":
            return await self.gateway.delete(posted.channel, posted.ts)
        if posted is not None:
            delivery = await self.gateway.update(posted.channel, posted.ts, row.text or "", row.blocks)
            if delivery.error not in ("message_not_found", "cant_update_message") or row.action == "edit":
                return delivery
        return await self.gateway.post(channel, row.text or "", row.blocks)

    async def _posted(self, key: str) -> PostedMessage | None:
        async with self.db.read() as s:
            return await s.get(PostedMessage, key)

    async def _record(self, group: list[tuple[OutboxMessage, _Outcome]]) -> None:
        """Outcomes, soon after Slack has answered (bot.slack.recorder); a sent message's follow-ups with them.
        Plain sends, most of a big sweep, are marked in one statement."""
        o = OutboxMessage
        mine = and_(o.status == CLAIMED, o.claimed_by == self.worker)
        plain = [row.id for row, outcome in group if outcome.counted == "sent" and not outcome.posted
                 and not outcome.forget_post and not row.then]
        async with self.db.transaction() as s:
            if plain:
                await s.execute(update(o).where(o.id.in_(plain), mine)
                                .values(status=SENT, sent_at=self.clock(), last_error=None, **CLEARED)
                                .execution_options(synchronize_session=False))
            for row, outcome in group:
                if row.id in plain:
                    continue
                final = outcome.values.get("status") in (SENT, FAILED, SKIPPED)
                await s.execute(update(o).where(o.id == row.id, mine)
                                .values(**outcome.values, **(CLEARED if final else {}))
                                .execution_options(synchronize_session=False))
                if outcome.posted:
                    await s.merge(PostedMessage(key=row.key, channel=outcome.posted[0], ts=outcome.posted[1]))
                if outcome.forget_post:
                    await s.execute(delete(PostedMessage).where(PostedMessage.key == row.key))
                if outcome.values.get("status") == SENT and row.then:
                    self.add(s, *(replace(Message.from_json(m), origin=row.origin) for m in row.then))

    async def _release(self, ids: list[int]) -> None:
        """Give back claimed messages that were not sent, without counting the attempt."""
        async with self.db.transaction() as s:
            await s.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids), OutboxMessage.status == CLAIMED,
                                                        OutboxMessage.claimed_by == self.worker)
                            .values(status=PENDING, lease_until=None, attempts=OutboxMessage.attempts - 1)
                            .execution_options(synchronize_session=False))

    async def _token_alarm(self, error: str) -> None:
        """Say loudly, once, that nothing can be sent; try the staff channel too (a missing scope may allow it)."""
        if self.health.token_problem == error:
            return
        self.health.token_problem = error
        log.error("Slack refused the app's token or scopes (%s): nothing is sent until it is fixed; every message "
                  "stays due. Reinstall the app from manifest.yml or replace SLACK_BOT_TOKEN.", error)
        if self.settings.staff_channel:
            await self.gateway.post(self.settings.staff_channel, f":rotating_light: Slack refused the app's token or "
                                    f"scopes ({error}): messages and reminders are held until it is fixed.")


def _row(m: Message, now: datetime) -> OutboxMessage:
    return OutboxMessage(action=m.action, recipient=m.recipient, key=m.key, text=m.text, blocks=m.blocks,
                         file_name=m.file_name, file=m.file, then=[t.as_json() for t in m.then] or None,
                         origin=m.origin, ref=m.ref, status=PENDING, attempts=0, send_after=m.send_after or now,
                         expires_at=m.expires_at, created_at=now)


async def _supersede_waiting(s: AsyncSession) -> None:
    rows = s.info.pop("outbox_keyed", [])
    if not rows:
        return
    await s.flush()
    newest = {row.key: row for row in sorted(rows, key=lambda r: r.id)}
    for row in newest.values():
        await _supersede(s, row)


async def _supersede(s: AsyncSession, newest: OutboxMessage) -> None:
    """Older versions of a keyed message still waiting are replaced by `newest`, which takes over what they were
    to be followed by (a version that never went never had its follow-ups written)."""
    o = OutboxMessage
    older = (await s.execute(select(o.id, o.then).where(o.key == newest.key, o.id < newest.id, o.status == PENDING)
                             .order_by(o.id))).all()
    if not older:
        return
    carried = [m for _, then in older for m in then or ()]
    if carried:
        newest.then = carried + (newest.then or [])
        await s.execute(update(o).where(o.id == newest.id).values(then=newest.then)
                        .execution_options(synchronize_session=False))
    await s.execute(update(o).where(o.id.in_([i for i, _ in older])).values(status=SUPERSEDED, **CLEARED)
                    .execution_options(synchronize_session=False))


async def posted(s: AsyncSession, key: str) -> bool:
    """Whether a keyed message is in Slack."""
    return await s.get(PostedMessage, key) is not None


async def live_keys(s: AsyncSession, keys: list[str]) -> set[str]:
    """Which of these keyed messages are posted or on their way."""
    posted = set(await s.scalars(select(PostedMessage.key).where(PostedMessage.key.in_(keys))))
    waiting = set(await s.scalars(select(OutboxMessage.key).where(OutboxMessage.key.in_(keys),
                                                                  OutboxMessage.status.in_(LIVE))))
    return posted | waiting

