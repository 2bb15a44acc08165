"""Wrong registration codes, counted per person in the database (so every process and worker sees them): after
LIMIT wrong codes within WINDOW the person waits WINDOW from the last one; the count then starts again."""
from __future__ import annotations

import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.common.plural import counted
from storage.models import CodeAttempt

LIMIT = 5
WINDOW_MINUTES = 10
WINDOW = timedelta(minutes=WINDOW_MINUTES)


async def waiting_until(s: AsyncSession, user_id: str, now: datetime) -> datetime | None:
    """When the person may try a code again, if they must wait."""
    recent = list(await s.scalars(select(CodeAttempt.at).where(
        CodeAttempt.slack_user_id == user_id, CodeAttempt.at > now - WINDOW)
        .order_by(CodeAttempt.at.desc()).limit(LIMIT)))
    return recent[0] + WINDOW if len(recent) >= LIMIT else None


async def record_wrong(s: AsyncSession, user_id: str, now: datetime) -> datetime | None:
    """Count a wrong code (and forget the person's expired ones); the end of the wait when this one reached LIMIT."""
    await s.execute(delete(CodeAttempt).where(CodeAttempt.slack_user_id == user_id,
                                              CodeAttempt.at <= now - WINDOW))
    s.add(CodeAttempt(slack_user_id=user_id, at=now))
    await s.flush()
    return await waiting_until(s, user_id, now)


def wait_text(until: datetime, now: datetime, tz: ZoneInfo) -> str:
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    local = until.astimezone(tz)
    return (f"You have entered {LIMIT} wrong registration codes in {WINDOW_MINUTES} minutes. "
            f"Please wait until {local:%H:%M} {local.tzname()} (in {counted(minutes, 'minute')}) "
            "and check the code with your organisation's contact before trying again.")
