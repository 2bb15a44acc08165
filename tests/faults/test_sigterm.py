"""SIGTERM to `trainingbot serve`: no new connections, the request in flight still answered, exit status 0."""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import sys
from pathlib import Path

import pytest
from aiohttp import ClientError, ClientSession

from bot.app import build_services
from bot.common.people import Profile
from bot.config import Settings
from storage.db import Database
from storage.outbox_models import PostedMessage
from tests.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.registration_fixtures import eventually
from tests.slack_requests import SlackRequests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(tmp_path: Path, fake_slack, port: int, extra: dict[str, str]) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
            "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake_slack.url + "api/", "HOST": "127.0.0.1", "PORT": str(port), "SWEEP_MINUTES": "60",
            "STAFF_CHANNEL": "C0STAFF", **extra}


@pytest.fixture
async def serve(tmp_path, fake_slack, sqlite_template):
    """Starts `trainingbot serve` when called (on a copy of the migrated template database); kills it at the end if
    it is still running."""
    started = []
    if not (tmp_path / "bot.db").exists():
        shutil.copyfile(sqlite_template, tmp_path / "bot.db")

    async def start(**extra: str):
        port = free_port()
        log = (tmp_path / "serve.log").open("wb")
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "serve", cwd=ROOT, env=environment(tmp_path, fake_slack, port, extra),
            stdout=log, stderr=asyncio.subprocess.STDOUT)
        started.append((proc, log))
        return proc, f"http://127.0.0.1:{port}/", port, tmp_path / "serve.log"

    yield start
    for proc, log in started:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        log.close()


