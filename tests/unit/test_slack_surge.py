"""SurgeDesk: past BUSY_COMMANDS in progress, slash commands are acknowledged at once and run by bounded workers."""
from __future__ import annotations

import asyncio
from urllib.parse import urlencode

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.slack.guard import SLACK_FORM, check_body
from bot.slack.surge import SurgeDesk

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def slash(text: str, command: str = "/x") -> str:
    return urlencode({"command": command, "text": text, "user_id": "U0A", "response_url": f"http://r/{text}"})


async def until(check, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached"
        await asyncio.sleep(0.01)


@web.middleware
async def checked(request: web.Request, handler):
    """slack_guard's part without the signature: the desk reads the form the guard parsed."""
    form = check_body((await request.read()).decode(), request.content_type)
    if form is not None:
        request[SLACK_FORM] = form
    return await handler(request)


class Harness:
    """A desk in front of a stand-in for Bolt that holds every request until `gate` opens."""

    def __init__(self, busy_at: int, workers: int) -> None:
        self.gate = asyncio.Event()
        self.running = self.most = 0
        self.said: list[tuple[str, str]] = []
        self.desk = SurgeDesk({"/x": self.listener}, self.respond, busy_at=busy_at, workers=workers)
        app = web.Application(middlewares=[checked, self.desk.middleware("/slack/events")])
        app.router.add_post("/slack/events", self.bolt)
        self.client = TestClient(TestServer(app))

    async def bolt(self, request: web.Request) -> web.Response:
        await self.gate.wait()
        return web.json_response({"text": "answered inline"})

    async def listener(self, command, respond) -> None:
        self.running += 1
        self.most = max(self.most, self.running)
        await self.gate.wait()
        await respond(text=f"done {command['text']}", response_type="ephemeral")
        self.running -= 1

    async def respond(self, url: str, **message) -> None:
        self.said.append((url, message["text"]))

    async def post(self, body: str):
        resp = await self.client.post("/slack/events", data=body, headers=FORM)
        return resp.status, await resp.text()


async def test_past_the_limit_commands_are_acknowledged_empty_and_run_by_bounded_workers_through_response_url():
    h = Harness(busy_at=1, workers=2)
    await h.client.start_server()
    try:
        h.desk.start()
        first = asyncio.create_task(h.post(slash("0")))
        await until(lambda: h.desk.in_progress == 1)
        acks = [await h.post(slash(str(i))) for i in range(1, 6)]
        assert acks == [(200, "")] * 5  # acknowledged while the first command and the workers still wait
        assert h.desk.deferred == 5
        await until(lambda: h.running == 2)
        await asyncio.sleep(0.05)
        assert h.most == 2 and h.said == []
        h.gate.set()
        assert await first == (200, '{"text": "answered inline"}')
        await h.desk.drain(timeout=5)
        assert sorted(h.said) == [(f"http://r/{i}", f"done {i}") for i in range(1, 6)]
        assert h.most == 2
    finally:
        await h.client.close()


async def test_interactions_and_unknown_commands_never_queue_and_quiet_times_answer_inline():
    h = Harness(busy_at=0, workers=1)  # every known slash command would be queued
    await h.client.start_server()
    try:
        h.desk.start()
        h.gate.set()
        payload = urlencode({"payload": '{"type": "block_actions", "user": {"id": "U0A"}, "actions": [{"action_id": "a"}]}'})
        assert await h.post(payload) == (200, '{"text": "answered inline"}')
        assert await h.post(slash("1", command="/other")) == (200, '{"text": "answered inline"}')
        assert h.desk.deferred == 0
        h.desk.busy_at = 1
        assert await h.post(slash("2")) == (200, '{"text": "answered inline"}')
        assert h.desk.deferred == 0 and h.said == []
    finally:
        await h.desk.drain(timeout=5)
        await h.client.close()


async def test_shutdown_runs_every_acknowledged_command_before_stopping_the_workers():
    h = Harness(busy_at=0, workers=1)
    await h.client.start_server()
    try:
        h.desk.start()
        for i in range(4):
            assert await h.post(slash(str(i))) == (200, "")
        drained = asyncio.create_task(h.desk.drain(timeout=5))
        await asyncio.sleep(0.05)
        assert not drained.done()  # the gate is shut: the first command still runs
        h.gate.set()
        await drained
        assert [text for _url, text in h.said] == [f"done {i}" for i in range(4)]
        # with the workers stopped nothing is queued where nobody would run it
        assert await h.post(slash("late")) == (200, '{"text": "answered inline"}')
    finally:
        await h.client.close()
