"""/training register, status, cancel, transfer, seats and admin; the register/transfer modals; staff buttons."""
from __future__ import annotations

import asyncio
import json
import logging

from slack_bolt.async_app import AsyncApp

from bot.common import timefmt
from bot.common.errors import Refusal
from bot.common.people import Profile
from bot.services import Services
from handlers import registration_views as views
from handlers.blocks import text_section
from handlers.commands import Command, Handler, mention, run_safely

log = logging.getLogger(__name__)
VIEW_BUDGET_SECONDS = 2.2  # inline errors are only possible in the acknowledgement, which Slack awaits 3 s

ADMIN_USAGE = """*`/training admin`* — staff
• `/training admin roster EVENT` — registrants and waiting list with organisations
• `/training admin no-show EVENT @user` — record a no-show (the seat stays used)
• `/training admin cancel-event EVENT REASON…` — cancel an event (asks to confirm), tell everyone
• `/training seats CODE` — any organisation's seats"""


def state_value(values: dict, block: str) -> str | list[str] | None:
    """The value of the `value` action in a view's state, whatever the element type."""
    element = values.get(block, {}).get("value", {})
    if "selected_option" in element:
        return (element["selected_option"] or {}).get("value")
    if "selected_options" in element:
        return [o["value"] for o in element["selected_options"]]
    return element.get("value")


