"""Block Kit for registration: the register and transfer modals, status, seats, rosters, staff requests."""
from __future__ import annotations

import json
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    CheckboxesElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.common import timefmt
from bot.common.mrkdwn import escape, quote
from bot.common.people import Profile
from bot.registration.admin import Roster, SeatsReport
from bot.registration.seat_moves import MoveChoice, MoveResult, RequestView, SeatMoveService
from bot.registration.service import Registered, StatusItem
from bot.training_calendar.events import EventSummary
from handlers.blocks import built_once, buttons, context, render, text_section

COC_URL = "https://docs.carpentries.org/policies/coc/"
MAX_OPTIONS = 100


def _event_option(event: EventSummary, tz: ZoneInfo) -> Option:
    room = f"{event.seats_left} left" if event.seats_left else "full: waiting list"
    label = f"{timefmt.day(event.first_start, tz)} · {event.title}"
    return Option(value=event.slug, label=f"{label[:60]} ({room})"[:75])


def _event_select(events: list[EventSummary], tz: ZoneInfo, chosen: str | None) -> StaticSelectElement:
    options = [_event_option(e, tz) for e in events[:MAX_OPTIONS]]
    initial = next((o for o in options if o.value == chosen), None)
    return StaticSelectElement(action_id="value", placeholder="Choose an event", options=options,
                               initial_option=initial)


@built_once
def _register_form(events: tuple[EventSummary, ...], tz: ZoneInfo, chosen: str | None) -> dict:
    """The form as everyone in a time zone sees it until a seat or an event changes; register_modal adds each
    person's own part."""
    return View(type="modal", callback_id="register_submit", title="Register", submit="Register", close="Cancel",
                blocks=[
                    SectionBlock(text=MarkdownTextObject(
                        text="Register for Instructor Training with your organisation's code. "
                             f"Dates are in your time zone ({tz.key}).")),
                    InputBlock(block_id="event", label="Event", element=_event_select(list(events), tz, chosen),
                               hint="A full event puts you on its waiting list."),
                    InputBlock(block_id="coc", label="Code of Conduct", optional=True, element=CheckboxesElement(
                        action_id="value", options=[Option(value="accepted", description=COC_URL,
                                                           label="I agree to follow the Code of Conduct")]))]
                ).to_dict()


def register_modal(events: list[EventSummary], profile: Profile, tz: ZoneInfo, code: str = "",
                   chosen: str | None = None) -> dict:
    view = _register_form(tuple(events), tz, chosen)
    view["blocks"][2:2] = render([  # after the choice of event, before the Code of Conduct
        InputBlock(block_id="code", label="Registration code",
                   element=PlainTextInputElement(action_id="value", initial_value=code or None, max_length=80),
                   hint="Your organisation's contact has it."),
        context(f"You register as *{escape(profile.name)}* ({escape(profile.email or '')}), as your Slack "
                "profile says; change it there if it is wrong.")])
    return view


def registered_view(done: Registered) -> dict:
    if done.status == "waitlisted":
        text = (f":hourglass: *{escape(done.event.title)}* is full: you are on its waiting list at position "
                f"*{done.position}*. I'll DM you if a seat frees up.")
    else:
        text = (f":white_check_mark: You are registered for *{escape(done.event.title)}* with "
                f"{escape(done.organisation)}'s seat. "
                "Check your DMs for the sessions in your time zone, how to prepare, and a calendar file.")
    return View(type="modal", title="Registered", close="Done", blocks=[text_section(text)]).to_dict()


def processing_view() -> dict:
    return View(type="modal", title="Registering", close="Done", blocks=[text_section(
        ":hourglass: Slack was in a hurry, so I am finishing your registration in the background: "
        "you'll get a DM with the outcome in a moment.")]).to_dict()


def status_blocks(items: list[StatusItem], tz: ZoneInfo) -> list[dict]:
    if not items:
        return render([text_section("You have no registrations. `/training calendar` shows the upcoming events.")])
    blocks = [HeaderBlock(text="Your Instructor Training"), context(f"Times in {tz.key}.")]
    labels = {"active": "Registered", "waitlisted": "On the waiting list", "forfeited": "Seat forfeited",
              "no_show": "Missed (no-show)"}
    for item in items[:20]:
        e = item.event
        state = labels.get(item.status, item.status)
        if item.position:
            state += f" (position {item.position})"
        lines = [f"*{escape(e.title)}* `{e.slug}` — {state}",
                 f"First session {timefmt.when(e.first_start, tz)}",
                 f"Cancel or move until {timefmt.when(item.change_deadline, tz)}",
                 f"Checkout deadline {timefmt.day(item.checkout_deadline, tz)}"]
        blocks += [DividerBlock(), text_section("\n".join(lines))]
    return render(blocks)


