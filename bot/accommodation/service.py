"""Accommodation requests (design.md, "Accommodation"): a private path from a trainee to staff.

What a requester writes goes only to the staff channel and their own DM, never into a log: Slack calls
here use a client whose logger never records request bodies, and aiosqlite's DEBUG records lose their
SQL parameters. A request that cannot be posted stays `pending`; whoever posts it (the submission, or
any sweep on any replica) first claims it with a conditional UPDATE, so it is posted once.
"""
from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import and_, case, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.common import people, roles
from bot.common.errors import Refusal
from bot.common.people import Profile
from bot.config import Settings
from bot.registration import queries as q
from bot.slack.gateway import SlackGateway
from storage.accommodation_models import (
    ACKNOWLEDGED,
    CANCELLED,
    CLAIMED,
    DETAILS_REQUESTED,
    PENDING,
    POSTED,
    RESOLVED,
    SUBMITTED,
    WITHDRAWN,
    AccommodationChange,
    AccommodationRequest,
)
from storage.db import Database
from storage.models import Event

Request = AccommodationRequest
CLAIM_LEASE = timedelta(minutes=10)  # a claim older than this was left by a crashed worker
MAX_TEXT = 2900
NOT_REGISTERED = "Not registered yet"
OPEN = (SUBMITTED, ACKNOWLEDGED, DETAILS_REQUESTED)
LABELS = {SUBMITTED: "Submitted", ACKNOWLEDGED: "Acknowledged", DETAILS_REQUESTED: "Details requested",
          RESOLVED: "Resolved", WITHDRAWN: "Withdrawn"}
STAFF_ACTIONS = {"acknowledge": ACKNOWLEDGED, "ask": DETAILS_REQUESTED, "resolve": RESOLVED}
STATUS_ACTIONS = ("submit", "withdraw", *STAFF_ACTIONS)

_QUIET = logging.getLogger("bot.accommodation.service.slack")
_QUIET.setLevel(logging.WARNING)  # slack_sdk logs bodies when its logger's own level is DEBUG or unset


@dataclass(frozen=True)
class EventChoice:
    slug: str
    title: str
    first_start: datetime
    in_person: bool
    location: str | None
    accessibility: tuple[str, ...]


@dataclass(frozen=True)
class RequestView:
    """A request as staff see it; `text` and `contact` are None once deleted."""

    id: int
    requester: str
    requester_name: str
    event_title: str
    event_slug: str | None
    text: str | None
    contact: str | None
    status: str
    actor: str  # who made the latest status change
    note: str | None  # the note that came with it
    updated: datetime

    @property
    def label(self) -> str:
        return LABELS[self.status]

    @property
    def open(self) -> bool:
        return self.status in OPEN


@dataclass(frozen=True)
class RequestStatus:
    """What the requester sees of one request (never its text)."""

    id: int
    event_title: str
    status: str
    updated: datetime

    @property
    def label(self) -> str:
        return LABELS[self.status]

    @property
    def withdrawable(self) -> bool:
        return self.status != WITHDRAWN


@dataclass(frozen=True)
class SweepResult:
    delivered: int
    deleted: int


StaffBlocks = Callable[[RequestView], list[dict]]


