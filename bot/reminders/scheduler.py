"""The periodic sweep (APScheduler) that runs the reminder service."""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.reminders.service import NudgeService

log = logging.getLogger(__name__)


class Sweeper:
    """Runs a sweep every SWEEP_MINUTES; stop() lets the sweep in progress finish (used on SIGTERM)."""

    def __init__(self, nudges: NudgeService, minutes: int) -> None:
        self.nudges, self.minutes = nudges, minutes
        self.scheduler = AsyncIOScheduler()
        self.lock = asyncio.Lock()

    async def run(self) -> None:
        async with self.lock:
            try:
                log.info("sweep: %s", await self.nudges.sweep())
            except Exception:  # noqa: BLE001 - the next sweep tries again
                log.exception("sweep failed")

    def start(self) -> None:
        self.scheduler.add_job(self.run, "interval", minutes=self.minutes, id="sweep", max_instances=1,
                               coalesce=True, next_run_time=datetime.now(timezone.utc))
        self.scheduler.start()

    async def stop(self) -> None:
        """No new sweep starts; the one in progress finishes (shutting APScheduler down first would cancel it)."""
        self.scheduler.pause()
        async with self.lock:
            self.scheduler.shutdown(wait=False)
