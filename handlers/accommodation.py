"""/accommodation: the request form, status and withdrawing; the staff buttons and their note form.

Failures here are logged by exception type only: a message could quote what the requester wrote.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

from slack_bolt.async_app import AsyncApp

from bot.common import timefmt
from bot.common.errors import Refusal
from bot.services import Services
from bot.slack.surge import SlashListener
from handlers import accommodation_views as views
from handlers.commands import Command, make_command_listener, split_args
from handlers.registration import state_value

log = logging.getLogger(__name__)

USAGE = """*`/accommodation`* — ask Carpentries staff privately for an accessibility accommodation
• `/accommodation` — open the request form (no documentation needed; only staff read it)
• `/accommodation status` — your requests and their status; withdraw one (its text is deleted)
• `/accommodation help` — this message"""


def register(app: AsyncApp, services: Services) -> SlashListener:
    accommodation, staff_email = services.accommodation, services.settings.staff_email
    accommodation.staff_blocks = views.staff_blocks

    async def privately(reply: Callable[[str], Awaitable[None]], work: Awaitable[None]) -> None:
        try:
            await work
        except Refusal as refusal:
            await reply(refusal.message)
        except Exception as exc:  # noqa: BLE001 - the person must get an answer whatever broke
            log.warning("accommodation: %s", type(exc).__name__)
            await reply(f"Something went wrong on our side and nothing was changed. Please try again; "
                        f"if it keeps happening, email {staff_email}.")

    def ephemeral(respond) -> Callable[[str], Awaitable[None]]:
        return lambda text: respond(text=text, response_type="ephemeral", replace_original=False)

    async def open_form(cmd: Command) -> None:
        """The form, behind an ephemeral usage (so `status` and `help` are easy to find)."""
        await cmd.answer(USAGE)
        choices = await accommodation.choices(cmd.user_id)
        profile = await services.slack.profile(cmd.user_id)
        await services.slack.client.views_open(trigger_id=cmd.trigger_id, view=views.request_modal(
            choices, timefmt.zone(profile.timezone), services.settings.accommodation_retention_days))

    async def status(cmd: Command) -> None:
        items = await accommodation.statuses_for(cmd.user_id)
        await cmd.answer(f"{len(items)} accommodation requests", views.status_blocks(items))

    listener = make_command_listener({"status": status}, USAGE, staff_email, services.settings.ack_budget_ms)

    @app.command("/accommodation")
    async def command(ack, command, respond):
        if split_args(command.get("text")):
            await listener(ack, command, respond)
            return
        cmd = Command(command["user_id"], [], command.get("trigger_id", ""), command.get("channel_id", ""),
                      ack, respond)
        await privately(cmd.answer, open_form(cmd))

    @app.view("accommodation_submit")
    async def submit(ack, body, view):
        user_id, values = body["user"]["id"], view["state"]["values"]
        slug = state_value(values, "event")
        try:
            profile = await services.slack.profile(user_id)
            request_id = await accommodation.submit(profile, None if slug in (None, views.NO_EVENT) else slug,
                                                    state_value(values, "text"), state_value(values, "contact"))
        except Refusal as refusal:
            await ack(views.errors_for(refusal.field, refusal.message))
            return
        except Exception as exc:  # noqa: BLE001
            log.warning("accommodation request not saved: %s", type(exc).__name__)
            await ack(views.errors_for("text", f"Your request could not be saved. Please try again, or email "
                                               f"{staff_email}."))
            return
        await ack(response_action="update",
                  view=views.sent_view(bool(services.settings.staff_channel), staff_email))
        await privately(_log_only, accommodation.deliver(request_id))

    @app.action("accommodation_acknowledge")
    async def acknowledge(ack, body, respond):
        await ack()

        async def work() -> None:
            done = await accommodation.act(int(body["actions"][0]["value"]), body["user"]["id"], "acknowledge")
            await accommodation.announce(done)

        await privately(ephemeral(respond), work())

    async def open_note(ack, body, client, respond, action: str) -> None:
        await ack()

        async def work() -> None:
            request_id = int(body["actions"][0]["value"])
            await accommodation.check_staff_action(request_id, body["user"]["id"], action)
            await client.views_open(trigger_id=body["trigger_id"], view=views.note_modal(action, request_id))

        await privately(ephemeral(respond), work())

    @app.action("accommodation_ask")
    async def ask(ack, body, client, respond):
        await open_note(ack, body, client, respond, "ask")

    @app.action("accommodation_resolve")
    async def resolve(ack, body, client, respond):
        await open_note(ack, body, client, respond, "resolve")

    @app.view("accommodation_note_submit")
    async def note_submit(ack, body, view):
        try:
            meta = json.loads(view.get("private_metadata") or "")
            request_id, action = int(meta["id"]), meta["action"]
            if action not in ("ask", "resolve"):
                raise ValueError(action)
            done = await accommodation.act(request_id, body["user"]["id"], action,
                                           state_value(view["state"]["values"], "note"))
        except Refusal as refusal:
            await ack(views.errors_for(refusal.field, refusal.message, "note"))
            return
        except Exception as exc:  # noqa: BLE001
            log.warning("accommodation note not saved: %s", type(exc).__name__)
            await ack(views.errors_for("note", "This could not be saved; close the form and try again."))
            return
        await ack()
        await privately(_log_only, accommodation.announce(done))

    @app.action("accommodation_withdraw")
    async def withdraw(ack, body, respond):
        await ack()
        user_id = body["user"]["id"]

        async def work() -> None:
            await accommodation.withdraw(user_id, int(body["actions"][0]["value"]))
            items = await accommodation.statuses_for(user_id)
            await respond(text="Request withdrawn", replace_original=True, blocks=views.status_blocks(
                items, "Withdrawn: its text is deleted. Staff see only that it existed and was withdrawn."))

        await privately(ephemeral(respond), work())

    return command


async def _log_only(text: str) -> None:
    """Work after the acknowledgement has nobody left to answer."""
    log.info("accommodation, after the acknowledgement: %s", text)
