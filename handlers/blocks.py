"""Block Kit builders (slack_sdk models, so Slack's limits are checked by to_dict())."""
from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.common import timefmt
from bot.common.mrkdwn import cut, escape, split
from bot.training_calendar.events import EventSummary

MAX_MESSAGE_BLOCKS = 50
P = ParamSpec("P")
T = TypeVar("T")


def render(blocks: list[Block]) -> list[dict]:
    return [b.to_dict() for b in blocks]


def built_once(build: Callable[P, T]) -> Callable[P, T]:
    """Block Kit that many people are shown alike (a calendar, a report, a form's fixed parts): building it
    through slack_sdk's models, which check Slack's limits, costs more than reading what it shows, so each distinct
    set of (hashable) arguments is built once and kept as JSON; every caller gets a fresh copy of its own."""

    @functools.lru_cache(maxsize=64)
    def as_json(*args: P.args, **kwargs: P.kwargs) -> str:
        return json.dumps(build(*args, **kwargs))

    @functools.wraps(build)
    def copy_of(*args: P.args, **kwargs: P.kwargs) -> T:
        return json.loads(as_json(*args, **kwargs))

    return copy_of


def text_section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=cut(text)))


def text_sections(text: str) -> list[SectionBlock]:
    """Long text whole, over as many sections as it needs."""
    return [SectionBlock(text=MarkdownTextObject(text=piece)) for piece in split(text)]


def context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=cut(text))])


def format_label(event: EventSummary) -> str:
    if event.format == "online":
        return "Online (Zoom)"
    return f"In person: {escape(event.location or '')}"


def event_lines(event: EventSummary, tz: ZoneInfo) -> str:
    sessions = "\n".join(f"• {timefmt.span(start, end, tz)}" for start, end in event.sessions)
    seats = f"{event.seats_left} of {event.capacity} seats left" if event.seats_left else "Full: waiting list open"
    return (f"*{escape(event.title)}*  `{event.slug}`\n{format_label(event)} · {seats}\n{sessions}\n"
            f"_Registration closes {timefmt.when(event.registration_closes, tz)}_")


def calendar_blocks(events: list[EventSummary], tz: ZoneInfo, register_enabled: bool = True) -> list[dict]:
    """The calendar message: everyone in a time zone sees the same one until a seat or an event changes."""
    return _calendar_blocks(tuple(events), tz, register_enabled)


@built_once
def _calendar_blocks(events: tuple[EventSummary, ...], tz: ZoneInfo, register_enabled: bool) -> list[dict]:
    blocks: list[Block] = [HeaderBlock(text="Upcoming Instructor Training"),
                           context(f"Times are in your time zone ({tz.key}).")]
    if not events:
        blocks.append(text_section("No events are open for registration right now. "
                                   "New dates are announced in this Slack; check back soon."))
        return render(blocks)
    room = (MAX_MESSAGE_BLOCKS - 3) // 2
    for event in events[:room]:
        button = ButtonElement(text="Register" if event.seats_left else "Join waiting list",
                               action_id="register_open", value=event.slug) if register_enabled else None
        blocks += [DividerBlock(), SectionBlock(text=MarkdownTextObject(text=event_lines(event, tz)),
                                                accessory=button)]
    if len(events) > room:
        blocks.append(context(f"…and {len(events) - room} more events."))
    return render(blocks)


def buttons(*items: tuple[str, str, str]) -> ActionsBlock:
    """An actions block from (label, action_id, value) triples."""
    return ActionsBlock(elements=[ButtonElement(text=label, action_id=action, value=value)
                                  for label, action, value in items])
