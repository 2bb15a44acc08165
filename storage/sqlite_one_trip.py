"""SQLAlchemy's aiosqlite adapter with at most one trip to aiosqlite's thread per statement instead of four.

aiosqlite runs each call on its own thread and wakes the event loop for every result. SQLAlchemy's adapter makes
four such calls per statement (open a cursor, execute, fetch the rows, close), and each hand-off costs more CPU
than a typical query here (`bench/load.py`). This cursor does the four in one function on that thread, the way
SQLAlchemy's own adapter already reaches aiosqlite's queue for `isolation_level`.

A SELECT outside a transaction (Database.read opens none) makes no trip: it runs on the event loop's thread, as
the hand-off costs more than the query. It cannot wait there: in WAL mode a reader never waits for a writer's
lock, so only the statements of a write, which may wait for the lock, go to the thread. A connection reads on
the loop only once it is known to be in WAL mode (`reads_on_loop`, set by storage.db when the mode took; it
cannot on some file systems). The connection is opened with check_same_thread=False for this; its statements
never overlap (one session at a time, each awaited, under the adapter's mutex), and sqlite3 is built serialized
besides.
Results, errors, `rowcount`, `lastrowid` and `description` are those of the same sqlite3 cursor either way;
streaming (server-side) cursors are SQLAlchemy's own.
"""
from __future__ import annotations

import collections
import sqlite3
from typing import Any

from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT


def _run(conn: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> tuple:
    """The whole life of one sqlite3 cursor (on aiosqlite's thread, or for a read on the loop's)."""
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        rows = cursor.fetchall() if cursor.description else ()
        return cursor.description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ("_description", "_rowcount", "_lastrowid", "_arraysize")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # no aiosqlite cursor: each statement opens and closes its own on the thread
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description, self._rowcount, self._lastrowid, self._arraysize = None, -1, None, 1

    @property
    def description(self):
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self):
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    async def _trip(self, operation: Any, parameters: Any, many: bool) -> None:
        async with self._adapt_connection._execute_mutex:
            conn = self._connection._conn
            if self._adapt_connection.reads_on_loop and not many and not conn.in_transaction \
                    and operation.lstrip()[:6].upper() == "SELECT":
                result = _run(conn, operation, parameters, False)  # a read: here, see the module's docstring
            else:
                result = await self._connection._execute(_run, conn, operation, parameters, many)
            self._description, self._rowcount, self._lastrowid, rows = result
            self._rows = collections.deque(rows)

    async def _execute_async(self, operation: Any, parameters: Any) -> None:
        await self._trip(operation, parameters, False)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> None:
        await self._trip(operation, seq_of_parameters, True)

    async def _async_soft_close(self) -> None:
        """Nothing is open between trips."""

    def close(self) -> None:
        self._rows.clear()

    def setinputsizes(self, *inputsizes: Any) -> None:
        """sqlite3 ignores input sizes."""


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    """Also skips the trip for a commit or rollback outside a transaction (reads open none: Database.read)."""

    __slots__ = ("reads_on_loop",)
    _cursor_cls = OneTripCursor

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self.reads_on_loop = False  # until the connection is known to be in WAL mode

    def _in_transaction(self) -> bool:
        connection = self._connection._connection
        return connection is not None and connection.in_transaction

    def rollback(self) -> None:
        if self._in_transaction():
            super().rollback()

    def commit(self) -> None:
        if self._in_transaction():
            super().commit()


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        kw["check_same_thread"] = False  # reads run on the event loop's thread (see the module's docstring)
        adapted = super().connect(*arg, **kw)
        return OneTripConnection(self, adapted._connection)


def one_trip_dbapi() -> OneTripDBAPI:
    """For create_async_engine(..., module=one_trip_dbapi()) on a sqlite+aiosqlite URL."""
    import aiosqlite

    return OneTripDBAPI(aiosqlite, sqlite3)
