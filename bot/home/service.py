"""What the App Home shows a person: plain data gathered from the other services."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from bot.accommodation.service import OPEN, AccommodationService, RequestStatus
from bot.attendance.service import AttendanceService
from bot.checkout.data import CheckoutSummary
from bot.checkout.service import CheckoutService
from bot.common import roles
from bot.common.errors import Refusal
from bot.mentoring.data import GroupInfo
from bot.mentoring.service import MentoringService
from bot.registration.admin import RegistrationAdminService, SeatsReport
from bot.registration.service import RegistrationService, StatusItem
from storage.accommodation_models import AccommodationRequest
from storage.db import Database
from storage.models import SeatRequest

MAX_TRAINER_EVENTS = 5


@dataclass(frozen=True)
class TrainerEvent:
    slug: str
    title: str
    started: bool
    at_risk: int
    absent: int


@dataclass(frozen=True)
class StaffOverview:
    pending_seat_requests: int
    open_accommodation_requests: int


@dataclass(frozen=True)
class Home:
    registrations: list[StatusItem]
    checkout: CheckoutSummary | None
    group: GroupInfo | None
    accommodation: list[RequestStatus]
    trainer_events: list[TrainerEvent]
    staff: StaffOverview | None
    seats: SeatsReport | None
    now: datetime


class HomeService:
    """Gathers what the other services know about one person."""

    def __init__(self, db: Database, clock: Callable[[], datetime], registration: RegistrationService,
                 admin: RegistrationAdminService, checkout: CheckoutService, mentoring: MentoringService,
                 accommodation: AccommodationService, attendance: AttendanceService) -> None:
        self.db, self.clock, self.registration, self.admin = db, clock, registration, admin
        self.checkout, self.mentoring, self.accommodation, self.attendance = checkout, mentoring, accommodation, attendance

    async def for_user(self, user_id: str) -> Home:
        async with self.db.read() as session:
            staff = await roles.is_staff(session, user_id)
            contact = bool(await roles.scopes_of(session, user_id, roles.CONTACT))
            overview = await self._overview(session) if staff else None
        return Home(
            registrations=[i for i in await self.registration.status(user_id) if i.status != "cancelled"],
            checkout=await self.checkout.summary_for(user_id), group=await self.mentoring.group_for(user_id),
            accommodation=await self.accommodation.statuses_for(user_id),
            trainer_events=await self._trainer_events(user_id), staff=overview,
            seats=await self._seats(user_id) if contact else None, now=self.clock())

    async def _trainer_events(self, user_id: str) -> list[TrainerEvent]:
        """The person's most recent events as a trainer, with how many trainees are absent or at risk."""
        out = []
        for slug in (await self.attendance.trainer_events(user_id))[:MAX_TRAINER_EVENTS]:
            report = await self.attendance.report(slug)
            started = report.in_progress or report.windows[0].start <= self.clock()
            out.append(TrainerEvent(slug, report.title, started,
                                    sum(t.at_risk for t in report.trainees) if started else 0,
                                    sum(t.absent for t in report.trainees) if started else 0))
        return out

    async def _seats(self, user_id: str) -> SeatsReport | None:
        try:
            return await self.admin.seats(user_id, None)
        except Refusal:  # a contact of several organisations: /training seats CODE tells them apart
            return None

    @staticmethod
    async def _overview(session) -> StaffOverview:
        seat = await session.scalar(select(func.count()).select_from(SeatRequest).where(SeatRequest.status == "pending"))
        accommodation = await session.scalar(select(func.count()).select_from(AccommodationRequest)
                                             .where(AccommodationRequest.status.in_(OPEN)))
        return StaffOverview(seat or 0, accommodation or 0)
