"""`trainingbot socket`: Socket Mode against the fake Slack, a slash command acknowledged over the socket."""
from __future__ import annotations

import asyncio
import os
import signal
import sys

from tests.conftest import BOT_TOKEN, EXAMPLES
from tests.registration_fixtures import eventually


async def test_socket_mode_answers_a_slash_command(fake_slack, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "ZOOM_"))}
    env.update(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/socket.db", SLACK_BOT_TOKEN=BOT_TOKEN,
               SLACK_APP_TOKEN=fake_slack.app_token, SLACK_API_URL=fake_slack.url + "api/", SWEEP_MINUTES="60")
    load = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", "calendar", "load",
                                                str(EXAMPLES / "calendar.yml"), env=env)
    assert await load.wait() == 0
    fake_slack.add_user("U0SOCK", "Sock User", "s@x.org", tz="Asia/Tokyo")
    bot = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", "socket", env=env,
                                               stderr=asyncio.subprocess.PIPE)
    try:
        await eventually(lambda: fake_slack.sockets, timeout=30)
        assert fake_slack.calls_to("apps.connections.open")[0].token == fake_slack.app_token
        await fake_slack.socket_send({
            "envelope_id": "env-1", "type": "slash_commands", "accepts_response_payload": True,
            "payload": {"token": "x", "team_id": "T0FAKE", "channel_id": "C0GENERAL", "user_id": "U0SOCK",
                        "command": "/training", "text": "calendar", "api_app_id": "A0TRAINING",
                        "response_url": fake_slack.url + "response/sock", "trigger_id": "trig.sock"}})
        acks = await eventually(lambda: [m for m in fake_slack.socket_messages if m.get("envelope_id") == "env-1"],
                                timeout=30)
        answer = str(acks[0]["payload"])
        assert "Instructor Training in Melbourne" in answer and "JST" in answer
    finally:
        bot.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(bot.wait(), 15)
        except TimeoutError:
            bot.kill()
            await bot.wait()
