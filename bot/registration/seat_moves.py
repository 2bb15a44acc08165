"""Moving a seat: automatic transfers before the deadline, otherwise requests that staff decide."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.common import people, roles, timefmt
from bot.common.errors import Refusal
from bot.common.mrkdwn import escape
from bot.config import Settings
from bot.registration import announce, calendar_files
from bot.registration import queries as q
from bot.registration.rules import seats_used
from bot.slack.board import StaffBoard
from bot.slack.outbox import Outbox, dm
from bot.training_calendar import events as calendar
from bot.training_calendar.events import EventSummary
from storage.db import Database
from storage.models import ACTIVE, FORFEITED, NO_SHOW, SEAT_USING, Event, Person, Registration, SeatRequest, utcnow

MOVABLE = (ACTIVE, FORFEITED, q.WAITLISTED)


@dataclass(frozen=True)
class MoveChoice:
    registration_id: int
    kind: str  # transfer | reregister
    current: EventSummary
    targets: list[EventSummary]


@dataclass(frozen=True)
class RequestView:
    id: int
    kind: str
    status: str
    requester: str
    requester_name: str
    from_title: str
    from_slug: str
    to_title: str
    to_slug: str
    organisation: str
    decided_by: str | None


@dataclass(frozen=True)
class MoveResult:
    moved: bool
    target: EventSummary
    request: RequestView | None = None


class SeatMoveService:
    """`render` draws a request's staff-board message (Block Kit, from handlers)."""

    def __init__(self, db: Database, settings: Settings, clock: Callable[[], datetime], outbox: Outbox,
                 board: StaffBoard, render: Callable[[RequestView], list[dict]]) -> None:
        self.db, self.settings, self.clock, self.outbox = db, settings, clock, outbox
        self.board, self.render = board, render

    def _deadline(self, event: Event) -> datetime:
        return q.change_deadline(event, self.settings.registration_close_days)

    async def _movable(self, s: AsyncSession, user_id: str) -> tuple[Registration, str]:
        now = self.clock()
        person = await people.by_slack_id(s, user_id)
        if person is not None:
            for reg in reversed(await q.person_registrations(s, person.id)):
                if not reg.event.sessions:
                    continue
                if reg.status in MOVABLE and q.first_start(reg.event) > now:
                    return reg, "transfer"
                window = q.last_end(reg.event) + timedelta(days=self.settings.reregister_window_days)
                if reg.status == NO_SHOW and now <= window:
                    return reg, "reregister"
        raise Refusal("You have no seat to move: `/training status` shows your registrations. A missed event "
                      f"can be re-registered within {self.settings.reregister_window_days} days after it ends.")

    async def choices(self, user_id: str) -> MoveChoice:
        now = self.clock()
        async with self.db.transaction() as s:
            reg, kind = await self._movable(s, user_id)
            upcoming = await calendar.upcoming_events(s, now, self.settings.registration_close_days)
            current = calendar.summarise(reg.event, await q.active_count(s, reg.event_id),
                                         self.settings.registration_close_days)
        targets = [e for e in upcoming if e.slug != current.slug and e.registration_closes > now]
        if not targets:
            raise Refusal("There is no other upcoming event to move to yet. New dates are announced here; "
                          f"email {self.settings.staff_email} if you need help.")
        return MoveChoice(reg.id, kind, current, targets)

    async def request(self, user_id: str, registration_id: int, target_slug: str) -> MoveResult:
        """Move at once when allowed (before both deadlines, room in the target), else file a request."""
        now = self.clock()
        async with self.db.transaction() as s:
            reg, kind = await self._movable(s, user_id)
            if reg.id != registration_id:
                raise Refusal("That registration is not yours to move; run `/training transfer` again.")
            target = await q.lock_event(s, target_slug)
            if target is None or not calendar.takes_registrations(target) or target.id == reg.event_id \
                    or q.first_start(target) <= now:
                raise Refusal("Pick an upcoming event other than your current one.", "target")
            source = await q.lock_event_id(s, reg.event_id)
            automatic = (kind == "transfer" and reg.status == ACTIVE and now <= self._deadline(source)
                         and now <= self._deadline(target) and await q.active_count(s, target.id) < target.capacity)
            if automatic:
                await self._move(s, reg, source, target, user_id, "transfer")
                summary = await self._summary(s, target)
                person = await people.by_slack_id(s, user_id)
                self.outbox.add(s, await announce.confirmation(s, person.id, user_id, timefmt.zone(person.timezone),
                                                               summary, target.id, self.settings, now))
                return MoveResult(True, summary)
            pending = await s.scalar(select(SeatRequest.id).where(
                SeatRequest.registration_id == reg.id, SeatRequest.status == "pending"))
            if pending:
                raise Refusal("You already have a request waiting for staff; you'll hear back by DM.")
            request = SeatRequest(registration_id=reg.id, source_event_id=reg.event_id, target_event_id=target.id,
                                  kind=kind, status="pending", requested_by=user_id)
            s.add(request)
            await s.flush()
            view = await self._view(s, request.id)
            self._show(s, view)
            return MoveResult(False, await self._summary(s, target), view)

    def _show(self, s: AsyncSession, view: RequestView) -> None:
        self.board.show(s, f"seat_request:{view.id}", self.describe(view), self.render(view))

    async def decide(self, request_id: int, staff_user: str, approve: bool) -> RequestView:
        """Staff approve or refuse; the staff message shows it and the requester hears by DM."""
        async with self.db.transaction() as s:
            await roles.require_staff(s, staff_user, "approve or refuse seat requests")
            request = await s.get(SeatRequest, request_id)
            if request is None:
                raise Refusal("That request no longer exists.")
            if request.status != "pending":
                raise Refusal(f"This request was already {request.status} by <@{request.decided_by}>.")
            calendar_file = ()
            if approve:
                reg, target = await self._still_possible(s, request)
                source = await calendar.event_with_sessions(s, reg.event.slug)
                await self._move(s, reg, source, target, staff_user, request.kind)
                calendar_file = (await calendar_files.invitation(
                    s, reg.person_id, request.requested_by, await self._summary(s, target), target.id, self.clock()),)
            request.status = "approved" if approve else "refused"
            request.decided_by, request.decided_at = staff_user, utcnow()
            view = await self._view(s, request.id)
            self._show(s, view)
            self.outbox.add(s, dm(view.requester, self._outcome_text(view), origin="seat_request", then=calendar_file))
        return view

    async def _still_possible(self, s: AsyncSession, request: SeatRequest) -> tuple[Registration, Event]:
        """What a request asks, checked again as things are now: the registration still where it was and still
        holding (or waiting for) a seat, room in the target, and a seat of the organisation for one waiting."""
        reg = await s.get(Registration, request.registration_id, options=[selectinload(Registration.event)],
                          with_for_update=True)
        if reg.status not in (*MOVABLE, NO_SHOW) or reg.event_id != request.source_event_id:
            raise Refusal(f"This request can no longer be approved: the registration is now {reg.status.replace('_', '-')}"
                          f" at `{reg.event.slug}`. Refuse it instead.")
        target = await q.lock_event_id(s, request.target_event_id)
        if await q.active_count(s, target.id) >= target.capacity:
            raise Refusal(f"{escape(target.title)} is full: free a seat there first, or refuse the request.")
        if reg.status not in SEAT_USING and reg.organisation_id is not None:
            org = await q.lock_organisation(s, reg.organisation_id)
            if org.total_seats - org.rolled_out_seats - await seats_used(s, org.id) <= 0:
                raise Refusal(f"{escape(org.name)} has no seat left for this move: add seats first, or refuse the request.")
        return reg, target

    async def withdraw_pending(self, s: AsyncSession, registration_id: int, actor: str) -> None:
        """A registration cancelled (by its trainee, or with its event) takes its waiting request with it; the staff
        post says so. In the caller's transaction."""
        pending = list(await s.scalars(select(SeatRequest).where(SeatRequest.registration_id == registration_id,
                                                                 SeatRequest.status == "pending")))
        for request in pending:
            request.status, request.decided_by, request.decided_at = "withdrawn", actor, utcnow()
            await s.flush()
            self._show(s, await self._view(s, request.id))

    async def _move(self, s: AsyncSession, reg: Registration, source: Event, target: Event, actor: str,
                    action: str) -> None:
        """Move the registration; a source event still ahead leaves the person's calendar (an .ics that cancels it)."""
        before = reg.status
        reg.event_id, reg.status = target.id, ACTIVE
        reg.event = target
        q.audit(s, reg, action, before, actor, detail=f"from {source.slug} to {target.slug}")
        now = self.clock()
        if q.first_start(source) > now:
            person = await s.get(Person, reg.person_id)
            removal = await calendar_files.cancellation(s, person.id, person.slack_user_id, source, now) \
                if person.slack_user_id else None
            if removal:
                self.outbox.add(s, removal)

    async def _summary(self, s: AsyncSession, event: Event) -> EventSummary:
        return calendar.summarise(event, await q.active_count(s, event.id), self.settings.registration_close_days)

    async def _view(self, s: AsyncSession, request_id: int) -> RequestView:
        r = await s.scalar(select(SeatRequest).where(SeatRequest.id == request_id).options(
            selectinload(SeatRequest.registration).selectinload(Registration.person),
            selectinload(SeatRequest.registration).selectinload(Registration.organisation),
            selectinload(SeatRequest.source_event), selectinload(SeatRequest.target_event)))
        reg = r.registration
        return RequestView(r.id, r.kind, r.status, r.requested_by, reg.person.name, r.source_event.title,
                           r.source_event.slug,
                           r.target_event.title, r.target_event.slug,
                           reg.organisation.name if reg.organisation else "no organisation", r.decided_by)

    def _outcome_text(self, view: RequestView) -> str:
        what = "move your seat" if view.kind == "transfer" else "re-register you"
        if view.status == "approved":
            return (f":white_check_mark: Staff approved your request to {what} to *{escape(view.to_title)}* "
                    f"(`{view.to_slug}`). `/training status` shows your registration.")
        return (f"Staff could not {what} to *{escape(view.to_title)}*. Email {self.settings.staff_email} to talk it "
                f"through, or pick another event with `/training transfer`.")

    @staticmethod
    def describe(view: RequestView) -> str:
        kind = "Seat transfer" if view.kind == "transfer" else "Re-registration after a missed event"
        return (f"*{kind}* for <@{view.requester}> ({escape(view.requester_name)}, {escape(view.organisation)}): "
                f"{escape(view.from_title)} (`{view.from_slug}`) → {escape(view.to_title)} (`{view.to_slug}`)")

