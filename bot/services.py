"""The services a running app (or the CLI) uses, built once from the settings."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from bot.accommodation.service import AccommodationService
from bot.attendance.service import AttendanceService
from bot.checkout.service import CheckoutService
from bot.config import Settings
from bot.mentoring.service import MentoringService
from bot.registration.admin import RegistrationAdminService
from bot.registration.seat_moves import SeatMoveService
from bot.registration.service import RegistrationService
from bot.reminders.scheduler import build_nudges
from bot.reminders.service import NudgeService
from bot.slack.gateway import SlackGateway
from bot.training_calendar.service import CalendarService
from bot.zoom.fetch import zoom_fetcher
from storage.db import Database


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Services:
    settings: Settings
    db: Database
    slack: SlackGateway
    clock: Callable[[], datetime] = utcnow
    calendar: CalendarService = field(init=False)
    registration: RegistrationService = field(init=False)
    seat_moves: SeatMoveService = field(init=False)
    registration_admin: RegistrationAdminService = field(init=False)
    attendance: AttendanceService = field(init=False)
    accommodation: AccommodationService = field(init=False)
    checkout: CheckoutService = field(init=False)
    mentoring: MentoringService = field(init=False)
    nudges: NudgeService = field(init=False)

    def __post_init__(self) -> None:
        common = (self.db, self.settings, self.clock, self.slack)
        self.calendar = CalendarService(self.db, self.settings, self.clock)
        self.registration = RegistrationService(*common)
        self.seat_moves = SeatMoveService(*common)
        self.registration_admin = RegistrationAdminService(*common)
        self.attendance = AttendanceService(self.db, self.settings, self.clock, zoom_fetcher(self.settings))
        self.accommodation = AccommodationService(*common)
        self.checkout = CheckoutService(*common)
        self.mentoring = MentoringService(*common)
        self.nudges = build_nudges(self)  # last: its reminder kinds come from the services above
        self.slack.keep_for_later = self.nudges.keep
