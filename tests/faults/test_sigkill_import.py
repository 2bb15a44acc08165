"""A process killed (SIGKILL) during a Zoom import leaves the import fully there or not at all."""
from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from datetime import datetime, timedelta

import asyncpg
import pytest
from sqlalchemy import func, select

from bot.app import build_services
from bot.config import Settings
from storage.db import Database
from storage.models import AttendanceImport, AttendanceRow
from tests.attendance_fixtures import CALENDAR, ROSTER
from tests.integration.test_nudges_processes import shared_db  # noqa: F401 - the fixture: a database by URL

pytestmark = pytest.mark.both_databases

ROWS = 30_000


def big_report() -> bytes:
    """Many reconnects of a few people across the four sessions of it-dec (New York wall-clock times)."""
    lines = ["Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest"]
    for n in range(ROWS):
        day = 1 + n % 4
        start = datetime(2026, 12, day, 13, 0) + timedelta(seconds=(n // 4) % 14000)
        end = start + timedelta(seconds=30)
        lines.append(f"Person {n % 50},p{n % 50}@x.org,{start:%m/%d/%Y %I:%M:%S %p},{end:%m/%d/%Y %I:%M:%S %p},1,No")
    return ("\n".join(lines) + "\n").encode()


async def _run(env: dict, *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", *args, env=env,
                                                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)


async def _stored(url: str) -> tuple[int, int]:
    db = Database(url)
    try:
        async with db.read() as s:
            return (await s.scalar(select(func.count()).select_from(AttendanceImport)),
                    await s.scalar(select(func.count()).select_from(AttendanceRow)))
    finally:
        await db.dispose()


def _write_lock_held(path) -> bool:
    """Whether another connection holds SQLite's write lock (an immediate transaction cannot start at once)."""
    conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        conn.close()


class WriteWatch:
    """Sees an import's one write transaction under way, not committed: on SQLite the write lock held across
    several looks (a migration's check holds it for milliseconds) while the tables are empty; on PostgreSQL a
    backend inserting attendance rows."""

    def __init__(self, url: str, path) -> None:
        self.url, self.path, self.held, self.conn = url, path, 0, None

    async def writing(self) -> bool:
        if self.url.startswith("sqlite"):
            self.held = self.held + 1 if _write_lock_held(self.path) else 0
            return self.held >= 3 and await _stored(self.url) == (0, 0)
        if self.conn is None:
            self.conn = await asyncpg.connect(self.url.replace("postgresql+asyncpg://", "postgresql://", 1))
        return bool(await self.conn.fetchval("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                                             "current_database() AND query LIKE 'INSERT INTO attendance_rows%'"))

    async def close(self) -> None:
        if self.conn is not None:
            await self.conn.close()


async def test_killed_import_is_all_or_nothing_and_a_rerun_completes(shared_db, tmp_path):  # noqa: F811
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "ZOOM_"))}
    env["DATABASE_URL"] = shared_db
    (tmp_path / "big.csv").write_bytes(big_report())
    services = build_services(Settings(database_url=shared_db, _env_file=None))
    await services.calendar.load_file(CALENDAR.encode(), "cal.yml")
    await services.calendar.load_roster("it-dec", ROSTER.encode(), "roster.csv")
    await services.db.dispose()
    watch = WriteWatch(shared_db, shared_db.removeprefix("sqlite+aiosqlite:///"))
    victim = await _run(env, "attendance", "import", "it-dec", str(tmp_path / "big.csv"))
    deadline = asyncio.get_running_loop().time() + 60
    try:
        while not await watch.writing():
            assert victim.returncode is None, "the import finished before it could be caught writing"
            assert asyncio.get_running_loop().time() < deadline, "the import never started writing"
            await asyncio.sleep(0.02)
    finally:
        await watch.close()
    victim.send_signal(signal.SIGKILL)  # in the middle of its one write transaction
    await victim.wait()
    assert victim.returncode == -signal.SIGKILL
    assert await _stored(shared_db) == (0, 0)

    rerun = await _run(env, "attendance", "import", "it-dec", str(tmp_path / "big.csv"))
    assert await rerun.wait() == 0, (await rerun.stderr.read()).decode()
    assert await _stored(shared_db) == (1, ROWS)
