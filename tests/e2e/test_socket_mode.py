"""`trainingbot socket`: Socket Mode against the fake Slack, a slash command acknowledged over the socket."""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import sys

from bot.app import build_services
from bot.config import Settings
from tests.conftest import BOT_TOKEN, EXAMPLES
from tests.registration_fixtures import eventually


async def start_bot(fake_slack, tmp_path, template):
    """`trainingbot socket` (a process) on a fresh SQLite with the example calendar, connected to the fake Slack."""
    url = f"sqlite+aiosqlite:///{tmp_path}/socket.db"
    shutil.copyfile(template, tmp_path / "socket.db")
    services = build_services(Settings(database_url=url, _env_file=None))
    await services.calendar.load_file((EXAMPLES / "calendar.yml").read_bytes(), "calendar.yml")
    await services.db.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "ZOOM_"))}
    env.update(DATABASE_URL=url, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=fake_slack.app_token,
               SLACK_API_URL=fake_slack.url + "api/", SWEEP_MINUTES="60")
    fake_slack.add_user("U0SOCK", "Sock User", "s@x.org", tz="Asia/Tokyo")
    bot = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", "socket", env=env,
                                               stderr=asyncio.subprocess.PIPE)
    await eventually(lambda: fake_slack.sockets or bot.returncode is not None, timeout=30)
    assert fake_slack.sockets, "the bot did not connect"
    return bot


async def send_calendar(fake_slack, envelope_id: str) -> None:
    await fake_slack.socket_send({
        "envelope_id": envelope_id, "type": "slash_commands", "accepts_response_payload": True,
        "payload": {"token": "x", "team_id": "T0FAKE", "channel_id": "C0GENERAL", "user_id": "U0SOCK",
                    "command": "/training", "text": "calendar", "api_app_id": "A0TRAINING",
                    "response_url": fake_slack.url + f"response/{envelope_id}", "trigger_id": "trig.sock"}})


async def stop(bot) -> tuple[int, str]:
    """SIGTERM; the exit code and what the bot logged."""
    bot.send_signal(signal.SIGTERM)
    try:
        _, err = await asyncio.wait_for(bot.communicate(), 30)
    except TimeoutError:
        bot.kill()
        await bot.wait()
        raise
    return bot.returncode, err.decode()


def acks(fake_slack, envelope_id: str) -> list[dict]:
    return [m for m in fake_slack.socket_messages if m.get("envelope_id") == envelope_id]


async def test_socket_mode_answers_a_slash_command_and_sigterm_exits_0(fake_slack, tmp_path, sqlite_template):
    bot = await start_bot(fake_slack, tmp_path, sqlite_template)
    try:
        assert fake_slack.calls_to("apps.connections.open")[0].token == fake_slack.app_token
        await send_calendar(fake_slack, "env-1")
        answer = str((await eventually(lambda: acks(fake_slack, "env-1"), timeout=30))[0]["payload"])
        assert "Instructor Training in Melbourne" in answer and "JST" in answer
    finally:
        code, log = await stop(bot)
    assert code == 0 and "Traceback" not in log, log


async def test_sigterm_in_socket_mode_acknowledges_and_finishes_the_command_in_flight(fake_slack, tmp_path,
                                                                                      monkeypatch, sqlite_template):
    users_info, gate = fake_slack._m_users_info, asyncio.Event()

    async def held(args):  # past the 500 ms budget: acknowledged empty, the answer follows via response_url
        await gate.wait()
        return await users_info(args)

    monkeypatch.setattr(fake_slack, "_m_users_info", held)
    bot = await start_bot(fake_slack, tmp_path, sqlite_template)
    try:
        await send_calendar(fake_slack, "env-2")
        await eventually(lambda: fake_slack.calls_to("users.info"), timeout=30)
        assert acks(fake_slack, "env-2") == []
        bot.send_signal(signal.SIGTERM)  # before the acknowledgement
        [ack] = await eventually(lambda: acks(fake_slack, "env-2"), timeout=30)  # still acknowledged
        assert not ack.get("payload")
    finally:
        gate.set()
        code, log = await stop(bot)
    assert code == 0 and "Traceback" not in log, log
    [answer] = [r for r in fake_slack.responses if r["key"] == "env-2"]
    assert "Instructor Training in Melbourne" in json.dumps(answer) and "JST" in json.dumps(answer)


async def _socket_process(env: dict) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", "socket", env=env,
                                                stderr=asyncio.subprocess.PIPE)


def _env(tmp_path, template, slack_url: str, app_token: str) -> dict:
    shutil.copyfile(template, tmp_path / "socket.db")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "ZOOM_"))}
    env.update(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/socket.db", SLACK_BOT_TOKEN=BOT_TOKEN,
               SLACK_APP_TOKEN=app_token, SLACK_API_URL=slack_url, SWEEP_MINUTES="60")
    return env


async def test_a_wrong_app_token_exits_at_once_with_one_clear_line(fake_slack, tmp_path, sqlite_template):
    bot = await _socket_process(_env(tmp_path, sqlite_template, fake_slack.url + "api/", "xapp-not-this-one"))
    _, err = await asyncio.wait_for(bot.communicate(), 30)
    lines = err.decode().strip().splitlines()
    assert bot.returncode == 2 and lines[-1].startswith("trainingbot: SLACK_APP_TOKEN was refused by Slack "
                                                        "(invalid_auth)"), lines
    assert "Traceback" not in err.decode()


async def test_no_route_to_slack_exits_after_its_patience_with_one_line(tmp_path, sqlite_template):
    """The default patience (20 s) keeps the exit within 30 s; the test waits 2 s to see what happens then."""
    assert Settings(_env_file=None).socket_patience_seconds <= 25
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    env = _env(tmp_path, sqlite_template, f"http://127.0.0.1:{port}/api/", "xapp-1")
    bot = await _socket_process({**env, "SOCKET_PATIENCE_SECONDS": "2"})
    _, err = await asyncio.wait_for(bot.communicate(), 30)
    lines = err.decode().strip().splitlines()
    assert bot.returncode == 1 and "Slack could not be reached" in lines[-1] and "for 2 s" in lines[-1], lines
    assert "Traceback" not in err.decode()


async def test_sigterm_stops_it_while_it_is_still_trying_to_reach_slack(tmp_path, sqlite_template):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    bot = await _socket_process(_env(tmp_path, sqlite_template, f"http://127.0.0.1:{port}/api/", "xapp-1"))
    line = b""
    while b"Slack could not be reached; trying again" not in line:  # its first try failed: it is trying again
        line = await asyncio.wait_for(bot.stderr.readline(), 20)
        assert line, "it ended before trying again"
    bot.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(bot.wait(), 10) == 0
