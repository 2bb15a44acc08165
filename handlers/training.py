"""/training: calendar, help, and (in handlers.registration) the registration subcommands."""
from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.common import timefmt
from bot.services import Services
from bot.slack.surge import SlashListener
from handlers import blocks
from handlers.commands import Command, Handler, make_command_listener

USAGE = """*`/training`* — Instructor Training
• `/training calendar` — upcoming events, dates in your time zone, seats left
• `/training register [CODE]` — register with your organisation's code
• `/training status` — your registrations, waiting-list places and deadlines
• `/training cancel` — cancel your registration
• `/training transfer` — move your seat to another event
• `/training checkout` — your checkout steps after the training
• `/training seats` — your organisation's seats (organisation contacts)
• `/training admin …` — staff tools (`/training admin help`)
• `/training help` — this message"""


def register(app: AsyncApp, services: Services, extra_routes: dict[str, Handler] | None = None) -> SlashListener:
    async def calendar(cmd: Command) -> None:
        profile = await services.slack.profile(cmd.user_id)
        events = await services.calendar.upcoming()
        tz = timefmt.zone(profile.timezone)
        text = f"{len(events)} upcoming Instructor Training events" if events else "No upcoming events"
        await cmd.answer(text, blocks.calendar_blocks(events, tz))

    routes: dict[str, Handler] = {"calendar": calendar, **(extra_routes or {})}
    listener = make_command_listener(routes, USAGE, services.settings.staff_email, services.settings.ack_budget_ms)
    app.command("/training")(listener)
    return listener