def routes(app: AsyncApp, services: Services) -> dict[str, Handler]:
    """Registers the interactive listeners and returns the /training subcommands they start from."""
    reg, moves, admin = services.registration, services.seat_moves, services.registration_admin
    staff_email = services.settings.staff_email

    async def open_register_modal(user_id: str, trigger_id: str, code: str, chosen: str | None, client) -> None:
        profile = await services.slack.profile(user_id)
        events = await reg.open_events()
        if not events:
            raise Refusal("No event is open for registration right now; `/training calendar` shows what is coming.")
        await client.views_open(trigger_id=trigger_id, view=views.register_modal(
            events, profile, timefmt.zone(profile.timezone), code, chosen))

    async def register(cmd: Command) -> None:
        await cmd.ack_now()
        await open_register_modal(cmd.user_id, cmd.trigger_id, cmd.args[0] if cmd.args else "", None,
                                  services.slack.client)

    @app.action("register_open")
    async def register_button(ack, body, client, respond):
        await ack()
        user_id, value = body["user"]["id"], body["actions"][0].get("value")

        async def reply(text: str) -> None:
            await respond(text=text, response_type="ephemeral", replace_original=False)

        await run_safely(reply, open_register_modal(user_id, body["trigger_id"], "", value, client), staff_email)

    @app.view("register_submit")
    async def register_submit(ack, body, view):
        user_id, values = body["user"]["id"], view["state"]["values"]
        slack_profile = await services.slack.profile(user_id)
        profile = Profile(user_id=user_id, name=(state_value(values, "name") or slack_profile.name).strip(),
                          email=(state_value(values, "email") or slack_profile.email or "").strip() or None,
                          timezone=slack_profile.timezone)
        task = asyncio.ensure_future(reg.register(
            profile, state_value(values, "event") or "", state_value(values, "code") or "",
            "accepted" in (state_value(values, "coc") or [])))
        await asyncio.wait({task}, timeout=VIEW_BUDGET_SECONDS)
        if not task.done():  # acknowledge before Slack gives up; the outcome follows by DM
            await ack(response_action="update", view=views.processing_view())
            try:
                await reg.welcome(await task)
            except Refusal as refusal:
                await services.slack.dm(user_id, f"Your registration did not go through: {refusal.message}")
            return
        try:
            done = task.result()
        except Refusal as refusal:
            await ack(views.errors_for(refusal.field, refusal.message))
            return
        await ack(response_action="update", view=views.registered_view(done))
        await reg.welcome(done)

    async def status(cmd: Command) -> None:
        profile = await services.slack.profile(cmd.user_id)
        items = await reg.status(cmd.user_id)
        await cmd.answer(f"{len(items)} registrations", views.status_blocks(items, timefmt.zone(profile.timezone)))

    async def cancel(cmd: Command) -> None:
        item = await reg.current(cmd.user_id)
        if item is None:
            raise Refusal("You have no registration to cancel. `/training status` shows what you have.")
        before = services.clock() <= item.change_deadline or item.status == "waitlisted"
        await cmd.answer(f"Cancel {item.event.title}?",
                         views.cancel_confirm_blocks(item.event.title, item.registration_id, before))

    @app.action("cancel_confirm")
    async def cancel_confirm(ack, body, respond):
        await ack()

        async def work() -> None:
            done = await reg.cancel(body["user"]["id"], int(body["actions"][0]["value"]))
            texts = {
                "cancelled": f"Your registration for *{done.event.title}* is cancelled and the seat returned to "
                             "your organisation. You can register for another event with `/training register`.",
                "left_waitlist": f"You have left the waiting list of *{done.event.title}*.",
                "forfeited": f"Your registration for *{done.event.title}* is cancelled. Because the registration "
                             "deadline had passed, your organisation's seat is forfeited; staff have been told and "
                             f"may move it to another event. Ask them at {staff_email}.",
            }
            await respond(text=texts[done.outcome], replace_original=True)

        await run_safely(lambda t: respond(text=t, replace_original=False), work(), staff_email)

    @app.action("cancel_keep")
    async def cancel_keep(ack, respond):
        await ack()
        await respond(text="Nothing was changed.", replace_original=True)

    async def transfer(cmd: Command) -> None:
        await cmd.ack_now()
        profile = await services.slack.profile(cmd.user_id)
        choice = await moves.choices(cmd.user_id)
        await services.slack.client.views_open(trigger_id=cmd.trigger_id,
                                               view=views.transfer_modal(choice, timefmt.zone(profile.timezone)))

    @app.view("transfer_submit")
    async def transfer_submit(ack, body, view):
        user_id = body["user"]["id"]
        try:
            registration_id = int(json.loads(view.get("private_metadata") or "{}")["registration"])
            result = await moves.request(user_id, registration_id, state_value(view["state"]["values"], "target") or "")
        except (ValueError, KeyError, TypeError, OverflowError):  # a tampered form
            await ack(views.errors_for("target", "This form is out of date; close it and run `/training transfer` again."))
            return
        except Refusal as refusal:
            await ack(views.errors_for("target", refusal.message))
            return
        if result.moved:
            text = f":white_check_mark: Your seat moved to *{result.target.title}*. Check your DMs for the new sessions."
        else:
            text = ("Your request went to staff, who approve or refuse it; you'll get their answer by DM."
                    if services.settings.staff_channel else
                    f"Your request is saved, but the staff channel is not set up: please email {staff_email}.")
        await ack(response_action="update", view={"type": "modal", "title": {"type": "plain_text", "text": "Move my seat"},
                                                   "close": {"type": "plain_text", "text": "Done"},
                                                   "blocks": [text_section(text).to_dict()]})
        if result.moved:
            profile = await services.slack.profile(user_id)
            await reg.send_confirmation(user_id, timefmt.zone(profile.timezone), result.target, None)
        elif services.settings.staff_channel:
            posted = await services.slack.post(services.settings.staff_channel,
                                               moves.describe(result.request), views.staff_request_blocks(result.request))
            if posted.ok:
                await moves.attach_message(result.request.id, posted.channel, posted.ts)

    async def decide(ack, body, respond, approve: bool) -> None:
        await ack()
        user_id = body["user"]["id"]

        async def work() -> None:
            view, channel, ts = await moves.decide(int(body["actions"][0]["value"]), user_id, approve)
            channel = channel or body.get("channel", {}).get("id")
            ts = ts or body.get("message", {}).get("ts")
            if channel and ts:
                await services.slack.update(channel, ts, moves.describe(view), views.staff_request_blocks(view))

        await run_safely(lambda t: respond(text=t, response_type="ephemeral", replace_original=False), work(),
                         staff_email)

    @app.action("seat_request_approve")
    async def approve(ack, body, respond):
        await decide(ack, body, respond, True)

    @app.action("seat_request_refuse")
    async def refuse(ack, body, respond):
        await decide(ack, body, respond, False)

    async def seats(cmd: Command) -> None:
        report = await admin.seats(cmd.user_id, cmd.args[0] if cmd.args else None)
        await cmd.answer(f"Seats of {report.organisation}: {report.left} left", views.seats_blocks(report))

    async def admin_command(cmd: Command) -> None:
        sub = cmd.args[0].lower() if cmd.args else "help"
        if sub == "roster" and len(cmd.args) == 2:
            roster = await admin.roster(cmd.user_id, cmd.args[1])
            await cmd.answer(f"Roster of {roster.slug}", views.roster_blocks(roster))
        elif sub == "no-show" and len(cmd.args) == 3 and mention(cmd.args[2]):
            name = await admin.mark_no_show(cmd.user_id, cmd.args[1], mention(cmd.args[2]))
            await cmd.answer(f"{name} is marked as a no-show at `{cmd.args[1]}`; the seat stays used. They can ask "
                             f"to re-register within {services.settings.reregister_window_days} days of the end.")
        elif sub == "cancel-event" and len(cmd.args) >= 3:
            reason = " ".join(cmd.args[2:])
            roster = await admin.check_cancel_event(cmd.user_id, cmd.args[1])
            await cmd.answer(f"Cancel {roster.slug}?", views.cancel_event_confirm_blocks(roster, reason))
        else:
            await cmd.answer(ADMIN_USAGE)

    @app.action("cancel_event_confirm")
    async def cancel_event_confirm(ack, body, respond):
        await ack()

        async def work() -> None:
            value = json.loads(body["actions"][0]["value"])
            done = await admin.cancel_event(body["user"]["id"], value["slug"], value["reason"])
            await respond(text=f"*{done.title}* is cancelled; {done.told} people were told by DM.",
                          replace_original=True)

        await run_safely(lambda t: respond(text=t, replace_original=False), work(), staff_email)

    return {"register": register, "status": status, "cancel": cancel, "transfer": transfer, "seats": seats,
            "admin": admin_command}
