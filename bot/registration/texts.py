"""Texts of the registration DMs (mrkdwn strings; no Block Kit here)."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.common import timefmt
from bot.common.mrkdwn import escape
from bot.training_calendar.events import EventSummary

PREPARE = (
    "*How to prepare* (about an hour, the week before):\n"
    "1. Complete the pre-training survey (your trainers send the link with the connection details).\n"
    "2. Choose a Carpentries lesson and prepare a 3-minute segment to teach (20–30 minutes of preparation).\n"
    "3. Read <https://carpentries.github.io/instructor-training/files/papers/science-of-learning-2015.pdf|"
    "The Science of Learning> and the latest Carpentries annual report "
    "(<https://carpentries.org/about-us/impact/|impact page>)."
)


LINK_LATER = "the join link will be sent to you by DM here in Slack before the event"


def joining(event: EventSummary, zoom_url: str | None) -> str:
    """How to join an online event: its link when known, else its meeting ID (if known) and when the link comes
    (`event_changes` sends it once a calendar load adds it)."""
    if zoom_url:
        return f"join at {escape(zoom_url)}"
    meeting = f"Zoom meeting ID {escape(event.zoom_meeting_id)}; " if event.zoom_meeting_id else ""
    return meeting + LINK_LATER


def where(event: EventSummary, zoom_url: str | None = None) -> str:
    if event.format == "online":
        return f"Online, on Zoom — {joining(event, zoom_url)}"
    facts = "".join(f"\n  • {escape(fact)}" for fact in event.accessibility)
    return f"In person at {escape(event.location or '')}" + (f"\n  Accessibility:{facts}" if facts else "")


def sessions(event: EventSummary, tz: ZoneInfo) -> str:
    return "\n".join(f"• {timefmt.span(a, b, tz)}" for a, b in event.sessions)


def registered(event: EventSummary, tz: ZoneInfo, zoom_url: str | None, close_days: int) -> str:
    return (
        f":white_check_mark: You are registered for *{escape(event.title)}* (`{event.slug}`).\n\n"
        f"*Sessions* (your time zone, {tz.key}):\n{sessions(event, tz)}\n\n"
        f"*Where:* {where(event, zoom_url)}\n\n{PREPARE}\n\n"
        f"*Need to change?* `/training cancel` or `/training transfer` until "
        f"{timefmt.when(event.registration_closes, tz)} ({close_days} days before the start). "
        f"Missing more than one hour of the training means you cannot certify, so plan the whole time.\n"
        f"The calendar file attached here adds every session to your calendar."
    )


def waitlisted(event: EventSummary, position: int) -> str:
    return (f":hourglass: *{escape(event.title)}* is full, so you are on its waiting list at position *{position}*. "
            f"If a seat frees up before registration closes you get it automatically and I'll tell you here. "
            f"`/training status` shows your place; `/training cancel` leaves the list.")


def promoted(event: EventSummary, tz: ZoneInfo, zoom_url: str | None, close_days: int) -> str:
    return ":tada: A seat freed up and it is yours.\n" + registered(event, tz, zoom_url, close_days)


def event_cancelled(event_title: str, reason: str, alternatives: list[EventSummary], tz: ZoneInfo) -> str:
    options = "\n".join(f"• *{escape(e.title)}* (`{e.slug}`), {timefmt.day(e.first_start, tz)}, {e.seats_left} seats left"
                        for e in alternatives[:5]) or "• No other event has room right now; new dates come soon."
    return (f":warning: *{escape(event_title)}* has been cancelled: {escape(reason)}\n"
            f"Your organisation's seat is returned. Events with room:\n{options}\n"
            f"Register again with `/training register`.")


def join_link(event: EventSummary, tz: ZoneInfo) -> str:
    return (f":link: The Zoom link for *{escape(event.title)}* (`{event.slug}`), starting "
            f"{timefmt.when(event.first_start, tz)}: {escape(event.zoom_join_url or '')}\n"
            "Use it for every session; App Home shows it too.")


def join_link_changed(event: EventSummary, tz: ZoneInfo) -> str:
    return (f":warning: The Zoom link for *{escape(event.title)}* (`{event.slug}`) has changed; the new one is "
            f"{escape(event.zoom_join_url or '')}\nThe link sent earlier is updated too, and App Home shows it.")


def sessions_changed(event: EventSummary, tz: ZoneInfo, with_file: bool) -> str:
    file = "\nThe calendar file attached here moves the sessions in your calendar." if with_file else ""
    return (f":calendar: The sessions of *{escape(event.title)}* (`{event.slug}`) have changed. They are now "
            f"(your time zone, {tz.key}):\n{sessions(event, tz)}\n*Where:* {where(event, event.zoom_join_url)}\n"
            f"If the new times do not work for you, `/training transfer` or `/training cancel`.{file}")


def forfeited(name: str, title: str, slug: str, organisation: str | None) -> str:
    """For staff: a seat given up after the registration deadline."""
    org = escape(organisation) if organisation else "their organisation"
    return (f":warning: {escape(name)} cancelled {escape(title)} (`{slug}`) after the registration deadline; the seat "
            f"of {org} is forfeited unless staff move it (`/training admin roster {slug}`).")


def serial_canceller(name: str, contact: str, count: int) -> str:
    """For staff: someone who keeps registering and cancelling."""
    return (f":triangular_flag_on_post: {escape(name)} ({escape(contact)}) has registered and cancelled {count} "
            "times. Staff may bar further registrations.")
