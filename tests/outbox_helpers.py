"""Looking into the outbox from tests: what waits, what went."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from storage.outbox_models import OutboxMessage, PostedMessage
from storage.reminder_models import Reminder


async def outbox(services, **where) -> list[OutboxMessage]:
    """The outbox messages matching column=value filters, oldest first."""
    async with services.db.read() as s:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        for column, value in where.items():
            query = query.where(getattr(OutboxMessage, column) == value)
        return list(await s.scalars(query))


async def posted_ts(services, key: str) -> str | None:
    """Where a keyed message (a staff-board post, say) is in Slack, if it has been posted."""
    async with services.db.read() as s:
        found = await s.get(PostedMessage, key)
        return found.ts if found else None


@dataclass(frozen=True)
class Outcome:
    """A reminder and what became of it: skipped when decided, else its outbox message's status."""

    kind: str
    recipient: str
    due_at: datetime
    status: str
    sent_at: datetime | None
    attempts: int
    last_error: str | None


async def reminder_outcomes(services, **where) -> list[Outcome]:
    async with services.db.read() as s:
        query = select(Reminder, OutboxMessage).outerjoin(OutboxMessage, OutboxMessage.ref == Reminder.key)
        for column, value in where.items():
            query = query.where(getattr(Reminder, column) == value)
        rows = (await s.execute(query.order_by(Reminder.id))).all()
    return [Outcome(r.kind, r.recipient, r.due_at, m.status if m else r.status, m.sent_at if m else None,
                    m.attempts if m else 0, m.last_error if m else r.note) for r, m in rows]


async def walk(services, clock, start: datetime, end: datetime) -> int:
    """Run the scheduler from `start` to `end`, sweeping at every moment something falls due or waits to be sent
    (as the real sweep, every few minutes, would); returns how many sweeps ran."""
    clock.now, sweeps = start, 0
    while clock.now <= end:
        await services.nudges.sweep()
        sweeps += 1
        planned = [p.candidate.due_at for p in await services.nudges.preview((end - clock.now).days + 1)]
        async with services.db.read() as s:
            waiting = await s.scalar(select(func.min(OutboxMessage.send_after)).where(
                OutboxMessage.status == "pending", OutboxMessage.send_after > clock.now))
        upcoming = [moment for moment in (*planned, waiting) if moment is not None and moment > clock.now]
        clock.now = max(min(upcoming, default=end + timedelta(seconds=1)), clock.now + timedelta(minutes=5))
    return sweeps
