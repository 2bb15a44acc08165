"""Slack as the app first meets it: unreachable (the person is told to try again, never to reinstall the app), or
refusing the token (said once, loudly); and what the app says at start about what is missing."""
from __future__ import annotations

import json
import logging

from tests.conftest import running_app
from tests.registration_fixtures import eventually


async def test_auth_test_failing_with_5xx_never_asks_anyone_to_reinstall(services, examples, fake_slack):
    fake_slack.fail_next(20, "500", method="auth.test")
    fake_slack.add_user("U0ALICE", "Alice", "alice@example.org")  # registering needs the profile's email
    async with running_app(services, fake_slack) as app:
        status, body = await app.slash("/training", "calendar", "U0ALICE")
        assert status == 200 and "reinstall" not in body and "no longer available" not in body
        assert "Upcoming Instructor Training" in json.dumps(json.loads(body)["blocks"])  # it went on without it
        fake_slack.fail_next(20, "500", method="views.open")
        status, body = await app.slash("/training", "register", "U0ALICE", key="reg")
        [said] = await eventually(lambda: [r for r in fake_slack.responses if r["key"] == "reg"] or
                                  ([{"text": json.loads(body)["text"]}] if body else []))
        assert "reinstall" not in said["text"] and "Slack could not be reached" in said["text"]


async def test_a_refused_token_is_said_to_the_person_and_on_the_health_check(services, examples, fake_slack):
    fake_slack.fail_next(5, "ok_false", error="invalid_auth", method="auth.test")
    async with running_app(services, fake_slack) as app:
        status, body = await app.slash("/training", "calendar", "U0ALICE", key="refused")
        [said] = await eventually(lambda: [r for r in fake_slack.responses if r["key"] == "refused"])
        assert status == 200 and "Slack refused its token" in said["text"] and "reinstall" not in said["text"]
        async with app.http.get(app.url + "healthz") as resp:
            assert resp.status == 503 and "slack_token" in await resp.json()


async def test_start_says_what_is_missing_and_no_token_warning(services, fake_slack, caplog, monkeypatch):
    caplog.set_level(logging.INFO)
    fake_slack.outside_channels.add("C0STAFF")
    async with running_app(services, fake_slack):
        pass
    said = [r.getMessage() for r in caplog.records if r.getMessage().startswith("not fully set up")]
    assert any("not in STAFF_CHANNEL (C0STAFF): invite it" in line for line in said)
    assert any("Zoom is not configured" in line for line in said)
    assert any("ZOOM_WEBHOOK_SECRET_TOKEN is not set" in line for line in said)
    assert services.health.staff_channel_problem == "not in C0STAFF"
    assert not [r for r in caplog.records if "will be unused" in r.getMessage() or "will be ignored" in r.getMessage()]
    services.settings.staff_channel = None
    caplog.clear()
    async with running_app(services, fake_slack):
        pass
    assert any("STAFF_CHANNEL is not set" in r.getMessage() for r in caplog.records)
