"""The staff board: one staff-channel message per thing staff act on (an accommodation request, a seat request,
a Get Involved submission), posted once and edited in place whenever the thing changes.

Where each message lives (channel, ts) is remembered by the outbox under the thing's key, so a change made by any
replica, the CLI or the sweep edits the same message; a change made while the first post is still waiting simply
replaces what will be posted.
"""
from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.slack.outbox import STAFF, Message, Outbox


class StaffBoard:
    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox

    def show(self, s: AsyncSession, key: str, text: str, blocks: list[dict], *, then: tuple[Message, ...] = ()) -> None:
        """Post the thing's current state, or edit its message to it; `then` goes out once it is first posted."""
        self.outbox.add(s, Message(STAFF, text, blocks, key=key, origin=key.split(":", 1)[0], then=then))
