"""End to end in a surge (BUSY_COMMANDS reached): slash commands acknowledged empty, answered through response_url."""
from __future__ import annotations

import json
from urllib.parse import parse_qs

import pytest

from tests import attendance_fixtures as af
from tests.conftest import running_app
from tests.e2e.test_checkout import action_value
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


async def test_a_form_whose_trigger_expired_while_queued_offers_a_button_that_opens_it(surge_app, examples,
                                                                                        fake_slack):
    fake_slack.add_user("U0ALICE", "Alice Example", "alice@example.edu", tz="Europe/London")
    fake_slack.fail_next(1, "ok_false", error="expired_trigger_id", method="views.open")
    assert await surge_app.slash("/training", "register ABC123", "U0ALICE", key="late") == (200, "")
    [answer] = await eventually(lambda: answers(fake_slack, "late"))
    assert "too busy to open the form in time" in answer["text"] and answer["response_type"] == "ephemeral"
    assert "Something went wrong" not in answer["text"]
    assert fake_slack.calls_to("views.open")[-1].args["trigger_id"].startswith("trig.U0ALICE.")
    value = action_value(answer, "command_rerun")

    body, headers = surge_app.requests.block_action("U0ALICE", "command_rerun", value, channel="C0GENERAL")
    click_trigger = json.loads(parse_qs(body.decode())["payload"][0])["trigger_id"]
    assert await surge_app.send(body, headers) == (200, "")
    await eventually(lambda: fake_slack.calls_to("views.open")[-1].args["trigger_id"] == click_trigger)
    view = fake_slack.last_view()
    assert view["callback_id"] == "register_submit"
    assert "ABC123" in json.dumps(view)  # the same command, its code included


async def test_a_rerun_button_with_a_tampered_value_runs_nothing(surge_app, examples, fake_slack):
    for value in ("not json", json.dumps({"command": "/nosuch", "text": "register"}), json.dumps(["x"])):
        body, headers = surge_app.requests.block_action("U0ALICE", "command_rerun", value, channel="C0GENERAL")
        assert await surge_app.send(body, headers) == (200, "")
    said = await eventually(lambda: len(answers(fake_slack, "action")) == 3 and answers(fake_slack, "action"))
    assert all("out of date" in r["text"] for r in said)
    assert fake_slack.calls_to("views.open") == []
