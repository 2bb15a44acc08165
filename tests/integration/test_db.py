"""Database units of work: writes take the lock up front (SQLite), reads never wait for it."""
from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from storage.models import Event

pytestmark = pytest.mark.both_databases


async def test_a_read_proceeds_while_a_write_holds_the_lock(db):
    """The writer has written (on SQLite it holds the database's write lock) when the reader starts; the reader
    neither waits for it nor sees its uncommitted row."""
    async with db.transaction() as writer:
        writer.add(Event(slug="in-flight", title="Written, not committed", format="online", timezone="UTC",
                         capacity=1, accessibility=[], status="open"))
        await writer.flush()

        async def read():
            async with db.read() as reader:
                return await reader.scalar(select(func.count()).select_from(Event))

        assert await asyncio.wait_for(read(), timeout=5) == 0  # a read taking the write lock would time out
    async with db.read() as reader:
        assert await reader.scalar(select(func.count()).select_from(Event)) == 1
