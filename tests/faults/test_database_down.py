"""PostgreSQL goes away during commands (through a TCP proxy we cut): clear answers, /healthz 503, recovery."""
from __future__ import annotations

import json
import uuid

import pytest
from aiohttp import ClientSession
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url

from bot.app import BOUNDARY, build_services, create_web_app
from bot.config import Settings
from bot.slack.client import make_client
from bot.slack.gateway import SlackGateway
from storage.db import Database
from storage.models import Registration
from tests.conftest import BOT_TOKEN, PG_URL, SIGNING_SECRET, RunningApp, _admin, _start, pg_database_url
from tests.faults.tcp_proxy import TcpProxy
from tests.registration_fixtures import register_values, setup, submit_register
from tests.slack_requests import SlackRequests

UNREACHABLE = "The training database is not reachable right now. Nothing was changed; please try again"


@pytest.fixture
async def proxy():
    server = make_url(PG_URL)
    proxy = TcpProxy(server.host or "127.0.0.1", server.port or 5432)
    await proxy.start()
    yield proxy
    await proxy.close()


@pytest.fixture
async def proxied_app(proxy, fake_slack, clock, pg_template):
    """The real app on a database of its own (a copy of the migrated template), its URL going through the proxy."""
    name = f"tb_proxied_{uuid.uuid4().hex[:10]}"
    await _admin(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    url = make_url(pg_database_url(name)).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    settings = Settings(database_url=url, slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET,
                        slack_api_url=fake_slack.url + "api/", staff_channel="C0STAFF", ack_budget_ms=2500,
                        _env_file=None)  # answers in the acknowledgement, even on a loaded machine
    db = Database(url)
    services = build_services(settings, db=db, gateway=SlackGateway(make_client(settings, retries=2, backoff=0.01)),
                              clock=clock)
    runner = None
    try:
        web_app = create_web_app(services, migrate=False, schedule=False)
        runner, app_url = await _start(web_app)
        async with ClientSession() as http:
            yield RunningApp(app_url, http, SlackRequests(SIGNING_SECRET, fake_slack.url), services,
                             web_app[BOUNDARY])
    finally:
        if runner is not None:
            await runner.cleanup()  # the app's own clean-up: its Slack session and the engine
        await db.dispose()
        await _admin(f'DROP DATABASE "{name}" WITH (FORCE)')


async def health(app: RunningApp) -> tuple[int, dict]:
    async with app.http.get(app.url + "healthz") as resp:
        return resp.status, await resp.json()


async def answer(app: RunningApp, text: str, user: str = "U0P01") -> dict:
    status, body = await app.slash("/training", text, user)
    assert status == 200, body
    return json.loads(body)


async def registrations(app: RunningApp) -> int:
    async with app.services.db.transaction() as s:
        return await s.scalar(select(func.count()).select_from(Registration))


async def test_outage_gives_a_clear_try_again_and_503_then_recovers_without_restart(proxied_app, proxy, fake_slack):
    app = proxied_app
    await setup(app, fake_slack)
    before = await answer(app, "calendar")
    assert "upcoming Instructor Training events" in before["text"]  # the pool now holds live connections
    assert await health(app) == (200, {"ok": True, "database": "ok"})
    assert proxy.accepted >= 1  # the app's traffic really goes through the proxy

    await proxy.cut()
    for command in ("calendar", "status"):
        down = await answer(app, command)
        assert down["response_type"] == "ephemeral" and down["text"].startswith(UNREACHABLE), down
    assert await health(app) == (503, {"ok": False, "database": "unreachable"})

    await proxy.restore()
    after = await answer(app, "calendar")
    assert after["text"] == before["text"] and "Small online event" in json.dumps(after["blocks"])
    assert await health(app) == (200, {"ok": True, "database": "ok"})
    assert "registrations" in (await answer(app, "status"))["text"]
    assert (await submit_register(app, "U0P01", "small", "ORG-B"))["response_action"] == "update"
    assert await registrations(app) == 1


async def test_connection_dropped_in_the_middle_of_a_query(proxied_app, proxy, fake_slack):
    """The link dies while the command's query is on the wire, not before it starts."""
    app = proxied_app
    await setup(app, fake_slack)
    await answer(app, "calendar")

    cuts: list[str] = []

    def cut_on_first_query(_conn, _cursor, statement, *_args) -> None:
        if not cuts:
            cuts.append(statement)
            proxy.cut_now()

    engine = app.services.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", cut_on_first_query)
    try:
        down = await answer(app, "status")
    finally:
        event.remove(engine, "before_cursor_execute", cut_on_first_query)
    assert down["text"].startswith(UNREACHABLE), down
    assert len(cuts) == 1 and "SELECT" in cuts[0].upper()
    await proxy.restore()
    assert "registrations" in (await answer(app, "status"))["text"]
    assert (await health(app))[0] == 200


async def test_register_form_submitted_while_the_database_is_down_gets_an_inline_error(
        proxied_app, proxy, fake_slack):
    app = proxied_app
    await setup(app, fake_slack)
    await answer(app, "calendar")  # the pool now holds live connections, which the cut kills
    await proxy.cut()
    body, headers = app.requests.view_submission(
        "U0P01", "register_submit", register_values("small", "ORG-B"))
    status, text = await app.send(body, headers)
    await proxy.restore()
    assert await registrations(app) == 0
    assert status == 200, (status, text)
    errors = json.loads(text)["errors"]
    assert "not reachable" in " ".join(errors.values())
