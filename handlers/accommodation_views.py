"""Block Kit for accommodation: the request form, the staff-channel message, the staff note form, status."""
from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ButtonElement,
    ConfirmObject,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.accommodation.service import MAX_TEXT, NOT_REGISTERED, EventChoice, RequestStatus, RequestView
from bot.common import timefmt
from bot.common.mrkdwn import escape, quote_split
from handlers.blocks import MAX_MESSAGE_BLOCKS, buttons, context, render, text_section

NO_EVENT = "none"
MAX_OPTIONS = 99  # and "not registered yet"


def request_modal(choices: list[EventChoice], tz: ZoneInfo, retention_days: int) -> dict:
    options = [Option(value=c.slug, label=f"{timefmt.day(c.first_start, tz)} · {c.title}"[:75])
               for c in choices[:MAX_OPTIONS]] + [Option(value=NO_EVENT, label=NOT_REGISTERED)]
    blocks = [
        text_section("Tell Carpentries staff what would help you take part fully. *No documentation is needed*: "
                     "share only what you choose. *Only staff read this.*"),
        InputBlock(block_id="event", label="Which training?", element=StaticSelectElement(
            action_id="value", options=options, initial_option=options[0])),
        *[text_section(_facts(c)) for c in choices[:20] if c.in_person],
        InputBlock(block_id="text", label="What would help?", element=PlainTextInputElement(
            action_id="value", multiline=True, max_length=MAX_TEXT),
            hint="For example: captions, extra breaks, materials in advance, a quiet space, seating."),
        InputBlock(block_id="contact", label="How should staff contact you?", optional=True,
                   element=PlainTextInputElement(action_id="value", max_length=300,
                                                 placeholder="Slack DM, an email address, a phone number…")),
        context(f"Your request goes only to Carpentries staff, in a private channel. Its text is deleted "
                f"{retention_days} days after the training ends, or as soon as you withdraw it "
                "(`/accommodation status`)."),
    ]
    return View(type="modal", callback_id="accommodation_submit", title="Accommodation", submit="Send to staff",
                close="Cancel", blocks=blocks).to_dict()


def _facts(choice: EventChoice) -> str:
    where = f"*{escape(choice.title)}* is in person at {escape(choice.location or '')}."
    if not choice.accessibility:
        return f"{where} No accessibility facts are recorded for the venue yet; ask about anything you need."
    facts = "\n".join(f"• {escape(fact)}" for fact in choice.accessibility)
    return f"{where} The organisers have checked that:\n{facts}"


def sent_view(staff_channel_set: bool, staff_email: str) -> dict:
    text = ("Your request is on its way to Carpentries staff; I'll confirm by DM." if staff_channel_set else
            f"Your request is saved, but the staff channel is not set up yet: it will be sent as soon as it is. "
            f"If it is urgent, email {staff_email}.")
    return View(type="modal", title="Accommodation", close="Done", blocks=[text_section(text)]).to_dict()


def _when(moment: datetime) -> str:
    """A date Slack shows in each reader's own time zone."""
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|{timefmt.when(moment, timefmt.UTC)}>"


def staff_blocks(view: RequestView) -> list[dict]:
    event = f"*{escape(view.event_title)}* (`{view.event_slug}`)" if view.event_slug else f"_{NOT_REGISTERED}_"
    blocks = [text_section(f"*Accommodation request #{view.id}* from <@{view.requester}> "
                           f"({escape(view.requester_name)})\n*Event:* {event}")]
    if view.text is None:
        blocks.append(context("_The text is deleted (withdrawn by the requester, or past the retention period)._"))
    else:
        blocks += [text_section(piece) for piece in quote_split(view.text)]
        if view.contact:
            blocks.append(text_section(f"*Preferred contact:* {escape(view.contact)}"))
    blocks.append(text_section(f"*{view.label}* by <@{view.actor}>, {_when(view.updated)}"))
    if view.note:
        blocks += [text_section(piece) for piece in quote_split(view.note)]
    if view.open:
        choices = [("Acknowledge", "accommodation_acknowledge")] if view.status == "submitted" else []
        choices += [("Ask for details", "accommodation_ask"), ("Resolve", "accommodation_resolve")]
        blocks.append(buttons(*[(label, action, str(view.id)) for label, action in choices]))
    return render(blocks)


def note_modal(action: str, request_id: int) -> dict:
    asking = action == "ask"
    blocks = [InputBlock(block_id="note", label="What would help you help them?" if asking else "Note",
                         optional=not asking, element=PlainTextInputElement(
                             action_id="value", multiline=True, max_length=2000)),
              context("The requester gets this note by DM.")]
    return View(type="modal", callback_id="accommodation_note_submit",
                title="Ask for details" if asking else "Resolve request", submit="Send" if asking else "Resolve",
                close="Cancel", private_metadata=json.dumps({"id": request_id, "action": action}),
                blocks=blocks).to_dict()


def status_blocks(items: list[RequestStatus], notice: str | None = None) -> list[dict]:
    blocks = [context(notice)] if notice else []
    if not items:
        return render(blocks + [text_section("You have no accommodation requests. `/accommodation` opens the form.")])
    blocks += [HeaderBlock(text="Your accommodation requests"),
               context("Only staff read your requests. Withdrawing one deletes its text.")]
    for item in items[:MAX_MESSAGE_BLOCKS - len(blocks)]:
        withdraw = ButtonElement(
            text="Withdraw", action_id="accommodation_withdraw", value=str(item.id), style="danger",
            confirm=ConfirmObject(title="Withdraw this request?", text="Its text is deleted; staff see that it "
                                  "was withdrawn.", confirm="Withdraw", deny="Keep it")) if item.withdrawable else None
        blocks.append(SectionBlock(text=MarkdownTextObject(
            text=f"*{escape(item.event_title)}* — {item.label}, {_when(item.updated)}"), accessory=withdraw))
    return render(blocks)
