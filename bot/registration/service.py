"""Registering, cancelling and the waiting list (design.md, "Registration and seats")."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.common import people, timefmt
from bot.common.errors import Refusal
from bot.common.mrkdwn import escape
from bot.common.people import Profile
from bot.config import Settings
from bot.registration import announce, calendar_files, code_attempts, texts
from bot.registration import queries as q
from bot.registration.rules import seats_used
from bot.registration.seat_moves import SeatMoveService
from bot.slack.outbox import Outbox, dm, to_staff
from bot.training_calendar import events as calendar
from bot.training_calendar.events import EventSummary
from storage.db import Database, Reader
from storage.models import (
    ACTIVE,
    CANCELLED,
    FORFEITED,
    WAITLISTED,
    Event,
    Organisation,
    Person,
    Registration,
)

log = logging.getLogger(__name__)


MAX_CODE = 80  # Organisation.code


class WrongCode(Refusal):
    """A code no organisation has: counted, so that guessing codes soon makes one wait."""


@dataclass(frozen=True)
class Registered:
    status: str  # active | waitlisted
    position: int | None
    event: EventSummary
    organisation: str


@dataclass(frozen=True)
class Cancelled:
    outcome: str  # cancelled | forfeited | left_waitlist
    event: EventSummary


@dataclass(frozen=True)
class StatusItem:
    registration_id: int
    event: EventSummary
    status: str
    position: int | None
    change_deadline: datetime
    checkout_deadline: datetime


class RegistrationService:
    """`seat_moves` withdraws the waiting seat request of a registration that is cancelled."""

    def __init__(self, db: Database, settings: Settings, clock: Callable[[], datetime], outbox: Outbox,
                 seat_moves: SeatMoveService) -> None:
        self.db, self.settings, self.clock, self.outbox, self.seat_moves = db, settings, clock, outbox, seat_moves

    # ---- reading ----------------------------------------------------------
    async def open_events(self) -> list[EventSummary]:
        """Events that still take registrations (full ones offer their waiting list)."""
        async with self.db.read_rows() as reader:
            events = await calendar.upcoming_events(reader, self.clock(), self.settings.registration_close_days)
        now = self.clock()
        return [e for e in events if e.registration_closes > now]

    async def link(self, profile: Profile) -> None:
        """Link a roster record (loaded by email, without a Slack id) to this Slack user when their Slack profile
        shows its email, so their first look finds what staff registered them for. Someone already linked (nearly
        everyone, nearly always) costs one read, not a write transaction."""
        async with self.db.read_rows() as reader:
            if not profile.email or await people.known(reader, profile.user_id):
                return
        async with self.db.transaction() as s:
            await people.linked(s, profile)

    async def status(self, user_id: str) -> list[StatusItem]:
        async with self.db.read() as s:
            return await self._items(s, user_id)

    async def own_status(self, profile: Profile) -> list[StatusItem]:
        """`status` asked by the person themselves: linked first, as `link` does, but in the same read (one
        statement) when they are linked already (nearly everyone, nearly always)."""
        async with self.db.read_rows() as reader:
            items = await self._items(reader, profile.user_id)
            if items or await people.known(reader, profile.user_id):
                return items
        await self.link(profile)
        return await self.status(profile.user_id)

    async def _items(self, s: Reader, user_id: str) -> list[StatusItem]:
        items = []
        for registration_id, status, event_id, event in await calendar.registered_events(
                s, user_id, self.settings.registration_close_days):
            items.append(await self._status_item(s, registration_id, status, event_id, event))
        return items

    async def _item(self, s: AsyncSession, reg: Registration) -> StatusItem:
        return await self._status_item(s, reg.id, reg.status, reg.event_id, await self._summary(s, reg.event))

    async def _status_item(self, s: Reader, registration_id: int, status: str, event_id: int,
                           event: EventSummary) -> StatusItem:
        """Cancelling or moving closes when registration does (q.change_deadline)."""
        position = await q.waitlist_position(s, event_id, registration_id) if status == WAITLISTED else None
        return StatusItem(
            registration_id=registration_id, event=event, status=status, position=position,
            change_deadline=event.registration_closes,
            checkout_deadline=q.checkout_due(event.sessions[-1][1], event.timezone, self.settings.checkout_days))

    async def current(self, user_id: str) -> StatusItem | None:
        """The registration `/training cancel` acts on: active or waiting, for an event not yet ended."""
        async with self.db.read() as s:
            person = await people.by_slack_id(s, user_id)
            reg = await q.current_registration(s, person.id, self.clock()) if person else None
            return await self._item(s, reg) if reg else None

    # ---- registering -------------------------------------------------------
    async def register(self, profile: Profile, slug: str, code: str, coc_accepted: bool) -> Registered:
        """Register the person the Slack profile describes (who they are is Slack's to say, never the form's)."""
        if not profile.email:
            raise Refusal(people.no_email(self.settings.staff_email))
        if not coc_accepted:
            raise Refusal("Please read and accept the Code of Conduct: everyone at the training agrees to it.", "coc")
        code = (code or "").strip()
        if not code:
            raise Refusal("Enter your organisation's registration code (ask your organisation's contact).", "code")
        if len(code) > MAX_CODE:
            raise Refusal(f"Please keep it under {MAX_CODE} characters.", "code")
        if len(profile.email) > people.MAX_EMAIL:
            raise Refusal(people.no_email(self.settings.staff_email))
        profile = replace(profile, name=profile.name[:people.MAX_NAME])  # a display name, however long Slack's
        tz = timefmt.zone(profile.timezone)
        now = self.clock()
        async with self.db.read() as s:
            until = await code_attempts.waiting_until(s, profile.user_id, now)
        if until is not None:
            raise Refusal(code_attempts.wait_text(until, now, tz), "code")
        try:
            return await self._register(profile, slug, code, tz, now)
        except WrongCode:
            async with self.db.transaction() as s:
                until = await code_attempts.record_wrong(s, profile.user_id, now)
                if until is not None:
                    self.outbox.add(s, to_staff(
                        f":warning: <@{profile.user_id}> entered {code_attempts.LIMIT} wrong registration codes within "
                        f"{code_attempts.WINDOW_MINUTES} minutes (the last: `{escape(code[:80])}`); they must wait "
                        f"until {timefmt.when(until, timefmt.UTC)} before trying again.", origin="registration"))
            if until is not None:
                raise Refusal(code_attempts.wait_text(until, now, tz), "code") from None
            raise

    async def _register(self, profile: Profile, slug: str, code: str, tz, now: datetime) -> Registered:
        async with self.db.transaction() as s:
            person = await people.upsert_from_profile(s, profile, self.settings.staff_email)
            event = await q.lock_event(s, slug) if slug else None
            if event is None or not calendar.takes_registrations(event) or not event.sessions \
                    or q.first_start(event) <= now:
                raise Refusal("That event is not open for registration; pick another one.", "event")
            org_id = await calendar.organisation_id_for_code(s, code)
            org = await q.lock_organisation(s, org_id) if org_id else None
            self._check_code(org, code, now)
            self._check_open(event, now, tz)
            await self._check_one_seat(s, person, event, now)
            await self._check_org_seats(s, org)
            status = ACTIVE if await q.active_count(s, event.id) < event.capacity else WAITLISTED
            reg = Registration(event_id=event.id, person_id=person.id, organisation_id=org.id, status=status)
            s.add(reg)
            await s.flush()
            q.audit(s, reg, "register", None, profile.user_id, detail=f"code {org.code}")
            position = await q.waitlist_position(s, reg.event_id, reg.id) if status == WAITLISTED else None
            summary = await self._summary(s, event)
            if status == WAITLISTED:
                self.outbox.add(s, dm(profile.user_id, texts.waitlisted(summary, position or 0), origin="registration"))
            else:
                self.outbox.add(s, await announce.confirmation(s, person.id, profile.user_id, tz, summary, event.id,
                                                               self.settings, now))
        return Registered(status, position, summary, org.name)

    def _check_code(self, org: Organisation | None, code: str, now: datetime) -> None:
        if org is None:
            raise WrongCode(f"`{escape(code)}` is not a registration code we know. Check it with your organisation's "
                          f"contact, or email {self.settings.staff_email}.", "code")
        grace = timedelta(days=self.settings.code_grace_days)
        today = now.date()
        if today < org.membership_start - grace:
            raise Refusal(f"Code {escape(org.code)} becomes valid on {org.membership_start - grace:%-d %b %Y} "
                          f"({self.settings.code_grace_days} days before {escape(org.name)}'s agreement starts).", "code")
        if today > org.membership_end + grace:
            raise Refusal(f"Code {escape(org.code)} expired on {org.membership_end + grace:%-d %b %Y}. Ask your "
                          f"organisation's contact about renewing, or email {self.settings.staff_email}.", "code")

    def _check_open(self, event: Event, now: datetime, tz) -> None:
        deadline = q.change_deadline(event, self.settings.registration_close_days)
        if now > deadline:
            raise Refusal(f"Registration for {escape(event.title)} closed on {timefmt.when(deadline, tz)} "
                          f"({self.settings.registration_close_days} days before it starts). Pick a later event, "
                          f"or email {self.settings.staff_email} if you need this one.", "event")

    async def _check_one_seat(self, s: AsyncSession, person: Person, event: Event, now: datetime) -> None:
        held = await q.current_registration(s, person.id, now)
        if held is None:
            return
        if held.event_id == event.id:
            where = "on its waiting list" if held.status == WAITLISTED else "registered"
            raise Refusal(f"You are already {where} for this event; `/training status` shows it.", "event")
        raise Refusal(f"You already hold a place at {escape(held.event.title)} (`{held.event.slug}`): one seat per person "
                      f"at a time. Use `/training transfer` to move it, or `/training cancel` first.", "event")

    async def _check_org_seats(self, s: AsyncSession, org: Organisation) -> None:
        left = org.total_seats - org.rolled_out_seats - await seats_used(s, org.id)
        if left <= 0:
            raise Refusal(f"All {org.total_seats} training seats of {escape(org.name)} are used. Ask your organisation's "
                          f"contact; staff ({self.settings.staff_email}) may be able to add seats.", "code")

    async def _summary(self, s: AsyncSession, event: Event) -> EventSummary:
        return calendar.summarise(event, await q.active_count(s, event.id), self.settings.registration_close_days)

    # ---- cancelling --------------------------------------------------------
    async def cancel(self, user_id: str, registration_id: int) -> Cancelled:
        now = self.clock()
        async with self.db.transaction() as s:
            person = q.require_found(await people.by_slack_id(s, user_id), "You have no registration to cancel.")
            reg = await s.get(Registration, registration_id, options=[selectinload(Registration.organisation)])
            if reg is None or reg.person_id != person.id or reg.status not in q.LIVE:
                raise Refusal("You have no registration to cancel (it may already be cancelled).")
            event = await q.lock_event_id(s, reg.event_id)
            if now >= q.first_start(event):
                raise Refusal(f"{escape(event.title)} has started, so it can no longer be cancelled. Tell your trainers, "
                              f"or email {self.settings.staff_email}.")
            before = reg.status
            if reg.status == WAITLISTED:
                reg.status, outcome = CANCELLED, "left_waitlist"
            elif now <= q.change_deadline(event, self.settings.registration_close_days):
                reg.status, outcome = CANCELLED, "cancelled"
                await self._promote(s, event)
            else:
                reg.status, outcome = FORFEITED, "forfeited"
                org = reg.organisation.name if reg.organisation else None
                self.outbox.add(s, to_staff(texts.forfeited(person.name, event.title, event.slug, org),
                                            origin="registration"))
            q.audit(s, reg, "cancel", before, user_id, detail=outcome)
            removal = await calendar_files.cancellation(s, person.id, user_id, event, now)
            if removal:
                self.outbox.add(s, removal)
            await self.seat_moves.withdraw_pending(s, reg.id, user_id)
            await self._flag_if_serial_canceller(s, person)
            summary = await self._summary(s, event)
        return Cancelled(outcome, summary)

    async def _promote(self, s: AsyncSession, event: Event) -> None:
        """Give the freed seat to the first person waiting whose organisation still has a seat."""
        if await q.active_count(s, event.id) >= event.capacity:
            return
        for candidate in await q.waitlist(s, event.id):
            if candidate.organisation_id is not None:
                org = await q.lock_organisation(s, candidate.organisation_id)
                if org.total_seats - org.rolled_out_seats - await seats_used(s, org.id) <= 0:
                    continue
            candidate.status = ACTIVE
            await s.flush()
            q.audit(s, candidate, "promote from waiting list", WAITLISTED, "system")
            if candidate.person.slack_user_id:
                self.outbox.add(s, await announce.confirmation(
                    s, candidate.person_id, candidate.person.slack_user_id, timefmt.zone(candidate.person.timezone),
                    await self._summary(s, event), event.id, self.settings, self.clock(), promoted=True))
            return

    async def _flag_if_serial_canceller(self, s: AsyncSession, person: Person) -> None:
        count = await q.cancellations(s, person.id)  # autoflush has written this cancellation
        if count > self.settings.cancel_flag_limit and not person.flagged:
            person.flagged = True
            self.outbox.add(s, to_staff(texts.serial_canceller(person.name, person.email or person.slack_user_id, count),
                                        origin="registration"))
