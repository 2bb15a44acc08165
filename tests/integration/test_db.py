"""Database units of work: writes take the lock up front (SQLite), reads never wait for it."""
from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import rows
from storage.models import Event

pytestmark = pytest.mark.both_databases


# Both ways to read: a unit of work with an ORM session, and a connection for plain rows only.
READS = pytest.mark.parametrize("read", ["read", "read_rows"])


@READS
async def test_a_read_proceeds_while_a_write_holds_the_lock(db, read):
    """The writer has written (on SQLite it holds the database's write lock) when the reader starts; the reader
    neither waits for it nor sees its uncommitted row."""
    async with db.transaction() as writer:
        writer.add(Event(slug="in-flight", title="Written, not committed", format="online", timezone="UTC",
                         capacity=1, accessibility=[], status="open"))
        await writer.flush()

        async def count():
            async with getattr(db, read)() as reader:
                return (await rows(reader, select(func.count()).select_from(Event))).scalar_one()

        assert await asyncio.wait_for(count(), timeout=5) == 0  # a read taking the write lock would time out
    async with getattr(db, read)() as reader:
        assert (await rows(reader, select(func.count()).select_from(Event))).scalar_one() == 1


async def driver_in_transaction(reader) -> bool:
    connection = reader if isinstance(reader, AsyncConnection) else await reader.connection()
    raw = (await connection.get_raw_connection()).driver_connection
    return raw.in_transaction if hasattr(raw, "in_transaction") else raw.is_in_transaction()


@READS
async def test_a_read_opens_no_transaction_and_a_write_one_with_its_lock(db, read):
    """Reads spare BEGIN and ROLLBACK (each statement sees the latest commit); writes are one transaction."""
    async with getattr(db, read)() as reader:
        assert (await rows(reader, select(func.count()).select_from(Event))).scalar_one() == 0
        assert not await driver_in_transaction(reader)
    async with db.transaction() as writer:
        writer.add(Event(slug="one", title="One", format="online", timezone="UTC", capacity=1, accessibility=[],
                         status="open"))
        await writer.flush()
        assert await driver_in_transaction(writer)
    async with getattr(db, read)() as reader:
        assert (await rows(reader, select(Event.slug))).scalar_one() == "one"


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
