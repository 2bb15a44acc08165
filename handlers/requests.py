"""What a listener gets: one slash command, button press, form submission or event, read from Slack's payload, with
the ways to answer it. `fail` is how the boundary answers a failure in the right place."""
from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.common.errors import Refusal
from bot.common.mrkdwn import unescape
from bot.slack.gateway import SlackGateway
from handlers.blocks import buttons, render, text_section
from handlers.words import split_args

RERUN_ACTION = "command_rerun"
Ack = Callable[..., Awaitable[None]]


@dataclass
class Command:
    user_id: str
    args: list[str]
    trigger_id: str
    channel_id: str
    name: str  # the command (`/training`) and its text (`register CODE`), to offer running it again
    text: str
    ack: Ack | None  # None once the acknowledgement went: then every answer goes through respond
    respond: Callable[..., Awaitable[None]]
    acked: bool = field(default=False)

    @classmethod
    def of(cls, ack: Ack | None, command: dict, respond) -> Command:
        return cls(user_id=command["user_id"], args=split_args(command.get("text")),
                   trigger_id=command.get("trigger_id", ""), channel_id=command.get("channel_id", ""),
                   name=command.get("command", ""), text=command.get("text", ""), ack=ack, respond=respond,
                   acked=ack is None)

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

    async def fail(self, message: str, _field: str | None = None) -> None:
        await self.answer(message)

    async def offer_rerun(self, text: str) -> None:
        """A form could not open in time (the command waited in a surge): a button whose click is a new
        interaction, never queued, with a fresh trigger that runs the same command again."""
        value = json.dumps({"command": self.name, "text": self.text})
        await self.answer(text, render([text_section(text), buttons(("Open the form", RERUN_ACTION, value))]))


@dataclass
class Action:
    user_id: str
    value: str
    trigger_id: str
    body: dict
    ack: Ack
    respond: Callable[..., Awaitable[None]]
    gateway: SlackGateway
    acked: bool = field(default=False)

    @classmethod
    def of(cls, ack: Ack, body: dict, respond, gateway: SlackGateway) -> Action:
        action = body["actions"][0]
        return cls(body["user"]["id"], str(action.get("value") or ""), body.get("trigger_id", ""), body,
                   ack, respond, gateway)

    def number(self) -> int:
        """The button's value as an id; a forged one is refused like an out-of-date button."""
        return as_id(self.value)

    def json(self) -> dict:
        try:
            value = json.loads(self.value)
        except ValueError:
            value = None
        if not isinstance(value, dict) or _holds_nul(value) or len(self.value) > MAX_BUTTON_VALUE:
            raise Refusal(OUT_OF_DATE)
        return value

    async def ack_now(self) -> None:
        if not self.acked:
            self.acked = True
            await self.ack()

    async def reply(self, text: str) -> None:
        """An ephemeral answer where the button was pressed (a DM when it was in a form, which has no thread)."""
        if self.body.get("response_url"):
            await self.respond(text=text, response_type="ephemeral", replace_original=False)
        else:
            await self.gateway.post(self.user_id, text)

    async def replace(self, text: str, blocks: list | None = None) -> None:
        await self.respond(text=text, blocks=blocks, replace_original=True)

    async def fail(self, message: str, _field: str | None = None) -> None:
        await self.ack_now()
        await self.reply(message)


