"""What reminders are due, derived from the database (plain Candidates; sending is bot.nudges' job)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.checkout.data import CheckoutDeadline
from bot.common import roles
from bot.common.mrkdwn import escape
from bot.config import Settings
from bot.registration.rules import seats_used
from bot.reminders import texts
from bot.training_calendar import events as calendar
from storage.models import ACTIVE, Event, EventSession, Organisation, Person, Registration, Role

CHECKOUT_NUDGE_DAYS = (60, 30, 14, 7, 1)
SESSION_REPORT_DELAY = timedelta(minutes=30)


@dataclass(frozen=True)
class Candidate:
    kind: str
    recipient: str  # Slack user id (a DM) or channel id
    subject: str
    due_at: datetime
    expires_at: datetime  # the start or closing it announces (never sent after it), or when it is pointless
    # a callable is only called for newly due reminders, with the recipient's zone and the moment it is planned
    # to go; "" = written at send time
    text: str | Callable[[ZoneInfo, datetime], str]
    tz: str | None  # the recipient's stored zone for DMs (their Slack profile's comes first); None for channel posts

    def render(self, tz: ZoneInfo, at: datetime) -> str:
        return self.text(tz, at) if callable(self.text) else self.text

    @property
    def key(self) -> str:
        return f"{self.kind}|{self.recipient}|{self.subject}|{self.due_at:%Y-%m-%d}"


def _months_after(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, 28))


async def trainee_event_reminders(s: AsyncSession, settings: Settings, start: datetime,
                                  end: datetime) -> list[Candidate]:
    """The preparation checklist a week before, and the day-before reminder with the link or venue."""
    soon = select(EventSession.event_id).where(EventSession.start > start, EventSession.start <= end + timedelta(days=8))
    events = {e.id: e for e in await s.scalars(select(Event).where(Event.status == "open", Event.id.in_(soon))
                                                  .options(selectinload(Event.sessions)))}
    regs = await s.execute(select(Registration.event_id, Person.slack_user_id, Person.timezone).join(Person).where(
        Registration.event_id.in_(list(events)), Registration.status == ACTIVE, Person.slack_user_id.is_not(None)))
    summaries = {i: calendar.summarise(e, 0, settings.registration_close_days) for i, e in events.items()}
    dues = {i: (calendar.days_before(e.sessions[0].start, 7, e.timezone),
                calendar.days_before(e.sessions[0].start, 1, e.timezone)) for i, e in events.items()}
    out = []
    for event_id, user_id, tz_name in regs.all():
        event, summary, (week_before, day_before) = events[event_id], summaries[event_id], dues[event_id]
        first, zoom = event.sessions[0].start, event.zoom_join_url
        out.append(Candidate("prepare", user_id, event.slug, week_before, first,
                             lambda tz, at, summary=summary, zoom=zoom: texts.prepare_reminder(summary, tz, zoom, at),
                             tz_name or "UTC"))
        out.append(Candidate("day_before", user_id, event.slug, day_before, first,
                             lambda tz, at, summary=summary, zoom=zoom: texts.day_before_reminder(summary, tz, zoom, at),
                             tz_name or "UTC"))
    return out


def checkout_reminders(deadlines: list[CheckoutDeadline]) -> list[Candidate]:
    """60, 30, 14, 7 and 1 days before the checkout deadline, none once checkout is complete."""
    out = []
    for d in deadlines:
        if d.complete:
            continue
        for days in CHECKOUT_NUDGE_DAYS:
            due = d.deadline - timedelta(days=days)
            out.append(Candidate("checkout", d.user_id, f"reg{d.registration_id}:{d.deadline:%Y-%m-%d}", due,
                                 d.deadline, lambda tz, at, d=d: texts.checkout_reminder(
                                     d.event_title, d.deadline, at, tz), d.tz or "UTC"))
    return out


async def contact_reminders(s: AsyncSession, settings: Settings, start: datetime, now: datetime) -> list[Candidate]:
    """Organisation contacts: unused seats at 3 and 5 months into the year; deadlines of events their people hold.

    Events are those open since `start` (deadline reminders), and those open `now` (the list of events with room).
    """
    out = []
    since = await calendar.upcoming_events(s, start, settings.registration_close_days)
    upcoming = [e for e in since if e.registration_closes > now]
    contacts = (await s.execute(select(Role.slack_user_id, Role.scope, Person.timezone)
                                .outerjoin(Person, Person.slack_user_id == Role.slack_user_id)
                                .where(Role.role == roles.CONTACT))).all()
    for user_id, scope, tz_name in contacts:
        org = await s.get(Organisation, int(scope.split(":")[1]))
        left = org.total_seats - org.rolled_out_seats - await seats_used(s, org.id)
        if left <= 0 or org.archived:
            continue
        for months in (3, 5):
            due = datetime.combine(_months_after(org.membership_start, months), time(14), timezone.utc)
            out.append(Candidate(f"seats_{months}m", user_id, org.code, due, due + timedelta(days=30),
                                 lambda tz, _at, name=org.name, code=org.code, left=left, months=months:
                                 texts.unused_seats(name, code, left, months, upcoming, tz), tz_name or "UTC"))
        held = set(await s.scalars(select(Event.slug).join(Registration).where(
            Registration.organisation_id == org.id, Registration.status == ACTIVE, Event.status == "open")))
        for event in since:
            if event.slug in held:
                due = event.registration_closes - timedelta(days=3)
                out.append(Candidate("org_deadline", user_id, f"{org.code}:{event.slug}", due,
                                     event.registration_closes,
                                     lambda tz, _at, name=org.name, code=org.code, left=left, event=event:
                                     texts.org_deadline(name, code, left, event, tz), tz_name or "UTC"))
    return out


async def trainer_session_reports(s: AsyncSession, start: datetime, end: datetime) -> list[Candidate]:
    """After each session (plus a delay): trainers hear who is at risk; the text is written at send time."""
    rows = await s.execute(select(EventSession, Event).join(Event).where(
        Event.status == "open", EventSession.end > start - SESSION_REPORT_DELAY,
        EventSession.end <= end - SESSION_REPORT_DELAY))
    out = []
    for session, event in rows.all():
        trainers = await s.execute(select(Role.slack_user_id, Person.timezone)
                                   .outerjoin(Person, Person.slack_user_id == Role.slack_user_id)
                                   .where(Role.role == roles.TRAINER, Role.scope == roles.event_scope(event.id)))
        due = session.end + SESSION_REPORT_DELAY
        for user_id, tz_name in trainers.all():
            out.append(Candidate("session_report", user_id, f"{event.slug}@{session.start:%Y%m%dT%H%M}", due,
                                 due + timedelta(days=1), "", tz_name or "UTC"))
    return out


def mentoring_reminders(groups: list, coordinators: list[tuple[str, str | None]], hour: int) -> list[Candidate]:
    """Channel posts at the mid-way point, 2 weeks, 1 week and 1 day before the showcase, and at the end;
    coordinators hear which groups still lack a slide (3 days before) or surveys (a week after the end)."""
    out: list[Candidate] = []
    missing: dict[tuple[str, date], list[str]] = {}

    def at(day: date) -> datetime:
        return datetime.combine(day, time(hour), timezone.utc)

    for g in groups:
        info, dates = g.group, g.group.dates
        channel = info.channel_id
        out.append(Candidate("mentoring_midway", channel, str(info.id), at(dates.midway), at(dates.midway) +
                             timedelta(days=3), texts.mentoring_midway(info.name, dates.showcase), None))
        for days in (14, 7, 1):
            out.append(Candidate(f"mentoring_showcase_{days}d", channel, str(info.id),
                                 at(dates.showcase - timedelta(days=days)), at(dates.showcase),
                                 texts.mentoring_showcase(info.name, dates.showcase, days), None))
        out.append(Candidate("mentoring_end", channel, str(info.id), at(dates.end), at(dates.end) + timedelta(days=14),
                             texts.mentoring_end(info.name), None))
        if g.slide_missing:
            missing.setdefault(("slide", dates.showcase - timedelta(days=3)), []).append(
                f"• {escape(info.name)} (<#{channel}>): no showcase slide yet")
        if g.survey_missing:
            people = ", ".join(f"<@{u}>" for u in g.survey_missing[:10])
            missing.setdefault(("survey", dates.end + timedelta(days=7)), []).append(
                f"• {escape(info.name)}: end survey missing from {people}")
    for (what, day), lines in missing.items():
        for user_id, tz_name in coordinators:
            out.append(Candidate(f"coordinator_{what}", user_id, day.isoformat(), at(day), at(day) + timedelta(days=7),
                                 texts.coordinator_missing(lines), tz_name or "UTC"))
    return out
