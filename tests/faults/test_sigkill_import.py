"""A process killed (SIGKILL) during a Zoom import leaves the import fully there or not at all."""
from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import datetime, timedelta

import asyncpg
import pytest
from sqlalchemy import func, select

from storage.db import Database
from storage.models import AttendanceImport, AttendanceRow
from tests.attendance_fixtures import CALENDAR, ROSTER
from tests.integration.test_nudges_processes import shared_db  # noqa: F401 - the fixture: a database by URL

pytestmark = pytest.mark.both_databases

ROWS = 60_000


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


async def _writing(url: str, wal) -> bool:
    """Whether an import's write transaction is under way and not committed: on PostgreSQL, a backend inserting
    attendance rows; on SQLite, a write-ahead log already megabytes long while the table is still empty."""
    if url.startswith("sqlite"):
        return wal.exists() and wal.stat().st_size > 2_000_000 and await _stored(url) == (0, 0)
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        return bool(await conn.fetchval("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                        "AND query LIKE 'INSERT INTO attendance_rows%'"))
    finally:
        await conn.close()


async def test_killed_import_is_all_or_nothing_and_a_rerun_completes(shared_db, tmp_path):  # noqa: F811
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "ZOOM_"))}
    env["DATABASE_URL"] = shared_db
    (tmp_path / "cal.yml").write_text(CALENDAR)
    (tmp_path / "roster.csv").write_text(ROSTER)
    (tmp_path / "big.csv").write_bytes(big_report())
    for args in (("calendar", "load", str(tmp_path / "cal.yml")),
                 ("roster", "load", "it-dec", str(tmp_path / "roster.csv"))):
        assert await (await _run(env, *args)).wait() == 0
    wal = tmp_path / "shared.db-wal"
    victim = await _run(env, "attendance", "import", "it-dec", str(tmp_path / "big.csv"))
    deadline = asyncio.get_running_loop().time() + 60
    while not await _writing(shared_db, wal):
        assert victim.returncode is None, "the import finished before it could be caught writing"
        assert asyncio.get_running_loop().time() < deadline, "the import never started writing"
        await asyncio.sleep(0.005)
    victim.send_signal(signal.SIGKILL)  # in the middle of its one write transaction
    await victim.wait()
    assert victim.returncode == -signal.SIGKILL
    assert await _stored(shared_db) == (0, 0)

    rerun = await _run(env, "attendance", "import", "it-dec", str(tmp_path / "big.csv"))
    assert await rerun.wait() == 0, (await rerun.stderr.read()).decode()
    assert await _stored(shared_db) == (1, ROWS)
