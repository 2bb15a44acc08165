"""SIGTERM to `trainingbot serve`: no new connections, the request in flight still answered, exit status 0."""
from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from pathlib import Path

import pytest
from aiohttp import ClientError, ClientSession

from tests.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.slack_requests import SlackRequests

ROOT = Path(__file__).resolve().parents[2]
SLOW_SLACK = 2.0  # seconds users.info takes: the calendar answer waits for it (Bolt's ack limit is 3 s)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
async def server(tmp_path, fake_slack):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
           "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
           "SLACK_API_URL": fake_slack.url + "api/", "HOST": "127.0.0.1", "PORT": str(port), "SWEEP_MINUTES": "60"}
    log = (tmp_path / "serve.log").open("wb")
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", "serve", cwd=ROOT, env=env,
                                                stdout=log, stderr=asyncio.subprocess.STDOUT)
    try:
        yield proc, f"http://127.0.0.1:{port}/", port, tmp_path / "serve.log"
    finally:
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


async def test_sigterm_finishes_the_request_in_flight_refuses_new_ones_and_exits_0(server, fake_slack, monkeypatch):
    proc, url, port, output = server
    users_info = fake_slack._m_users_info

    async def slow_users_info(args):
        await asyncio.sleep(SLOW_SLACK)
        return await users_info(args)

    monkeypatch.setattr(fake_slack, "_m_users_info", slow_users_info)
    fake_slack.add_user("U0P01", "Person 01", "p01@example.org", tz="Europe/London")
    requests = SlackRequests(SIGNING_SECRET, fake_slack.url)
    async with ClientSession() as http:
        await wait_healthy(http, url, proc, output)

        async def calendar() -> tuple[int, str]:
            body, headers = requests.slash("/training", "calendar", "U0P01")
            async with http.post(url + "slack/events", data=body, headers=headers) as resp:
                return resp.status, await resp.text()

        in_flight = asyncio.create_task(calendar())
        for _ in range(200):
            if fake_slack.calls_to("users.info"):
                break
            await asyncio.sleep(0.02)
        assert fake_slack.calls_to("users.info") and not in_flight.done()

        proc.send_signal(signal.SIGTERM)
        for _ in range(50):
            if await refused(port):
                break
            await asyncio.sleep(0.02)
        assert await refused(port), "still accepting connections after SIGTERM"
        assert not in_flight.done(), "the request finished before the listener closed: nothing was in flight"

        status, body = await asyncio.wait_for(in_flight, timeout=10)
    assert status == 200, body
    answer = json.loads(body)
    assert answer["response_type"] == "ephemeral" and answer["text"] == "No upcoming events"
    assert await asyncio.wait_for(proc.wait(), timeout=15) == 0, output.read_text()
    assert "Traceback" not in output.read_text()
