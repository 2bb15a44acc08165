"""Bolt listeners: read the Slack payload, call a bot service, render Block Kit. Nothing else."""
from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.services import Services
from handlers import attendance, registration, training


def register_all(app: AsyncApp, services: Services) -> None:
    training.register(app, services, registration.routes(app, services))
    attendance.register(app, services)
