"""Slash commands in a surge: past BUSY_COMMANDS in progress, acknowledge at once and answer through response_url.

Listeners answer inside Slack's acknowledgement when they can (one round trip, nothing extra to send). But one
process has one CPU: when many commands are in progress, waiting for each answer makes every acknowledgement
late, and Slack gives up after 3 s. So once BUSY_COMMANDS are in progress, a new slash command is acknowledged
as soon as slack_guard has checked its signature (an empty 200: Slack shows nothing yet), queued, and run by
one of COMMAND_WORKERS workers, which send what the listener says through the command's response_url. A bounded
number of workers keeps the acknowledgements quick however long the queue grows.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from aiohttp import web

from bot.slack.guard import SLACK_FORM

log = logging.getLogger(__name__)

Respond = Callable[..., Awaitable[None]]  # (response_url, **message)
# A slash command run after its acknowledgement went, (command, respond): every answer goes through respond.
Acknowledged = Callable[[dict, Callable[..., Awaitable[None]]], Awaitable[None]]


class SurgeDesk:
    def __init__(self, listeners: dict[str, Acknowledged], respond: Respond, *, busy_at: int, workers: int) -> None:
        self._listeners, self._respond = listeners, respond
        self.busy_at, self.workers = busy_at, workers
        self.in_progress = 0
        self.deferred = 0  # commands acknowledged at once so far
        self._queue: asyncio.Queue[tuple[Acknowledged, dict]] = asyncio.Queue()
        self._tasks: list[asyncio.Task] = []

    @property
    def busy(self) -> int:
        return self.in_progress + self._queue.qsize()

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._worker(), name=f"slash-worker-{i}") for i in range(self.workers)]

    async def drain(self, timeout: float) -> None:
        """On shutdown: run what is queued (each was acknowledged, so each is owed an answer), then stop."""
        try:
            await asyncio.wait_for(self._queue.join(), timeout)
        except asyncio.TimeoutError:
            log.warning("shutdown: %d acknowledged slash commands were not run", self._queue.qsize())
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    def middleware(self, path: str):
        """aiohttp middleware; must run after slack_guard, which checks the body and leaves a form parsed."""

        @web.middleware
        async def middleware(request: web.Request, handler):
            form = request.get(SLACK_FORM) if request.path == path else None
            listener = None if form is None or "payload" in form else self._listeners.get(form.get("command", [""])[0])
            if listener is None:
                return await handler(request)
            if self.busy >= self.busy_at and self._tasks:
                self.deferred += 1
                self._queue.put_nowait((listener, {k: v[0] for k, v in form.items()}))
                return web.Response(status=200)
            self.in_progress += 1
            try:
                return await handler(request)
            finally:
                self.in_progress -= 1

        return middleware

    async def _worker(self) -> None:
        while True:
            listener, command = await self._queue.get()
            self.in_progress += 1
            try:
                await self._run(listener, command)
            except Exception:  # noqa: BLE001 - the listener boundary answers failures; this keeps the worker alive
                log.exception("slash command %s failed after its acknowledgement", command.get("command"))
            finally:
                self.in_progress -= 1
                self._queue.task_done()

    async def _run(self, listener: Acknowledged, command: dict) -> None:
        url = command.get("response_url", "")

        async def respond(**message) -> None:
            await self._respond(url, **message)

        await listener(command, respond)
