"""Shared fixtures: databases (SQLite and PostgreSQL, a clean schema each), the fake Slack, the running app."""
from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import shutil
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from pathlib import Path

import asyncpg
import pytest
from aiohttp import ClientSession, web

from bot.app import BOUNDARY, SERVICES, build_services, create_web_app
from bot.config import Settings
from bot.services import Services
from bot.slack.client import make_client
from bot.slack.gateway import SlackGateway
from handlers.boundary import Boundary
from storage.db import Database
from tests.fakes.slack import FakeSlack
from tests.fakes.zoom import FakeZoom
from tests.slack_requests import SlackRequests

PG_DSN = os.environ.get("TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")
PG_URL = PG_DSN.replace("postgresql://", "postgresql+asyncpg://", 1)
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SIGNING_SECRET = "test-signing-secret-0123456789"
BOT_TOKEN = "xoxb-test-token"
# A fixed "now" before the example events (the first starts 2027-01-12).
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)


class Clock:
    """A settable clock the services read instead of the real one."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


BOTH = "both_databases"


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", f"{BOTH}: run on PostgreSQL as well as SQLite (storage, locking, "
                                       "concurrency, the CLI contract); every other test runs on SQLite only")


def pytest_generate_tests(metafunc) -> None:
    """`backend` is SQLite, and also PostgreSQL for the tests (or modules) marked both_databases."""
    if "backend" in metafunc.fixturenames:
        both = metafunc.definition.get_closest_marker(BOTH) is not None
        metafunc.parametrize("backend", ["sqlite", "postgresql"] if both else ["sqlite"], indirect=True)


@pytest.fixture
def backend(request) -> str:
    return request.param


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_DSN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def pg_database_url(name: str) -> str:
    return f"{PG_URL.rsplit('/', 1)[0]}/{name}"


async def _migrate(url: str) -> None:
    database = Database(url)
    try:
        await database.upgrade()
    finally:
        await database.dispose()


def _run_apart(work) -> None:
    """Run a coroutine to completion on a loop of its own (session fixtures are set up while a test's loop runs)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, work).result()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """Migrated once per test session; each test gets a copy of the file."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    _run_apart(_migrate(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def pg_template():
    """A PostgreSQL template database migrated once per test session; each test gets CREATE DATABASE … TEMPLATE."""
    name = f"tb_template_{uuid.uuid4().hex[:10]}"
    _run_apart(_admin(f'CREATE DATABASE "{name}"'))
    _run_apart(_migrate(pg_database_url(name)))
    yield name
    _run_apart(_admin(f'DROP DATABASE "{name}" WITH (FORCE)'))


@pytest.fixture
async def db_url(backend, tmp_path, request):
    """The URL of a freshly migrated database of the test's own (and no schema: kept for PostgreSQL-schema users)."""
    if backend == "sqlite":
        path = tmp_path / "test.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite+aiosqlite:///{path}", None
        return
    template = request.getfixturevalue("pg_template")
    name = f"tb_{uuid.uuid4().hex[:12]}"
    await _admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield pg_database_url(name), None
    finally:
        await _admin(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
async def db(db_url):
    url, schema = db_url
    database = Database(url, schema=schema)
    yield database
    await database.dispose()


async def _start(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}/"


@pytest.fixture
async def fake_slack():
    fake = FakeSlack(token=BOT_TOKEN)
    runner, url = await _start(fake.app())
    fake.url = url
    yield fake
    fake.released.set()
    await runner.cleanup()


@pytest.fixture
async def fake_zoom():
    """The fake Zoom OAuth + Reports API on a loopback port (its `url` has no trailing slash)."""
    fake = FakeZoom()
    runner, url = await _start(fake.app())
    fake.url = url.rstrip("/")
    yield fake
    await runner.cleanup()


@pytest.fixture
def settings(fake_slack, db_url) -> Settings:
    url, _ = db_url
    return Settings(database_url=url, slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET,
                    slack_api_url=fake_slack.url + "api/", staff_channel="C0STAFF", _env_file=None,
                    ack_budget_ms=2000)  # answers stay in the acknowledgement even on a busy CI machine


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def services(settings, db, clock) -> AsyncIterator[Services]:
    gateway = SlackGateway(make_client(settings, retries=2, backoff=0.01))  # the real retries, without long waits
    built = build_services(settings, db=db, gateway=gateway, clock=clock)
    yield built
    # The outbox's pump may still be sending what the test's last change announced: it finishes before the
    # database is disposed, or its connection would outlive the test (and the event loop it belongs to).
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(built.outbox.drain(), timeout=10)


@pytest.fixture
async def examples(services) -> Services:
    """The example calendar loaded."""
    await services.calendar.load_file((EXAMPLES / "calendar.yml").read_bytes(), "calendar.yml")
    return services


class RunningApp:
    def __init__(self, url: str, http: ClientSession, requests: SlackRequests, services: Services,
                 boundary: Boundary) -> None:
        self.url, self.http, self.requests, self.services, self.boundary = url, http, requests, services, boundary

    async def settled(self) -> None:
        """Wait until the app has finished all it started: listeners still working after their acknowledgement,
        and the messages they wrote."""
        while [t for t in self.boundary.tasks if not t.done()] or self.services.outbox.busy:
            await self.boundary.finish(timeout=30)
            await self.services.outbox.drain()

    async def send(self, body: bytes, headers: dict, path: str = "slack/events"):
        async with self.http.post(self.url + path, data=body, headers=headers) as resp:
            text = await resp.text()
            return resp.status, text

    async def slash(self, command: str, text: str, user: str, **kw):
        return await self.send(*self.requests.slash(command, text, user, **kw))


@contextlib.asynccontextmanager
async def running_app(services: Services, fake_slack: FakeSlack):
    """The real aiohttp app (Bolt + routes) on a loopback port, talking to the fake Slack."""
    web_app = create_web_app(services, migrate=False, schedule=False)
    runner, url = await _start(web_app)
    assert web_app[SERVICES] is services
    try:
        async with ClientSession() as http:
            yield RunningApp(url, http, SlackRequests(SIGNING_SECRET, fake_slack.url), services, web_app[BOUNDARY])
    finally:
        await runner.cleanup()


@pytest.fixture
async def app(services, fake_slack):
    async with running_app(services, fake_slack) as running:
        yield running
