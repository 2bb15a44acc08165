"""`trainingbot checkout report` and `trainingbot certificates verify` on a SQLite file."""
from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import build_services
from bot.checkout import rules
from bot.cli import main
from bot.config import Settings
from bot.slack.gateway import SlackGateway
from storage.db import Database

pytestmark = pytest.mark.both_databases

TODAY = datetime.now(timezone.utc).date()  # the CLI runs on the real clock
RECENT_END = TODAY - timedelta(days=30)  # inside the 90 days
OLD_END = TODAY - timedelta(days=120)  # the standard deadline passed 30 days ago


def _event(slug: str, title: str, day: date) -> str:
    return (f"  - {{slug: {slug}, title: {title}, format: online, timezone: UTC, capacity: 10, trainers: [U0TRAINER],"
            f" sessions: [{{start: {day}T09:00, end: {day}T17:00}}]}}\n")


CALENDAR = ("staff: [U0STAFF]\norganisations:\n  - {name: Org, level: gold, seats: 20, code: ORG, "
            "membership_start: 2020-01-01, membership_end: 2030-12-31}\nevents:\n"
            + _event("recent", "Recent training", RECENT_END) + _event("old", "Old training", OLD_END)
            + _event("future", "Future training", TODAY + timedelta(days=40)))
ROSTERS = {
    "recent": 'name,email,slack_user_id\nAda Lovelace,ada@example.org,U0ADA\nBen Okafor,ben@example.org,U0BEN\n'
              '"=HYPERLINK(""http://evil.example"")",mal@example.org,U0MAL\n',
    "old": "name,email,slack_user_id\nOlga Petrova,olga@example.org,U0OLGA\n",
}


async def _progress(url: str) -> None:
    """Ada certified in time; Ben extended, not certified; Olga extended, then certified late."""
    services = build_services(Settings(database_url=url, _env_file=None), db=Database(url),
                              gateway=SlackGateway(AsyncWebClient(token="xoxb-unused", base_url="http://127.0.0.1:9/")))
    checkout = services.checkout
    try:
        await checkout.extend("U0STAFF", "U0BEN")
        await checkout.extend("U0STAFF", "U0OLGA")
        for step in ("training", "welcome", "demo"):
            await checkout.mark("U0STAFF", step, ["ada@example.org", "olga@example.org"])
        for user in ("U0ADA", "U0OLGA"):
            summary = await checkout.evaluation_form("U0TRAINER" if user == "U0ADA" else "U0STAFF", user)
            await checkout.evaluate("U0STAFF", summary.registration_id, "get_involved", "passed", None)
    finally:
        await services.db.dispose()


@pytest.fixture
def database(tmp_path, monkeypatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    (tmp_path / "cal.yml").write_text(CALENDAR)
    assert main(["calendar", "load", str(tmp_path / "cal.yml")]) == 0
    for slug, roster in ROSTERS.items():
        (tmp_path / f"{slug}.csv").write_text(roster)
        assert main(["roster", "load", slug, str(tmp_path / f"{slug}.csv")]) == 0
    asyncio.run(_progress(url))
    return url


def _code(capsys) -> str:
    capsys.readouterr()
    assert main(["checkout", "report", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    return next(t["certificate_code"] for t in report["trainees"] if t["name"] == "Ada Lovelace")


def test_json_report_has_each_trainee_and_the_figures_per_event(database, capsys):
    capsys.readouterr()
    assert main(["checkout", "report", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    by_name = {t["name"]: t for t in report["trainees"]}
    assert set(by_name) == {"Ada Lovelace", "Ben Okafor", '=HYPERLINK("http://evil.example")', "Olga Petrova"}
    ada, ben, olga = by_name["Ada Lovelace"], by_name["Ben Okafor"], by_name["Olga Petrova"]
    assert ada["steps"] == {step: "passed" for step in rules.STEPS}
    assert ada["certified"] and ada["certified_within_90_days"] and ada["certified_on"] == TODAY.isoformat()
    assert ada["deadline"] == (RECENT_END + timedelta(days=90)).isoformat() and ada["extensions"] == []
    base = datetime.combine(RECENT_END + timedelta(days=90), datetime.min.time(), ZoneInfo("UTC"))
    assert ben["deadline"] == rules.add_months(base, 3).date().isoformat()
    assert [(e["months"], e["granted_by"]) for e in ben["extensions"]] == [(3, "U0STAFF")]
    assert not ben["certified"] and ben["steps"]["training"] == "not_evaluated"
    assert olga["certified"] and not olga["certified_within_90_days"] and len(olga["extensions"]) == 1
    assert report["events"] == [
        {"event": "old", "title": "Old training", "trainees": 1, "certified": 1, "certified_within_90_days": 0,
         "extended": 1, "lapsed": 0},
        {"event": "recent", "title": "Recent training", "trainees": 3, "certified": 1,
         "certified_within_90_days": 1, "extended": 1, "lapsed": 0},
    ]


def test_csv_report_for_one_event_neutralises_formulas_and_prints_figures(database, capsys):
    capsys.readouterr()
    assert main(["checkout", "report", "--event", "recent"]) == 0
    out = capsys.readouterr()
    rows = list(csv.DictReader(io.StringIO(out.out)))
    assert [r["name"] for r in rows] == ["'=HYPERLINK(\"http://evil.example\")", "Ada Lovelace", "Ben Okafor"]
    ada = rows[1]
    assert (ada["certified"], ada["certified_within_90_days"], ada["welcome_session"]) == ("yes", "yes", "passed")
    assert rows[2]["extensions"] == f"{TODAY.isoformat()} +3 months by U0STAFF"
    assert "recent: 3 trainees, 1 certified (1 within 90 days), 1 extended" in out.err


@pytest.mark.parametrize("slug,message", [("nope", "unknown event 'nope'"), ("future", "future has not ended yet")])
def test_report_refuses_an_unknown_or_unfinished_event(database, capsys, slug, message):
    capsys.readouterr()
    assert main(["checkout", "report", "--event", slug]) == 2
    assert message in capsys.readouterr().err


def test_verify_prints_who_what_when_or_exits_2(database, capsys):
    code = _code(capsys)
    assert main(["certificates", "verify", code]) == 0
    out = capsys.readouterr().out
    assert out.strip() == (f"{code} is genuine: Carpentries Instructor certificate of Ada Lovelace, issued on "
                           f"{TODAY.isoformat()}, for Recent training (recent)")
    assert main(["certificates", "verify", code.lower().replace("-", "")]) == 0
    assert "Ada Lovelace" in capsys.readouterr().out
    assert main(["certificates", "verify", "TB-2345-6789"]) == 2
    assert capsys.readouterr().err.strip() == "trainingbot: no such certificate: TB-2345-6789"
