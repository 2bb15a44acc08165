"""The `trainingbot` command line: exit codes, one-line errors, and the JSON contract."""
from __future__ import annotations

import asyncio
import json
import uuid
from datetime import datetime, timezone

import pytest
import time_machine

from bot.app import build_services
from bot.cli import main
from bot.config import Settings
from bot.slack.outbox import Message
from tests.attendance_fixtures import CALENDAR, ROSTER, ZOOM_DATA
from tests.conftest import BOT_TOKEN, EXAMPLES, _admin, pg_database_url

pytestmark = pytest.mark.both_databases

# The CLI runs on the real clock: these moments put it before, during and after it-dec (1-4 Dec 2026).
BEFORE_IT_DEC = datetime(2026, 11, 20, tzinfo=timezone.utc)
DURING_IT_DEC = datetime(2026, 12, 2, 23, tzinfo=timezone.utc)
AFTER_IT_DEC = datetime(2026, 12, 10, tzinfo=timezone.utc)


@pytest.fixture
def cli_db(backend, tmp_path, monkeypatch):
    """DATABASE_URL for a fresh, empty database the CLI migrates itself."""
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "ZOOM_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    if backend == "sqlite":
        monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/cli.db")
        yield
        return
    name = f"tb_cli_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    monkeypatch.setenv("DATABASE_URL", pg_database_url(name))
    yield
    asyncio.run(_admin(f'DROP DATABASE "{name}" WITH (FORCE)'))


def write(tmp_path, name: str, text: str | bytes):
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return str(path)


def test_calendar_load_ok_then_a_bad_file_exits_2_with_one_line(cli_db, tmp_path, capsys):
    assert main(["calendar", "load", str(EXAMPLES / "calendar.yml")]) == 0
    assert "2 new organisations, 0 updated; 3 new events, 0 updated" in capsys.readouterr().out
    bad = write(tmp_path, "bad.yml", "events:\n  - slug: x\n    timezone: Nowhere/Land\n")
    assert main(["calendar", "load", bad]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"trainingbot: {bad}: events[0]") and "unknown key" not in err[0]


def test_a_join_link_that_is_not_a_plain_https_link_exits_2_with_one_line(cli_db, tmp_path, capsys):
    text = (EXAMPLES / "calendar.yml").read_text()
    bad = text.replace("zoom_join_url: https://zoom.us/j/81234567890", "zoom_join_url: https://zoom.us/j/1|<!here>")
    assert bad != text and main(["calendar", "load", write(tmp_path, "bad.yml", bad)]) == 2
    [err] = capsys.readouterr().err.strip().splitlines()
    assert "zoom_join_url must be an https:// link without spaces, <, > or |" in err


