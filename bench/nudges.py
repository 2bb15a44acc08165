"""Reminder sweeps at scale: 50,000 trainees in 300 events and 100 mentoring groups, on SQLite and PostgreSQL.

Prints the time of a sweep that finds 5,000 due reminders and sends them to a fake Slack on
loopback, of a quiet sweep that finds nothing new, and the ratio to a baseline measured in the
same run: posting the same 5,000 messages straight through the Slack client, with no database.
Goals (not asserted): quiet sweep < 1 s; 5,000 sent < 30 s with no duplicates.

    .venv/bin/python bench/nudges.py [--postgres postgresql://postgres@127.0.0.1:5432/test]
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import asyncpg
from aiohttp import web
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app import build_services  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.slack.client import make_client  # noqa: E402
from bot.slack.gateway import SlackGateway  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.mentoring_models import MentoringGroup, MentoringMember  # noqa: E402
from storage.models import ACTIVE, Event, EventSession, Person, Registration  # noqa: E402
from tests.fakes.slack import FakeSlack  # noqa: E402

TRAINEES, EVENTS, DUE, GROUPS = 50_000, 300, 5_000, 100
NOW = datetime(2027, 3, 1, 12, 0, tzinfo=timezone.utc)


async def populate(db: Database) -> None:
    """300 events spread over a year around NOW; 30 of them start in 6½ days, holding DUE trainees."""
    per_event = TRAINEES // EVENTS
    due_events = -(-DUE // per_event)
    async with db.transaction() as s:
        events, sessions = [], []
        for i in range(EVENTS):
            start = NOW + timedelta(days=6, hours=12) if i < due_events else NOW + timedelta(days=30 + i)
            events.append({"id": i + 1, "slug": f"ev-{i}", "title": f"Event {i}", "format": "online",
                           "timezone": "UTC", "capacity": per_event + 10, "accessibility": [], "status": "open"})
            sessions += [{"event_id": i + 1, "start": start + timedelta(days=d), "end": start + timedelta(days=d, hours=4)}
                         for d in range(2)]
        await s.execute(insert(Event), events)
        await s.execute(insert(EventSession), sessions)
        people = [{"id": n + 1, "slack_user_id": f"U{n:07d}", "name": f"P{n}", "email": f"p{n}@x.org",
                   "timezone": "UTC", "flagged": False} for n in range(TRAINEES)]
        for i in range(0, TRAINEES, 5000):
            await s.execute(insert(Person), people[i:i + 5000])
        regs = [{"event_id": n // per_event % EVENTS + 1, "person_id": n + 1, "status": ACTIVE,
                 "created_at": NOW, "updated_at": NOW} for n in range(TRAINEES)]
        for i in range(0, TRAINEES, 5000):
            await s.execute(insert(Registration), regs[i:i + 5000])
        await s.execute(insert(MentoringGroup), [_group(g) for g in range(GROUPS)])
        await s.execute(insert(MentoringMember), [
            {"group_id": g + 1, "person_id": g * 6 + m + 1, "role": "mentor" if m == 0 else "mentee"}
            for g in range(GROUPS) for m in range(6)])


def _group(g: int) -> dict:
    """Groups started over the last 20 weeks, each at another point of its 10-week run."""
    start = NOW.date() - timedelta(days=g % 140)
    return {"id": g + 1, "name": f"mentoring-{g}", "channel_id": f"C{g:08d}", "topic": "python",
            "mtype": "Teaching Workshops", "cohort": f"{start:%Y-%m}", "mentor_id": g * 6 + 1, "slots": [10],
            "start": start, "midway": start + timedelta(days=35), "showcase": start + timedelta(days=63),
            "end": start + timedelta(days=70), "created_by": "U0COORD", "created_at": NOW}


async def run(label: str, url: str, slack_url: str, fake: FakeSlack) -> None:
    settings = Settings(database_url=url, slack_bot_token="xoxb-bench", slack_api_url=slack_url,
                        work_start_hour=0, work_end_hour=24, work_weekdays="0,1,2,3,4,5,6", _env_file=None)
    db = Database(url)
    await db.upgrade()
    await populate(db)
    services = build_services(settings, db=db, clock=lambda: NOW)
    fake.delivered.clear()
    started = time.perf_counter()
    busy = await services.nudges.sweep()
    busy_s = time.perf_counter() - started
    started = time.perf_counter()
    quiet = await services.nudges.sweep()
    quiet_s = time.perf_counter() - started
    counts = Counter((m["channel"], m.get("text")) for m in fake.delivered)
    duplicates = sum(c - 1 for c in counts.values())
    await db.dispose()

    fake.delivered.clear()
    gateway = SlackGateway(make_client(settings))
    limit = asyncio.Semaphore(8)

    async def post(n: int) -> None:
        async with limit:
            await gateway.post(f"U{n:07d}", "baseline")

    started = time.perf_counter()
    await asyncio.gather(*(post(n) for n in range(busy.sent)))
    baseline_s = time.perf_counter() - started
    print(f"{label}: busy sweep sent {busy.sent:,} in {busy_s:.2f} s ({duplicates} duplicates); "
          f"quiet sweep ({quiet.sent} sent) {quiet_s:.3f} s; baseline post of {busy.sent:,}: {baseline_s:.2f} s; "
          f"ratio busy sweep / baseline: {busy_s / baseline_s:.2f}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test",
                        help="an admin DSN; a scratch database is created and dropped")
    args = parser.parse_args()
    fake = FakeSlack(token="xoxb-bench")
    for n in range(TRAINEES):
        fake.users[f"U{n:07d}"] = {"id": f"U{n:07d}"}
    runner = web.AppRunner(fake.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    fake.url = f"http://127.0.0.1:{runner.addresses[0][1]}/"
    with tempfile.TemporaryDirectory() as directory:
        await run("SQLite", f"sqlite+aiosqlite:///{directory}/bench.db", fake.url + "api/", fake)
    name = f"tb_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(args.postgres)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        base = args.postgres.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
        await run("PostgreSQL", f"{base}/{name}", fake.url + "api/", fake)
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()
    fake.released.set()
    await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
