"""/mentoring signup, status, meeting and admin; the sign-up and meeting modals; the Approve button."""
from __future__ import annotations

import json
import logging
from datetime import date

from slack_bolt.async_app import AsyncApp

from bot.common import timefmt
from bot.common.errors import Refusal
from bot.mentoring.data import SignupForm
from bot.services import Services
from bot.slack.surge import SlashListener
from handlers import mentoring_views as views
from handlers.commands import Command, Handler, make_command_listener, mention, run_safely
from handlers.registration import state_value

log = logging.getLogger(__name__)

USAGE = """*`/mentoring`* — mentoring groups
• `/mentoring signup` — sign up as a mentor or mentee (again to update your sign-up)
• `/mentoring status` — your sign-up, your group and its dates, and what counts toward your certificate
• `/mentoring meeting` — mentors, in the group's channel: log a meeting and who attended
• `/mentoring admin …` — coordinators (`/mentoring admin help`)
• `/mentoring help` — this message"""

ADMIN_USAGE = """*`/mentoring admin`* — mentoring coordinators and staff
• `/mentoring admin proposals` — groups proposed from the open sign-ups, each with an Approve button
• `/mentoring admin report` — groups, phases, meetings, certificate criteria, completion per cohort
• `/mentoring admin mark @user onboarding|check-in|showcase|survey` — record a certificate criterion
• `/mentoring admin slide @user` — record that the user's group sent its showcase slide"""


def field(values: dict, block: str):
    """A view state value, including user selections and dates."""
    element = values.get(block, {}).get("value", {})
    for key in ("selected_users", "selected_date"):
        if key in element:
            return element[key]
    return state_value(values, block)


def signup_form(values: dict) -> SignupForm:
    def hours(day: int) -> list[int]:
        return [int(v) for v in field(values, f"avail_{day}") or [] if v.isdecimal()]

    return SignupForm(
        role=field(values, "role"), status=field(values, "status"), topics=field(values, "topics") or [],
        suboption=field(values, "type"), workshops=field(values, "workshops"), timezone=field(values, "timezone"),
        availability={day: hours(day) for day in range(7)}, in_person="yes" in (field(values, "in_person") or []),
        place=field(values, "place") or "", goals=field(values, "goals") or "",
        agreement="accepted" in (field(values, "agreement") or []), coc="accepted" in (field(values, "coc") or []))


def register(app: AsyncApp, services: Services) -> SlashListener:
    mentoring, settings = services.mentoring, services.settings

    async def issue_certificates() -> None:
        """After a meeting or a mark someone may have met every criterion; failures wait for the next run."""
        try:
            await mentoring.issue_certificates()
        except Exception:  # noqa: BLE001 - the answer has been given; the scheduler retries
            log.exception("issuing mentoring certificates failed")

    async def signup(cmd: Command) -> None:
        await cmd.ack_now()
        profile = await services.slack.profile(cmd.user_id)
        current = await mentoring.current_signup(cmd.user_id)
        await services.slack.client.views_open(trigger_id=cmd.trigger_id, view=views.signup_modal(
            profile.timezone, current, settings.mentoring_weeks, settings.mentor_min_workshops))

    @app.view("mentoring_signup_submit")
    async def signup_submit(ack, body, view):
        user_id = body["user"]["id"]
        profile = await services.slack.profile(user_id)
        try:
            saved = await mentoring.signup(profile, signup_form(view["state"]["values"]))
        except Refusal as refusal:
            await ack(views.errors_for(refusal.field, refusal.message, "role"))
            return
        await ack(response_action="update", view=views.signup_done_view(saved))

    async def status(cmd: Command) -> None:
        await cmd.answer("Your mentoring", views.status_blocks(await mentoring.status(cmd.user_id)))

    async def meeting(cmd: Command) -> None:
        await cmd.ack_now()
        group = await mentoring.meeting_form(cmd.user_id, cmd.channel_id)
        profile = await services.slack.profile(cmd.user_id)
        today = services.clock().astimezone(timefmt.zone(profile.timezone)).date()
        await services.slack.client.views_open(trigger_id=cmd.trigger_id, view=views.meeting_modal(group, today))

    @app.view("mentoring_meeting_submit")
    async def meeting_submit(ack, body, view):
        values = view["state"]["values"]
        try:
            group_id = int(json.loads(view.get("private_metadata") or "")["group"])
            held = field(values, "date")
            logged = await mentoring.log_meeting(body["user"]["id"], group_id,
                                                 date.fromisoformat(held) if held else None,
                                                 list(field(values, "attendees") or []))
        except (ValueError, KeyError, TypeError, OverflowError):  # a tampered form
            await ack(views.errors_for("date", "This form is out of date; close it and run `/mentoring meeting` "
                                       "again.", "date"))
            return
        except Refusal as refusal:
            await ack(views.errors_for(refusal.field, refusal.message, "attendees"))
            return
        await ack(response_action="update", view=views.meeting_done_view(logged))
        await issue_certificates()

    async def admin(cmd: Command) -> None:
        sub = cmd.args[0].lower() if cmd.args else "help"
        target = mention(cmd.args[1]) if len(cmd.args) > 1 else None
        if sub == "proposals" and len(cmd.args) == 1:
            proposals = await mentoring.proposals(cmd.user_id)
            await cmd.answer(f"{len(proposals.groups)} proposed mentoring groups", views.proposals_blocks(proposals))
        elif sub == "report" and len(cmd.args) == 1:
            await cmd.answer("Mentoring groups report", views.report_blocks(await mentoring.report(cmd.user_id)))
        elif sub == "mark" and len(cmd.args) == 3 and target:
            marked = await mentoring.mark(cmd.user_id, target, cmd.args[2])
            await cmd.answer(f"{marked.name} {'already had' if marked.already else 'now has'} *{marked.criterion}* "
                             f"recorded (group #{marked.group}).")
            await issue_certificates()
        elif sub == "slide" and len(cmd.args) == 2 and target:
            group = await mentoring.slide_received(cmd.user_id, target)
            await cmd.answer(f"The showcase slide of #{group} is recorded.")
        else:
            await cmd.answer(ADMIN_USAGE)

    @app.action("mentoring_approve")
    async def approve(ack, body, respond):
        await ack()

        async def reply(text: str) -> None:
            await respond(text=text, response_type="ephemeral", replace_original=False)

        async def work() -> None:
            value = json.loads(body["actions"][0]["value"])
            done = await mentoring.approve(body["user"]["id"], int(value["mentor"]),
                                           [int(x) for x in value["mentees"]], str(value["topic"]))
            await reply(views.approved_text(done))

        await run_safely(reply, work(), settings.staff_email)

    routes: dict[str, Handler] = {"signup": signup, "status": status, "meeting": meeting, "admin": admin}
    listener = make_command_listener(routes, USAGE, settings.staff_email, settings.ack_budget_ms)
    app.command("/mentoring")(listener)
    return listener
