"""Texts of the reminders the scheduler sends (mrkdwn strings; no Block Kit here)."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.common import timefmt
from bot.common.mrkdwn import cut, escape
from bot.common.plural import counted
from bot.registration.texts import PREPARE, sessions, where
from bot.training_calendar.events import EventSummary


def prepare_reminder(event: EventSummary, tz: ZoneInfo, zoom_url: str | None, at: datetime) -> str:
    """`at`: when it is sent; late (a registration days before, a sweep that was down) it says how soon."""
    return (f":books: *{escape(event.title)}* starts {_how_soon(event.first_start, at, tz)}, on "
            f"{timefmt.when(event.first_start, tz)}.\n\n{PREPARE}\n\n"
            f"*Sessions:*\n{sessions(event, tz)}\n*Where:* {where(event, zoom_url)}\n"
            "Can't make it after all? `/training cancel` (the seat is forfeited after the deadline) or "
            "`/training transfer`. `/accommodation` if anything would help you take part.")


def _how_soon(start: datetime, at: datetime, tz: ZoneInfo) -> str:
    """`in a week`; when later than that, `in 3 days`, `tomorrow (in 20 hours)`, `today (in 2 hours)`."""
    left, days = start - at, (start.astimezone(tz).date() - at.astimezone(tz).date()).days
    if left >= timedelta(days=6):
        return "in a week"
    if days >= 2:
        return f"in {days} days"
    hours = int(left.total_seconds() // 3600)
    soon = f"in {counted(hours, 'hour')}" if hours else "in less than an hour"
    return f"{'tomorrow' if days == 1 else 'today'} ({soon})"


def day_before_reminder(event: EventSummary, tz: ZoneInfo, zoom_url: str | None, at: datetime) -> str:
    """`at`: when it is sent, usually the day before; on the day itself (planned late) it says so."""
    return (f":wave: *{escape(event.title)}* starts {_how_soon(event.first_start, at, tz)}, "
            f"{timefmt.when(event.first_start, tz)}.\n"
            f"*Where:* {where(event, zoom_url)}\nJoin a few minutes early; missing more than one hour in total "
            "means you cannot certify, so tell your trainers at once if something comes up. "
            "`/training status` has your sessions.")


def checkout_reminder(title: str, deadline: datetime, at: datetime, tz: ZoneInfo) -> str:
    """`at`: when it is sent (working hours may have moved it), so the days left are counted from then."""
    days = (deadline.astimezone(tz).date() - at.astimezone(tz).date()).days
    left = "today" if days <= 0 else "tomorrow" if days == 1 else f"in {days} days"
    return (f":hourglass_flowing_sand: Your checkout for *{escape(title)}* closes {left}, on {timefmt.day(deadline, tz)}. "
            "Run `/training checkout` to see the steps still open (Welcome Session, Get Involved, Teaching Demo) "
            "and submit Get Involved there. Need more time? Ask staff for an extension before the deadline.")


def unused_seats(org: str, code: str, left: int, months: int, upcoming: list[EventSummary], tz: ZoneInfo) -> str:
    rooms = cut("\n".join(f"• *{escape(e.title)}* (`{e.slug}`), {timefmt.day(e.first_start, tz)}, "
                          f"{e.seats_left} seats left" for e in upcoming if e.seats_left), 2500) \
        or "• New dates are announced soon."
    return (f":seat: {escape(org)} is {months} months into its membership year and has *{left}* training seats unused. "
            "Training is recommended in the first six months, so trainees have time to certify and teach. "
            f"Events with room:\n{rooms}\nTrainees register with `/training register {escape(code)}`; `/training seats` "
            "shows who holds which seat.")


def org_deadline(org: str, code: str, left: int, event: EventSummary, tz: ZoneInfo) -> str:
    return (f":date: Registration for *{escape(event.title)}* (`{event.slug}`), where people from {escape(org)} "
            "hold seats, closes "
            f"{timefmt.when(event.registration_closes, tz)}. {escape(org)} still has *{left}* unused seats; colleagues can "
            f"join with `/training register {escape(code)}` while {event.seats_left} places are left.")


def session_report(slug: str, absent: list[str], at_risk: list[str], unmatched: int, fetched: bool) -> str:
    source = "" if fetched else " (from the reports imported so far; Zoom is not configured)"
    lines = [f":bar_chart: Attendance after today's session of `{slug}`{source}:"]
    lines.append("Absent (more than the allowed time missed): " + (escape(", ".join(absent)) or "nobody"))
    lines.append("At risk: " + (escape(", ".join(at_risk)) or "nobody"))
    if unmatched:
        lines.append(f"{unmatched} participants are unmatched: match them in `/attendance {slug}`.")
    lines.append(f"Details: `/attendance {slug}`.")
    return "\n".join(lines)


MIDWAY_SURVEY = "https://goo.gl/forms/BOxgiKy99kVec07j2"
END_SURVEY = "https://goo.gl/forms/I36OUFXGAofLps8E3"


def mentoring_midway(group: str, showcase) -> str:
    return (f":compass: *{escape(group)}* is half way through. Mentors: join the mid-way touch base with the mentoring "
            f"coordinator. Everyone: fill in the short mid-way survey ({MIDWAY_SURVEY}). The showcase is on "
            f"{showcase:%a %-d %b}; pick who will present your group's slide.")


def mentoring_showcase(group: str, showcase, days: int) -> str:
    when = {14: "in two weeks", 7: "in one week", 1: "tomorrow"}[days]
    step = {14: "Start drafting your group's one slide: something you learned or completed together.",
            7: "Finish your slide and send it to the coordinator (they record it with `/mentoring admin slide`).",
            1: "Check your slide and join the showcase; attending counts toward your certificate."}[days]
    return f":sparkles: The mentoring showcase is {when} ({showcase:%a %-d %b}). {step} `/mentoring status` shows what is left."


def mentoring_end(group: str) -> str:
    return (f":checkered_flag: *{escape(group)}* has reached the end of its run. Please fill in the post-programme survey "
            f"({END_SURVEY}): it counts toward your certificate. `/mentoring status` shows what else is missing.")


def coordinator_missing(lines: list[str]) -> str:
    return (":clipboard: Mentoring groups still missing something:\n" + cut("\n".join(lines), 2800)
            + "\nRecord them with `/mentoring admin slide @user` and `/mentoring admin mark @user survey`.")
