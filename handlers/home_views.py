"""The App Home tab: one person's view, always within Block Kit's limits (100 blocks, text lengths)."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, DividerBlock, HeaderBlock
from slack_sdk.models.views import View

from bot.common import timefmt
from bot.common.mrkdwn import escape
from bot.home.service import Home
from bot.registration.texts import joining
from handlers.blocks import buttons, context, text_section

MAX_BLOCKS = 100
STATUS_LABELS = {"active": "registered", "waitlisted": "waiting list", "forfeited": "seat forfeited",
                 "no_show": "missed"}


def _mine(home: Home, tz: ZoneInfo) -> list[Block]:
    blocks: list[Block] = [HeaderBlock(text="Instructor Training")]
    upcoming = [i for i in home.registrations if i.event.sessions[-1][1] > home.now]
    for item in upcoming[:3]:
        e = item.event
        place = f" (position {item.position})" if item.position else ""
        how = (f"Online on Zoom: {joining(e, e.zoom_join_url)}" if e.format == "online"
               else f"In person: {escape(e.location or '')}")
        sessions = "\n".join(f"• {timefmt.span(a, b, tz)}" for a, b in e.sessions[:8])
        blocks.append(text_section(f"*{escape(e.title)}* — {STATUS_LABELS.get(item.status, item.status)}{place}\n{how}\n"
                                   f"{sessions}\n_Cancel or move until {timefmt.when(item.change_deadline, tz)}_"))
    if not upcoming:
        blocks.append(text_section("You are not registered for an upcoming event."))
    blocks.append(buttons(("Register for an event", "register_open", "")))
    c = home.checkout
    if c and c.started:
        days = (c.deadline - home.now).days
        steps = "\n".join(f"• {s.label}: {s.state.replace('_', ' ')}" for s in c.steps)
        cert = f"\n:trophy: Certified — verification code `{c.certificate.code}`" if c.certificate else ""
        blocks += [DividerBlock(), HeaderBlock(text="Checkout"),
                   text_section(f"*{escape(c.event_title)}* — deadline {timefmt.day(c.deadline, tz)}"
                                f"{f' ({days} days left)' if days >= 0 and not c.certificate else ''}\n{steps}{cert}")]
        if c.submission_mode:
            blocks.append(buttons(("Submit Get Involved", "checkout_get_involved_open", str(c.registration_id))))
    return blocks


def _mentoring_and_requests(home: Home, tz: ZoneInfo) -> list[Block]:
    blocks: list[Block] = []
    g = home.group
    if g:
        dates = g.dates
        blocks += [DividerBlock(), HeaderBlock(text="Mentoring"),
                   text_section(f"*{escape(g.name)}* (<#{g.channel_id}>) — {g.phase}\n"
                                f"Mid-way {dates.midway:%-d %b}, showcase "
                                f"{dates.showcase:%-d %b}, end {dates.end:%-d %b %Y}. `/mentoring status` shows "
                                "what counts toward your certificate.")]
    else:
        blocks += [DividerBlock(), context("Mentoring groups: `/mentoring signup` to join one as a mentor or mentee.")]
    if home.accommodation:
        lines = "\n".join(f"• {escape(r.event_title)}: {r.status.replace('_', ' ')} ({timefmt.day(r.updated, tz)})"
                          for r in home.accommodation[:10])
        more = f"\n…and {len(home.accommodation) - 10} more: `/accommodation status`" if len(home.accommodation) > 10 else ""
        blocks += [HeaderBlock(text="Accommodation requests"), text_section(lines + more)]
    blocks.append(context("Need something to take part fully? `/accommodation` goes privately to staff only."))
    return blocks


def _work(home: Home) -> list[Block]:
    blocks: list[Block] = []
    if home.trainer_events:
        lines = "\n".join(f"• `{e.slug}` {escape(e.title)}: " + (f"{e.absent} absent, {e.at_risk} at risk" if e.started
                                                          else "not started") for e in home.trainer_events)
        blocks += [DividerBlock(), HeaderBlock(text="Your events as a trainer"),
                   text_section(lines + "\n`/attendance EVENT` for details.")]
    if home.staff:
        blocks += [DividerBlock(), HeaderBlock(text="Staff"),
                   text_section(f"{home.staff.pending_seat_requests} seat requests and "
                                f"{home.staff.open_accommodation_requests} accommodation requests are open in the "
                                "staff channel.")]
    if home.seats:
        r = home.seats
        blocks += [DividerBlock(), HeaderBlock(text=f"Seats of {r.organisation}"[:150]),
                   text_section(f"{r.left} of {r.total} left ({r.active} registered, {r.no_show} no-show, "
                                f"{r.forfeited} forfeited). `/training seats` lists who holds which seat.")]
    return blocks


def home_view(home: Home, tz: ZoneInfo) -> dict:
    blocks = _mine(home, tz) + _mentoring_and_requests(home, tz) + _work(home)
    blocks.append(context(f"Times in {tz.key}. `/training help` lists everything I can do."))
    if len(blocks) > MAX_BLOCKS:
        blocks = blocks[:MAX_BLOCKS - 1] + [context("More in `/training status`.")]
    return View(type="home", blocks=blocks).to_dict()
