"""Exactly once across processes: two schedulers on one PostgreSQL database, and a process killed mid-sweep."""
from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from storage.db import Database
from storage.outbox_models import OutboxMessage
from tests.conftest import BOT_TOKEN
from tests.registration_fixtures import eventually

pytestmark = pytest.mark.both_databases

TRAINEES = 300


@pytest.fixture
def shared_db(db_url) -> str:
    """A migrated database that separate processes can open by URL alone."""
    return db_url[0]


async def _world(url: str, fake_slack) -> None:
    """An event starting in three days (real time): every trainee's preparation reminder is due now."""
    from bot.app import build_services
    from bot.config import Settings

    start = datetime.now(timezone.utc) + timedelta(days=3)
    calendar = (f"organisations: []\nevents:\n  - slug: soon\n    title: Soon\n    format: online\n    timezone: UTC\n"
                f"    capacity: {TRAINEES}\n    sessions:\n      - {{start: {start:%Y-%m-%dT%H:%M}, "
                f"end: {start + timedelta(hours=4):%Y-%m-%dT%H:%M}}}\n")
    roster = "name,email,slack_user_id\n" + "".join(f"T{i},t{i}@x.org,U0T{i:04d}\n" for i in range(TRAINEES))
    for i in range(TRAINEES):
        fake_slack.add_user(f"U0T{i:04d}", f"T{i}", f"t{i}@x.org", tz="UTC")
    settings = Settings(database_url=url, _env_file=None)
    db = Database(url)
    await db.upgrade()
    services = build_services(settings, db=db)
    await services.calendar.load_file(calendar.encode(), "soon.yml")
    await services.calendar.load_roster("soon", roster.encode(), "roster.csv")
    await db.dispose()


def _env(url: str, fake_slack) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "ZOOM_", "STAFF_"))}
    env.update(DATABASE_URL=url, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_API_URL=fake_slack.url + "api/",
               WORK_START_HOUR="0", WORK_END_HOUR="24", WORK_WEEKDAYS="0,1,2,3,4,5,6", REMINDER_LEASE_SECONDS="2")
    return env


async def _sweep_process(env):
    return await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", "nudges", "run-once", env=env,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


def _prepare_dms(fake_slack) -> Counter:
    return Counter(m["channel"] for m in fake_slack.delivered if "starts in 3 days" in (m.get("text") or ""))


async def test_two_processes_sweeping_one_database_send_every_reminder_once(shared_db, fake_slack):
    await _world(shared_db, fake_slack)
    env = _env(shared_db, fake_slack)
    first, second = await _sweep_process(env), await _sweep_process(env)
    outs = await asyncio.gather(first.communicate(), second.communicate())
    assert first.returncode == 0 and second.returncode == 0, outs
    sent = _prepare_dms(fake_slack)
    assert len(sent) == TRAINEES and set(sent.values()) == {1}
    assert all(b"sweep:" in out for out, _ in outs)


async def _count(url: str, *where) -> int:
    db = Database(url)
    try:
        async with db.read() as s:
            return await s.scalar(select(func.count()).select_from(OutboxMessage).where(*where))
    finally:
        await db.dispose()


async def _claims_expired(url: str) -> bool:
    """No message is held by a claim whose lease still runs (the killed process's have run out)."""
    return not await _count(url, OutboxMessage.status == "claimed",
                            OutboxMessage.lease_until > datetime.now(timezone.utc))


async def test_a_process_killed_mid_sweep_is_followed_by_one_that_sends_the_rest_once(shared_db, fake_slack):
    """Outcomes are written as Slack answers, not after a batch: killed after 37 deliveries (not a multiple of any
    batch), with more messages in flight, the next process sends each of the others once and none again."""
    await _world(shared_db, fake_slack)
    env = _env(shared_db, fake_slack)
    fake_slack.hang_after = 37  # later messages never get Slack's answer: the process is busy mid-sweep
    victim = await _sweep_process(env)
    await eventually(lambda: len(fake_slack.calls_to("chat.postMessage")) > 37, timeout=60)

    async def all_answers_recorded() -> bool:
        return await _count(shared_db, OutboxMessage.status == "sent") == 37

    await eventually(all_answers_recorded, timeout=30)
    victim.send_signal(signal.SIGKILL)  # every answer recorded, more messages in flight
    await victim.wait()
    assert victim.returncode == -signal.SIGKILL
    assert len(_prepare_dms(fake_slack)) == 37
    fake_slack.hang_after = None
    await eventually(lambda: _claims_expired(shared_db), timeout=30)
    survivor = await _sweep_process(env)
    out, err = await survivor.communicate()
    assert survivor.returncode == 0, err
    sent = _prepare_dms(fake_slack)
    assert len(sent) == TRAINEES and set(sent.values()) == {1}
