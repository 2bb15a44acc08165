"""Assembly: the Bolt AsyncApp, its aiohttp application (Slack events, Zoom webhook, health) and services."""
from __future__ import annotations

import asyncio
import json
import logging
import signal
import time

from aiohttp import web
from slack_bolt import BoltResponse
from slack_bolt.async_app import AsyncApp

from bot.common.errors import is_unavailable
from bot.config import Settings
from bot.reminders.scheduler import Sweeper
from bot.services import Services
from bot.slack.client import make_client
from bot.slack.gateway import SlackGateway
from bot.slack.guard import slack_guard
from bot.slack.surge import SlashListener, SurgeDesk
from bot.zoom import webhook as zoom_webhook_checks
from storage.db import Database

log = logging.getLogger(__name__)
SERVICES = web.AppKey("services", Services)
BACKGROUND = web.AppKey("background", set)
SURGE = web.AppKey("surge", SurgeDesk)


def build_services(settings: Settings) -> Services:
    return Services(settings=settings, db=Database(settings.database_url),
                    slack=SlackGateway(make_client(settings)))


def create_bolt(services: Services) -> tuple[AsyncApp, dict[str, SlashListener]]:
    """No module-level app: everything is built here from the services. Returns the app and its slash-command
    listeners by command."""
    from handlers import register_all

    settings = services.settings
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    bolt = AsyncApp(client=services.slack.client, signing_secret=secret,
                    request_verification_enabled=secret is not None, logger=logging.getLogger("slack_bolt"))
    slash = register_all(bolt, services)

    @bolt.error
    async def failed(error, body):
        """A form whose listener failed gets an inline error instead of Bolt's HTTP 500."""
        if is_unavailable(error):
            message = "The training database is not reachable right now. Nothing was changed; please try again."
        else:
            log.error("listener failed: %s", type(error).__name__, exc_info=error)
            message = f"Something went wrong on our side and nothing was changed. Please try again, or email " \
                      f"{settings.staff_email}."
        if body.get("type") != "view_submission":
            return None
        field = next(iter(body.get("view", {}).get("state", {}).get("values", {}) or {"event": None}))
        return BoltResponse(status=200, body=json.dumps({"response_action": "errors", "errors": {field: message}}),
                            headers={"content-type": ["application/json; charset=utf-8"]})

    return bolt, slash


async def finish_bolt_listeners(timeout: float, step: str = "run_ack_function_asynchronously") -> None:
    """Wait for the listeners Bolt runs on after their acknowledgement (process_before_response=False) in tasks
    it does not keep; on shutdown they must finish before the Slack session and the database close under them.
    In Socket Mode, step="run_message_listeners" waits for envelopes still being dispatched (not yet acknowledged)."""
    running = [t for t in asyncio.all_tasks() if not t.done()
               and getattr(t.get_coro(), "__qualname__", "").endswith(step)]
    await asyncio.wait_for(asyncio.gather(*running, return_exceptions=True), timeout=timeout)


