"""`trainingbot demo`: serve's app on a demo database holding the example calendar, reminders off, production
untouched; it names the missing Slack settings like serve."""
from __future__ import annotations

import asyncio
import sqlite3

import pytest
from aiohttp import ClientSession, web

import bot.app
from bot.cli import main
from tests.conftest import BOT_TOKEN, PG_URL, SIGNING_SECRET


@pytest.fixture
def fresh_machine(tmp_path, monkeypatch):
    """A working directory with no database and no settings."""
    monkeypatch.chdir(tmp_path)
    for name in ("DATABASE_URL", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


@pytest.fixture
def served(fresh_machine, monkeypatch):
    """Instead of serving forever: what demo asked create_web_app for, and /healthz of the app it built."""
    seen = {}
    build = bot.app.create_web_app

    def create_web_app(services, **kw):
        seen.update(kw, database_url=services.settings.database_url)
        return build(services, **kw)

    async def health(app: web.Application) -> int:
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        try:
            async with ClientSession() as http, http.get(f"http://127.0.0.1:{runner.addresses[0][1]}/healthz") as r:
                return r.status
        finally:
            await runner.cleanup()

    def run_app(app, **_kw):
        seen["health"] = asyncio.run(health(app))

    monkeypatch.setattr(bot.app, "create_web_app", create_web_app)
    monkeypatch.setattr(web, "run_app", run_app)
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api/")  # never called
    return seen


def test_demo_without_slack_settings_names_each_one_and_creates_nothing(fresh_machine, capsys):
    assert main(["demo"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert [line.split(" is not set")[0] for line in err] == ["trainingbot: SLACK_BOT_TOKEN",
                                                             "trainingbot: SLACK_SIGNING_SECRET"]
    assert all("manifest.yml" in line for line in err)
    assert list(fresh_machine.iterdir()) == []


def events(path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [slug for (slug,) in conn.execute("SELECT slug FROM events ORDER BY slug")]


def test_demo_serves_the_example_calendar_from_its_own_database_with_reminders_off(served, fresh_machine, capsys):
    assert main(["demo"]) == 0
    assert served == {"schedule": False, "database_url": "sqlite+aiosqlite:///trainingbot-demo.db", "health": 200}
    assert "3 new events" in capsys.readouterr().out
    assert events(fresh_machine / "trainingbot-demo.db") == ["2027-01-12-online-half-days",
                                                             "2027-02-03-online-full-days",
                                                             "2027-03-10-melbourne-in-person"]
    assert not (fresh_machine / "trainingbot.db").exists()
    assert main(["demo"]) == 0  # again: nothing new
    assert "0 new organisations, 0 updated; 0 new events, 0 updated" in capsys.readouterr().out


def test_demo_leaves_the_production_database_alone(served, fresh_machine, monkeypatch):
    production = fresh_machine / "prod.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{production}")
    assert main(["demo", "--database-url", f"sqlite+aiosqlite:///{fresh_machine / 'other.db'}"]) == 0
    assert len(events(fresh_machine / "other.db")) == 3
    assert not production.exists()


@pytest.mark.parametrize("argv,env,message", [
    (["demo"], PG_URL, "DATABASE_URL points at PostgreSQL, which the demo never uses"),
    (["demo", "--database-url", "sqlite+aiosqlite:///./prod.db"], "sqlite+aiosqlite:///prod.db",
     "the demo database must not be the one DATABASE_URL names"),
    (["demo", "--database-url", "mysql://x/y"], None, "--database-url must start with sqlite+aiosqlite://"),
])
def test_demo_refuses_a_database_that_is_not_its_own(served, fresh_machine, monkeypatch, capsys, argv, env, message):
    if env:
        monkeypatch.setenv("DATABASE_URL", env)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
    assert "health" not in served and list(fresh_machine.iterdir()) == []