@time_machine.travel(AFTER_IT_DEC)
def test_attendance_import_and_json_report_follow_the_contract(cli_db, tmp_path, capsys, monkeypatch):
    assert main(["calendar", "load", write(tmp_path, "c.yml", CALENDAR)]) == 0
    assert main(["roster", "load", "it-dec", write(tmp_path, "r.csv", ROSTER)]) == 0
    good, bad = str(ZOOM_DATA / "plain_2021.csv"), str(ZOOM_DATA / "missing_leave_time.csv")
    capsys.readouterr()
    assert main(["attendance", "import", "it-dec", good, bad]) == 2
    err = capsys.readouterr().err
    assert "missing_leave_time.csv, line 1" in err and len(err.strip().splitlines()) == 1
    assert main(["attendance", "import", "it-dec", good]) == 0
    assert "12 rows imported" in capsys.readouterr().out
    assert main(["attendance", "import", "it-dec", good]) == 0
    assert "already imported" in capsys.readouterr().out
    assert main(["attendance", "report", "it-dec", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) == {"event", "scheduled_minutes", "threshold_minutes", "trainees", "unmatched"}
    amara = next(t for t in report["trainees"] if t["name"] == "Amara Nwosu")
    assert amara["sessions"][0] == {"start": "2026-12-01T18:00:00+00:00", "attended_minutes": 240}
    assert main(["attendance", "report", "it-dec", "--format", "amy"]) == 0
    assert capsys.readouterr().out.startswith("trainee,email,event,requirement,state,notes")
    assert main(["attendance", "report", "nope"]) == 2
    assert "unknown event 'nope'" in capsys.readouterr().err


def test_amy_gets_only_final_results_and_other_formats_say_partial(cli_db, tmp_path, capsys):
    assert main(["calendar", "load", write(tmp_path, "c.yml", CALENDAR)]) == 0
    assert main(["roster", "load", "it-dec", write(tmp_path, "r.csv", ROSTER)]) == 0
    capsys.readouterr()

    def amy_refused(why: str) -> None:
        assert main(["attendance", "report", "it-dec", "--format", "amy"]) == 2
        out, err = capsys.readouterr()
        assert out == ""
        assert err.splitlines() == [f"trainingbot: it-dec: not exported for AMY, which takes final results only: {why}"]

    with time_machine.travel(BEFORE_IT_DEC) as clock:
        amy_refused("the event has not started (its first session starts 2026-12-01 18:00 UTC)")
        clock.move_to(DURING_IT_DEC)
        assert main(["attendance", "import", "it-dec", str(ZOOM_DATA / "plain_2021.csv")]) == 0
        capsys.readouterr()
        amy_refused("the event has not ended (its last session ends 2026-12-04 22:00 UTC)")
        assert main(["attendance", "report", "it-dec", "--format", "json"]) == 0
        report = json.loads(capsys.readouterr().out)
        assert report["partial"] is True and "has not ended" in report["reason"]
        assert {"event", "scheduled_minutes", "threshold_minutes", "trainees", "unmatched"} < set(report)
        assert main(["attendance", "report", "it-dec"]) == 0
        assert capsys.readouterr().out.startswith("PARTIAL, not final: the event has not ended")


@time_machine.travel(AFTER_IT_DEC)
def test_amy_refuses_an_ended_event_without_a_zoom_report(cli_db, tmp_path, capsys):
    assert main(["calendar", "load", write(tmp_path, "c.yml", CALENDAR)]) == 0
    assert main(["roster", "load", "it-dec", write(tmp_path, "r.csv", ROSTER)]) == 0
    capsys.readouterr()
    assert main(["attendance", "report", "it-dec", "--format", "amy"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.strip() == ("trainingbot: it-dec: not exported for AMY, which takes final results only: "
                                         "no Zoom attendance report has been imported (trainingbot attendance import)")
    assert main(["attendance", "report", "it-dec"]) == 0
    assert capsys.readouterr().out.startswith("PARTIAL, not final: no Zoom attendance report has been imported")


def test_serve_without_slack_settings_names_each_missing_one(cli_db, capsys):
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert "SLACK_BOT_TOKEN is not set" in err and "SLACK_SIGNING_SECRET is not set" in err and "manifest.yml" in err
    assert main(["socket"]) == 2
    assert "SLACK_APP_TOKEN is not set" in capsys.readouterr().err


def test_a_malformed_setting_is_named(cli_db, capsys, monkeypatch):
    monkeypatch.setenv("PORT", "eighty")
    assert main(["db", "upgrade"]) == 2
    assert capsys.readouterr().err.startswith("trainingbot: PORT is malformed")


@pytest.mark.parametrize("url", ["postgresql+asyncpg://user:s3cret@host:notaport/db",
                                 "postgresql+asyncpg://user:s3cret@[::1/db", "mysql://user:s3cret@host/db"])
@pytest.mark.parametrize("argv", [["serve"], ["socket"], ["calendar", "load", str(EXAMPLES / "calendar.yml")],
                                  ["db", "upgrade"]], ids=lambda a: a[0] if isinstance(a, list) else a)
def test_a_malformed_database_url_is_named_without_its_password(capsys, caplog, monkeypatch, url, argv):
    monkeypatch.setenv("DATABASE_URL", url)
    for name, value in (("SLACK_BOT_TOKEN", "xoxb-1"), ("SLACK_SIGNING_SECRET", "x"), ("SLACK_APP_TOKEN", "xapp-1")):
        monkeypatch.setenv(name, value)
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert err.startswith("trainingbot: DATABASE_URL is malformed") and len(err.strip().splitlines()) == 1
    assert "user:***@host" in err or "user:***@[" in err
    assert "s3cret" not in out + err + caplog.text


@pytest.mark.parametrize("argv", [
    [], ["calendar"], ["calendar", "load"], ["bogus"], ["attendance", "report", "ev", "--format", "xml"],
    ["nudges", "preview", "--days", "-5"], ["nudges", "preview", "--days", "0"], ["nudges", "preview", "--days", "x"],
    ["roster", "load", "ev", "a.csv", "extra"],
])
def test_a_wrong_command_line_is_one_line_and_exit_2(argv, capsys):
    assert main(argv) == 2
    out = capsys.readouterr()
    lines = out.err.strip().splitlines()
    assert out.out == "" and len(lines) == 1 and lines[0].startswith("trainingbot: ") and "usage:" not in lines[0]


def test_days_are_named_in_the_refusal(capsys):
    assert main(["nudges", "preview", "--days", "-5"]) == 2
    assert "--days: must be at least 1, got -5" in capsys.readouterr().err


@pytest.mark.parametrize("text", ["", "# nothing yet\n\n# still nothing\n"])
def test_an_empty_calendar_file_is_refused_with_its_name(cli_db, tmp_path, capsys, text):
    empty = write(tmp_path, "empty.yml", text)
    assert main(["calendar", "load", empty]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [f"trainingbot: {empty}: the file is empty "
                                                            "(expected organisations and events as in "
                                                            "examples/calendar.yml)"]


ONE_OF_EACH = CALENDAR.replace("staff: [U0STAFF]\n", "")
ZOOM_ONE_ROW = ("Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\n"
                "Amara Nwosu,amara.nwosu@example.edu,12/01/2026 12:55:10 PM,12/01/2026 05:00:31 PM,246,No\n")


def test_summary_lines_say_one_in_the_singular_and_more_in_the_plural(cli_db, tmp_path, capsys):
    calendar = write(tmp_path, "c.yml", ONE_OF_EACH)
    assert main(["calendar", "load", calendar]) == 0
    assert capsys.readouterr().out == f"{calendar}: 1 new organisation, 0 updated; 1 new event, 0 updated\n"
    assert main(["calendar", "load", calendar]) == 0
    assert capsys.readouterr().out == f"{calendar}: 0 new organisations, 0 updated; 0 new events, 0 updated\n"
    roster = ROSTER.splitlines(keepends=True)
    assert main(["roster", "load", "it-dec", write(tmp_path, "one.csv", "".join(roster[:2]))]) == 0
    assert capsys.readouterr().out.endswith(": 1 new registration for it-dec\n")
    assert main(["roster", "load", "it-dec", write(tmp_path, "three.csv", "".join(roster[:4]))]) == 0
    assert capsys.readouterr().out.endswith(": 2 new registrations for it-dec\n")
    one_row = write(tmp_path, "zoom.csv", ZOOM_ONE_ROW)
    assert main(["attendance", "import", "it-dec", one_row]) == 0
    assert capsys.readouterr().out == f"it-dec: {one_row}: 1 row imported\n"
    assert main(["nudges", "preview", "--days", "1"]) == 0
    assert capsys.readouterr().out.endswith("in the next 1 day\n")


ROLES_CALENDAR = """
staff: [U0STAFF, U0STAFF2]
coordinators: [U0COORD, U0COORD2]
organisations:
  - {name: Org, level: gold, seats: 5, code: ORG, membership_start: 2026-01-01, membership_end: 2027-12-31,
     contacts: [U0CONTACT]}
events:
  - slug: ev-a
    title: A
    format: online
    timezone: UTC
    capacity: 5
    trainers: [U0TRAINER1, U0TRAINER2]
    sessions:
      - {start: 2027-03-01T13:00, end: 2027-03-01T17:00}
"""


async def _holds(user_id: str, role: str) -> bool:
    import os

    from sqlalchemy import select

    from storage.db import Database
    from storage.models import Role

    db = Database(os.environ["DATABASE_URL"])
    try:
        async with db.read() as s:
            return await s.scalar(select(Role.id).where(Role.slack_user_id == user_id, Role.role == role)) is not None
    finally:
        await db.dispose()


def test_roles_follow_the_calendar_and_each_one_lost_is_printed(cli_db, tmp_path, capsys):
    assert main(["calendar", "load", write(tmp_path, "c1.yml", ROLES_CALENDAR)]) == 0
    capsys.readouterr()
    assert all(asyncio.run(_holds(u, r)) for u, r in [("U0STAFF2", "staff"), ("U0COORD2", "coordinator"),
                                                      ("U0TRAINER2", "trainer")])
    fewer = (ROLES_CALENDAR.replace("[U0STAFF, U0STAFF2]", "[U0STAFF]").replace("[U0COORD, U0COORD2]", "[U0COORD]")
             .replace("[U0TRAINER1, U0TRAINER2]", "[U0TRAINER1]"))
    calendar = write(tmp_path, "c2.yml", fewer)
    assert main(["calendar", "load", calendar]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{calendar}: 0 new organisations, 0 updated; 0 new events, 1 updated"
    assert sorted(out[1:]) == ["U0COORD2 is no longer a mentoring coordinator", "U0STAFF2 is no longer staff",
                               "U0TRAINER2 is no longer a trainer of ev-a"]
    for user, role in [("U0STAFF2", "staff"), ("U0COORD2", "coordinator"), ("U0TRAINER2", "trainer")]:
        assert not asyncio.run(_holds(user, role)), (user, role)
    for user, role in [("U0STAFF", "staff"), ("U0COORD", "coordinator"), ("U0TRAINER1", "trainer"),
                       ("U0CONTACT", "contact")]:
        assert asyncio.run(_holds(user, role)), (user, role)
    assert main(["calendar", "load", calendar]) == 0  # nothing more to take away
    assert capsys.readouterr().out.splitlines() == [f"{calendar}: 0 new organisations, 0 updated; 0 new events, "
                                                    "0 updated"]


BOUND_ORG = ("organisations:\n  - {name: Org, level: gold, seats: 2, code: ORG, membership_start: 2026-01-01, "
             "membership_end: 2026-12-31}\n")
OUT_OF_BOUNDS = {  # each would reach the database (and PostgreSQL would raise) without a bound
    "seats 1e30": (BOUND_ORG.replace("seats: 2", "seats: 1.0e+30"), "'Org': seats must be a whole number"),
    "seats 2**31": (BOUND_ORG.replace("seats: 2", "seats: 2147483648"), "seats must be a whole number from 0 to"),
    "seats negative": (BOUND_ORG.replace("seats: 2", "seats: -3"), "got -3"),
    "name too long": (BOUND_ORG.replace("name: Org", "name: " + "N" * 201), "name is 201 characters long; the limit "
                                                                            "is 200"),
    "code too long": (BOUND_ORG.replace("code: ORG", "code: " + "C" * 81), "code is 81 characters long"),
    "NUL in a name": (BOUND_ORG.replace("name: Org", 'name: "O\\0rg"'), "name contains a NUL character"),
    "deep nesting": ("events: " + "[" * 5000 + "]" * 5000 + "\n", "nested more than 20 levels deep"),
    "deep mappings": ("organisations: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n", "nested more than 20 levels"),
}
ROSTER_OUT_OF_BOUNDS = {
    "name too long": ("name,email\n" + "N" * 201 + ",n@example.org\n", "line 2: name is 201 characters long"),
    "email too long": ("name,email\nN," + "e" * 320 + "@example.org\n", "line 2: email is 332 characters long"),
    "code too long": ("name,email,organisation_code\nN,n@example.org," + "C" * 81 + "\n",
                      "line 2: organisation_code is 81 characters long"),
}


@pytest.mark.parametrize("case", sorted(OUT_OF_BOUNDS))
def test_a_calendar_value_out_of_bounds_exits_2_with_one_line_naming_it(cli_db, tmp_path, capsys, case):
    text, expected = OUT_OF_BOUNDS[case]
    bad = write(tmp_path, "bad.yml", text)
    assert main(["calendar", "load", bad]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"trainingbot: {bad}: ") and expected in err[0], err
    assert len(err[0]) < 300


@pytest.mark.parametrize("case", sorted(ROSTER_OUT_OF_BOUNDS))
def test_a_roster_value_out_of_bounds_exits_2_with_one_line_naming_it(cli_db, tmp_path, capsys, case):
    assert main(["calendar", "load", write(tmp_path, "c.yml", CALENDAR)]) == 0
    capsys.readouterr()
    text, expected = ROSTER_OUT_OF_BOUNDS[case]
    bad = write(tmp_path, "r.csv", text)
    assert main(["roster", "load", "it-dec", bad]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"trainingbot: {bad}, ") and expected in err[0], err


def test_nudges_run_once_without_a_token_exits_2_with_one_line(cli_db, capsys, monkeypatch):
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    assert main(["nudges", "run-once"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("trainingbot: SLACK_BOT_TOKEN is not set") and "nothing was sent" in err[0]


async def test_nudges_run_once_with_a_revoked_token_stops_keeps_everything_due_and_exits_1(
        cli_db, fake_slack, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_API_URL", fake_slack.url + "api/")
    fake_slack.add_user("U0AMARA", "Amara Nwosu")
    assert await asyncio.to_thread(main, ["calendar", "load", write(tmp_path, "c.yml", CALENDAR)]) == 0
    services = build_services(Settings(_env_file=None))
    await services.outbox.send(Message("U0AMARA", "waiting"))  # kept: the token fails before it can go
    fake_slack.fail_next(50, "ok_false", error="token_revoked")
    await services.outbox.drain()
    await services.db.dispose()
    capsys.readouterr()
    assert await asyncio.to_thread(main, ["nudges", "run-once"]) == 1
    out = capsys.readouterr().out
    assert "stopped: Slack refused the app's token (token_revoked)" in out
    fake_slack.failures.clear()  # the token is fixed
    assert await asyncio.to_thread(main, ["nudges", "run-once"]) == 0
    assert [m["text"] for m in fake_slack.delivered if m["channel"] == "U0AMARA"] == ["waiting"]
