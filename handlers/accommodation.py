"""/accommodation: the request form, status and withdrawing; the staff buttons and their note form.

The boundary logs a failure's traceback without SQL parameters (storage.db hides them), so what a requester wrote
never reaches a log.
"""
from __future__ import annotations

from bot.common import timefmt
from bot.services import Services
from handlers import accommodation_views as views
from handlers.boundary import Boundary
from handlers.commands import CommandTree, Sub
from handlers.requests import Action, Command, Submission


class Accommodation:
    def __init__(self, services: Services) -> None:
        self.services, self.slack, self.accommodation = services, services.slack, services.accommodation
        self.settings = services.settings

    async def open_form(self, cmd: Command) -> None:
        """The form, behind an ephemeral usage (so `status` and `help` are easy to find)."""
        await cmd.answer(self.tree().usage())
        choices = await self.accommodation.choices(cmd.user_id)
        profile = await self.slack.profile(cmd.user_id)
        await self.slack.open_view(cmd.trigger_id, views.request_modal(
            choices, timefmt.zone(profile.timezone), self.settings.accommodation_retention_days))

    async def status(self, cmd: Command) -> None:
        items = await self.accommodation.statuses_for(cmd.user_id)
        await cmd.answer(f"{len(items)} accommodation requests", views.status_blocks(items))

    async def submit(self, sub: Submission) -> None:
        profile = await self.slack.profile(sub.user_id)
        slug = sub.value("event")
        request_id = await self.accommodation.submit(profile, None if slug in (None, views.NO_EVENT) else slug,
                                                     sub.value("text"), sub.value("contact"))
        await sub.update(views.sent_view(bool(self.settings.staff_channel), self.settings.staff_email))
        await self.accommodation.confirm(request_id)

    async def acknowledge(self, act: Action) -> None:
        await act.ack_now()
        await self.accommodation.act(act.number(), act.user_id, "acknowledge")

    async def _open_note(self, act: Action, action: str) -> None:
        await act.ack_now()
        request_id = act.number()
        await self.accommodation.check_staff_action(request_id, act.user_id, action)
        await self.slack.open_view(act.trigger_id, views.note_modal(action, request_id))

    async def ask(self, act: Action) -> None:
        await self._open_note(act, "ask")

    async def resolve(self, act: Action) -> None:
        await self._open_note(act, "resolve")

    async def note_submit(self, sub: Submission) -> None:
        action = sub.meta_text("action")
        if action not in ("ask", "resolve"):
            await sub.errors({"note": "This form is out of date; close it and press the button again."})
            return
        await self.accommodation.act(sub.meta("id"), sub.user_id, action, sub.value("note"))
        await sub.close()

    async def withdraw(self, act: Action) -> None:
        await act.ack_now()
        await self.accommodation.withdraw(act.user_id, act.number())
        items = await self.accommodation.statuses_for(act.user_id)
        await act.replace("Request withdrawn", views.status_blocks(
            items, "Withdrawn: its text is deleted. Staff see only that it existed and was withdrawn."))

    def tree(self) -> CommandTree:
        return CommandTree("/accommodation", "ask Carpentries staff privately for an accessibility accommodation", [
            Sub("status", "", "your requests and their status; withdraw one (its text is deleted)", self.status),
        ], self.services.access, bare=Sub("", "", "open the request form (no documentation needed; only staff read it)",
                                          self.open_form))


def register(boundary: Boundary, services: Services) -> None:
    listeners = Accommodation(services)
    boundary.command("/accommodation", listeners.tree())
    boundary.view("accommodation_submit", listeners.submit, "text")
    boundary.action("accommodation_acknowledge", listeners.acknowledge)
    boundary.action("accommodation_ask", listeners.ask)
    boundary.action("accommodation_resolve", listeners.resolve)
    boundary.view("accommodation_note_submit", listeners.note_submit, "note")
    boundary.action("accommodation_withdraw", listeners.withdraw)
