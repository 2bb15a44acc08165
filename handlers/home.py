"""app_home_opened: publish the person's App Home (views.publish)."""
from __future__ import annotations

from bot.common import timefmt
from bot.services import Services
from handlers.boundary import Boundary
from handlers.home_views import home_view
from handlers.requests import Event


class AppHome:
    def __init__(self, services: Services) -> None:
        self.slack, self.homes, self.registration = services.slack, services.home, services.registration

    async def opened(self, event: Event) -> None:
        if event.event.get("tab", "home") != "home":
            return
        user_id = event.event["user"]
        profile = await self.slack.profile(user_id)
        await self.registration.link(profile)
        home = await self.homes.for_user(user_id)
        await self.slack.publish_home(user_id, home_view(home, timefmt.zone(profile.timezone)))


def register(boundary: Boundary, services: Services) -> None:
    boundary.event("app_home_opened", AppHome(services).opened)