def cancel_confirm_blocks(title: str, registration_id: int, before_deadline: bool) -> list[dict]:
    consequence = ("Your seat goes back to your organisation and to the next person waiting." if before_deadline
                   else "The registration deadline has passed: your organisation's seat will be forfeited "
                        "unless staff move it to another event.")
    return render([text_section(f"Cancel your registration for *{escape(title)}*?\n{consequence}"),
                   buttons(("Yes, cancel it", "cancel_confirm", str(registration_id)),
                           ("Keep it", "cancel_keep", str(registration_id)))])


def transfer_modal(choice: MoveChoice, tz: ZoneInfo) -> dict:
    what = ("Move your seat" if choice.kind == "transfer"
            else "You missed the event: ask staff to re-register you with the same code")
    blocks = [text_section(f"{what} from *{escape(choice.current.title)}*. Before the registration deadline and with room "
                           "in the new event it happens at once; otherwise staff decide."),
              InputBlock(block_id="target", label="New event", element=_event_select(choice.targets, tz, None))]
    return View(type="modal", callback_id="transfer_submit", title="Move my seat", submit="Move",
                close="Cancel", private_metadata=json.dumps({"registration": choice.registration_id}),
                blocks=blocks).to_dict()


def moved_view(result: MoveResult, staff_channel_set: bool, staff_email: str) -> dict:
    if result.moved:
        text = (f":white_check_mark: Your seat moved to *{escape(result.target.title)}*. "
                "Check your DMs for the new sessions.")
    elif staff_channel_set:
        text = "Your request went to staff, who approve or refuse it; you'll get their answer by DM."
    else:
        text = f"Your request is saved, but the staff channel is not set up: please email {staff_email}."
    return View(type="modal", title="Move my seat", close="Done", blocks=[text_section(text)]).to_dict()


def staff_request_blocks(view: RequestView) -> list[dict]:
    text = SeatMoveService.describe(view)
    if view.status == "pending":
        return render([text_section(text), buttons(("Approve", "seat_request_approve", str(view.id)),
                                                   ("Refuse", "seat_request_refuse", str(view.id)))])
    return render([text_section(text), context(f"*{view.status.capitalize()}* by <@{view.decided_by}>")])


def seats_blocks(r: SeatsReport) -> list[dict]:
    lines = [f"*{escape(r.organisation)}* ({escape(r.level.capitalize())}, code `{escape(r.code)}`)",
             f"Agreement {r.membership_start:%-d %b %Y} – {r.membership_end:%-d %b %Y}",
             f"Seats: {r.total} = {r.contracted} contracted + {r.additional} additional + {r.rolled_in} rolled in"
             + (f"; {r.rolled_out} rolled out" if r.rolled_out else ""),
             f"Used: {r.used} ({r.active} registered, {r.no_show} no-show, {r.forfeited} forfeited) · *Left: {r.left}*"]
    holders = "\n".join(f"• {escape(h.name)} — `{h.event_slug}` ({h.status.replace('_', '-')})" for h in r.holders[:80])
    blocks = [text_section("\n".join(lines)), text_section("*Who holds which seat*\n" + (holders or "Nobody yet."))]
    return render(blocks)


def roster_blocks(r: Roster) -> list[dict]:
    def lines(rows):
        return "\n".join(f"{i}. {escape(x.name)} &lt;{escape(x.email or 'no email')}&gt; — {escape(x.organisation)} "
                         f"({x.status})"
                         for i, x in enumerate(rows, 1)) or "None."
    return render([HeaderBlock(text=f"Roster: {r.slug}"[:150]),
                   text_section(f"*Registered* ({sum(x.status == 'active' for x in r.registered)} of {r.capacity})\n"
                                + lines(r.registered)),
                   text_section(f"*Waiting list* ({len(r.waiting)})\n" + lines(r.waiting))])


def cancel_event_confirm_blocks(r: Roster, reason: str) -> list[dict]:
    value = json.dumps({"slug": r.slug, "reason": reason})[:2000]
    return render([text_section(f"Cancel *{escape(r.title)}* (`{r.slug}`)? {len(r.registered)} registered and "
                                f"{len(r.waiting)} waiting will be told at once, with this reason:\n{quote(reason)}"),
                   buttons(("Cancel the event", "cancel_event_confirm", value), ("Keep it", "cancel_keep", r.slug))])
