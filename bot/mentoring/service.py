"""Mentoring groups (design.md, "Mentoring"): sign-ups, status, meetings, criteria, reports.

Forming groups lives in bot.mentoring_forming and certificates in bot.mentoring_certificates; this service is
the one place handlers, the App Home and the scheduler call.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.checkout.data import CertificateView
from bot.common import people, timefmt
from bot.common.errors import NotAllowed, Refusal
from bot.common.people import Profile
from bot.config import Settings
from bot.mentoring import queries as q
from bot.mentoring import rules
from bot.mentoring.certificates import CertificateIssuer
from bot.mentoring.data import (
    Approved,
    CohortRate,
    GroupDates,
    GroupInfo,
    GroupReport,
    Issued,
    Marked,
    MeetingLogged,
    MyStatus,
    Proposals,
    Report,
    SignupForm,
    SignupView,
)
from bot.mentoring.forming import GroupForming
from bot.mentoring.match import describe_slots, weekly_slots_utc
from bot.mentoring.rules import MENTEE, MENTOR
from bot.mentoring.texts import day
from storage.db import Database
from storage.mentoring_models import (
    GROUPED,
    OPEN,
    MentoringAttendee,
    MentoringCertificate,
    MentoringGroup,
    MentoringMark,
    MentoringMeeting,
    MentoringMember,
    MentoringSignup,
)
from storage.models import Person

LATEST_UTC_OFFSET = timedelta(hours=14)  # a day has begun somewhere once UTC+14 reaches it


class MentoringService:
    def __init__(self, db: Database, settings: Settings, clock: Callable[[], datetime], forming: GroupForming,
                 certificates: CertificateIssuer) -> None:
        self.db, self.settings, self.clock = db, settings, clock
        self.forming, self.certificates = forming, certificates

    # ---- signing up -------------------------------------------------------------------------------
    async def current_signup(self, user_id: str) -> SignupView | None:
        async with self.db.transaction() as s:
            signup = await s.scalar(select(MentoringSignup).join(Person).where(Person.slack_user_id == user_id))
            return self._signup_view(signup) if signup else None

    async def signup(self, profile: Profile, form: SignupForm) -> SignupView:
        """Save the sign-up, or update it; a Refusal names the form field (block id) it belongs to."""
        role, status, topics, mtype, sub_text, workshops, tz = _checked(form)
        try:
            slots = weekly_slots_utc(form.availability, tz, q.reference_monday(self.clock()))
        except ValueError:
            raise Refusal("Choose hours from the lists.", "avail_0") from None
        if not slots:
            raise Refusal("Choose at least one hour in the week when you could meet: groups are matched on the "
                          "hours their members share.", "avail_0")
        async with self.db.transaction() as s:
            person = await people.upsert_from_profile(s, profile, self.settings.staff_email)
            refusal = rules.eligibility_refusal(role, status, await q.in_training(s, person.id), workshops,
                                                self.settings.mentor_min_workshops)
            if refusal:
                raise Refusal(refusal[1], refusal[0])
            if role == MENTOR and not form.agreement:
                raise Refusal("Mentors accept the mentor agreement above: please read it and tick the box.",
                              "agreement")
            if not form.coc:
                raise Refusal("Please read and accept the Code of Conduct: everyone in the mentoring groups agrees "
                              "to it.", "coc")
            # Someone in a running group stays grouped; after their group has ended, signing up again rejoins.
            running = await q.membership(s, person.id, running_on=self.clock().date())
            signup = await s.scalar(select(MentoringSignup).where(MentoringSignup.person_id == person.id)
                                    .with_for_update())
            if signup is None:
                signup = MentoringSignup(person_id=person.id)
                s.add(signup)
            signup.status = GROUPED if running else OPEN
            signup.role, signup.instructor_status, signup.topics = role, status, topics
            signup.mtype, signup.suboption, signup.workshops_taught = mtype, sub_text, workshops
            signup.timezone = tz.key
            signup.availability = {str(d): sorted(set(hours)) for d, hours in sorted(form.availability.items())
                                   if hours}
            signup.slots = sorted(slots)
            signup.in_person, signup.place = form.in_person, form.place.strip()[:200] or None
            signup.goals = form.goals.strip()
            signup.agreement_accepted, signup.coc_accepted = role == MENTOR, True
            await s.flush()
            return self._signup_view(signup)

    def _signup_view(self, signup: MentoringSignup) -> SignupView:
        key = next((k for t in rules.TYPES if t.name == signup.mtype for k, text in t.suboptions
                    if text == signup.suboption), None)
        return SignupView(
            signup.role, signup.instructor_status, list(signup.topics), signup.mtype, signup.suboption, key,
            signup.workshops_taught, signup.timezone, {int(d): hours for d, hours in signup.availability.items()},
            describe_slots(signup.slots, timefmt.zone(signup.timezone), q.reference_monday(self.clock())),
            signup.in_person, signup.place, signup.goals, signup.status)

    # ---- what members, the App Home and the scheduler see ----------------------------------------------
    async def status(self, user_id: str) -> MyStatus:
        async with self.db.transaction() as s:
            person = await people.by_slack_id(s, user_id)
            if person is None:
                return MyStatus(None, None, None)
            signup = await s.scalar(select(MentoringSignup).where(MentoringSignup.person_id == person.id))
            view = self._signup_view(signup) if signup else None
            member = await q.membership(s, person.id)
            if member is None:
                return MyStatus(view, None, None)
            mine = next(p for p in (await q.progress(s, [member.group]))[member.group_id] if p.user_id == user_id)
            return MyStatus(view, q.info(member.group, self.clock().date()), mine)

    async def group_for(self, user_id: str) -> GroupInfo | None:
        """The person's most recent group, or None."""
        async with self.db.transaction() as s:
            person = await people.by_slack_id(s, user_id)
            member = await q.membership(s, person.id) if person else None
            return q.info(member.group, self.clock().date()) if member else None

    async def dates_due(self, since: date, until: date) -> list[GroupDates]:
        """Groups with a mid-way, showcase or end date in [since, until], with what is still missing."""
        async with self.db.transaction() as s:
            groups = await q.groups(s, MentoringGroup.end >= since, MentoringGroup.start <= until)
            progress = await q.progress(s, groups)
        result = []
        for group in groups:
            due = tuple((kind, d) for kind, d in (("midway", group.midway), ("showcase", group.showcase),
                                                  ("end", group.end)) if since <= d <= until)
            if due:
                no_survey = tuple(p.user_id for p in progress[group.id]
                                  if not any(c.key == rules.SURVEY and c.met for c in p.criteria))
                result.append(GroupDates(q.info(group, until), due, group.slide_received_at is None, no_survey))
        return result

    # ---- forming groups (coordinators) -------------------------------------------------------------
    async def proposals(self, user_id: str) -> Proposals:
        return await self.forming.proposals(user_id)

    async def approve(self, user_id: str, mentor_signup: int, mentee_signups: list[int], topic: str) -> Approved:
        return await self.forming.approve(user_id, mentor_signup, mentee_signups, topic)

    async def report(self, user_id: str) -> Report:
        async with self.db.transaction() as s:
            await q.require_coordinator(s, user_id, "see the mentoring report")
            groups = await q.groups(s)
            progress = await q.progress(s, groups)
            meetings = await q.meeting_counts(s)
        today = self.clock().date()
        reports = [GroupReport(q.info(g, today), meetings.get(g.id, 0), progress[g.id]) for g in groups]
        cohorts: dict[str, list] = {}
        for r in reports:
            cohorts.setdefault(r.group.cohort, []).extend(r.progress)
        return Report(reports, [CohortRate(c, sum(p.complete for p in ps), len(ps))
                                for c, ps in sorted(cohorts.items())])

    # ---- during the group --------------------------------------------------------------------------
    async def meeting_form(self, user_id: str, channel_id: str) -> GroupInfo:
        """The group whose channel this is, if `user_id` is its mentor (who logs the meetings)."""
        async with self.db.transaction() as s:
            group_id = await s.scalar(select(MentoringGroup.id).where(MentoringGroup.channel_id == channel_id))
            if group_id is None:
                raise Refusal("Run `/mentoring meeting` in your mentoring group's private channel.")
            info = q.info(await q.load_group(s, group_id), self.clock().date())
        if info.mentor.user_id != user_id:
            raise NotAllowed("Only the group's mentor logs its meetings.")
        return info

    async def log_meeting(self, user_id: str, group_id: int, held_on: date | None,
                          attendee_ids: list[str]) -> MeetingLogged:
        """Record a meeting and who attended; logging the same day again replaces its attendees."""
        if held_on is None:
            raise Refusal("Choose the day of the meeting.", "date")
        if held_on > (self.clock() + LATEST_UTC_OFFSET).date():
            raise Refusal("That day is still to come: log a meeting once it has happened.", "date")
        async with self.db.transaction() as s:
            group = await q.load_group(s, group_id)
            if group is None or q.mentor_first(group.members)[0].person.slack_user_id != user_id:
                raise NotAllowed("Only the group's mentor logs its meetings.")
            if held_on < group.start:
                raise Refusal(f"The group started on {day(group.start)}: choose a later day.", "date")
            members = {m.person.slack_user_id: m.person_id for m in group.members}
            strangers = [u for u in dict.fromkeys(attendee_ids) if u not in members]
            if strangers:
                raise Refusal(f"{', '.join(f'<@{u}>' for u in strangers)} {'is' if len(strangers) == 1 else 'are'} "
                              "not in this group: choose only its members.", "attendees")
            if not attendee_ids:
                raise Refusal("Choose who attended.", "attendees")
            meeting = await s.scalar(select(MentoringMeeting).where(
                MentoringMeeting.group_id == group_id, MentoringMeeting.held_on == held_on).with_for_update())
            replaced = meeting is not None
            if meeting is None:
                meeting = MentoringMeeting(group_id=group_id, held_on=held_on)
                s.add(meeting)
            meeting.logged_by, meeting.logged_at = user_id, self.clock()
            await s.flush()
            await s.execute(delete(MentoringAttendee).where(MentoringAttendee.meeting_id == meeting.id))
            attendees = {members[u] for u in attendee_ids}
            s.add_all(MentoringAttendee(meeting_id=meeting.id, person_id=p) for p in attendees)
            return MeetingLogged(group.name, held_on, len(attendees), replaced)

    async def mark(self, user_id: str, target_id: str, criterion: str) -> Marked:
        """Record a criterion (onboarding, check-in, showcase, survey) in the person's most recent group."""
        criterion = criterion.lower()
        async with self.db.transaction() as s:
            await q.require_coordinator(s, user_id, "record certificate criteria")
            member = await _target(s, target_id)
            allowed = rules.markable_for(member.role)
            if criterion not in allowed:
                raise Refusal(f"`{criterion}` is not a criterion for {member.role}s; theirs are "
                              f"{', '.join(allowed)} (meetings come from `/mentoring meeting`).")
            exists = await s.scalar(select(MentoringMark.id).where(
                MentoringMark.person_id == member.person_id, MentoringMark.group_id == member.group_id,
                MentoringMark.criterion == criterion))
            if exists is None:
                s.add(MentoringMark(person_id=member.person_id, group_id=member.group_id, criterion=criterion,
                                    marked_by=user_id, marked_at=self.clock()))
            return Marked(member.person.name, criterion, member.group.name, exists is not None)

    async def slide_received(self, user_id: str, target_id: str) -> str:
        """Record that the group of `target_id` sent its showcase slide; returns the group's name."""
        async with self.db.transaction() as s:
            await q.require_coordinator(s, user_id, "record showcase slides")
            member = await _target(s, target_id)
            member.group.slide_received_at = member.group.slide_received_at or self.clock()
            return member.group.name

    async def verify(self, code: str) -> CertificateView | None:
        """A mentoring certificate by its verification code (as printed on the PDF), or None."""
        async with self.db.transaction() as s:
            row = (await s.execute(select(MentoringCertificate, Person.name, MentoringGroup.name)
                                   .join(Person, Person.id == MentoringCertificate.person_id)
                                   .join(MentoringGroup, MentoringGroup.id == MentoringCertificate.group_id)
                                   .where(MentoringCertificate.code == code.strip().upper()))).first()
        if row is None:
            return None
        cert, name, group = row
        return CertificateView(cert.code, cert.role, name, cert.issued_at.date(), f"mentoring group {group}")

    async def issue_certificates(self) -> list[Issued]:
        """DM a PDF certificate to every member who meets all criteria and has none yet (idempotent)."""
        return await self.certificates.issue()


