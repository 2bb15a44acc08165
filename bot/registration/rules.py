"""Seat arithmetic shared by registration, roster loads and the seats report."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import SEAT_USING, Registration


async def seats_used(session: AsyncSession, organisation_id: int) -> int:
    """Active registrations, no-shows and forfeited seats count as used; cancelled never do."""
    return await session.scalar(select(func.count()).where(
        Registration.organisation_id == organisation_id, Registration.status.in_(SEAT_USING))) or 0
