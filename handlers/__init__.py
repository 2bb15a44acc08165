"""Bolt listeners: read the Slack payload, call a bot service, render Block Kit. Nothing else."""
from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.services import Services
from bot.slack.surge import SlashListener
from handlers import accommodation, attendance, checkout, commands, home, mentoring, registration, training


def register_all(app: AsyncApp, services: Services) -> dict[str, SlashListener]:
    """Registers every listener with Bolt; returns the slash-command listeners by command, for the surge path."""
    training_routes = registration.routes(app, services)
    training_routes |= checkout.routes(app, services, training_routes["admin"])
    slash = {"/training": training.register(app, services, training_routes),
             "/attendance": attendance.register(app, services),
             "/accommodation": accommodation.register(app, services),
             "/mentoring": mentoring.register(app, services)}
    commands.register_rerun(app, slash)
    home.register(app, services)
    return slash
