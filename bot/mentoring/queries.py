"""Lookups shared by the mentoring services (all inside a caller's transaction)."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.common import roles
from bot.common.errors import NotAllowed
from bot.mentoring import rules
from bot.mentoring.data import GroupInfo, MemberLine, Progress
from bot.mentoring.rules import MENTOR, RunDates
from storage.mentoring_models import (
    MentoringAttendee,
    MentoringCertificate,
    MentoringGroup,
    MentoringMark,
    MentoringMeeting,
    MentoringMember,
)
from storage.models import ACTIVE, Registration

WITH_MEMBERS = selectinload(MentoringGroup.members).selectinload(MentoringMember.person)


def reference_monday(now: datetime) -> date:
    """The week whose time-zone offsets turn local hours into UTC ones: the current week."""
    today = now.date()
    return today - timedelta(days=today.weekday())


async def require_coordinator(s: AsyncSession, user_id: str, action: str) -> None:
    if not (await roles.has_role(s, user_id, roles.COORDINATOR) or await roles.is_staff(s, user_id)):
        raise NotAllowed(f"Only mentoring coordinators and Carpentries staff can {action}.")


async def in_training(s: AsyncSession, person_id: int) -> bool:
    """Completing Instructor Training, as far as we know: an active registration for an event."""
    found = await s.scalar(select(Registration.id).where(
        Registration.person_id == person_id, Registration.status == ACTIVE).limit(1))
    return found is not None


async def membership(s: AsyncSession, person_id: int, running_on: date | None = None) -> MentoringMember | None:
    """The person's most recent group membership (only one still running on `running_on`, if given)."""
    query = (select(MentoringMember).join(MentoringGroup).where(MentoringMember.person_id == person_id)
             .order_by(MentoringGroup.start.desc(), MentoringGroup.id.desc()).limit(1)
             .options(selectinload(MentoringMember.person),
                      selectinload(MentoringMember.group).selectinload(MentoringGroup.members)
                      .selectinload(MentoringMember.person)))
    if running_on is not None:
        query = query.where(MentoringGroup.end >= running_on)
    return await s.scalar(query)


async def previous_mentors(s: AsyncSession, person_ids: list[int]) -> dict[int, set[int]]:
    """person id -> the person ids of the mentors of every group they were in."""
    rows = await s.execute(select(MentoringMember.person_id, MentoringGroup.mentor_id).join(MentoringGroup)
                           .where(MentoringMember.person_id.in_(person_ids)))
    previous: dict[int, set[int]] = {}
    for person_id, mentor_id in rows.all():
        previous.setdefault(person_id, set()).add(mentor_id)
    return previous


async def load_group(s: AsyncSession, group_id: int) -> MentoringGroup | None:
    return await s.scalar(select(MentoringGroup).where(MentoringGroup.id == group_id)
                          .options(WITH_MEMBERS).execution_options(populate_existing=True))


async def groups(s: AsyncSession, *where) -> list[MentoringGroup]:
    """Groups (newest first) with their members."""
    return list(await s.scalars(select(MentoringGroup).where(*where).options(WITH_MEMBERS)
                                .order_by(MentoringGroup.start.desc(), MentoringGroup.id.desc())))


async def progress(s: AsyncSession, group_list: list[MentoringGroup]) -> dict[int, list[Progress]]:
    """Each member's certificate criteria (mentor first), per group id."""
    ids = [g.id for g in group_list]
    marks: dict[tuple[int, int], set[str]] = {}
    for group_id, person_id, criterion in (await s.execute(
            select(MentoringMark.group_id, MentoringMark.person_id, MentoringMark.criterion)
            .where(MentoringMark.group_id.in_(ids)))).all():
        marks.setdefault((group_id, person_id), set()).add(criterion)
    attended = _by_pair(await s.execute(
        select(MentoringMeeting.group_id, MentoringAttendee.person_id, func.count())
        .join(MentoringAttendee, MentoringAttendee.meeting_id == MentoringMeeting.id)
        .where(MentoringMeeting.group_id.in_(ids)).group_by(MentoringMeeting.group_id, MentoringAttendee.person_id)))
    led = _by_pair(await s.execute(
        select(MentoringMeeting.group_id, MentoringMeeting.logged_by, func.count())
        .where(MentoringMeeting.group_id.in_(ids)).group_by(MentoringMeeting.group_id, MentoringMeeting.logged_by)))
    codes = _by_pair(await s.execute(
        select(MentoringCertificate.group_id, MentoringCertificate.person_id, MentoringCertificate.code)
        .where(MentoringCertificate.group_id.in_(ids))))
    result = {}
    for g in group_list:
        rows = []
        for m in mentor_first(g.members):
            key, user_id = (g.id, m.person_id), m.person.slack_user_id
            meetings = led.get((g.id, user_id), 0) if m.role == MENTOR else attended.get(key, 0)
            rows.append(Progress(user_id, m.person.name, m.role,
                                 rules.criteria(m.role, marks.get(key, set()), meetings), codes.get(key)))
        result[g.id] = rows
    return result


async def meeting_counts(s: AsyncSession) -> dict[int, int]:
    """group id -> meetings logged."""
    return dict((await s.execute(select(MentoringMeeting.group_id, func.count())
                                 .group_by(MentoringMeeting.group_id))).all())


def _by_pair(rows) -> dict:
    return {(a, b): value for a, b, value in rows.all()}


def info(group: MentoringGroup, today: date) -> GroupInfo:
    dates = RunDates(group.start, group.midway, group.showcase, group.end)
    members = tuple(MemberLine(m.person.slack_user_id, m.person.name, m.role, m.person.timezone)
                    for m in mentor_first(group.members))
    return GroupInfo(group.id, group.name, group.channel_id, group.topic, group.mtype, group.cohort, dates,
                     rules.phase(dates, today), members[0], members, group.slide_received_at is not None)


def mentor_first(members: list[MentoringMember]) -> list[MentoringMember]:
    return sorted(members, key=lambda m: (m.role != MENTOR, m.id))
