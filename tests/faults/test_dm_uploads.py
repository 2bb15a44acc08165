"""A Zoom report a trainer sends the bot by DM is imported whole or not at all, from a server that sends it in
small chunks; every failure gets the trainer a clear message."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from storage.db import Database
from storage.models import AttendanceRow
from tests.attendance_fixtures import load_event
from tests.registration_fixtures import eventually

AFTER = datetime(2026, 12, 10, tzinfo=timezone.utc)
HEADER = "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\n"
DEVICE = " (" + "Conference Room Display in Building 4 " * 5 + ")"  # long rows: megabytes without a million rows
PEOPLE = [(f"Amara Nwosu{DEVICE}", "amara.nwosu@example.edu"), (f"Mei Lin Chen{DEVICE}", "meilin.chen@example.com"),
          (f"Guest Caller{DEVICE}", "")]


def report_of(size: int) -> tuple[bytes, int]:
    """A Zoom CSV of it-dec about `size` bytes long (reconnects of a few people), and its number of rows."""
    lines, total, n = [HEADER], len(HEADER), 0
    while total < size:
        name, email = PEOPLE[n % len(PEOPLE)]
        start = datetime(2026, 12, 1 + n % 4, 13, 0) + timedelta(seconds=(n // 4) % 14000)
        line = f"{name},{email},{start:%m/%d/%Y %I:%M:%S %p},{start + timedelta(seconds=30):%m/%d/%Y %I:%M:%S %p},1,No\n"
        lines.append(line)
        total, n = total + len(line), n + 1
    return "".join(lines).encode(), n


async def rows(app) -> int:
    async with app.services.db.read() as s:
        return await s.scalar(select(func.count()).select_from(AttendanceRow))


async def share(app, file_id: str, user: str = "U0TRAINER", channel: str = "D0TRAINER") -> None:
    status, _ = await app.send(*app.requests.event({"type": "file_shared", "file_id": file_id, "user_id": user,
                                                    "channel_id": channel, "file": {"id": file_id},
                                                    "event_ts": "1617804931.000300"}))
    assert status == 200


@pytest.mark.parametrize("megabytes", [1, 5, 20])
async def test_a_report_sent_in_small_chunks_is_imported_whole(app, fake_slack, clock, megabytes):
    await load_event(app.services)
    clock.now = AFTER
    data, count = report_of(megabytes * 1_000_000)
    fake_slack.add_file("F0BIG", "zoom-it-dec.csv", data, "U0TRAINER")
    await share(app, "F0BIG")
    [answer] = await eventually(lambda: fake_slack.dms_to("U0TRAINER"), timeout=120)
    assert f"{count:,} rows imported".replace(",", "") in answer.replace(",", "") and await rows(app) == count


async def test_a_download_cut_short_imports_nothing_and_says_so(app, fake_slack, clock):
    await load_event(app.services)
    clock.now = AFTER
    data, _ = report_of(300_000)
    fake_slack.add_file("F0CUT", "zoom-it-dec.csv", data, "U0TRAINER", served=data[:200_000])
    await share(app, "F0CUT")
    [answer] = await eventually(lambda: fake_slack.dms_to("U0TRAINER"))
    assert "did not arrive whole" in answer and "nothing was imported" in answer and await rows(app) == 0


async def test_files_info_or_the_download_failing_is_explained(app, fake_slack, clock):
    await load_event(app.services)
    fake_slack.fail_next(1, "ok_false", error="file_deleted", method="files.info")
    await share(app, "F0GONE")
    [first] = await eventually(lambda: fake_slack.dms_to("U0TRAINER"))
    assert "would not tell me about the file" in first and "file_deleted" in first
    data, _ = report_of(10_000)
    fake_slack.add_file("F0OK", "zoom-it-dec.csv", data, "U0TRAINER")
    fake_slack.fail_downloads = True
    await share(app, "F0OK")
    second = (await eventually(lambda: len(fake_slack.dms_to("U0TRAINER")) == 2 and fake_slack.dms_to("U0TRAINER")))
    assert "could not download" in second[1] and await rows(app) == 0


async def test_a_database_outage_during_an_upload_gets_a_try_again(app, fake_slack, clock, monkeypatch, tmp_path):
    await load_event(app.services)
    data, _ = report_of(10_000)
    fake_slack.add_file("F0OK", "zoom-it-dec.csv", data, "U0TRAINER")
    gone = Database(f"sqlite+aiosqlite:///{tmp_path}/missing-dir/x.db")
    monkeypatch.setattr(app.services.db, "engine", gone.engine)
    monkeypatch.setattr(app.services.db, "sessions", gone.sessions)
    try:
        await share(app, "F0OK")
        [answer] = await eventually(lambda: fake_slack.dms_to("U0TRAINER"))
    finally:
        await gone.dispose()
    assert "database is not reachable" in answer and "Nothing was changed" in answer


@pytest.mark.parametrize("channel", ["C0STAFF", "C0GENERAL", "G0PRIVATE", "G0MPIM", ""],
                         ids=["#staff", "a public channel", "a private channel", "a group DM", "no channel"])
async def test_a_file_shared_anywhere_but_a_dm_with_the_bot_is_not_imported(app, fake_slack, clock, channel):
    await load_event(app.services)
    clock.now = AFTER
    data, _ = report_of(10_000)
    fake_slack.add_file("F0CHAN", "zoom-it-dec.csv", data, "U0TRAINER")
    await share(app, "F0CHAN", channel=channel)
    await app.settled()
    assert not fake_slack.calls_to("files.info") and await rows(app) == 0 and not fake_slack.dms_to("U0TRAINER")


@pytest.mark.parametrize("channel, channel_type", [("C0STAFF", "channel"), ("G0PRIVATE", "group"),
                                                   ("G0MPIM", "mpim")])
async def test_a_message_with_a_file_in_a_channel_is_not_imported(app, fake_slack, clock, channel, channel_type):
    """The `message` event Slack would send for a file posted in a channel (subtype file_share) imports nothing:
    the app subscribes to no message events, and one sent anyway finds no listener (Bolt answers 404)."""
    manifest = yaml.safe_load((Path(__file__).resolve().parents[2] / "manifest.yml").read_text())
    assert not [e for e in manifest["settings"]["event_subscriptions"]["bot_events"] if e.startswith("message")]
    await load_event(app.services)
    clock.now = AFTER
    data, _ = report_of(10_000)
    fake_slack.add_file("F0MSG", "zoom-it-dec.csv", data, "U0TRAINER")
    status, _ = await app.send(*app.requests.event({
        "type": "message", "subtype": "file_share", "channel": channel, "channel_type": channel_type,
        "user": "U0TRAINER", "text": "", "ts": "1617804931.000300", "event_ts": "1617804931.000300",
        "files": [{"id": "F0MSG", "name": "zoom-it-dec.csv", "filetype": "csv", "user": "U0TRAINER"}],
        "upload": True, "display_as_bot": False}))
    assert status in (200, 404)
    await app.settled()
    assert not fake_slack.calls_to("files.info") and await rows(app) == 0 and not fake_slack.dms_to("U0TRAINER")


async def test_the_same_file_shared_in_a_dm_is_imported(app, fake_slack, clock):
    """The control for the two tests above."""
    await load_event(app.services)
    clock.now = AFTER
    data, count = report_of(10_000)
    fake_slack.add_file("F0DM", "zoom-it-dec.csv", data, "U0TRAINER")
    await share(app, "F0DM")
    [answer] = await eventually(lambda: fake_slack.dms_to("U0TRAINER"))
    assert "rows imported" in answer and await rows(app) == count
