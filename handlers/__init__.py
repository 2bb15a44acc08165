"""Bolt listeners: read the Slack payload, call a bot service, render Block Kit. Nothing else."""
from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.services import Services
from handlers import accommodation, attendance, checkout, home, mentoring, registration, training


def register_all(app: AsyncApp, services: Services) -> None:
    training_routes = registration.routes(app, services)
    training_routes |= checkout.routes(app, services, training_routes["admin"])
    training.register(app, services, training_routes)
    attendance.register(app, services)
    accommodation.register(app, services)
    mentoring.register(app, services)
    home.register(app, services)
