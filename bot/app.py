"""Assembly: the Bolt AsyncApp, its aiohttp application (Slack events, Zoom webhook, health) and services."""
from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from slack_bolt.async_app import AsyncApp

from bot.config import Settings
from bot.services import Services
from bot.slack_client import make_client
from bot.slack_gateway import SlackGateway
from storage.db import Database

log = logging.getLogger(__name__)
SERVICES = web.AppKey("services", Services)


def build_services(settings: Settings) -> Services:
    return Services(settings=settings, db=Database(settings.database_url),
                    slack=SlackGateway(make_client(settings)))


def create_bolt(services: Services) -> AsyncApp:
    """No module-level app: everything is built here from the services."""
    from handlers import register_all

    settings = services.settings
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    bolt = AsyncApp(client=services.slack.client, signing_secret=secret,
                    request_verification_enabled=secret is not None, logger=logging.getLogger("slack_bolt"))
    register_all(bolt, services)
    return bolt


async def healthz(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    try:
        await asyncio.wait_for(services.db.ping(), timeout=3)
    except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"
        log.warning("health check: database unreachable (%s)", type(exc).__name__)
        return web.json_response({"ok": False, "database": "unreachable"}, status=503)
    return web.json_response({"ok": True, "database": "ok"})


def create_web_app(services: Services, *, migrate: bool = True) -> web.Application:
    """The HTTP-mode server: POST /slack/events, GET /healthz."""
    services.settings.require_slack(socket_mode=False)
    bolt = create_bolt(services)
    app = bolt.web_app(path="/slack/events", port=services.settings.port)
    app[SERVICES] = services
    app.router.add_get("/healthz", healthz)

    async def on_startup(_app: web.Application) -> None:
        if migrate:
            await services.db.upgrade()

    async def on_cleanup(_app: web.Application) -> None:
        await services.db.dispose()

    app.on_startup.append(on_startup)
    app.on_cleanup.append(on_cleanup)
    return app
