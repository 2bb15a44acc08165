"""End to end in a surge (BUSY_COMMANDS reached): slash commands acknowledged empty, answered through response_url."""
from __future__ import annotations

import json

import pytest

from tests import attendance_fixtures as af
from tests.conftest import running_app
from tests.registration_fixtures import eventually


@pytest.fixture
async def surge_app(services, fake_slack):
    services.settings.busy_commands = 0  # every slash command arrives as if in a surge
    async with running_app(services, fake_slack) as running:
        yield running


def answers(fake_slack, key: str) -> list[dict]:
    return [r for r in fake_slack.responses if r["key"] == key]


async def test_the_calendar_in_a_surge_comes_through_response_url(surge_app, examples, fake_slack):
    fake_slack.add_user("U0ALICE", "Alice Example", "alice@example.edu", tz="Europe/London")
    assert await surge_app.slash("/training", "calendar", "U0ALICE", key="cal") == (200, "")
    [answer] = await eventually(lambda: answers(fake_slack, "cal"))
    assert answer["response_type"] == "ephemeral"
    assert "Tue 12 Jan 2027, 18:00\\u201322:00 GMT" in json.dumps(answer["blocks"])


async def test_register_in_a_surge_opens_the_form_with_the_commands_trigger(surge_app, examples, fake_slack):
    fake_slack.add_user("U0ALICE", "Alice Example", "alice@example.edu", tz="Europe/London")
    assert await surge_app.slash("/training", "register", "U0ALICE", key="reg") == (200, "")
    [opened] = await eventually(lambda: fake_slack.calls_to("views.open"))
    assert opened.args["trigger_id"].startswith("trig.U0ALICE.")
    assert fake_slack.last_view()["callback_id"] == "register_submit"
    assert answers(fake_slack, "reg") == []


async def test_refusals_and_usage_in_a_surge_reach_the_user(surge_app, services, fake_slack):
    await af.load_event(services)
    assert await surge_app.slash("/attendance", "it-dec", "U0NOBODY", key="att") == (200, "")
    assert await surge_app.slash("/training", "frobnicate", "U0NOBODY", key="usage") == (200, "")
    [refusal] = await eventually(lambda: answers(fake_slack, "att"))
    [usage] = await eventually(lambda: answers(fake_slack, "usage"))
    assert "trainers" in refusal["text"] and refusal["response_type"] == "ephemeral"
    assert "I don't know `frobnicate`" in usage["text"]


async def test_a_form_whose_trigger_expired_while_queued_asks_to_run_the_command_again(surge_app, examples,
                                                                                      fake_slack):
    fake_slack.fail_next(1, "ok_false", error="expired_trigger_id", method="views.open")
    assert await surge_app.slash("/training", "register", "U0ALICE", key="late") == (200, "")
    [answer] = await eventually(lambda: answers(fake_slack, "late"))
    assert "please run the command again" in answer["text"]
    assert "Something went wrong" not in answer["text"]
