"""What each unit of work costs in trips to the database, and how pooled PostgreSQL connections are checked.

SQLite: a read outside a transaction runs on the event loop's thread, and any other statement is one trip to
aiosqlite's thread (storage/sqlite_one_trip.py), with the same results and errors as SQLAlchemy's own adapter. PostgreSQL: a connection idle longer than `idle_ping_seconds` is pinged
before use, and one the server dropped meanwhile is replaced without the caller noticing.
"""
from __future__ import annotations

import uuid
from datetime import date

import aiosqlite
import asyncpg
import pytest
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from storage.db import Database
from storage.models import Event, Organisation
from tests.conftest import _admin, pg_database_url


@pytest.fixture
def trips(monkeypatch) -> list[str]:
    """The name of every function sent to an aiosqlite thread."""
    seen: list[str] = []
    real = aiosqlite.Connection._execute

    async def counted(self, fn, *args, **kwargs):
        seen.append(getattr(fn, "__name__", repr(fn)))
        return await real(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return seen


def event_row(slug: str) -> dict:
    return dict(slug=slug, title=f"Event {slug}", format="online", timezone="UTC", capacity=5, accessibility=[],
                status="open")


async def test_sqlite_a_read_makes_no_trip_and_a_statement_in_a_write_one(db, trips):
    count = select(func.count()).select_from(Event)
    async with db.read() as s:
        await s.scalar(count)  # a first checkout connects; count from here
    trips.clear()
    async with db.read() as s:
        for _ in range(3):
            assert await s.scalar(count) == 0
    assert trips == []  # on the event loop's thread: no BEGIN, no ROLLBACK, no hand-off to aiosqlite's
    async with db.transaction() as s:
        await s.execute(insert(Event), [event_row("a")])
        assert await s.scalar(count) == 1  # inside a write, a read goes to the thread like the rest
    assert trips == ["_run", "_run", "_run", "commit"]  # BEGIN IMMEDIATE, the insert, the count, COMMIT


async def test_sqlite_reads_stay_on_aiosqlites_thread_unless_the_database_is_in_wal_mode(trips):
    """Outside WAL mode (an in-memory database here; some file systems refuse WAL) a reader can wait for a
    writer's lock, which must never stall the event loop."""
    memory = Database("sqlite+aiosqlite:///:memory:")
    try:
        async with memory.read() as s:
            assert (await s.execute(text("PRAGMA journal_mode"))).scalar_one() == "memory"
        trips.clear()
        async with memory.read() as s:
            assert (await s.execute(text("SELECT 1"))).scalar_one() == 1
        assert trips == ["_run"]
    finally:
        await memory.dispose()


async def test_sqlite_one_trip_results_are_sqlites_own(db):
    async with db.transaction() as s:
        await s.execute(insert(Event), [event_row(f"e{i}") for i in range(4)])  # executemany
        one = Event(**event_row("orm"))
        s.add(one)
        await s.flush()
        assert one.id is not None  # the new row's id came back
        changed = await s.execute(update(Event).where(Event.slug.like("e%")).values(capacity=9))
        assert changed.rowcount == 4
    async with db.read() as s:
        rows = (await s.execute(select(Event.slug, Event.capacity).order_by(Event.slug))).all()
        assert rows == [("e0", 9), ("e1", 9), ("e2", 9), ("e3", 9), ("orm", 5)]
        assert (await s.execute(text("SELECT 1 WHERE 0"))).all() == []


async def test_sqlite_one_trip_errors_roll_the_whole_unit_back(db):
    with pytest.raises(IntegrityError):
        async with db.transaction() as s:
            s.add(Organisation(name="Kept?", code="KEPT", level="scale", seats=1, membership_start=date(2026, 1, 1),
                               membership_end=date(2026, 12, 31)))
            await s.flush()
            await s.execute(insert(Event), [event_row("x"), event_row("x")])  # a unique slug, twice
    async with db.read() as s:
        assert await s.scalar(select(func.count()).select_from(Organisation)) == 0
        assert await s.scalar(select(func.count()).select_from(Event)) == 0


@pytest.fixture
async def pg_url(request):
    name = f"tb_{uuid.uuid4().hex[:12]}"
    await _admin(f'CREATE DATABASE "{name}" TEMPLATE "{request.getfixturevalue("pg_template")}"')
    try:
        yield pg_database_url(name)
    finally:
        await _admin(f'DROP DATABASE "{name}" WITH (FORCE)')


async def backend_pid(db: Database) -> int:
    async with db.read() as s:
        return await s.scalar(text("SELECT pg_backend_pid()"))


async def terminate(url: str, pid: int) -> None:
    admin = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()


async def test_postgres_an_idle_connection_the_server_dropped_is_replaced_before_use(pg_url):
    db = Database(pg_url, pool_size=1, idle_ping_seconds=0)  # every reuse counts as idle: pinged
    try:
        first = await backend_pid(db)
        await terminate(pg_url, first)
        second = await backend_pid(db)  # the ping failed, the pool opened a fresh connection
        assert second != first
    finally:
        await db.dispose()


async def test_postgres_a_connection_used_moments_ago_is_not_pinged(pg_url):
    """Without the ping a dropped connection shows on the first statement, as a disconnect (the boundary answers
    "try again, nothing changed"); the pool is then renewed, so the next unit of work goes through."""
    db = Database(pg_url, pool_size=1, idle_ping_seconds=3600)
    try:
        first = await backend_pid(db)
        await terminate(pg_url, first)
        with pytest.raises(DBAPIError) as failed:
            await backend_pid(db)
        assert failed.value.connection_invalidated
        assert await backend_pid(db) != first
    finally:
        await db.dispose()
