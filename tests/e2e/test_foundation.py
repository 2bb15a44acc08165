"""End to end: signed requests into the running app, the fake Slack answering its calls."""
from __future__ import annotations

import json
import time

from storage.db import Database
from tests.slack_requests import sign


async def test_calendar_lists_example_events_in_the_users_time_zone(app, examples, fake_slack):
    fake_slack.add_user("U0ALICE", "Alice Example", "alice@example.edu", tz="Europe/London")
    status, body = await app.slash("/training", "calendar", "U0ALICE")
    assert status == 200
    answer = json.loads(body)
    assert answer["response_type"] == "ephemeral"
    text = json.dumps(answer["blocks"])
    for title in ("four half-days", "two full days", "Instructor Training in Melbourne"):
        assert title in text
    # 13:00–17:00 in New York is 18:00–22:00 in London in January.
    assert "Tue 12 Jan 2027, 18:00\\u201322:00 GMT" in text
    assert "In person: Room 2.14" in text
    buttons = [b["accessory"] for b in answer["blocks"] if b.get("accessory")]
    assert [b["value"] for b in buttons] == ["2027-01-12-online-half-days", "2027-02-03-online-full-days",
                                            "2027-03-10-melbourne-in-person"]
    assert fake_slack.calls_to("users.info")[0].args["user"] == "U0ALICE"
    assert fake_slack.calls_to("users.info")[0].token == "xoxb-test-token"


async def test_bare_command_help_and_unknown_subcommand_answer_with_usage(app, fake_slack):
    for text in ("", "help"):
        status, body = await app.slash("/training", text, "U0ALICE")
        assert status == 200 and "/training register [CODE]" in json.loads(body)["text"]
    status, body = await app.slash("/training", "frobnicate", "U0ALICE")
    assert "I don't know `frobnicate`" in json.loads(body)["text"]


async def _no_handler_ran(fake_slack) -> bool:
    return not [c for c in fake_slack.calls if c.method not in ("auth.test", "conversations.info")]


async def test_unsigned_wrong_and_stale_requests_get_401_and_run_nothing(app, examples, fake_slack):
    body, headers = app.requests.slash("/training", "calendar", "U0ALICE")
    unsigned = {"Content-Type": headers["Content-Type"]}
    assert (await app.send(body, unsigned))[0] == 401

    wrong = dict(headers, **{"X-Slack-Signature": sign("not-the-secret", headers["X-Slack-Request-Timestamp"], body)})
    assert (await app.send(body, wrong))[0] == 401

    stale_ts = int(time.time()) - 6 * 60
    stale = app.requests.headers(body, headers["Content-Type"], timestamp=stale_ts)
    assert (await app.send(body, stale))[0] == 401

    tampered = body.replace(b"calendar", b"calendaX")
    assert (await app.send(tampered, headers))[0] == 401
    assert await _no_handler_ran(fake_slack)


async def test_healthz_ok_then_503_when_the_database_is_gone(app, services, tmp_path, monkeypatch):
    async with app.http.get(app.url + "healthz") as resp:
        assert resp.status == 200 and (await resp.json())["database"] == "ok"
    gone = Database("postgresql+asyncpg://nobody@127.0.0.1:1/none") if not services.db.is_sqlite else \
        Database(f"sqlite+aiosqlite:///{tmp_path}/missing-dir/x.db")
    monkeypatch.setattr(services.db, "engine", gone.engine)
    try:
        async with app.http.get(app.url + "healthz") as resp:
            assert resp.status == 503 and (await resp.json())["database"] == "unreachable"
    finally:
        await gone.dispose()


async def test_slow_work_is_acknowledged_in_time_and_answered_through_response_url(app, examples, fake_slack,
                                                                                   monkeypatch):
    import asyncio

    from tests.registration_fixtures import eventually

    app.services.settings.ack_budget_ms = 100
    real, go_on = app.services.calendar.upcoming, asyncio.Event()

    async def slow():
        await go_on.wait()  # still working when the acknowledgement is due
        return await real()

    monkeypatch.setattr(app.services.calendar, "upcoming", slow)
    status, body = await app.slash("/training", "calendar", "U0ALICE", key="slow")
    assert status == 200 and body == "" and not fake_slack.responses
    go_on.set()
    answer = await eventually(lambda: [r for r in fake_slack.responses if r["key"] == "slow"])
    assert "Instructor Training in Melbourne" in json.dumps(answer[0]["blocks"])
