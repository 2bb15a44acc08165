"""The fake Slack answers like Slack: token checks, required arguments, the three argument styles, failures."""
from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tests.conftest import BOT_TOKEN


def client(fake_slack, token: str = BOT_TOKEN) -> AsyncWebClient:
    return AsyncWebClient(token=token, base_url=fake_slack.url + "api/")


async def test_wrong_token_and_missing_arguments_are_refused(fake_slack):
    with pytest.raises(SlackApiError) as err:
        await client(fake_slack, "xoxb-wrong").chat_postMessage(channel="C1", text="hi")
    assert err.value.response["error"] == "invalid_auth"
    with pytest.raises(SlackApiError) as err:
        await client(fake_slack).api_call("conversations.invite", params={"channel": "C1"})
    assert err.value.response["error"] == "invalid_arguments"


async def test_json_form_and_get_arguments_are_all_read_and_recorded(fake_slack):
    fake_slack.add_user("U0A", "Ann", "ann@x.org")
    web = client(fake_slack)
    await web.chat_postMessage(channel="C1", text="json body")
    created = await web.conversations_create(name="group-1", is_private=True)
    await web.conversations_invite(channel=created["channel"]["id"], users="U0A,U0B")
    found = await web.users_lookupByEmail(email="ANN@x.org")
    assert found["user"]["id"] == "U0A"
    assert fake_slack.messages_to("C1")[0]["text"] == "json body"
    assert fake_slack.channels[created["channel"]["id"]]["members"] == {"U0A", "U0B"}
    assert [c.method for c in fake_slack.calls] == ["chat.postMessage", "conversations.create",
                                                   "conversations.invite", "users.lookupByEmail"]
    assert all(c.token == BOT_TOKEN for c in fake_slack.calls)


async def test_it_fails_the_next_calls_as_told(fake_slack):
    web = AsyncWebClient(token=BOT_TOKEN, base_url=fake_slack.url + "api/")  # no retry handlers
    fake_slack.fail_next(1, "429", retry_after=7)
    with pytest.raises(SlackApiError) as err:
        await web.chat_postMessage(channel="C1", text="x")
    assert err.value.response.status_code == 429 and err.value.response.headers["Retry-After"] == "7"
    fake_slack.fail_next(1, "500")
    with pytest.raises(SlackApiError) as err:
        await web.chat_postMessage(channel="C1", text="x")
    assert err.value.response.status_code == 500
    fake_slack.fail_next(1, "ok_false", error="channel_not_found")
    with pytest.raises(SlackApiError) as err:
        await web.chat_postMessage(channel="C1", text="x")
    assert err.value.response["error"] == "channel_not_found"
    assert (await web.chat_postMessage(channel="C1", text="x"))["ok"] is True


async def test_the_projects_client_retries_through_a_rate_limit(fake_slack, settings):
    from bot.slack.client import make_client

    fake_slack.fail_next(1, "429", retry_after=1, method="chat.postMessage")
    resp = await make_client(settings).chat_postMessage(channel="C1", text="after waiting")
    assert resp["ok"] and len(fake_slack.calls_to("chat.postMessage")) == 2
