"""Shared plumbing for slash commands: parse `text` into a subcommand and turn errors into answers."""
from __future__ import annotations

import asyncio
import json
import logging
import re
import shlex
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from slack_sdk.errors import SlackApiError

from bot.common.errors import Refusal, is_unavailable
from bot.slack.surge import SlashListener, ack_through
from handlers.blocks import buttons, render, text_section

log = logging.getLogger(__name__)


@dataclass
class Command:
    """One slash command invocation, as the listeners below need it."""

    user_id: str
    args: list[str]
    trigger_id: str
    channel_id: str
    ack: Callable[..., Awaitable[None]]
    respond: Callable[..., Awaitable[None]]
    acked: bool = field(default=False)
    name: str = ""  # the command (`/training`) and its text (`register CODE`), to offer running it again
    text: str = ""

    async def answer(self, text: str, blocks: list | None = None) -> None:
        """An ephemeral answer: in the acknowledgement when possible, else through response_url."""
        if self.acked:
            await self.respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
        else:
            self.acked = True
            await self.ack(text=text, blocks=blocks, response_type="ephemeral")

    async def ack_now(self) -> None:
        if not self.acked:
            self.acked = True
            await self.ack()


def split_args(text: str | None) -> list[str]:
    try:
        return shlex.split(text or "")
    except ValueError:
        return (text or "").split()


Handler = Callable[[Command], Awaitable[None]]
MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")


def mention(arg: str) -> str | None:
    """The user id in an escaped mention `<@U123|name>`, or a bare user id."""
    match = MENTION.match(arg)
    if match:
        return match.group(1)
    return arg if re.fullmatch(r"[UW][A-Z0-9]{2,}", arg) else None


def command_from(ack, command: dict, respond) -> Command:
    return Command(user_id=command["user_id"], args=split_args(command.get("text")),
                   trigger_id=command.get("trigger_id", ""), channel_id=command.get("channel_id", ""),
                   ack=ack, respond=respond, name=command.get("command", ""), text=command.get("text", ""))


async def within_ack_budget(cmd: Command, work: Awaitable[None], budget_ms: int) -> None:
    """Answer in the acknowledgement when the work is quick; otherwise acknowledge before Slack's 3 s run out
    (Bolt would answer 404 for us) and let the answer follow through response_url."""
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=budget_ms / 1000)
    if not done:
        await cmd.ack_now()
    await task


def make_command_listener(routes: dict[str, Handler], usage: str, staff_email: str, budget_ms: int):
    """A Bolt listener that dispatches `/cmd sub …` to routes[sub]; a bare command, help or anything else gets usage."""

    async def listener(ack, command, respond):
        cmd = command_from(ack, command, respond)
        sub = cmd.args[0].lower() if cmd.args else "help"
        handler = routes.get(sub)
        if handler is None:
            prefix = "" if sub == "help" else f"I don't know `{sub}`.\n"
            await cmd.answer(prefix + usage)
            return
        cmd.args = cmd.args[1:]
        await within_ack_budget(cmd, run_safely(cmd.answer, offering_rerun(cmd, handler(cmd)), staff_email),
                                budget_ms)

    return listener


RERUN_ACTION = "command_rerun"
TRIGGER_EXPIRED = "We were too busy to open the form in time. Nothing was changed"


def trigger_expired(exc: BaseException) -> bool:
    return isinstance(exc, SlackApiError) and exc.response.get("error") == "expired_trigger_id"


async def offering_rerun(cmd: Command, work: Awaitable[None]) -> None:
    """Slack opens a form only within 3 s of its command, and in a surge the command may wait longer
    (bot/slack_surge.py). Then the answer is a button: clicking it is a new interaction, never queued, whose fresh
    trigger runs the same command again."""
    try:
        await work
    except SlackApiError as exc:
        if not trigger_expired(exc):
            raise
        log.warning("a form could not open: its trigger expired; offering a button to run the command again")
        text = f"{TRIGGER_EXPIRED}: press the button to open it."
        value = json.dumps({"command": cmd.name, "text": cmd.text})
        await cmd.answer(text, render([text_section(text), buttons(("Open the form", RERUN_ACTION, value))]))


def register_rerun(app, listeners: dict[str, SlashListener]) -> None:
    """The button offered by offering_rerun: runs the command again, as the person who pressed it."""

    @app.action(RERUN_ACTION)
    async def rerun(ack, body, respond):
        await ack()
        try:
            value = json.loads(body["actions"][0]["value"])
            listener = listeners[value["command"]]
            text = str(value["text"])
        except (ValueError, KeyError, TypeError):
            await respond(text="This button is out of date; please type the command again.",
                          response_type="ephemeral", replace_original=False)
            return
        command = {"command": value["command"], "text": text, "user_id": body["user"]["id"],
                   "trigger_id": body["trigger_id"], "channel_id": (body.get("channel") or {}).get("id", ""),
                   "response_url": body.get("response_url", "")}
        await listener(ack=ack_through(respond), command=command, respond=respond)


async def run_safely(reply: Callable[[str], Awaitable[None]], work: Awaitable[None], staff_email: str) -> None:
    """Run a listener's work; a refusal is shown as is, a failure as a clear try-again."""
    try:
        await work
    except Refusal as refusal:
        await reply(refusal.message)
    except Exception as exc:  # noqa: BLE001 - the user must get an answer whatever broke
        if is_unavailable(exc):
            log.warning("database unavailable: %s", type(exc).__name__)
            await reply("The training database is not reachable right now. Nothing was changed; "
                        "please try again in a few minutes.")
        elif trigger_expired(exc):  # a button's form (a command's form gets offering_rerun's button)
            log.warning("a form could not open: its trigger expired")
            await reply(f"{TRIGGER_EXPIRED}; please press the button again.")
        else:
            log.exception("command failed")
            await reply(f"Something went wrong on our side and nothing was changed. Please try again; "
                        f"if it keeps happening, email {staff_email}.")
