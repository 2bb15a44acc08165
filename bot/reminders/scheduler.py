"""APScheduler wiring: which reminder kinds exist, and the periodic sweep that sends them."""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.common import roles
from bot.common.errors import InputError
from bot.registration.service import CALENDAR_FILE
from bot.reminders import sources, texts
from bot.reminders.service import NudgeService, standard_sources

log = logging.getLogger(__name__)


def build_nudges(services) -> NudgeService:
    """The nudge service with every kind the other services can answer for."""
    settings, attendance = services.settings, services.attendance

    async def checkout(_start, _end):
        """Deadlines with their extensions; none once checkout is complete."""
        return sources.checkout_reminders(await services.checkout.checkout_deadlines())

    async def session_report(subject: str) -> str:
        slug = subject.split("@", 1)[0]
        fetched = False
        if settings.zoom_configured:
            try:
                await attendance.import_zoom(slug, "scheduler")
                fetched = True
            except InputError as exc:
                log.warning("zoom report for %s not fetched: %s", slug, exc)
        report = await attendance.report(slug)
        return texts.session_report(slug, [t.name for t in report.trainees if t.absent],
                                       [t.name for t in report.trainees if t.at_risk], len(report.unmatched), fetched)

    async def mentoring(start, end):
        groups = await services.mentoring.dates_due(start.date() - timedelta(days=8), end.date() + timedelta(days=15))
        async with services.db.transaction() as s:
            coordinators = await roles.holders(s, roles.COORDINATOR)
        return sources.mentoring_reminders(groups, coordinators, settings.channel_reminder_hour)

    return NudgeService(services.db, settings, services.clock, services.slack,
                        sources=[*standard_sources(services.db, settings, services.clock), checkout, mentoring],
                        writers={"session_report": session_report},
                        hooks=[services.accommodation.sweep, services.mentoring.issue_certificates],
                        followups={CALENDAR_FILE: services.registration.send_calendar_file})


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
