"""The composition root: services, the Bolt AsyncApp with every listener behind one boundary, and the aiohttp
application (Slack events, Zoom webhook, health) or the Socket Mode client around it."""
from __future__ import annotations

import asyncio
import itertools
import json
import logging
import signal
import time

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult

import handlers
from bot import services as assembly
from bot.common.errors import SlackUnavailable
from bot.config import SLACK_HINTS, ConfigError, Settings
from bot.reminders.scheduler import Sweeper
from bot.services import Services
from bot.slack.errors import TokenRefused
from bot.slack.guard import slack_guard
from bot.slack.surge import SurgeDesk
from bot.zoom import webhook as zoom_checks
from handlers.boundary import Boundary

log = logging.getLogger(__name__)
SERVICES = web.AppKey("services", Services)
BOUNDARY = web.AppKey("boundary", Boundary)
SURGE = web.AppKey("surge", SurgeDesk)


def build_services(settings: Settings, **collaborators) -> Services:
    """The services of `serve`, `socket` and every CLI command, with the handlers' staff-board renderers."""
    return assembly.build_services(settings, handlers.staff_renderers(), **collaborators)


TOKEN_REFUSED = ("trainingbot cannot act in this Slack right now: Slack refused its token. Carpentries staff can "
                 "see this on the app's health check; please try again later.")


class _TokenChoiceNotice(logging.Filter):
    """Bolt warns that SLACK_BOT_TOKEN "will be unused" whenever a client or `authorize` is given, as here on
    purpose: the token is used, through our client and `authorize`."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not ("`token`" in message and ("will be unused" in message or "will be ignored" in message))


def create_bolt(services: Services) -> tuple[AsyncApp, Boundary]:
    """No module-level app: everything is built here from the services."""
    settings = services.settings
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    logger = logging.getLogger("slack_bolt")
    if not any(isinstance(f, _TokenChoiceNotice) for f in logger.filters):
        logger.addFilter(_TokenChoiceNotice())
    # A name given spares Bolt inspect.stack() (about 0.1 s per app) to find one.
    bolt = AsyncApp(name="trainingbot", client=services.slack.client, signing_secret=secret,
                    authorize=authorizer(services), request_verification_enabled=secret is not None, logger=logger,
                    user_facing_authorize_error_message=TOKEN_REFUSED)
    return bolt, handlers.register_all(bolt, services)


def authorizer(services: Services):
    """Bolt's authorization from the bot's auth.test, asked once. When Slack cannot be reached the request still
    goes on (a listener that needs Slack then says "Slack could not be reached"), rather than Bolt telling the
    person to reinstall the app; when Slack refuses the token, staff see it on /healthz."""
    token = services.slack.client.token

    async def authorize(enterprise_id, team_id, user_id) -> AuthorizeResult | None:
        try:
            me = await services.slack.identity()
        except SlackUnavailable:
            log.warning("auth.test: Slack could not be reached; handling this request without the bot's identity")
            return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=token, user_id=user_id)
        if me is None:
            services.health.token_problem = services.health.token_problem or "auth.test refused the token"
            return None
        return AuthorizeResult.from_auth_test_response(auth_test_response=me, bot_token=token)

    return authorize


async def readiness(services: Services) -> list[str]:
    """What is missing for full operation, and which features are therefore off (said at start, in a few lines)."""
    settings, lines = services.settings, []
    if not settings.staff_channel:
        lines.append("STAFF_CHANNEL is not set: accommodation requests, seat requests and staff alerts are kept "
                     "and posted once it is.")
    elif await services.slack.member_of(settings.staff_channel) is False:
        lines.append(f"the bot is not in STAFF_CHANNEL ({settings.staff_channel}): invite it there; staff messages "
                     "wait until then.")
        services.health.staff_channel_problem = f"not in {settings.staff_channel}"
    if not settings.zoom_configured:
        lines.append("Zoom is not configured (ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET): reports are not "
                     "fetched from Zoom; trainers import CSV exports.")
    if settings.zoom_webhook_secret_token is None:
        lines.append("ZOOM_WEBHOOK_SECRET_TOKEN is not set: /zoom/webhook refuses Zoom's events.")
    return lines


async def say_readiness(services: Services) -> None:
    for line in await readiness(services):
        log.warning("not fully set up: %s", line)


async def healthz(request: web.Request) -> web.Response:
    """200 when the database answers and Slack takes the app's token; 503 with what is wrong otherwise."""
    services = request.app[SERVICES]
    problems = services.health.problems()
    try:
        await asyncio.wait_for(services.db.ping(), timeout=3)
    except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"
        log.warning("health check: database unreachable (%s)", type(exc).__name__)
        problems["database"] = "unreachable"
    status = 503 if "database" in problems or "slack_token" in problems else 200
    return web.json_response({"ok": status == 200, "database": problems.pop("database", "ok"), **problems},
                             status=status)


async def zoom_webhook(request: web.Request) -> web.Response:
    """Zoom's URL validation, and participant events (signature-checked) recorded as provisional attendance."""
    services = request.app[SERVICES]
    secret = services.settings.zoom_webhook_secret_token
    if secret is None:
        return web.json_response({"error": "ZOOM_WEBHOOK_SECRET_TOKEN is not set"}, status=503)
    body = await request.read()
    if not zoom_checks.verify_signature(secret.get_secret_value(), request.headers.get("x-zm-request-timestamp"),
                                        request.headers.get("x-zm-signature"), body, time.time()):
        return web.json_response({"error": "invalid signature"}, status=401)
    try:
        payload = json.loads(body)
        if payload.get("event") == "endpoint.url_validation":
            plain = payload["payload"]["plainToken"]
            return web.json_response(zoom_checks.url_validation_response(plain, secret.get_secret_value()))
        live = zoom_checks.parse_event(payload)
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        return web.json_response({"error": f"malformed event: {exc}"[:300]}, status=400)
    if live is None:
        return web.json_response({"ok": True, "ignored": True})
    slug = await services.attendance.record_live(live)
    if slug and live.kind == "ended" and services.settings.zoom_configured:
        request.app[BOUNDARY].spawn(_fetch_report(services, slug))
    return web.json_response({"ok": True, "event": slug})