@dataclass
class Submission:
    user_id: str
    values: dict
    metadata: str
    ack: Ack
    gateway: SlackGateway
    main_field: str  # where a refusal about the form as a whole is shown
    acked: bool = field(default=False)

    @classmethod
    def of(cls, ack: Ack, body: dict, view: dict, gateway: SlackGateway, main_field: str) -> Submission:
        return cls(body["user"]["id"], view.get("state", {}).get("values", {}), view.get("private_metadata") or "",
                   ack, gateway, main_field)

    def value(self, block: str):
        """The value of the `value` action in a block, whatever the element type. A value no form of ours can send
        (a choice that is not short text, text with NUL or longer than Slack allows) is refused on its field."""
        element = self.values.get(block, {}).get("value", {})
        for key in ("selected_option", "selected_options", "selected_users", "selected_date"):
            if key in element:
                chosen = element[key]
                if chosen is None:
                    return None
                if key == "selected_option":
                    return _choice(chosen.get("value") if isinstance(chosen, dict) else None, block)
                if key == "selected_date":
                    return _choice(chosen, block)
                if not isinstance(chosen, list):
                    raise Refusal(OUT_OF_DATE, block)
                if key == "selected_options":
                    return [_choice(o.get("value") if isinstance(o, dict) else None, block) for o in chosen]
                return [_choice(u, block) for u in chosen]
        return _typed(element.get("value"), block)

    def meta(self, name: str) -> int:
        """An id the form carried in its private_metadata; a tampered one is refused as out of date."""
        try:
            return as_id(json.loads(self.metadata)[name])
        except (ValueError, KeyError, TypeError):
            raise Refusal(OUT_OF_DATE) from None

    def meta_text(self, name: str) -> str:
        try:
            value = json.loads(self.metadata)[name]
        except (ValueError, KeyError, TypeError):
            value = None
        return _choice(value, None)

    async def update(self, view: dict) -> None:
        self.acked = True
        await self.ack(response_action="update", view=view)

    async def errors(self, by_block: dict[str, str]) -> None:
        self.acked = True
        await self.ack(response_action="errors", errors=by_block)

    async def close(self) -> None:
        self.acked = True
        await self.ack()

    async def fail(self, message: str, block: str | None = None) -> None:
        """Inline, on the field it is about (or the form's main field) while the form is open; by DM after.
        The message is mrkdwn; an inline error is plain text, so what was escaped in it is shown as typed."""
        if self.acked:
            await self.gateway.post(self.user_id, message)
            return
        self.acked = True
        await self.ack(response_action="errors",
                       errors={block if block in self.values else self.main_field: unescape(message)})


@dataclass
class Event:
    event: dict
    gateway: SlackGateway

    @classmethod
    def of(cls, event: dict, _body: dict, gateway: SlackGateway) -> Event:
        return cls(event, gateway)

    @property
    def user_id(self) -> str | None:
        return self.event.get("user_id") or self.event.get("user")

    async def fail(self, message: str, _field: str | None = None) -> None:
        if self.user_id:
            await self.gateway.post(self.user_id, message)


OUT_OF_DATE = "This is out of date; please run the command again."
NUL_TEXT = "That text contains a NUL character (\\0), which cannot be stored; please remove it."
MAX_ID = 2 ** 31 - 1
MAX_TEXT_INPUT = 3000  # Slack's own limit for a plain-text input
MAX_CHOICE = 256  # the value of an option or a text in private_metadata; ours are much shorter
MAX_BUTTON_VALUE = 2000  # Slack's limit for a button's value


def _typed(value, block: str | None) -> str | None:
    """Typed text as the form sent it; refused on its field when no Slack input could have sent it."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise Refusal(OUT_OF_DATE, block)
    if "\x00" in value:
        raise Refusal(NUL_TEXT, block)
    if len(value) > MAX_TEXT_INPUT:
        raise Refusal(f"Please keep it under {MAX_TEXT_INPUT} characters.", block)
    return value


def _holds_nul(value) -> bool:
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return isinstance(value, str) and "\x00" in value


def _choice(value, block: str | None) -> str:
    """A value the form itself chose (an option, a user, a date, private_metadata): short text, or forged."""
    if not isinstance(value, str) or "\x00" in value or len(value) > MAX_CHOICE:
        raise Refusal(OUT_OF_DATE, block)
    return value


def as_id(value) -> int:
    """A database id from a payload; anything else (text, a huge number) is refused, never a traceback."""
    text = str(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
    if not (text.isascii() and text.isdecimal() and len(text) <= 10 and 0 < int(text) <= MAX_ID):
        raise Refusal(OUT_OF_DATE)
    return int(text)
