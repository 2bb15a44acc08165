"""/training checkout, the checkout admin sub-commands (checkout, mark, extend), their modals and buttons."""
from __future__ import annotations

import json
import re
from datetime import date

from slack_bolt.async_app import AsyncApp

from bot.checkout import rules
from bot.checkout.data import SubmissionView
from bot.checkout.rules import GetInvolvedForm, InvalidSubmission
from bot.checkout.service import describe_submission
from bot.common import timefmt
from bot.common.errors import Refusal
from bot.services import Services
from handlers import checkout_views as views
from handlers.commands import Command, Handler, mention, run_safely
from handlers.registration import ADMIN_USAGE as REGISTRATION_ADMIN_USAGE
from handlers.registration import state_value

ADMIN_USAGE = """*Checkout* — trainers and staff
• `/training admin checkout @user` — see a trainee's checkout and evaluate a step
• `/training admin mark welcome|demo|training EMAIL|@user …` — pass a step for everyone who attended a session
• `/training admin extend @user [MONTHS]` — extend a checkout deadline (staff; 3 months unless said)"""
MAILTO = re.compile(r"^<mailto:([^|>]+)(?:\|[^>]*)?>$")
EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


def people_in(args: list[str]) -> tuple[list[str], list[str]]:
    """User ids and emails from @mentions, `<mailto:…>` links and bare emails; and the tokens that are neither."""
    found, not_understood = [], []
    for token in (t for arg in args for t in arg.split(",") if t):
        mailto = MAILTO.match(token)
        email = mailto.group(1) if mailto else token if EMAIL.match(token) else None
        who = email or mention(token)
        (found if who else not_understood).append(who or token)
    return found, not_understood


def _selected_date(values: dict) -> date | None:
    try:
        return date.fromisoformat(values.get("date", {}).get("value", {}).get("selected_date") or "")
    except ValueError:
        return None


def _registration(view: dict) -> int | None:
    try:
        return int(json.loads(view.get("private_metadata") or "{}")["registration"])
    except (ValueError, KeyError, TypeError, OverflowError):  # a tampered form
        return None


