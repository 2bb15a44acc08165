"""What organisation contacts and staff see and do: seats, rosters, cancelling an event."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.common import roles, timefmt
from bot.common.errors import NotAllowed, Refusal
from bot.common.mrkdwn import escape
from bot.config import Settings
from bot.registration import calendar_files
from bot.registration import queries as q
from bot.registration import texts
from bot.registration.seat_moves import SeatMoveService
from bot.slack.outbox import Outbox, dm
from bot.training_calendar import events as calendar
from storage.db import Database
from storage.models import ACTIVE, CANCELLED, FORFEITED, NO_SHOW, WAITLISTED, Event, Organisation, Registration


NOT_A_CONTACT = ("Only the organisation's contacts and Carpentries staff can see its seats. If you are your "
                 "organisation's contact, ask staff to add you.")


@dataclass(frozen=True)
class SeatHolder:
    name: str
    email: str | None
    event_slug: str
    status: str


@dataclass(frozen=True)
class SeatsReport:
    organisation: str
    code: str
    level: str
    contracted: int
    additional: int
    rolled_in: int
    rolled_out: int
    active: int
    no_show: int
    forfeited: int
    membership_start: date
    membership_end: date
    holders: list[SeatHolder]

    @property
    def total(self) -> int:
        return self.contracted + self.additional + self.rolled_in

    @property
    def used(self) -> int:
        return self.active + self.no_show + self.forfeited

    @property
    def left(self) -> int:
        return max(self.total - self.used - self.rolled_out, 0)


@dataclass(frozen=True)
class RosterLine:
    name: str
    email: str | None
    organisation: str
    status: str


@dataclass(frozen=True)
class Roster:
    slug: str
    title: str
    capacity: int
    registered: list[RosterLine]
    waiting: list[RosterLine]


@dataclass(frozen=True)
class EventCancelled:
    title: str
    told: int


class RegistrationAdminService:
    def __init__(self, db: Database, settings: Settings, clock: Callable[[], datetime], outbox: Outbox,
                 seat_moves: SeatMoveService) -> None:
        self.db, self.settings, self.clock, self.outbox, self.seat_moves = db, settings, clock, outbox, seat_moves

    async def seats(self, user_id: str, code: str | None) -> SeatsReport:
        """Only the organisation's contacts and staff may see it."""
        async with self.db.transaction() as s:
            org = await self._organisation_for(s, user_id, code)
            counts = dict((await s.execute(select(Registration.status, func.count()).where(
                Registration.organisation_id == org.id).group_by(Registration.status))).all())
            regs = await s.scalars(select(Registration).where(
                Registration.organisation_id == org.id, Registration.status.in_((ACTIVE, NO_SHOW, FORFEITED, WAITLISTED)))
                .options(selectinload(Registration.person), selectinload(Registration.event))
                .order_by(Registration.created_at))
            holders = [SeatHolder(r.person.name, r.person.email, r.event.slug, r.status) for r in regs]
        return SeatsReport(org.name, org.code, org.level, org.seats, org.additional_seats, org.rolled_in_seats,
                           org.rolled_out_seats, counts.get(ACTIVE, 0), counts.get(NO_SHOW, 0),
                           counts.get(FORFEITED, 0), org.membership_start, org.membership_end, holders)

    async def _organisation_for(self, s: AsyncSession, user_id: str, code: str | None) -> Organisation:
        staff = await roles.is_staff(s, user_id)
        if code:
            org = await s.scalar(select(Organisation).where(func.upper(Organisation.code) == code.upper()))
            if staff and org is None:
                raise Refusal(f"No organisation has the code `{escape(code)}`.")
            if org is not None and (staff or await roles.has_role(s, user_id, roles.CONTACT,
                                                                  roles.organisation_scope(org.id))):
                return org
            # the same answer for a real code and an unknown one: a refusal must not confirm that a code exists
            raise NotAllowed(NOT_A_CONTACT)
        scopes = await roles.scopes_of(s, user_id, roles.CONTACT)
        if len(scopes) == 1:
            return await s.get(Organisation, int(scopes[0].split(":")[1]))
        if staff or scopes:
            raise Refusal("Which organisation? Use `/training seats CODE`.")
        raise NotAllowed("Only an organisation's contacts and Carpentries staff can see seats. "
                         "If you are your organisation's contact, ask staff to add you.")

    async def roster(self, user_id: str, slug: str) -> Roster:
        async with self.db.transaction() as s:
            await roles.require_staff(s, user_id, "see event rosters")
            event = q.require_found(await s.scalar(select(Event).where(Event.slug == slug)), f"No event `{escape(slug)}`.")
            regs = list(await s.scalars(select(Registration).where(
                Registration.event_id == event.id, Registration.status.in_((ACTIVE, WAITLISTED, NO_SHOW, FORFEITED)))
                .options(selectinload(Registration.person), selectinload(Registration.organisation))
                .order_by(Registration.created_at, Registration.id)))

        def line(r: Registration) -> RosterLine:
            return RosterLine(r.person.name, r.person.email, r.organisation.name if r.organisation else "—", r.status)

        return Roster(event.slug, event.title, event.capacity,
                      [line(r) for r in regs if r.status != WAITLISTED], [line(r) for r in regs if r.status == WAITLISTED])

    async def mark_no_show(self, user_id: str, slug: str, trainee: str) -> str:
        """Record that a registered trainee did not attend; their seat stays used (design.md)."""
        async with self.db.transaction() as s:
            await roles.require_staff(s, user_id, "mark no-shows")
            reg = await s.scalar(select(Registration).join(Event).join(Registration.person).where(
                Event.slug == slug, Registration.status == ACTIVE, Registration.person.has(slack_user_id=trainee))
                .options(selectinload(Registration.person)))
            if reg is None:
                raise Refusal(f"<@{trainee}> has no active registration for `{escape(slug)}`.")
            reg.status = NO_SHOW
            q.audit(s, reg, "no-show", ACTIVE, user_id)
            return reg.person.name

    async def check_cancel_event(self, user_id: str, slug: str) -> Roster:
        """The confirmation step: who would be told."""
        roster = await self.roster(user_id, slug)
        async with self.db.transaction() as s:
            event = await s.scalar(select(Event).where(Event.slug == slug))
            if event.status == "cancelled":
                raise Refusal(f"`{slug}` is already cancelled.")
        return roster

    async def cancel_event(self, user_id: str, slug: str, reason: str) -> EventCancelled:
        """Cancel the event, return every seat, and tell everyone registered or waiting, with alternatives."""
        if not reason.strip():
            raise Refusal("Give a reason; it goes to every registrant.")
        now = self.clock()
        async with self.db.transaction() as s:
            await roles.require_staff(s, user_id, "cancel events")
            event = q.require_found(await q.lock_event(s, slug), f"No event `{escape(slug)}`.")
            if event.status == "cancelled":
                raise Refusal(f"`{slug}` is already cancelled.")
            event.status, event.cancel_reason = "cancelled", reason
            regs = list(await s.scalars(select(Registration).where(
                Registration.event_id == event.id, Registration.status.in_(q.LIVE))
                .options(selectinload(Registration.person))))
            for reg in regs:
                before, reg.status = reg.status, CANCELLED
                q.audit(s, reg, "event cancelled", before, user_id, detail=reason)
                await self.seat_moves.withdraw_pending(s, reg.id, user_id)
            await s.flush()
            alternatives = [e for e in await calendar.upcoming_events(s, now, self.settings.registration_close_days)
                            if e.seats_left and e.registration_closes > now]
            for r in regs:
                if r.person.slack_user_id:
                    removal = await calendar_files.cancellation(s, r.person_id, r.person.slack_user_id, event, now)
                    self.outbox.add(s, dm(r.person.slack_user_id, texts.event_cancelled(
                        event.title, reason, alternatives, timefmt.zone(r.person.timezone)), origin="event_cancelled",
                        then=(removal,) if removal else ()))
        return EventCancelled(event.title, len(regs))
