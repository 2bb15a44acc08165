"""Where each kind of reminder comes from: the sources the sweep derives candidates from, and the writer of the
trainers' session report (written when it falls due, with the Zoom report fetched first)."""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.attendance.service import AttendanceService
from bot.checkout.service import CheckoutService
from bot.common import roles
from bot.common.errors import InputError
from bot.config import Settings
from bot.mentoring.service import MentoringService
from bot.reminders import sources, texts
from bot.reminders.service import Source, TextWriter
from storage.db import Database


def reminder_sources(db: Database, settings: Settings, clock: Callable[[], datetime], checkout: CheckoutService,
                     mentoring: MentoringService) -> list[Source]:
    """Every kind: trainees' event reminders, organisation contacts, trainers, checkout deadlines, mentoring."""

    async def trainees(start, end):
        async with db.read() as s:
            return await sources.trainee_event_reminders(s, settings, start, end)

    async def contacts(start, end):
        async with db.read() as s:
            return await sources.contact_reminders(s, settings, start, clock())

    async def trainers(start, end):
        async with db.read() as s:
            return await sources.trainer_session_reports(s, start, end)

    async def checkouts(_start, _end):
        """Deadlines with their extensions; none once checkout is complete."""
        return sources.checkout_reminders(await checkout.checkout_deadlines())

    async def groups(start, end):
        due = await mentoring.dates_due(start.date() - timedelta(days=8), end.date() + timedelta(days=15))
        async with db.read() as s:
            coordinators = await roles.holders(s, roles.COORDINATOR)
        return sources.mentoring_reminders(due, coordinators, settings.channel_reminder_hour)

    return [trainees, contacts, trainers, checkouts, groups]


def session_report_writer(settings: Settings, attendance: AttendanceService) -> TextWriter:
    log = logging.getLogger(__name__)

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

    return session_report
