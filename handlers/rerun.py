"""The "Open the form" button offered when a form command waited too long in a surge: it runs the command again,
as the person who pressed it, with the click's fresh trigger."""
from __future__ import annotations

from bot.common.errors import Refusal
from handlers.boundary import Boundary
from handlers.requests import RERUN_ACTION, Action


def register(boundary: Boundary) -> None:
    async def rerun(act: Action) -> None:
        await act.ack_now()
        value = act.json()
        listener = boundary.slash.get(value.get("command"))
        if listener is None or not isinstance(value.get("text"), str):
            raise Refusal("This button is out of date; please type the command again.")
        command = {"command": value["command"], "text": value["text"], "user_id": act.user_id,
                   "trigger_id": act.trigger_id, "channel_id": (act.body.get("channel") or {}).get("id", ""),
                   "response_url": act.body.get("response_url", "")}
        await listener(command, act.respond)

    boundary.action(RERUN_ACTION, rerun)
