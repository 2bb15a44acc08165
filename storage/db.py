"""The async engine and sessions, the same code for sqlite+aiosqlite and postgresql+asyncpg."""
from __future__ import annotations

import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import Executable, Result, event, text
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from storage.sqlite_one_trip import OneTripConnection, one_trip_dbapi

MIGRATIONS = Path(__file__).with_name("migrations")
IDLE_PING_SECONDS = 10.0  # a PostgreSQL connection unused this long is pinged before use
Reader = AsyncSession | AsyncConnection  # what `rows` reads through: a unit of work, or Database.read_rows
_READ_CONNECTION = "read_connection"  # Database.read's connection, in session.info: `rows` need not ask for it again


def _sqlite_hooks(engine: AsyncEngine, *, foreign_keys: bool = True) -> None:
    """WAL, a busy timeout, and BEGIN IMMEDIATE so that seat counts are taken under the write lock.

    Without IMMEDIATE two SQLite transactions could both count the last free seat
    before either writes (SQLAlchemy's aiosqlite recipe for explicit BEGIN). Migrations run with foreign keys
    off: Alembic's batch mode rebuilds a table by dropping it, which would otherwise cascade to its children.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        if isinstance(dbapi_connection, OneTripConnection):  # a reader in WAL mode never waits for a lock
            dbapi_connection.reads_on_loop = cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn):
        # Read-only units of work (Database.read) open no transaction at all: see Database.read.
        if not conn.get_execution_options().get("read_only"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def _ping_after_idle(engine: AsyncEngine, seconds: float) -> None:
    """SQLAlchemy's pool_pre_ping, but only for a connection that has been idle longer than `seconds`.

    On asyncpg a pre-ping is three round trips (BEGIN, a query, ROLLBACK) before every unit of work; a connection
    that answered moments ago is alive. A ping that fails raises DisconnectionError, which makes the pool drop the
    connection and open a fresh one, as pre-ping does; a server gone since the last use shows on the first
    statement instead, which invalidates the pool (the boundary answers "try again, nothing changed").
    """

    @event.listens_for(engine.sync_engine, "checkin")
    def _checkin(_dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _checkout(dbapi_connection, record, _proxy):
        idle_since = record.info.pop("idle_since", None)
        if idle_since is not None and time.monotonic() - idle_since > seconds:
            try:
                engine.dialect.do_ping(dbapi_connection)
            except Exception as exc:  # noqa: BLE001 - any failure means the connection is gone
                raise DisconnectionError("the pooled connection did not answer a ping") from exc


class Database:
    """Owns the engine; `schema` puts every table in one PostgreSQL schema (used by tests)."""

    def __init__(self, url: str, *, schema: str | None = None, pool_size: int = 10,
                 idle_ping_seconds: float = IDLE_PING_SECONDS) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict = {"hide_parameters": True}  # no person's text in an error or log
        if self.is_sqlite:
            # A file on this machine: no connection to go stale, so no ping before each unit of work.
            kwargs.update(connect_args={"timeout": 30}, module=one_trip_dbapi())
        else:
            kwargs.update(pool_size=pool_size, max_overflow=20)
            if schema:
                kwargs["connect_args"] = {"server_settings": {"search_path": schema}}
        self.engine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            _sqlite_hooks(self.engine)
        else:
            _ping_after_idle(self.engine, idle_ping_seconds)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: commits on success, rolls back on any exception.

        A caller may put coroutine functions in `session.info["before_commit"]` (awaited with the session, last
        thing inside the transaction) and plain callables in `session.info["after_commit"]` (called once the
        commit has succeeded, never after a rollback).
        """
        async with self.sessions() as session:
            async with session.begin():
                yield session
                for hook in session.info.pop("before_commit", ()):
                    await hook(session)
            for hook in session.info.pop("after_commit", ()):
                hook()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A unit of work that only reads, outside any transaction: each statement sees what was committed when
        it began (PostgreSQL's READ COMMITTED, which a transaction would not improve on). It never waits for
        SQLite's write lock, and it spares the BEGIN and ROLLBACK round trips."""
        async with self.sessions() as session:  # nothing to commit: closing hands the connection back
            session.info[_READ_CONNECTION] = await session.connection(execution_options=self._read_options)
            yield session

    @asynccontextmanager
    async def read_rows(self) -> AsyncIterator[AsyncConnection]:
        """`read` without the ORM session, for reads of plain rows only (`rows`, column selects): the session's
        set-up and tear-down cost about as much as a quick query, and the answers asked most often need none."""
        async with self.engine.connect() as connection:
            await connection.execution_options(**self._read_options)
            yield connection

    @property
    def _read_options(self) -> dict:
        return {"read_only": True} if self.is_sqlite else {"isolation_level": "AUTOCOMMIT"}

    async def upgrade(self) -> None:
        """Apply Alembic migrations up to head (on SQLite, on a connection of its own with foreign keys off)."""
        engine = self.engine
        if self.is_sqlite:
            engine = create_async_engine(self.url, connect_args={"timeout": 30}, poolclass=NullPool)
            _sqlite_hooks(engine, foreign_keys=False)
        try:
            async with engine.begin() as conn:
                await conn.run_sync(_upgrade)
        finally:
            if engine is not self.engine:
                await engine.dispose()

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


async def rows(session: Reader, statement: Executable, params: dict | None = None) -> Result:
    """A statement of plain columns run as SQLAlchemy Core on the session's connection (or on the connection of
    `Database.read_rows`): the ORM's handling of a statement costs about as much here as a quick query, and the
    reads behind most commands need none of it. Pending ORM changes are flushed first, as session.execute would,
    so the rows see them."""
    if isinstance(session, AsyncConnection):
        return await session.execute(statement, params)
    if session.new or session.dirty or session.deleted:
        await session.flush()
    connection = session.info.get(_READ_CONNECTION) or await session.connection()
    return await connection.execute(statement, params)


def alembic_config():
    """Alembic's configuration for storage/migrations (Alembic is imported only when migrating: it is slow to load).
    Its output goes to sys.stdout as it is now: Config's default is the sys.stdout of when Alembic was imported."""
    from alembic.config import Config

    cfg = Config(stdout=sys.stdout)
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def _upgrade(sync_connection) -> None:
    from alembic import command

    cfg = alembic_config()
    cfg.attributes["connection"] = sync_connection
    command.upgrade(cfg, "head")
