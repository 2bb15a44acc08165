"""Outcomes of sent messages, written in small groups bounded in time.

A transaction per message would make a big sweep pay a commit (an fsync on SQLite) for every DM; one per batch
would leave a whole batch to be sent again after a crash. So each outcome joins the group being written, which is
written at most WINDOW seconds after its first outcome arrived, or as soon as it holds SIZE outcomes. A process
killed mid-flush can repeat only what Slack was answering at that moment, or had answered in the last WINDOW.
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

WINDOW = 0.05  # seconds
SIZE = 64

Item = TypeVar("Item")


class GroupWriter(Generic[Item]):
    def __init__(self, write: Callable[[list[Item]], Awaitable[None]]) -> None:
        self._write = write
        self._pending: list[Item] = []
        self._wake = asyncio.Event()
        self._closed = False
        self._task = asyncio.ensure_future(self._run())

    def add(self, item: Item) -> None:
        self._pending.append(item)
        self._wake.set()

    async def close(self) -> None:
        """Write what is left, and stop."""
        self._closed = True
        self._wake.set()
        await self._task

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while not (self._closed and not self._pending):
            await self._wake.wait()
            self._wake.clear()
            deadline = loop.time() + WINDOW
            while len(self._pending) < SIZE and not self._closed and loop.time() < deadline:
                try:
                    await asyncio.wait_for(self._wake.wait(), deadline - loop.time())
                except TimeoutError:
                    break
                self._wake.clear()
            group, self._pending = self._pending, []
            if group:
                await self._write(group)
