"""`trainingbot nudges run-once` and the sweep `serve` schedules run the same services: on the same data at the
same moment they make the same Slack calls (reminders, and the retention pass redacting accommodation posts)."""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone

import time_machine

from bot.app import build_services, create_web_app
from bot.cli import main
from bot.common.people import Profile
from bot.config import Settings
from tests.attendance_fixtures import CALENDAR, ROSTER
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, _start
from tests.fakes.slack import message_text

BEFORE = datetime(2026, 11, 20, 14, tzinfo=timezone.utc)  # it-dec runs 1-4 Dec 2026
SWEEP = datetime(2027, 1, 5, 14, tzinfo=timezone.utc)  # a Tuesday afternoon in London, 32 days after the end
NEED = "Live captions, please (parity-7c1e)"
SENDS = ("chat.postMessage", "chat.update", "chat.delete", "files.completeUploadExternal")


def settings_for(url: str, fake_slack) -> Settings:
    return Settings(database_url=url, slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET,
                    slack_api_url=fake_slack.url + "api/", staff_channel="C0STAFF", _env_file=None)


async def scenario(url: str, fake_slack) -> None:
    """Six trainees loaded by roster, one of them asking for captions, all before the event."""
    with time_machine.travel(BEFORE, tick=False):  # both databases stamp the same moments
        services = build_services(settings_for(url, fake_slack))
        try:
            await services.db.upgrade()
            await services.calendar.load_file(CALENDAR.encode(), "cal.yml")
            await services.calendar.load_roster("it-dec", ROSTER.encode(), "roster.csv")
            amara = Profile("U0AMARA", "Amara Nwosu", "amara.nwosu@example.edu", "Europe/London")
            await services.accommodation.submit(amara, "it-dec", NEED, "")
            await services.outbox.drain()
        finally:
            await services.db.dispose()


class SweepSeen(logging.Handler):
    """Notices the server's scheduled sweep finishing (it logs its outcome)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.done = False

    def emit(self, record: logging.LogRecord) -> None:
        self.done = self.done or record.getMessage().startswith("sweep: ")


def sent(fake_slack) -> list[tuple[str, str, str]]:
    return sorted((c.method, c.args.get("channel", ""), message_text(c.args) if c.method.startswith("chat.") else "")
                  for c in fake_slack.calls if c.method in SENDS)


async def test_run_once_and_the_servers_sweep_make_the_same_slack_calls(tmp_path, fake_slack, monkeypatch):
    for line in ROSTER.splitlines()[1:]:
        name, email, user_id, _ = line.split(",")
        fake_slack.add_user(user_id, name, email, tz="Europe/London")
    fake_slack.add_user("U0STAFF", "Sam Staff", "staff@carpentries.org", tz="Europe/London")
    by_cli, by_server = (f"sqlite+aiosqlite:///{tmp_path}/{name}.db" for name in ("cli", "server"))
    await scenario(by_cli, fake_slack)
    await scenario(by_server, fake_slack)

    fake_slack.calls.clear()
    for name, value in (("DATABASE_URL", by_cli), ("SLACK_BOT_TOKEN", BOT_TOKEN),
                        ("SLACK_API_URL", fake_slack.url + "api/"), ("STAFF_CHANNEL", "C0STAFF")):
        monkeypatch.setenv(name, value)
    with time_machine.travel(SWEEP):
        assert await asyncio.to_thread(main, ["nudges", "run-once"]) == 0
    cli_calls = sent(fake_slack)

    fake_slack.calls.clear()
    swept = SweepSeen()
    logging.getLogger("bot.reminders.scheduler").addHandler(swept)
    with time_machine.travel(SWEEP):
        runner, _ = await _start(create_web_app(build_services(settings_for(by_server, fake_slack))))
        try:
            for _ in range(1500):  # the first sweep starts at once
                if swept.done:
                    break
                await asyncio.sleep(0.02)
        finally:
            await runner.cleanup()  # as SIGTERM: the sweep finishes and the outbox is drained
            logging.getLogger("bot.reminders.scheduler").removeHandler(swept)
    assert swept.done
    server_calls = sent(fake_slack)

    assert cli_calls == server_calls
    reminders = [text for method, channel, text in cli_calls if method == "chat.postMessage" and channel == "U0AMARA"]
    assert reminders and all("checkout" in text for text in reminders)
    staff_edits = [text for method, channel, text in cli_calls if method == "chat.update" and channel == "C0STAFF"]
    assert staff_edits and all(NEED not in text for text in staff_edits)  # the retention pass redacted the post