async def _fetch_report(services: Services, slug: str) -> None:
    try:
        log.info("zoom: %s", await services.attendance.import_zoom(slug, "zoom webhook"))
    except Exception as exc:  # noqa: BLE001 - a background fetch must not crash the server; the sweep fetches too
        log.warning("zoom: fetching the report of %s after meeting.ended failed: %s", slug, exc)


def create_web_app(services: Services, *, migrate: bool = True, schedule: bool = True) -> web.Application:
    """The HTTP-mode server: POST /slack/events, POST /zoom/webhook, GET /healthz."""
    services.settings.require_slack(socket_mode=False)
    settings = services.settings
    bolt, boundary = create_bolt(services)
    app = bolt.web_app(path="/slack/events", port=settings.port)
    app.middlewares.append(slack_guard("/slack/events", settings.slack_signing_secret.get_secret_value()))
    surge = SurgeDesk(boundary.slash, services.slack.respond, busy_at=settings.busy_commands,
                      workers=settings.command_workers)
    app.middlewares.append(surge.middleware("/slack/events"))
    app[SURGE], app[SERVICES], app[BOUNDARY] = surge, services, boundary
    app.router.add_get("/healthz", healthz)
    app.router.add_post("/zoom/webhook", zoom_webhook)
    sweeper = Sweeper(services.nudges, settings.sweep_minutes)

    async def on_startup(_app: web.Application) -> None:
        if migrate:
            await services.db.upgrade()
        services.slack.open_session()
        await say_readiness(services)
        surge.start()
        if schedule:
            sweeper.start()

    async def on_shutdown(_app: web.Application) -> None:
        if schedule:
            await sweeper.stop()
        await surge.drain(timeout=25)
        await boundary.finish(timeout=25)
        await services.outbox.drain()

    async def on_cleanup(_app: web.Application) -> None:
        await services.slack.close_session()
        await services.db.dispose()

    app.on_startup.append(on_startup)
    app.on_shutdown.append(on_shutdown)
    app.on_cleanup.append(on_cleanup)
    return app


class HeldSocketModeHandler(AsyncSocketModeHandler):
    """Each envelope is handled in a task the boundary holds, so shutdown can wait for the ones received."""

    def __init__(self, app: AsyncApp, app_token: str, boundary: Boundary) -> None:
        super().__init__(app, app_token)
        self.boundary = boundary

    async def handle(self, client, req) -> None:
        async with self.boundary.held():
            await super().handle(client, req)


async def run_socket_mode(services: Services) -> None:
    """`trainingbot socket` until SIGTERM or SIGINT (which stop it at any moment, connecting included); then, as
    the HTTP server does: envelopes received are acknowledged before the socket closes, and the current sweep and
    the work after acknowledgements finish. A refused app token raises ConfigError; a Slack out of reach for
    SOCKET_PATIENCE_SECONDS raises SlackUnavailable."""
    settings = services.settings
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await services.db.upgrade()
        services.slack.open_session()
        if not await _until_stopped(_check_app_token(services), stop):
            return
        bolt, boundary = create_bolt(services)
        handler = HeldSocketModeHandler(bolt, settings.slack_app_token.get_secret_value(), boundary)
        if not await _until_stopped(asyncio.wait_for(handler.connect_async(), settings.socket_patience_seconds), stop):
            await handler.close_async()
            return
        log.info("connected to Slack in Socket Mode")
        await say_readiness(services)
        sweeper = Sweeper(services.nudges, settings.sweep_minutes)
        sweeper.start()
        await stop.wait()
        log.info("stopping: acknowledging the envelopes received, then closing the socket")
        await boundary.finish(timeout=25)
        await handler.close_async()
        await sweeper.stop()
        await boundary.finish(timeout=25)
        await services.outbox.drain()
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        await services.slack.close_session()
        await services.db.dispose()


async def _until_stopped(work, stop: asyncio.Event) -> bool:
    """Run `work` unless a signal comes first (then cancel it): whether it finished."""
    task, stopping = asyncio.ensure_future(work), asyncio.ensure_future(stop.wait())
    done, _ = await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    if task not in done:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return False
    stopping.cancel()
    task.result()
    return True


async def _check_app_token(services: Services) -> None:
    """apps.connections.open before connecting: a refused app token is a ConfigError at once; an unreachable Slack
    is tried again for SOCKET_PATIENCE_SECONDS (instead of Socket Mode's retrying forever)."""
    token, patience = services.settings.slack_app_token.get_secret_value(), services.settings.socket_patience_seconds
    deadline = asyncio.get_running_loop().time() + patience
    for attempt in itertools.count():
        try:
            await services.slack.socket_url(token)
            return
        except SlackUnavailable:
            if attempt == 0:
                log.warning("Slack could not be reached; trying again for up to %.0f s", patience)
            if asyncio.get_running_loop().time() > deadline:
                raise SlackUnavailable(f"Slack could not be reached at {services.settings.slack_api_url} for "
                                       f"{patience:.0f} s; check the network (and SLACK_API_URL), then "
                                       "start again") from None
            await asyncio.sleep(2)
        except TokenRefused as refused:
            raise ConfigError(f"SLACK_APP_TOKEN was refused by Slack ({refused.reason}): "
                              f"{SLACK_HINTS['SLACK_APP_TOKEN']}.") from None
