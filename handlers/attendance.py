"""/attendance EVENT [@user | csv], matching unmatched participants, and Zoom CSVs sent to the bot by DM."""
from __future__ import annotations

import json
import logging

import aiohttp
from slack_bolt.async_app import AsyncApp

from bot.attendance import formats as attendance_formats
from bot.common import timefmt
from bot.common.errors import InputError, Refusal
from bot.services import Services
from bot.slack.surge import SlashListener
from handlers import attendance_views as views
from handlers.commands import Command, command_from, mention, run_safely, within_ack_budget
from handlers.registration import state_value

log = logging.getLogger(__name__)

USAGE = """*`/attendance`* — who attended how long (the event's trainers and staff)
• `/attendance EVENT` — each trainee's attended and missed minutes; absent and at-risk first
• `/attendance EVENT @user` — one trainee, session by session
• `/attendance EVENT csv` — the report as a CSV file in your DM
Import a Zoom participant report by sending its CSV to me in a DM (put the event slug in the file name
if you train several events), or with `trainingbot attendance import EVENT FILE`."""

MAX_UPLOAD = 20 * 1024 * 1024


def register(app: AsyncApp, services: Services) -> SlashListener:
    attendance, staff_email = services.attendance, services.settings.staff_email

    async def run(cmd: Command) -> None:
        slug = cmd.args[0]
        report = await attendance.report(slug, viewer=cmd.user_id)
        rest = cmd.args[1] if len(cmd.args) > 1 else ""
        if not rest:
            await cmd.answer(f"Attendance for {slug}", views.summary_blocks(report))
        elif rest.lower() == "csv":
            await cmd.answer(f"Sending the attendance CSV of `{slug}` to your DM.")
            await services.slack.upload(cmd.user_id, f"attendance-{slug}.csv",
                                        attendance_formats.to_csv(report).encode(), f"Attendance {slug}",
                                        f"Attendance report of `{slug}`.")
        elif mention(rest):
            trainee = next((t for t in report.trainees if t.slack_user_id == mention(rest)), None)
            if trainee is None:
                raise Refusal(f"{rest} is not registered for `{slug}`.")
            profile = await services.slack.profile(cmd.user_id)
            await cmd.answer(f"{trainee.name} at {slug}",
                             views.trainee_blocks(report, trainee, timefmt.zone(profile.timezone)))
        else:
            await cmd.answer(USAGE)

    @app.command("/attendance")
    async def command(ack, command, respond):
        cmd = command_from(ack, command, respond)
        if not cmd.args or cmd.args[0].lower() == "help":
            await cmd.answer(USAGE)
            return
        await within_ack_budget(cmd, run_safely(cmd.answer, run(cmd), staff_email), services.settings.ack_budget_ms)

    @app.action("attendance_match")
    async def match(ack, body, client, respond):
        await ack()

        async def work() -> None:
            value = json.loads(body["actions"][0]["value"])
            report = await attendance.report(value["event"], viewer=body["user"]["id"])
            await client.views_open(trigger_id=body["trigger_id"], view=views.match_modal(report, value["name"]))

        await run_safely(lambda t: respond(text=t, response_type="ephemeral", replace_original=False), work(),
                         staff_email)

    @app.view("attendance_match_submit")
    async def match_submit(ack, body, view):
        try:
            meta = json.loads(view.get("private_metadata") or "")
            person_id = int(state_value(view["state"]["values"], "trainee") or "")
            await attendance.save_alias(body["user"]["id"], meta["event"], meta["name"], person_id)
        except (ValueError, KeyError, TypeError, OverflowError):  # a tampered form
            await ack(response_action="errors", errors={"trainee": "Choose a trainee from the list."})
            return
        except Refusal as refusal:
            await ack(response_action="errors", errors={"trainee": refusal.message})
            return
        report = await attendance.report(meta["event"])
        trainee = next(t for t in report.trainees if t.person_id == person_id)
        await ack(response_action="update", view={
            "type": "modal", "title": {"type": "plain_text", "text": "Matched"},
            "close": {"type": "plain_text", "text": "Done"},
            "blocks": views.trainee_blocks(report, trainee, timefmt.zone(None))})

    @app.event("file_shared")
    async def file_shared(event, client):
        user_id, file_id = event.get("user_id"), event.get("file_id")
        if not user_id or not file_id or user_id == event.get("bot_user_id"):
            return
        message = await import_upload(user_id, file_id, client)
        await services.slack.dm(user_id, message)

    async def import_upload(user_id: str, file_id: str, client) -> str:
        """Download a CSV a trainer sent, import it for the right event, and answer with the summary."""
        info = (await client.files_info(file=file_id))["file"]
        name = info.get("name") or "report.csv"
        events = await attendance.trainer_events(user_id)
        named = [slug for slug in events if slug in name]
        if not events:
            return "Only trainers can import attendance; you train no event here."
        if len(named) != 1 and len(events) > 1:
            return (f"Which event is `{name}` for? You train {', '.join(f'`{e}`' for e in events[:10])}: "
                    "put the event's slug in the file name and send it again.")
        slug = named[0] if named else events[0]
        if int(info.get("size") or 0) > MAX_UPLOAD:
            return f"`{name}` is larger than 20 MB; that is not a Zoom participant report."
        data = await download(info["url_private_download"], client.token)
        try:
            summary = await attendance.import_files(slug, [(name, data)], None, user_id)
        except InputError as exc:
            return f":x: Nothing was imported. {exc}"
        report = await attendance.report(slug)
        absent = sum(t.absent for t in report.trainees)
        return (f":white_check_mark: {summary}\n{absent} absent, {sum(t.at_risk for t in report.trainees)} at risk, "
                f"{len(report.unmatched)} unmatched. `/attendance {slug}` shows everyone.")

    async def download(url: str, token: str) -> bytes:
        async with aiohttp.ClientSession() as http:
            async with http.get(url, headers={"Authorization": f"Bearer {token}"}) as resp:
                resp.raise_for_status()
                return await resp.content.read(MAX_UPLOAD + 1)

    return command