def routes(app: AsyncApp, services: Services, registration_admin: Handler) -> dict[str, Handler]:
    """Registers the checkout listeners; returns `/training checkout` and an `admin` that adds checkout's sub-commands."""
    checkout, settings = services.checkout, services.settings
    staff_email = settings.staff_email

    async def reader_zone(user_id: str):
        return timefmt.zone((await services.slack.profile(user_id)).timezone)

    async def show(cmd: Command) -> None:
        summary = await checkout.summary_for(cmd.user_id)
        tz = await reader_zone(cmd.user_id)
        passed = sum(s.state == rules.PASSED for s in summary.steps) if summary else 0
        text = f"Your checkout: {passed} of {len(rules.STEPS)} steps passed" if summary else "No checkout yet"
        await cmd.answer(text, views.checkout_blocks(summary, tz, services.clock(), staff_email))

    def ephemeral(respond):
        return lambda text: respond(text=text, response_type="ephemeral", replace_original=False)

    @app.action("checkout_get_involved_open")
    async def open_get_involved(ack, body, client, respond):
        await ack()
        user_id = body["user"]["id"]

        async def work() -> None:
            summary = await checkout.get_involved_form(user_id)
            today = services.clock().astimezone(await reader_zone(user_id)).date()
            await client.views_open(trigger_id=body["trigger_id"], view=views.get_involved_modal(summary, today))

        await run_safely(ephemeral(respond), work(), staff_email)

    @app.view("checkout_get_involved_submit")
    async def submit_get_involved(ack, body, view):
        values = view["state"]["values"]
        registration_id = _registration(view)
        form = GetInvolvedForm(kind=state_value(values, "kind") or "", url=state_value(values, "url"),
                               day=_selected_date(values), notes=state_value(values, "notes"))
        try:
            if registration_id is None:
                raise Refusal("This form is out of date; close it and run `/training checkout` again.", "kind")
            sub = await checkout.submit_get_involved(body["user"]["id"], registration_id, form)
        except InvalidSubmission as invalid:
            await ack(views.errors(invalid.errors))
            return
        except Refusal as refusal:
            await ack(views.errors({refusal.field or "kind": refusal.message}))
            return
        await ack(response_action="update", view=views.submitted_view(sub))
        await show_to_staff(sub)

    async def show_to_staff(sub: SubmissionView) -> None:
        """Post a new submission to the staff channel (with Evaluate), or update its post."""
        text, blocks = describe_submission(sub), views.staff_submission_blocks(sub)
        if sub.staff_channel and sub.staff_ts:
            await services.slack.update(sub.staff_channel, sub.staff_ts, text, blocks)
        elif settings.staff_channel:
            posted = await services.slack.post(settings.staff_channel, text, blocks)
            if posted.ok:
                await checkout.attach_message(sub.id, posted.channel, posted.ts)

    @app.action("checkout_evaluate_open")
    async def open_evaluation(ack, body, client, respond):
        await ack()
        user_id = body["user"]["id"]

        async def work() -> None:
            summary = await checkout.evaluation_summary(user_id, int(body["actions"][0]["value"]))
            await client.views_open(trigger_id=body["trigger_id"], view=views.evaluate_modal(
                summary, await reader_zone(user_id), rules.GET_INVOLVED))

        await run_safely(ephemeral(respond), work(), staff_email)

    @app.view("checkout_evaluate_submit")
    async def submit_evaluation(ack, body, view):
        values = view["state"]["values"]
        registration_id = _registration(view)
        try:
            if registration_id is None:
                raise Refusal("This form is out of date; close it and open the evaluation again.", "step")
            done = await checkout.evaluate(body["user"]["id"], registration_id, state_value(values, "step") or "",
                                           state_value(values, "state") or "", state_value(values, "notes"))
        except Refusal as refusal:
            await ack(views.errors({refusal.field or "step": refusal.message}))
            return
        summary = done.summary
        await ack(response_action="update", view=views.evaluated_view(
            summary.name, done.step, done.state, bool(done.notices.certificates)))
        await checkout.deliver(done.notices)
        if done.step == rules.GET_INVOLVED and summary.submission and summary.submission.staff_ts:
            await show_to_staff(summary.submission)

    @app.action("checkout_certificate_send")
    async def send_certificate(ack, body, respond):
        await ack()

        async def work() -> None:
            cert = await checkout.send_certificate(body["user"]["id"])
            await ephemeral(respond)(f"Your certificate ({cert.code}) is in your DMs again.")

        await run_safely(ephemeral(respond), work(), staff_email)

    async def evaluate_command(cmd: Command) -> None:
        trainee = mention(cmd.args[0]) if len(cmd.args) == 1 else None
        if trainee is None:
            raise Refusal("Usage: `/training admin checkout @user`")
        await cmd.ack_now()
        summary = await checkout.evaluation_form(cmd.user_id, trainee)
        await services.slack.client.views_open(trigger_id=cmd.trigger_id, view=views.evaluate_modal(
            summary, await reader_zone(cmd.user_id)))

    async def mark_command(cmd: Command) -> None:
        if len(cmd.args) < 2:
            raise Refusal("Usage: `/training admin mark welcome|demo|training EMAIL|@user …`")
        found, not_understood = people_in(cmd.args[1:])
        result = await checkout.mark(cmd.user_id, cmd.args[0], found) if found else None
        if result is None:
            raise Refusal("None of these is an email or an @mention: " + ", ".join(not_understood))
        await cmd.answer(views.mark_text(result, not_understood))
        await checkout.deliver(result.notices)

    async def extend_command(cmd: Command) -> None:
        trainee = mention(cmd.args[0]) if cmd.args else None
        if trainee is None or len(cmd.args) > 2 or (len(cmd.args) == 2 and not cmd.args[1].isdigit()):
            raise Refusal("Usage: `/training admin extend @user [MONTHS]` (3 months unless said)")
        result = await checkout.extend(cmd.user_id, trainee, int(cmd.args[1]) if len(cmd.args) == 2 else 3)
        await cmd.answer(views.extended_text(result, await reader_zone(cmd.user_id)))
        await checkout.deliver(result.notices)

    admin_routes = {"checkout": evaluate_command, "mark": mark_command, "extend": extend_command}

    async def admin(cmd: Command) -> None:
        sub = cmd.args[0].lower() if cmd.args else "help"
        handler = admin_routes.get(sub)
        if handler is not None:
            cmd.args = cmd.args[1:]
            await handler(cmd)
        elif sub == "help":
            await cmd.answer(REGISTRATION_ADMIN_USAGE + "\n" + ADMIN_USAGE)
        else:
            await registration_admin(cmd)

    return {"checkout": show, "admin": admin}
