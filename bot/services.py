"""The services a running app and every CLI command use, built whole in one place from the settings.

Every collaborator is passed to a constructor here (the database, the Slack gateway, the outbox and staff board,
the renderers of staff-board posts, the clock); nothing is assigned onto a service afterwards, so `serve`,
`socket` and the CLI run exactly the same services.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from bot.accommodation.service import AccommodationService, RequestView
from bot.attendance.service import AttendanceService
from bot.attendance.uploads import UploadImporter
from bot.checkout.data import SubmissionView
from bot.checkout.service import CheckoutService
from bot.common.log_redaction import hide_sql_parameters
from bot.common.roles import Access
from bot.config import Settings
from bot.home.service import HomeService
from bot.mentoring.certificates import CertificateIssuer
from bot.mentoring.channels import ChannelMaker
from bot.mentoring.forming import GroupForming
from bot.mentoring.service import MentoringService
from bot.privacy.service import PrivacyService
from bot.registration.admin import RegistrationAdminService
from bot.registration.seat_moves import RequestView as SeatRequestView
from bot.registration.seat_moves import SeatMoveService
from bot.registration.service import RegistrationService
from bot.reminders.kinds import reminder_sources, session_report_writer
from bot.reminders.service import NudgeService
from bot.slack.board import StaffBoard
from bot.slack.client import make_client
from bot.slack.gateway import SlackGateway
from bot.slack.health import SlackHealth
from bot.slack.outbox import Outbox
from bot.training_calendar.service import CalendarService
from bot.zoom.fetch import zoom_fetcher
from storage.db import Database

Blocks = list[dict]


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class StaffRenderers:
    """Block Kit of the staff board's posts; it lives with the handlers, and bot/app.py hands it over."""

    accommodation: Callable[[RequestView], Blocks]
    seat_request: Callable[[SeatRequestView], Blocks]
    get_involved: Callable[[SubmissionView], Blocks]


@dataclass(frozen=True)
class Services:
    settings: Settings
    db: Database
    slack: SlackGateway
    health: SlackHealth
    outbox: Outbox
    clock: Callable[[], datetime]
    access: Access
    calendar: CalendarService
    registration: RegistrationService
    seat_moves: SeatMoveService
    registration_admin: RegistrationAdminService
    attendance: AttendanceService
    uploads: UploadImporter
    accommodation: AccommodationService
    checkout: CheckoutService
    mentoring: MentoringService
    home: HomeService
    privacy: PrivacyService
    nudges: NudgeService


def build_services(settings: Settings, renderers: StaffRenderers, *, db: Database | None = None,
                   gateway: SlackGateway | None = None, clock: Callable[[], datetime] = utcnow) -> Services:
    """Everything, from the settings; tests may hand in their own database, gateway and clock."""
    hide_sql_parameters()
    db = db or Database(settings.database_url)
    gateway = gateway or SlackGateway(make_client(settings))
    health = SlackHealth()
    outbox = Outbox(db, gateway, settings, clock, health)
    board = StaffBoard(outbox)
    attendance = AttendanceService(db, settings, clock, zoom_fetcher(settings))
    seat_moves = SeatMoveService(db, settings, clock, outbox, board, renderers.seat_request)
    registration = RegistrationService(db, settings, clock, outbox, seat_moves)
    admin = RegistrationAdminService(db, settings, clock, outbox, seat_moves)
    accommodation = AccommodationService(db, settings, clock, outbox, board, renderers.accommodation)
    checkout = CheckoutService(db, settings, clock, outbox, board, renderers.get_involved, attendance, gateway)
    mentoring = MentoringService(db, settings, clock, GroupForming(db, settings, clock, outbox, ChannelMaker(gateway)),
                                 CertificateIssuer(db, clock, outbox))
    nudges = NudgeService(db, settings, clock, outbox,
                          sources=reminder_sources(db, settings, clock, checkout, mentoring),
                          writers={"session_report": session_report_writer(settings, attendance)},
                          hooks=[accommodation.sweep, mentoring.issue_certificates], zone_of=gateway.zone)
    return Services(
        settings=settings, db=db, slack=gateway, health=health, outbox=outbox, clock=clock, access=Access(db),
        calendar=CalendarService(db, settings, clock, outbox), registration=registration,
        seat_moves=seat_moves,
        registration_admin=admin, attendance=attendance, uploads=UploadImporter(gateway, attendance),
        accommodation=accommodation, checkout=checkout,
        mentoring=mentoring,
        home=HomeService(db, clock, registration, admin, checkout, mentoring, accommodation, attendance),
        privacy=PrivacyService(db, clock, accommodation), nudges=nudges)
