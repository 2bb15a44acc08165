"""app_home_opened: publish the person's App Home (views.publish)."""
from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncApp

from bot.common import timefmt
from bot.home.service import HomeService
from bot.services import Services
from handlers.home_views import home_view

log = logging.getLogger(__name__)


def register(app: AsyncApp, services: Services) -> None:
    homes = HomeService(services)

    @app.event("app_home_opened")
    async def opened(event, client):
        if event.get("tab", "home") != "home":
            return
        user_id = event["user"]
        profile = await services.slack.profile(user_id)
        home = await homes.for_user(user_id)
        await client.views_publish(user_id=user_id, view=home_view(home, timefmt.zone(profile.timezone)))
