"""/attendance EVENT [@user | csv], matching unmatched participants, and Zoom CSVs trainers send the bot by DM."""
from __future__ import annotations

from bot.attendance import formats
from bot.common import timefmt
from bot.common.errors import Refusal
from bot.common.mrkdwn import escape
from bot.services import Services
from bot.slack.outbox import Message, dm
from handlers import attendance_views as views
from handlers.boundary import Boundary
from handlers.requests import Action, Command, Event, Submission, as_id
from handlers.words import person

USAGE = """*`/attendance`* — who attended how long (the event's trainers and staff)
• `/attendance EVENT` — each trainee's attended and missed minutes; absent and at-risk first
• `/attendance EVENT @user` — one trainee, session by session
• `/attendance EVENT csv` — the report as a CSV file in your DM
Import a Zoom participant report by sending its CSV to me in a DM (put the event slug in the file name
if you train several events), or with `trainingbot attendance import EVENT FILE`."""


class Attendance:
    def __init__(self, services: Services) -> None:
        self.services, self.slack, self.attendance = services, services.slack, services.attendance

    async def command(self, cmd: Command) -> None:
        if not cmd.args or cmd.args[0].lower() == "help" or len(cmd.args) > 2:
            await cmd.answer(USAGE)
            return
        slug, rest = cmd.args[0], (cmd.args[1] if len(cmd.args) > 1 else "")
        report = await self.attendance.report(slug, viewer=cmd.user_id)
        if not rest:
            await cmd.answer(f"Attendance for {escape(slug)}", views.summary_blocks(report))
        elif rest.lower() == "csv":
            await cmd.answer(f"Sending the attendance CSV of `{escape(slug)}` to your DM.")
            await self.services.outbox.send(Message(
                cmd.user_id, f"Attendance report of `{slug}`.", action="upload", file_name=f"attendance-{slug}.csv",
                file=formats.to_csv(report).encode(), origin="attendance"))
        elif who := await person(self.slack, rest):
            trainee = next((t for t in report.trainees if t.slack_user_id == who), None)
            if trainee is None:
                raise Refusal(f"<@{who}> is not registered for `{slug}`.")
            profile = await self.slack.profile(cmd.user_id)
            await cmd.answer(f"{escape(trainee.name)} at {escape(slug)}",
                             views.trainee_blocks(report, trainee, timefmt.zone(profile.timezone)))
        else:
            await cmd.answer(USAGE)

    async def match(self, act: Action) -> None:
        await act.ack_now()
        value = act.json()
        report = await self.attendance.report(str(value.get("event")), viewer=act.user_id)
        await self.slack.open_view(act.trigger_id, views.match_modal(report, str(value.get("name"))))

    async def match_submit(self, sub: Submission) -> None:
        slug = sub.meta_text("event")
        person_id = as_id(sub.value("trainee"))
        await self.attendance.save_alias(sub.user_id, slug, sub.meta_text("name"), person_id)
        report = await self.attendance.report(slug)
        trainee = next(t for t in report.trainees if t.person_id == person_id)
        await sub.update(views.matched_view(report, trainee))

    async def file_shared(self, event: Event) -> None:
        """Only files shared in a DM with the bot are imported; a file shared in a channel is someone's own."""
        user_id, file_id = event.user_id, event.event.get("file_id")
        channel = str(event.event.get("channel_id") or "")
        if not user_id or not file_id or user_id == event.event.get("bot_user_id") or not channel.startswith("D"):
            return
        done = await self.services.uploads.import_file(user_id, file_id)
        await self.services.outbox.send(dm(user_id, (
            f":white_check_mark: {escape(done.summary)}\n{done.absent} absent, {done.at_risk} at risk, {done.unmatched} "
            f"unmatched. `/attendance {done.slug}` shows everyone."), origin="attendance"))


def register(boundary: Boundary, services: Services) -> None:
    listeners = Attendance(services)
    boundary.command("/attendance", listeners.command)
    boundary.action("attendance_match", listeners.match)
    boundary.view("attendance_match_submit", listeners.match_submit, "trainee")
    boundary.event("file_shared", listeners.file_shared)