async def _target(s: AsyncSession, target_id: str) -> MentoringMember:
    person = await people.by_slack_id(s, target_id)
    member = await q.membership(s, person.id) if person else None
    if member is None:
        raise Refusal(f"<@{target_id}> is not in a mentoring group.")
    return member


def _checked(form: SignupForm) -> tuple[str, str, list[str], str, str, int, ZoneInfo]:
    """The form's choices, or a Refusal on the first field that is missing or malformed."""
    if form.role not in (MENTOR, MENTEE):
        raise Refusal("Choose whether you join as a mentor or a mentee.", "role")
    if form.status not in (rules.CERTIFIED, rules.IN_TRAINING):
        raise Refusal("Choose where you are with Instructor Training.", "status")
    topics = [t for t in rules.TOPICS if t in form.topics]
    if not topics:
        raise Refusal("Choose at least one topic (or general).", "topics")
    chosen = rules.suboption(form.suboption or "")
    if chosen is None:
        raise Refusal("Choose the kind of mentoring you are interested in.", "type")
    workshops = int(form.workshops) if (form.workshops or "").strip().isdecimal() else -1
    if not 0 <= workshops <= 1000:
        raise Refusal("Enter how many workshops you have taught, as a number (0 if none yet).", "workshops")
    try:
        tz = ZoneInfo((form.timezone or "").strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise Refusal(f"`{form.timezone}` is not a time zone I know: use a name such as Europe/Berlin or "
                      "America/New_York.", "timezone") from None
    return form.role, form.status, topics, chosen[0], chosen[1], workshops, tz
