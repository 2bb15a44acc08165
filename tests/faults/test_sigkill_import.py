"""A process killed (SIGKILL) during a Zoom import leaves the import fully there or not at all."""
from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import datetime, timedelta

from sqlalchemy import func, select

from storage.db import Database
from storage.models import AttendanceImport, AttendanceRow
from tests.attendance_fixtures import CALENDAR, ROSTER
from tests.integration.test_nudges_processes import shared_db  # noqa: F401 - the fixture: a database by URL

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


async def test_killed_import_is_all_or_nothing_and_a_rerun_completes(shared_db, tmp_path):  # noqa: F811
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "ZOOM_"))}
    env["DATABASE_URL"] = shared_db
    (tmp_path / "cal.yml").write_text(CALENDAR)
    (tmp_path / "roster.csv").write_text(ROSTER)
    (tmp_path / "big.csv").write_bytes(big_report())
    for args in (("calendar", "load", str(tmp_path / "cal.yml")),
                 ("roster", "load", "it-dec", str(tmp_path / "roster.csv"))):
        assert await (await _run(env, *args)).wait() == 0
    outcomes = set()
    for delay in (0.8, 1.6, 2.4):
        victim = await _run(env, "attendance", "import", "it-dec", str(tmp_path / "big.csv"))
        await asyncio.sleep(delay)
        victim.send_signal(signal.SIGKILL)
        await victim.wait()
        imports, rows = await _stored(shared_db)
        assert (imports, rows) in ((0, 0), (1, ROWS)), (delay, imports, rows)
        outcomes.add(rows)
        if rows:
            break
    rerun = await _run(env, "attendance", "import", "it-dec", str(tmp_path / "big.csv"))
    assert await rerun.wait() == 0, (await rerun.stderr.read()).decode()
    assert await _stored(shared_db) == (1, ROWS)