class AccommodationService:
    """`staff_blocks` renders the staff-channel message; handlers set it at start-up (Block Kit lives there)."""

    def __init__(self, db: Database, settings: Settings, clock: Callable[[], datetime], slack: SlackGateway) -> None:
        self.db, self.settings, self.clock = db, settings, clock
        self.slack = private_gateway(slack)
        self.staff_blocks: StaffBlocks | None = None
        hide_sql_parameters()

    # ---- the requester ------------------------------------------------------
    async def choices(self, user_id: str) -> list[EventChoice]:
        """The events a request can be about: the person's live registrations for events not yet over."""
        now = self.clock()
        async with self.db.transaction() as s:
            person = await people.by_slack_id(s, user_id)
            regs = await q.person_registrations(s, person.id, q.LIVE) if person else []
        return [_choice(r.event) for r in regs if r.event.sessions and q.last_end(r.event) > now]

    async def submit(self, profile: Profile, slug: str | None, text: str | None, contact: str | None) -> int:
        """Store a request (not yet delivered: call `deliver`); returns its id."""
        text = (text or "").strip()
        if not text:
            raise Refusal("Tell staff what would help; whatever you choose to share is enough.", "text")
        if len(text) > MAX_TEXT:
            raise Refusal(f"Please keep it under {MAX_TEXT} characters; staff can ask for more.", "text")
        now = self.clock()
        async with self.db.transaction() as s:
            person = await people.upsert_from_profile(s, profile)
            event_id = None
            if slug:
                regs = await q.person_registrations(s, person.id, q.LIVE)
                event_id = next((r.event_id for r in regs if r.event.slug == slug), None)
                if event_id is None:
                    raise Refusal(f"Pick one of your registrations, or “{NOT_REGISTERED}”.", "event")
            request = Request(requester=profile.user_id, person_id=person.id, event_id=event_id, text=text,
                              contact=(contact or "").strip()[:300] or None, status=SUBMITTED, created_at=now,
                              updated_at=now, delivery=PENDING)
            s.add(request)
            await s.flush()
            s.add(AccommodationChange(request_id=request.id, action="submit", status=SUBMITTED,
                                      actor=profile.user_id, at=now))
            return request.id

    async def statuses_for(self, user_id: str) -> list[RequestStatus]:
        async with self.db.transaction() as s:
            rows = await s.scalars(select(Request).where(Request.requester == user_id)
                                   .options(selectinload(Request.event))
                                   .order_by(Request.created_at.desc(), Request.id.desc()))
            return [RequestStatus(r.id, _title(r.event), r.status, r.updated_at) for r in rows]

    async def withdraw(self, user_id: str, request_id: int) -> RequestView:
        """The requester withdraws: text, contact and notes are deleted; the status history stays."""
        now = self.clock()
        async with self.db.transaction() as s:
            request = await s.get(Request, request_id, with_for_update=True)
            if request is None or request.requester != user_id:
                raise Refusal("That is not one of your requests; `/accommodation status` lists yours.")
            if request.status == WITHDRAWN:
                raise Refusal("You have already withdrawn that request.")
            request.text = request.contact = None
            request.text_deleted_at = now
            request.status, request.updated_at = WITHDRAWN, now
            if request.delivery == PENDING:
                request.delivery = CANCELLED
            await _forget_notes(s, request.id)
            s.add(AccommodationChange(request_id=request.id, action="withdraw", status=WITHDRAWN, actor=user_id,
                                      at=now))
            view, where = await self._view(s, request.id)
        await self._refresh(view, *where)
        await self.slack.dm(user_id, f"You withdrew your accommodation request {_about(view)}. Its text is deleted; "
                                     "staff see only that it existed and was withdrawn.")
        return view

    # ---- staff --------------------------------------------------------------
    async def check_staff_action(self, request_id: int, staff_user: str, action: str) -> None:
        """Refuse early (before a note modal opens) what `act` would refuse."""
        async with self.db.transaction() as s:
            await self._checked(s, request_id, staff_user, action)

    async def act(self, request_id: int, staff_user: str, action: str, note: str | None = None) -> RequestView:
        """acknowledge, ask (for details, with a note) or resolve; then `announce` it (after Slack's ack)."""
        note = (note or "").strip() or None
        if action == "ask" and not note:
            raise Refusal("Say which details would help.", "note")
        now = self.clock()
        async with self.db.transaction() as s:
            request = await self._checked(s, request_id, staff_user, action)
            request.status, request.updated_at = STAFF_ACTIONS[action], now
            s.add(AccommodationChange(request_id=request.id, action=action, status=request.status, actor=staff_user,
                                      at=now, note=note))
            view, _ = await self._view(s, request.id)
        return view

    async def announce(self, view: RequestView) -> None:
        """Show a staff action in the staff message and tell the requester, with the note."""
        async with self.db.transaction() as s:
            current, where = await self._view(s, view.id)
        await self._refresh(current, *where)
        await self.slack.dm(view.requester, self._status_dm(view))

    async def _checked(self, s: AsyncSession, request_id: int, staff_user: str, action: str) -> Request:
        await roles.require_staff(s, staff_user, "handle accommodation requests")
        request = await s.get(Request, request_id, with_for_update=True)
        if request is None:
            raise Refusal("That request no longer exists.")
        if request.status not in OPEN:
            raise Refusal(f"This request is already {LABELS[request.status].lower()}; nothing was changed.")
        if STAFF_ACTIONS[action] == request.status == ACKNOWLEDGED:
            raise Refusal("This request is already acknowledged; nothing was changed.")
        return request

    # ---- delivery and retention ----------------------------------------------
    async def deliver(self, request_id: int, *, first: bool = True) -> bool:
        """Post a pending request to the staff channel, once; DM the requester how it went.

        `first` is the attempt right after submitting: the requester hears either way. Later attempts
        (sweeps) only tell them when it finally got through.
        """
        channel, posted = self.settings.staff_channel, False
        if channel and self.staff_blocks:
            if not await self._claim(request_id):
                return False  # another worker is posting it, and tells the requester
            async with self.db.transaction() as s:
                shown, _ = await self._view(s, request_id)
            sent = await self.slack.post(channel, _headline(shown), self.staff_blocks(shown))
            posted = sent.ok
            if posted:
                await self._posted(request_id, sent.channel or channel, sent.ts or "", shown)
            else:
                await self._release(request_id)
        if posted or first:
            async with self.db.transaction() as s:
                view, _ = await self._view(s, request_id)
            await self.slack.dm(view.requester, self._delivery_dm(view, posted, first))
        return posted

    async def sweep(self) -> SweepResult:
        """Deliver what is undelivered, then delete texts past retention; idempotent, safe to run concurrently."""
        delivered = 0
        for request_id in await self._undelivered():
            delivered += await self.deliver(request_id, first=False)
        return SweepResult(delivered, await self._expire())

    async def _undelivered(self) -> list[int]:
        if not self.settings.staff_channel or self.staff_blocks is None:
            return []
        async with self.db.transaction() as s:
            return list(await s.scalars(select(Request.id).where(self._claimable()).order_by(Request.id)))

    def _claimable(self):
        stale = self.clock() - CLAIM_LEASE
        return and_(Request.text.is_not(None), or_(
            Request.delivery == PENDING, and_(Request.delivery == CLAIMED, Request.claimed_at < stale)))

    async def _claim(self, request_id: int) -> bool:
        async with self.db.transaction() as s:
            result = await s.execute(update(Request).where(Request.id == request_id, self._claimable())
                                     .values(delivery=CLAIMED, claimed_at=self.clock())
                                     .execution_options(synchronize_session=False))
            return result.rowcount == 1

    async def _release(self, request_id: int) -> None:
        async with self.db.transaction() as s:
            await s.execute(update(Request).where(Request.id == request_id, Request.delivery == CLAIMED)
                            .values(delivery=PENDING, claimed_at=None).execution_options(synchronize_session=False))

    async def _posted(self, request_id: int, channel: str, ts: str, shown: RequestView) -> None:
        async with self.db.transaction() as s:
            request = await s.get(Request, request_id, with_for_update=True)
            request.delivery, request.claimed_at = POSTED, None
            request.staff_channel, request.staff_ts = channel, ts
            s.add(AccommodationChange(request_id=request_id, action="post to staff", status=request.status,
                                      actor="system", at=self.clock()))
            view, where = await self._view(s, request_id)
        if (view.status, view.text) != (shown.status, shown.text):  # withdrawn while it was being posted
            await self._refresh(view, *where)

    async def _expire(self) -> int:
        """Delete texts (and contacts, notes) of requests whose event ended more than the retention period ago.

        A request for no event counts from when it was resolved.
        """
        now, keep = self.clock(), timedelta(days=self.settings.accommodation_retention_days)
        async with self.db.transaction() as s:
            rows = await s.scalars(select(Request).where(Request.text_deleted_at.is_(None)).options(
                selectinload(Request.event).selectinload(Event.sessions)))
            due = [r.id for r in rows if _expired(r, now, keep)]
        refreshed = []
        for request_id in due:
            async with self.db.transaction() as s:
                result = await s.execute(
                    update(Request).where(Request.id == request_id, Request.text_deleted_at.is_(None))
                    .values(text=None, contact=None, text_deleted_at=now,
                            delivery=case((Request.delivery == PENDING, CANCELLED), else_=Request.delivery))
                    .execution_options(synchronize_session=False))
                if result.rowcount != 1:
                    continue  # another sweep got there first
                await _forget_notes(s, request_id)
                request = await s.get(Request, request_id)
                s.add(AccommodationChange(request_id=request_id, action="delete text (retention)",
                                          status=request.status, actor="system", at=now))
                refreshed.append(await self._view(s, request_id))
        for view, where in refreshed:
            await self._refresh(view, *where)
        return len(refreshed)

    # ---- shared ---------------------------------------------------------------
    async def _view(self, s: AsyncSession, request_id: int) -> tuple[RequestView, tuple[str | None, str | None]]:
        """The request as staff see it, and where its staff message is (channel, ts)."""
        r = await s.scalar(select(Request).where(Request.id == request_id).options(
            selectinload(Request.person), selectinload(Request.event), selectinload(Request.changes)))
        last = [c for c in r.changes if c.action in STATUS_ACTIONS][-1]
        view = RequestView(r.id, r.requester, r.person.name, _title(r.event), r.event.slug if r.event else None,
                           r.text, r.contact, r.status, last.actor, last.note, r.updated_at)
        return view, (r.staff_channel, r.staff_ts)

    async def _refresh(self, view: RequestView, channel: str | None, ts: str | None) -> None:
        """Show the request's current state in its staff message (when it has one)."""
        if channel and ts and self.staff_blocks:
            await self.slack.update(channel, ts, _headline(view), self.staff_blocks(view))

    def _delivery_dm(self, view: RequestView, posted: bool, first: bool) -> str:
        if not posted:
            return (f":warning: Your accommodation request {_about(view)} is saved, but I could not deliver it to "
                    f"staff yet. I will send it automatically as soon as I can; if it is urgent, email "
                    f"{self.settings.staff_email}.")
        if not first:
            return (f":white_check_mark: Your accommodation request {_about(view)} has now reached Carpentries "
                    "staff. I'll tell you here when its status changes.")
        return (f":white_check_mark: Your accommodation request {_about(view)} reached Carpentries staff; only "
                f"staff can read it. You wrote:\n{quote(view.text or '')}\nI'll tell you here when its status "
                "changes. `/accommodation status` lists your requests; withdrawing one deletes its text, and "
                f"texts are deleted {self.settings.accommodation_retention_days} days after the event ends.")

    def _status_dm(self, view: RequestView) -> str:
        note = f"\n{quote(view.note)}" if view.note else ""
        if view.status == DETAILS_REQUESTED:
            return (f"Staff would like a few more details about your accommodation request {_about(view)}:{note}\n"
                    f"Reply with a new `/accommodation` request, or email {self.settings.staff_email}. "
                    "Share only what you are comfortable with.")
        if view.status == RESOLVED:
            return f":white_check_mark: Staff marked your accommodation request {_about(view)} as resolved.{note}"
        return f"Staff acknowledged your accommodation request {_about(view)} and are working on it.{note}"


