"""The outbox on both databases: each message once across workers, keyed messages edited in place, follow-ups,
whose fault a failure is (token, recipient, passing), and what stays due."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import update

from bot.slack.health import SlackHealth
from bot.slack.outbox import STAFF, Message, Outbox
from storage.outbox_models import OutboxMessage
from tests.outbox_helpers import outbox, posted_ts

pytestmark = pytest.mark.both_databases


def worker(services, clock, name: str) -> Outbox:
    return Outbox(services.db, services.slack, services.settings, clock, SlackHealth(), worker=name)


async def write(services, *messages: Message) -> None:
    """Messages written in a transaction of their own, without the pump (the test flushes)."""
    async with services.db.transaction() as s:
        services.outbox.add(s, *messages, pump=False)


async def test_workers_flushing_at_once_send_each_message_once(services, fake_slack, clock):
    for i in range(120):
        fake_slack.add_user(f"U0W{i:03d}", f"W{i}")
    await write(services, *(Message(f"U0W{i:03d}", f"hello {i}") for i in range(120)))
    results = await asyncio.gather(*(worker(services, clock, f"w{n}").flush() for n in range(4)))
    assert sum(r.sent for r in results) == 120
    assert sorted(m["text"] for m in fake_slack.delivered) == sorted(f"hello {i}" for i in range(120))
    assert {m.status for m in await outbox(services)} == {"sent"}
    assert all(m.text is None for m in await outbox(services))  # nothing kept once sent


async def test_a_claim_whose_worker_died_is_taken_over_once_its_lease_runs_out(services, fake_slack, clock):
    fake_slack.add_user("U0A", "A")
    await write(services, Message("U0A", "left behind"))
    async with services.db.transaction() as s:
        await s.execute(update(OutboxMessage).values(status="claimed", claimed_by="dead:1", attempts=1,
                                                     lease_until=clock.now + timedelta(seconds=300)))
    assert (await services.outbox.flush()).sent == 0
    clock.now += timedelta(seconds=301)
    assert (await services.outbox.flush()).sent == 1
    assert [m["text"] for m in fake_slack.delivered] == ["left behind"]


async def test_a_keyed_message_is_posted_once_then_edited_and_only_its_newest_waiting_version_goes(
        services, fake_slack, clock):
    fake_slack.add_user("U0A", "A")
    receipt = Message("U0A", "receipt", key="thing:1:receipt")
    await write(services, Message(STAFF, "v1", key="thing:1", then=(receipt,)), Message(STAFF, "v2", key="thing:1"))
    await services.outbox.flush()
    [posted] = fake_slack.messages_to("C0STAFF")
    assert posted["text"] == "v2"  # v1 never went: v2 took its place, and its follow-up
    assert [m["text"] for m in fake_slack.delivered if m["channel"] == "U0A"] == ["receipt"]
    ts = await posted_ts(services, "thing:1")
    await write(services, Message(STAFF, "v3", key="thing:1"))
    await services.outbox.flush()
    [edit] = [c.args for c in fake_slack.calls_to("chat.update")]
    assert (edit["channel"], edit["ts"], edit["text"]) == ("C0STAFF", ts, "v3")
    assert len(fake_slack.messages_to("C0STAFF")) == 1


async def test_edits_and_deletions_of_what_was_never_posted_do_nothing(services, fake_slack, clock):
    fake_slack.add_user("U0A", "A")
    await write(services, Message("U0A", "redacted", key="never:1", action="edit"),
                Message("U0A", key="never:2", action="delete"))
    assert (await services.outbox.flush()).skipped == 2
    assert not fake_slack.calls_to("chat.update") and not fake_slack.calls_to("chat.delete")
    await write(services, Message("U0A", "hello", key="said:1"))
    await services.outbox.flush()
    await write(services, Message("U0A", key="said:1", action="delete"))
    await services.outbox.flush()
    assert len(fake_slack.calls_to("chat.delete")) == 1 and await posted_ts(services, "said:1") is None


@pytest.mark.parametrize("error", ["invalid_auth", "token_revoked", "not_authed", "missing_scope",
                                   "account_inactive"])
async def test_a_token_or_scope_failure_stops_sending_and_keeps_everything_due(services, fake_slack, clock, error,
                                                                               caplog):
    for user in ("U0A", "U0B", "U0C"):
        fake_slack.add_user(user, user)
    await write(services, *(Message(user, f"to {user}") for user in ("U0A", "U0B", "U0C")))
    fake_slack.fail_next(3, "ok_false", error=error, method="chat.postMessage")  # the token fails for everyone
    result = await services.outbox.flush()
    assert result.stopped == error and (result.failed, result.sent) == (0, 0)
    assert services.health.token_problem == error
    waiting = await outbox(services)
    assert {(m.status, m.attempts) for m in waiting} == {("pending", 0)}  # not counted as a try
    fake_slack.fail_next(1, "ok_false", error=error, method="auth.test")
    assert not await services.outbox.token_works()  # still refused
    assert services.health.token_problem == error
    assert await services.outbox.token_works()  # fixed: auth.test takes the token again
    assert services.health.token_problem is None
    assert (await services.outbox.flush()).sent == 3
    assert sorted(m["text"] for m in fake_slack.delivered if m["channel"] != "C0STAFF") == [
        "to U0A", "to U0B", "to U0C"]
    [alarm] = fake_slack.messages_to("C0STAFF")  # said loudly, once, where Slack let it be said
    assert error in alarm["text"] and "held until it is fixed" in alarm["text"]
    assert "Slack refused the app's token or scopes" in caplog.text


async def test_only_a_recipients_own_problem_fails_a_message(services, fake_slack, clock):
    fake_slack.add_user("U0A", "A")
    await write(services, Message("U0GONE", "to nobody"), Message("U0A", "to someone"))
    result = await services.outbox.flush()
    assert (result.failed, result.sent) == (1, 1)
    [gone] = await outbox(services, recipient="U0GONE")
    assert (gone.status, gone.last_error, gone.text) == ("failed", "user_not_found", None)
    assert [m["text"] for m in fake_slack.delivered] == ["to someone"]