async def wait_healthy(http: ClientSession, url: str, proc, output: Path, timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        assert proc.returncode is None, output.read_text()
        try:
            async with http.get(url + "healthz") as resp:
                if resp.status == 200:
                    return
        except ClientError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError(f"no healthy /healthz within {timeout} s:\n{output.read_text()}")


async def refused(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except ConnectionRefusedError:
        return True
    except ConnectionResetError:  # accepted into the backlog just as the listener closed: ask again
        return False
    writer.close()
    return False


def held_users_info(fake_slack, monkeypatch) -> asyncio.Event:
    """users.info answers only once the returned gate is opened: the request is in flight until then."""
    users_info, gate = fake_slack._m_users_info, asyncio.Event()

    async def held(args):
        await gate.wait()
        return await users_info(args)

    monkeypatch.setattr(fake_slack, "_m_users_info", held)
    fake_slack.add_user("U0P01", "Person 01", "p01@example.org", tz="Europe/London")
    return gate


async def calendar_during_sigterm(serve, fake_slack, gate: asyncio.Event, *, answered_first: bool = False,
                                  **env: str) -> tuple[int, str, object, Path]:
    """`/training calendar` while users.info is held; SIGTERM once Slack has the call (and, with `answered_first`,
    once the command was acknowledged). Checks that new connections are refused while the request is still in
    flight; then lets Slack answer. Returns the request's status and body, the process and its log."""
    proc, url, port, output = await serve(**env)
    requests = SlackRequests(SIGNING_SECRET, fake_slack.url)
    async with ClientSession() as http:
        await wait_healthy(http, url, proc, output)
        for _ in range(500):  # the sweep run at start-up is done: only the request will be in flight
            if "bot.reminders.scheduler: sweep:" in output.read_text():
                break
            await asyncio.sleep(0.02)
        assert "bot.reminders.scheduler: sweep:" in output.read_text(), output.read_text()

        async def calendar() -> tuple[int, str]:
            body, headers = requests.slash("/training", "calendar", "U0P01")
            async with http.post(url + "slack/events", data=body, headers=headers) as resp:
                return resp.status, await resp.text()

        in_flight = asyncio.create_task(calendar())
        await eventually(lambda: fake_slack.calls_to("users.info"))
        if answered_first:
            await asyncio.wait_for(in_flight, timeout=10)
        assert not gate.is_set()

        proc.send_signal(signal.SIGTERM)
        await eventually(lambda: refused(port), timeout=5)
        assert answered_first or not in_flight.done(), "the request finished too soon: nothing was in flight"
        gate.set()
        status, body = await asyncio.wait_for(in_flight, timeout=10)
    return status, body, proc, output


async def test_sigterm_finishes_the_request_in_flight_refuses_new_ones_and_exits_0(serve, fake_slack, monkeypatch):
    gate = held_users_info(fake_slack, monkeypatch)
    status, body, proc, output = await calendar_during_sigterm(serve, fake_slack, gate, ACK_BUDGET_MS="2500")
    assert status == 200, body
    answer = json.loads(body)
    assert answer["response_type"] == "ephemeral" and answer["text"] == "No upcoming events"
    assert "Europe/London" in json.dumps(answer["blocks"])  # the slow profile lookup finished too
    assert await asyncio.wait_for(proc.wait(), timeout=15) == 0, output.read_text()
    assert "Traceback" not in output.read_text()


async def test_sigterm_finishes_work_that_goes_on_after_the_acknowledgement(serve, fake_slack, monkeypatch):
    gate = held_users_info(fake_slack, monkeypatch)
    status, body, proc, output = await calendar_during_sigterm(serve, fake_slack, gate, answered_first=True)
    assert status == 200 and body == "", body  # acknowledged within the budget; the answer follows
    assert await asyncio.wait_for(proc.wait(), timeout=15) == 0, output.read_text()
    answers = [r for r in fake_slack.responses if r.get("text") == "No upcoming events"]
    assert len(answers) == 1, (fake_slack.responses, output.read_text())
    assert "Europe/London" in json.dumps(answers[0].get("blocks")), answers[0]
    log = output.read_text()
    assert "Traceback" not in log and "Connector is closed" not in log and "users.info failed" not in log, log


async def pending_accommodation_request(tmp_path: Path, fake_slack, monkeypatch) -> int:
    """An accommodation request stored whose staff post still waits in the outbox: the first sweep posts it."""
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}", slack_bot_token=BOT_TOKEN,
                        slack_signing_secret=SIGNING_SECRET, slack_api_url=fake_slack.url + "api/",
                        staff_channel="C0STAFF", _env_file=None)
    db = Database(settings.database_url)
    try:
        await db.upgrade()
        services = build_services(settings, db=db)
        monkeypatch.setattr(services.outbox, "kick", lambda: None)  # this process sends nothing
        return await services.accommodation.submit(Profile("U0P01", "Person 01", "p01@example.org", "UTC"),
                                                   None, "Step-free access, please", None)
    finally:
        await db.dispose()


async def staff_post_of(tmp_path: Path, request_id: int) -> str | None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    try:
        async with db.read() as s:
            posted = await s.get(PostedMessage, f"accommodation:{request_id}")
            return posted.ts if posted else None
    finally:
        await db.dispose()


async def test_sigterm_lets_the_sweep_in_progress_finish(serve, fake_slack, monkeypatch, tmp_path):
    request_id = await pending_accommodation_request(tmp_path, fake_slack, monkeypatch)
    post_message, gate = fake_slack._m_chat_postMessage, asyncio.Event()

    async def held_post(args):
        if args.get("channel") == "C0STAFF":
            await gate.wait()
        return await post_message(args)

    monkeypatch.setattr(fake_slack, "_m_chat_postMessage", held_post)
    proc, _url, _port, output = await serve()
    await eventually(lambda: fake_slack.messages_to("C0STAFF") or proc.returncode is not None, timeout=30)
    assert fake_slack.messages_to("C0STAFF") and not fake_slack.delivered, output.read_text()  # a post in flight

    proc.send_signal(signal.SIGTERM)
    gate.set()
    assert await asyncio.wait_for(proc.wait(), timeout=15) == 0, output.read_text()
    assert await staff_post_of(tmp_path, request_id), output.read_text()
    assert "Traceback" not in output.read_text()
