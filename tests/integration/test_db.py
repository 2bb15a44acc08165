"""Database units of work: writes take the lock up front (SQLite), reads never wait for it."""
from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from storage.db import rows
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


async def driver_in_transaction(session) -> bool:
    raw = (await (await session.connection()).get_raw_connection()).driver_connection
    return raw.in_transaction if hasattr(raw, "in_transaction") else raw.is_in_transaction()


async def test_a_read_opens_no_transaction_and_a_write_one_with_its_lock(db):
    """Reads spare BEGIN and ROLLBACK (each statement sees the latest commit); writes are one transaction."""
    async with db.read() as reader:
        assert await reader.scalar(select(func.count()).select_from(Event)) == 0
        assert not await driver_in_transaction(reader)
    async with db.transaction() as writer:
        writer.add(Event(slug="one", title="One", format="online", timezone="UTC", capacity=1, accessibility=[],
                         status="open"))
        await writer.flush()
        assert await driver_in_transaction(writer)
    async with db.read() as reader:
        assert await reader.scalar(select(Event.slug)) == "one"


async def test_rows_read_as_core_see_what_the_unit_of_work_has_not_flushed_yet(db):
    """storage.db.rows skips the ORM, so it flushes pending changes itself, as session.execute would: a seat count
    taken after adding a registration must count it."""
    count = select(func.count()).select_from(Event).where(Event.slug.like("pending-%"))
    async with db.transaction() as s:
        s.add(Event(slug="pending-1", title="Added, not flushed", format="online", timezone="UTC", capacity=1,
                    accessibility=[], status="open"))
        assert (await rows(s, count)).scalar_one() == 1
        (await s.scalars(select(Event).where(Event.slug == "pending-1"))).one().slug = "pending-2"
        assert (await rows(s, select(Event.slug).where(Event.slug.like("pending-%")))).scalars().all() == ["pending-2"]
    async with db.read() as s:
        assert (await rows(s, count)).scalar_one() == 1