def _choice(event: Event) -> EventChoice:
    return EventChoice(event.slug, event.title, q.first_start(event), event.format == "in-person", event.location,
                       tuple(event.accessibility or ()))


def _title(event: Event | None) -> str:
    return event.title if event else NOT_REGISTERED


def _about(view: RequestView) -> str:
    return f"for *{view.event_title}*" if view.event_slug else "(not registered for an event yet)"


def _headline(view: RequestView) -> str:
    """Notification text of the staff message: who and which event, never what was asked."""
    return f"Accommodation request #{view.id} from {view.requester_name} ({view.event_title}): {view.label}"


def _expired(request: Request, now: datetime, keep: timedelta) -> bool:
    if request.event is not None and request.event.sessions:
        return q.last_end(request.event) + keep < now
    return request.status == RESOLVED and request.updated_at + keep < now


async def _forget_notes(s: AsyncSession, request_id: int) -> None:
    await s.execute(update(AccommodationChange).where(AccommodationChange.request_id == request_id)
                    .values(note=None).execution_options(synchronize_session=False))


def escape(text: str) -> str:
    """mrkdwn-escape what a person typed, so `<!channel>` or a link in it stays plain text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quote(text: str) -> str:
    return "\n".join(f">{line}" for line in escape(text).splitlines() or [""])


def private_gateway(slack: SlackGateway) -> SlackGateway:
    """A gateway like `slack` whose client never logs request or response bodies."""
    c = slack.client
    return SlackGateway(AsyncWebClient(token=c.token, base_url=c.base_url, timeout=c.timeout,
                                       retry_handlers=c.retry_handlers, logger=_QUIET))


class _WithoutSqlParameters(logging.Filter):
    """aiosqlite logs each call at DEBUG with its SQL parameters: keep the call's name, drop its arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(getattr(a.func, "__qualname__", "call") if isinstance(a, functools.partial) else a
                                for a in record.args)
        return True


def hide_sql_parameters() -> None:
    logger = logging.getLogger("aiosqlite")
    if not any(isinstance(f, _WithoutSqlParameters) for f in logger.filters):
        logger.addFilter(_WithoutSqlParameters())