async def healthz(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    try:
        await asyncio.wait_for(services.db.ping(), timeout=3)
    except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"
        log.warning("health check: database unreachable (%s)", type(exc).__name__)
        return web.json_response({"ok": False, "database": "unreachable"}, status=503)
    return web.json_response({"ok": True, "database": "ok"})


async def zoom_webhook(request: web.Request) -> web.Response:
    """Zoom's URL validation, and participant events (signature-checked) recorded as provisional attendance."""
    services = request.app[SERVICES]
    secret = services.settings.zoom_webhook_secret_token
    if secret is None:
        return web.json_response({"error": "ZOOM_WEBHOOK_SECRET_TOKEN is not set"}, status=503)
    body = await request.read()
    if not zoom_webhook_checks.verify_signature(
            secret.get_secret_value(), request.headers.get("x-zm-request-timestamp"),
            request.headers.get("x-zm-signature"), body, time.time()):
        return web.json_response({"error": "invalid signature"}, status=401)
    try:
        payload = json.loads(body)
        if payload.get("event") == "endpoint.url_validation":
            plain = payload["payload"]["plainToken"]
            return web.json_response(zoom_webhook_checks.url_validation_response(plain, secret.get_secret_value()))
        live = zoom_webhook_checks.parse_event(payload)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return web.json_response({"error": f"malformed event: {exc}"[:300]}, status=400)
    if live is None:
        return web.json_response({"ok": True, "ignored": True})
    slug = await services.attendance.record_live(live)
    if slug and live.kind == "ended" and services.settings.zoom_configured:
        task = asyncio.create_task(_fetch_report(services, slug))
        request.app[BACKGROUND].add(task)
        task.add_done_callback(request.app[BACKGROUND].discard)
    return web.json_response({"ok": True, "event": slug})


async def _fetch_report(services: Services, slug: str) -> None:
    try:
        log.info("zoom: %s", await services.attendance.import_zoom(slug, "zoom webhook"))
    except Exception as exc:  # noqa: BLE001 - a background fetch must not crash the server; it is retried by hand
        log.warning("zoom: fetching the report of %s after meeting.ended failed: %s", slug, exc)


def create_web_app(services: Services, *, migrate: bool = True, schedule: bool = True) -> web.Application:
    """The HTTP-mode server: POST /slack/events, POST /zoom/webhook, GET /healthz."""
    services.settings.require_slack(socket_mode=False)
    settings = services.settings
    bolt, slash = create_bolt(services)
    app = bolt.web_app(path="/slack/events", port=settings.port)
    app.middlewares.append(slack_guard("/slack/events", settings.slack_signing_secret.get_secret_value()))
    surge = SurgeDesk(slash, services.slack.respond, busy_at=settings.busy_commands, workers=settings.command_workers)
    app.middlewares.append(surge.middleware("/slack/events"))
    app[SURGE] = surge
    app[SERVICES] = services
    app.router.add_get("/healthz", healthz)
    app.router.add_post("/zoom/webhook", zoom_webhook)
    app[BACKGROUND] = set()

    sweeper = Sweeper(services.nudges, services.settings.sweep_minutes)

    async def on_startup(_app: web.Application) -> None:
        if migrate:
            await services.db.upgrade()
        services.slack.open_session()
        surge.start()
        if schedule:
            sweeper.start()

    async def on_shutdown(_app: web.Application) -> None:
        if schedule:
            await sweeper.stop()
        await asyncio.gather(*app[BACKGROUND], return_exceptions=True)
        await surge.drain(timeout=25)
        await finish_bolt_listeners(timeout=25)

    async def on_cleanup(_app: web.Application) -> None:
        await services.slack.close_session()
        await services.db.dispose()

    app.on_startup.append(on_startup)
    app.on_shutdown.append(on_shutdown)
    app.on_cleanup.append(on_cleanup)
    return app


async def run_socket_mode(services: Services) -> None:
    """`trainingbot socket` until SIGTERM or SIGINT; then, as the HTTP server does: envelopes received are
    acknowledged before the socket closes, and the current sweep and the work after acknowledgements finish."""
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    settings = services.settings
    await services.db.upgrade()
    services.slack.open_session()
    handler = AsyncSocketModeHandler(create_bolt(services)[0], settings.slack_app_token.get_secret_value())
    sweeper = Sweeper(services.nudges, settings.sweep_minutes)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await handler.connect_async()
        log.info("connected to Slack in Socket Mode")
        sweeper.start()
        await stop.wait()
        log.info("stopping: acknowledging the envelopes received, then closing the socket")
        await finish_bolt_listeners(timeout=10, step="run_message_listeners")
        await handler.close_async()
        await sweeper.stop()
        await finish_bolt_listeners(timeout=25)
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        await services.slack.close_session()
        await services.db.dispose()
