"""Accommodation requests (design.md, "Accommodation"): a private path from a trainee to staff.

What a requester writes goes only to the staff board and their own DM, never into a log (the Slack client's
logger never records bodies; aiosqlite's DEBUG records lose their SQL parameters: bot.common.log_redaction).
Deleting a text (withdrawn, retention, forgotten) also redacts its copies in Slack, through the outbox.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.common import people, roles
from bot.common.errors import Refusal
from bot.common.mrkdwn import escape, quote
from bot.common.people import Profile
from bot.config import Settings
from bot.registration import queries as q
from bot.slack.board import StaffBoard
from bot.slack.outbox import Message, Outbox, dm, live_keys, posted
from storage.accommodation_models import (
    ACKNOWLEDGED,
    DETAILS_REQUESTED,
    RESOLVED,
    SUBMITTED,
    WITHDRAWN,
    AccommodationChange,
    AccommodationRequest,
)
from storage.db import Database
from storage.models import Event

Request = AccommodationRequest
MAX_TEXT = 2900
NOT_REGISTERED = "Not registered yet"
OPEN = (SUBMITTED, ACKNOWLEDGED, DETAILS_REQUESTED)
LABELS = {SUBMITTED: "Submitted", ACKNOWLEDGED: "Acknowledged", DETAILS_REQUESTED: "Details requested",
          RESOLVED: "Resolved", WITHDRAWN: "Withdrawn"}
STAFF_ACTIONS = {"acknowledge": ACKNOWLEDGED, "ask": DETAILS_REQUESTED, "resolve": RESOLVED}
STATUS_ACTIONS = ("submit", "withdraw", *STAFF_ACTIONS)


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
    reposted: int
    deleted: int


class AccommodationService:
    """Every message about a request goes through the outbox in the transaction that changes the request: the staff
    board's post (drawn by `render`, Block Kit from handlers), the requester's receipt and status DMs."""

    def __init__(self, db: Database, settings: Settings, clock: Callable[[], datetime], outbox: Outbox,
                 board: StaffBoard, render: Callable[[RequestView], list[dict]]) -> None:
        self.db, self.settings, self.clock, self.outbox = db, settings, clock, outbox
        self.board, self.render = board, render

    # ---- the requester ------------------------------------------------------
    async def choices(self, user_id: str) -> list[EventChoice]:
        """The events a request can be about: the person's live registrations for events not yet over."""
        now = self.clock()
        async with self.db.read() as s:
            person = await people.by_slack_id(s, user_id)
            regs = await q.person_registrations(s, person.id, q.LIVE) if person else []
        return [_choice(r.event) for r in regs if r.event.sessions and q.last_end(r.event) > now]

    async def submit(self, profile: Profile, slug: str | None, text: str | None, contact: str | None) -> int:
        """Store a request and put it on the staff board; once it is there, the requester gets a receipt."""
        text = (text or "").strip()
        if not text:
            raise Refusal("Tell staff what would help; whatever you choose to share is enough.", "text")
        if len(text) > MAX_TEXT:
            raise Refusal(f"Please keep it under {MAX_TEXT} characters; staff can ask for more.", "text")
        now = self.clock()
        async with self.db.transaction() as s:
            person = await people.upsert_from_profile(s, profile, self.settings.staff_email)
            event_id = None
            if slug:
                regs = await q.person_registrations(s, person.id, q.LIVE)
                event_id = next((r.event_id for r in regs if r.event.slug == slug), None)
                if event_id is None:
                    raise Refusal(f"Pick one of your registrations, or “{NOT_REGISTERED}”.", "event")
            request = Request(requester=profile.user_id, person_id=person.id, event_id=event_id, text=text,
                              contact=(contact or "").strip()[:300] or None, status=SUBMITTED, created_at=now,
                              updated_at=now)
            s.add(request)
            await s.flush()
            s.add(AccommodationChange(request_id=request.id, action="submit", status=SUBMITTED,
                                      actor=profile.user_id, at=now))
            self._show(s, await self._view(s, request.id), receipt=True)
            return request.id

    async def confirm(self, request_id: int) -> None:
        """After submitting: if the staff board could not take the request yet, tell the requester it waits."""
        await self.outbox.flush()
        async with self.db.read() as s:
            if await posted(s, _key(request_id)):
                return
            view = await self._view(s, request_id)
        await self.outbox.send(dm(view.requester, (
            f":warning: Your accommodation request {_about(view)} is saved, but I could not deliver it to staff yet. "
            f"I will send it automatically as soon as I can; if it is urgent, email {self.settings.staff_email}."),
            origin="accommodation"))

    async def statuses_for(self, user_id: str) -> list[RequestStatus]:
        async with self.db.read() as s:
            rows = await s.scalars(select(Request).where(Request.requester == user_id)
                                   .options(selectinload(Request.event))
                                   .order_by(Request.created_at.desc(), Request.id.desc()))
            return [RequestStatus(r.id, _title(r.event), r.status, r.updated_at) for r in rows]

    async def withdraw(self, user_id: str, request_id: int) -> RequestView:
        """The requester withdraws: text, contact and notes are deleted, here and in Slack; the history stays."""
        now = self.clock()
        async with self.db.transaction() as s:
            request = await s.get(Request, request_id, with_for_update=True)
            if request is None or request.requester != user_id:
                raise Refusal("That is not one of your requests; `/accommodation status` lists yours.")
            if request.status == WITHDRAWN:
                raise Refusal("You have already withdrawn that request.")
            request.status, request.updated_at = WITHDRAWN, now
            await self._delete_text(s, request, "withdraw", user_id)
            await self.redact_in_slack(s, request.id)
            view = await self._view(s, request.id)
            self.outbox.add(s, dm(user_id, f"You withdrew your accommodation request {_about(view)}. Its text is "
                                           "deleted; staff see only that it existed and was withdrawn.",
                                  origin="accommodation"))
        return view

    # ---- staff --------------------------------------------------------------
    async def check_staff_action(self, request_id: int, staff_user: str, action: str) -> None:
        """Refuse early (before a note modal opens) what `act` would refuse."""
        async with self.db.read() as s:
            await self._checked(s, request_id, staff_user, action)

    async def act(self, request_id: int, staff_user: str, action: str, note: str | None = None) -> RequestView:
        """acknowledge, ask (for details, with a note) or resolve: the staff post shows it, the requester hears."""
        note = (note or "").strip() or None
        if action == "ask" and not note:
            raise Refusal("Say which details would help.", "note")
        now = self.clock()
        async with self.db.transaction() as s:
            request = await self._checked(s, request_id, staff_user, action)
            request.status, request.updated_at = STAFF_ACTIONS[action], now
            s.add(AccommodationChange(request_id=request.id, action=action, status=request.status, actor=staff_user,
                                      at=now, note=note))
            view = await self._view(s, request.id)
            self._show(s, view)
            self.outbox.add(s, dm(view.requester, self._status_dm(view), origin="accommodation"))
        return view

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

    # ---- the sweep: retention, and requests not yet on the board ------------------------------------------
    async def sweep(self) -> SweepResult:
        """Idempotent and safe to run concurrently: concurrent runs change each request once."""
        return SweepResult(await self._post_missing(), await self._expire())

    async def _post_missing(self) -> int:
        """Put on the board requests with text that have no post and none on its way (e.g. from before the
        outbox existed)."""
        async with self.db.transaction() as s:
            ids = list(await s.scalars(select(Request.id).where(Request.text.is_not(None))))
            missing = sorted(set(ids) - {int(k.split(":")[1]) for k in await live_keys(s, [_key(i) for i in ids])})
            for request_id in missing:
                self._show(s, await self._view(s, request_id))
        return len(missing)

    async def _expire(self) -> int:
        """Delete texts (and contacts, notes) of requests whose event ended more than the retention period ago,
        and their copies in Slack. A request for no event counts from when it was resolved."""
        now, keep = self.clock(), timedelta(days=self.settings.accommodation_retention_days)
        async with self.db.read() as s:
            rows = await s.scalars(select(Request).where(Request.text_deleted_at.is_(None)).options(
                selectinload(Request.event).selectinload(Event.sessions)))
            due = [r.id for r in rows if _expired(r, now, keep)]
        deleted = 0
        for request_id in due:
            async with self.db.transaction() as s:
                request = await s.get(Request, request_id, with_for_update=True)
                if request.text_deleted_at is not None:
                    continue  # another sweep got there first
                await self._delete_text(s, request, "delete text (retention)", "system")
                await self.redact_in_slack(s, request_id)
                deleted += 1
        return deleted

    async def redact_in_slack(self, s: AsyncSession, request_id: int, *, forget: bool = False) -> None:
        """The staff post shows the request as it now is (without its text); the requester's receipt loses its
        quote, or goes when the requester is forgotten."""
        view = await self._view(s, request_id)
        self._show(s, view)
        receipt = _key(view.id) + ":receipt"
        if forget:
            self.outbox.add(s, Message(view.requester, key=receipt, action="delete", origin="accommodation"))
        else:
            self.outbox.add(s, Message(view.requester, self._receipt(view), key=receipt, action="edit",
                                       origin="accommodation"))

    # ---- shared ---------------------------------------------------------------
    async def _delete_text(self, s: AsyncSession, request: Request, action: str, actor: str) -> None:
        now = self.clock()
        request.text = request.contact = None
        request.text_deleted_at = now
        await _forget_notes(s, request.id)
        s.add(AccommodationChange(request_id=request.id, action=action, status=request.status, actor=actor, at=now))
        await s.flush()

    async def _view(self, s: AsyncSession, request_id: int) -> RequestView:
        """The request as staff see it."""
        r = await s.scalar(select(Request).where(Request.id == request_id).options(
            selectinload(Request.person), selectinload(Request.event), selectinload(Request.changes))
            .execution_options(populate_existing=True))
        last = [c for c in r.changes if c.action in STATUS_ACTIONS][-1]
        return RequestView(r.id, r.requester, r.person.name, _title(r.event), r.event.slug if r.event else None,
                           r.text, r.contact, r.status, last.actor, last.note, r.updated_at)

    def _show(self, s: AsyncSession, view: RequestView, *, receipt: bool = False) -> None:
        """The request on the staff board; with `receipt`, the requester's receipt follows its first post."""
        then = (dm(view.requester, self._receipt(view), key=_key(view.id) + ":receipt", origin="accommodation"),)
        self.board.show(s, _key(view.id), _headline(view), self.render(view), then=then if receipt else ())

    def _receipt(self, view: RequestView) -> str:
        if view.text is None:
            return (f"Your accommodation request {_about(view)} reached Carpentries staff. Its text is deleted "
                    "(withdrawn, or past the retention period); staff see only that it existed.")
        return (f":white_check_mark: Your accommodation request {_about(view)} reached Carpentries staff; only "
                f"staff can read it. You wrote:\n{quote(view.text)}\nI'll tell you here when its status changes. "
                "`/accommodation status` lists your requests; withdrawing one deletes its text, and texts are "
                f"deleted {self.settings.accommodation_retention_days} days after the event ends.")

    def _status_dm(self, view: RequestView) -> str:
        note = f"\n{quote(view.note)}" if view.note else ""
        if view.status == DETAILS_REQUESTED:
            return (f"Staff would like a few more details about your accommodation request {_about(view)}:{note}\n"
                    f"Reply with a new `/accommodation` request, or email {self.settings.staff_email}. "
                    "Share only what you are comfortable with.")
        if view.status == RESOLVED:
            return f":white_check_mark: Staff marked your accommodation request {_about(view)} as resolved.{note}"
        return f"Staff acknowledged your accommodation request {_about(view)} and are working on it.{note}"


def _key(request_id: int) -> str:
    return f"accommodation:{request_id}"


def _choice(event: Event) -> EventChoice:
    return EventChoice(event.slug, event.title, q.first_start(event), event.format == "in-person", event.location,
                       tuple(event.accessibility or ()))


def _title(event: Event | None) -> str:
    return event.title if event else NOT_REGISTERED


def _about(view: RequestView) -> str:
    return f"for *{escape(view.event_title)}*" if view.event_slug else "(not registered for an event yet)"


def _headline(view: RequestView) -> str:
    """Notification text of the staff message: who and which event, never what was asked."""
    return f"Accommodation request #{view.id} from {escape(view.requester_name)} ({escape(view.event_title)}): {view.label}"


def _expired(request: Request, now: datetime, keep: timedelta) -> bool:
    if request.event is not None and request.event.sessions:
        return q.last_end(request.event) + keep < now
    return request.status == RESOLVED and request.updated_at + keep < now


async def _forget_notes(s: AsyncSession, request_id: int) -> None:
    await s.execute(update(AccommodationChange).where(AccommodationChange.request_id == request_id)
                    .values(note=None).execution_options(synchronize_session=False))
