"""Database units of work: writes take the lock up front (SQLite), reads never wait for it."""
from __future__ import annotations

import asyncio

from sqlalchemy import func, select, text

from storage.models import Event


async def test_a_read_proceeds_while_a_write_holds_the_lock(db):
    async with db.transaction() as writer:
        await writer.execute(text("SELECT 1"))

        async def read():
            async with db.read() as reader:
                return await reader.scalar(select(func.count()).select_from(Event))

        assert await asyncio.wait_for(read(), timeout=5) == 0
