"""/training register, status, cancel, transfer, seats and the registration admin tools; their forms and buttons."""
from __future__ import annotations

import asyncio

from bot.common import timefmt
from bot.common.errors import Refusal
from bot.common.mrkdwn import escape
from bot.common.people import no_email
from bot.services import Services
from handlers import registration_views as views
from handlers.boundary import Boundary
from handlers.requests import Action, Command, Submission
from handlers.words import person

CANCELLED_TEXT = {
    "cancelled": "Your registration for *{title}* is cancelled and the seat returned to your organisation. You can "
                 "register for another event with `/training register`.",
    "left_waitlist": "You have left the waiting list of *{title}*.",
    "forfeited": "Your registration for *{title}* is cancelled. Because the registration deadline had passed, your "
                 "organisation's seat is forfeited; staff have been told and may move it to another event. Ask them "
                 "at {email}.",
}


class Registration:
    def __init__(self, services: Services) -> None:
        self.services, self.slack, self.settings = services, services.slack, services.settings
        self.reg, self.moves, self.admin = services.registration, services.seat_moves, services.registration_admin

    # ---- /training register, and the Register buttons of the calendar ------------------------------------------
    async def register(self, cmd: Command) -> None:
        await cmd.ack_now()
        await self._open_form(cmd.user_id, cmd.trigger_id, cmd.args[0] if cmd.args else "", None)

    async def register_button(self, act: Action) -> None:
        await act.ack_now()
        await self._open_form(act.user_id, act.trigger_id, "", act.value)

    async def _open_form(self, user_id: str, trigger_id: str, code: str, chosen: str | None) -> None:
        profile = await self.slack.profile(user_id)
        if not profile.email:
            raise Refusal(no_email(self.settings.staff_email))
        events = await self.reg.open_events()
        if not events:
            raise Refusal("No event is open for registration right now; `/training calendar` shows what is coming.")
        await self.slack.open_view(trigger_id, views.register_modal(events, profile, timefmt.zone(profile.timezone),
                                                                    code, chosen))

    async def register_submit(self, sub: Submission) -> None:
        """Registering normally answers inside Slack's 3 s; when it cannot, the form says it goes on in the
        background and the outcome follows by DM, so nobody sees a failure that succeeded."""
        profile = await self.slack.profile(sub.user_id)
        task = asyncio.ensure_future(self.reg.register(profile, sub.value("event") or "", sub.value("code") or "",
                                                       "accepted" in (sub.value("coc") or [])))
        await asyncio.wait({task}, timeout=self.settings.view_budget_ms / 1000)
        if task.done():
            await sub.update(views.registered_view(task.result()))
            return
        await sub.update(views.processing_view())
        try:
            await task
        except Refusal as refusal:
            raise Refusal(f"Your registration did not go through: {refusal.message}") from None

    # ---- status, cancel, transfer ---------------------------------------------------------------------------
    async def status(self, cmd: Command) -> None:
        profile = await self.slack.profile(cmd.user_id)
        items = await self.reg.own_status(profile)
        await cmd.answer(f"{len(items)} registrations", views.status_blocks(items, timefmt.zone(profile.timezone)))

    async def cancel(self, cmd: Command) -> None:
        await self.reg.link(await self.slack.profile(cmd.user_id))
        item = await self.reg.current(cmd.user_id)
        if item is None:
            raise Refusal("You have no registration to cancel. `/training status` shows what you have.")
        before = self.services.clock() <= item.change_deadline or item.status == "waitlisted"
        await cmd.answer(f"Cancel {escape(item.event.title)}?",
                         views.cancel_confirm_blocks(item.event.title, item.registration_id, before))

    async def cancel_confirm(self, act: Action) -> None:
        await act.ack_now()
        done = await self.reg.cancel(act.user_id, act.number())
        await act.replace(CANCELLED_TEXT[done.outcome].format(title=escape(done.event.title),
                                                              email=self.settings.staff_email))

    async def cancel_keep(self, act: Action) -> None:
        await act.ack_now()
        await act.replace("Nothing was changed.")

    async def transfer(self, cmd: Command) -> None:
        await cmd.ack_now()
        profile = await self.slack.profile(cmd.user_id)
        await self.reg.link(profile)
        choice = await self.moves.choices(cmd.user_id)
        await self.slack.open_view(cmd.trigger_id, views.transfer_modal(choice, timefmt.zone(profile.timezone)))

    async def transfer_submit(self, sub: Submission) -> None:
        result = await self.moves.request(sub.user_id, sub.meta("registration"), sub.value("target") or "")
        await sub.update(views.moved_view(result, bool(self.settings.staff_channel), self.settings.staff_email))

    async def decide(self, act: Action, approve: bool) -> None:
        await act.ack_now()
        await self.moves.decide(act.number(), act.user_id, approve)

    async def approve(self, act: Action) -> None:
        await self.decide(act, True)

    async def refuse(self, act: Action) -> None:
        await self.decide(act, False)

    # ---- organisation contacts and staff --------------------------------------------------------------------
    async def seats(self, cmd: Command) -> None:
        report = await self.admin.seats(cmd.user_id, cmd.args[0] if cmd.args else None)
        await cmd.answer(f"Seats of {escape(report.organisation)}: {report.left} left", views.seats_blocks(report))

    async def roster(self, cmd: Command) -> None:
        if len(cmd.args) != 1:
            raise Refusal("Usage: `/training admin roster EVENT`")
        roster = await self.admin.roster(cmd.user_id, cmd.args[0])
        await cmd.answer(f"Roster of {roster.slug}", views.roster_blocks(roster))

    async def no_show(self, cmd: Command) -> None:
        trainee = await person(self.slack, cmd.args[1]) if len(cmd.args) == 2 else None
        if trainee is None:
            raise Refusal("Usage: `/training admin no-show EVENT @user`")
        name = await self.admin.mark_no_show(cmd.user_id, cmd.args[0], trainee)
        await cmd.answer(f"{escape(name)} is marked as a no-show at `{escape(cmd.args[0])}`; the seat stays used. "
                         "They can ask to "
                         f"re-register within {self.settings.reregister_window_days} days of the end.")

    async def cancel_event(self, cmd: Command) -> None:
        if len(cmd.args) < 2:
            raise Refusal("Usage: `/training admin cancel-event EVENT REASON…`")
        roster = await self.admin.check_cancel_event(cmd.user_id, cmd.args[0])
        await cmd.answer(f"Cancel {roster.slug}?", views.cancel_event_confirm_blocks(roster, " ".join(cmd.args[1:])))

    async def cancel_event_confirm(self, act: Action) -> None:
        await act.ack_now()
        value = act.json()
        done = await self.admin.cancel_event(act.user_id, str(value.get("slug")), str(value.get("reason") or ""))
        await act.replace(f"*{escape(done.title)}* is cancelled; {done.told} people were told by DM.")


def register(boundary: Boundary, services: Services) -> Registration:
    listeners = Registration(services)
    boundary.action("register_open", listeners.register_button)
    boundary.view("register_submit", listeners.register_submit, "event")
    boundary.action("cancel_confirm", listeners.cancel_confirm)
    boundary.action("cancel_keep", listeners.cancel_keep)
    boundary.view("transfer_submit", listeners.transfer_submit, "target")
    boundary.action("seat_request_approve", listeners.approve)
    boundary.action("seat_request_refuse", listeners.refuse)
    boundary.action("cancel_event_confirm", listeners.cancel_event_confirm)
    return listeners
