"""Forming mentoring groups: proposals from the open sign-ups, and approving one (channel, invitations, rows)."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.common import timefmt
from bot.common.errors import Refusal
from bot.config import Settings
from bot.mentoring import queries as q
from bot.mentoring import rules
from bot.mentoring.channels import ChannelMaker
from bot.mentoring.data import Approved, GroupProposal, Proposals, ProposedMember, Unmatched
from bot.mentoring.match import GENERAL, Signup, describe_slots, propose_groups
from bot.mentoring.rules import MENTEE, MENTOR, RunDates
from bot.mentoring.texts import IntroMember, introduction
from bot.slack.outbox import Message, Outbox
from storage.db import Database
from storage.mentoring_models import GROUPED, OPEN, MentoringGroup, MentoringMember, MentoringSignup

log = logging.getLogger(__name__)
STALE = " Run `/mentoring admin proposals` again for a fresh proposal."


@dataclass(frozen=True)
class _PlanMember:
    signup_id: int
    person_id: int
    user_id: str
    name: str
    role: str
    timezone: str
    goals: str


@dataclass(frozen=True)
class _Plan:
    members: list[_PlanMember]  # the mentor first
    topic: str
    mtype: str
    slots: frozenset[int]
    dates: RunDates


class GroupForming:
    def __init__(self, db: Database, settings: Settings, clock: Callable[[], datetime], outbox: Outbox,
                 channels: ChannelMaker) -> None:
        self.db, self.settings, self.clock, self.outbox, self.channels = db, settings, clock, outbox, channels

    async def proposals(self, user_id: str) -> Proposals:
        async with self.db.transaction() as s:
            await q.require_coordinator(s, user_id, "see mentoring proposals")
            signups = list(await s.scalars(select(MentoringSignup).where(MentoringSignup.status == OPEN)
                                           .options(selectinload(MentoringSignup.person))))
            previous = await q.previous_mentors(s, [x.person_id for x in signups if x.role == MENTEE])
        by_id = {x.id: x for x in signups}
        mentor_signup = {x.person_id: x.id for x in signups if x.role == MENTOR}
        proposal = propose_groups([Signup(
            x.id, x.person.name, x.role, frozenset(x.topics), x.mtype, frozenset(x.slots),
            frozenset(mentor_signup[p] for p in previous.get(x.person_id, ()) if p in mentor_signup))
            for x in signups], rules.MAX_MENTEES)
        monday = q.reference_monday(self.clock())

        def member(key: int, slots: frozenset[int]) -> ProposedMember:
            x = by_id[key]
            return ProposedMember(x.id, x.person.slack_user_id, x.person.name, x.role, x.timezone,
                                  describe_slots(slots, timefmt.zone(x.timezone), monday),
                                  (x.place or "place not given") if x.in_person else None)

        groups = [GroupProposal(g.topic, g.mtype, [member(m.key, g.common_slots) for m in [g.mentor, *g.mentees]],
                                g.reasons) for g in proposal.groups]
        unmatched = [Unmatched(by_id[x.key].person.slack_user_id, x.name, x.role, why)
                     for x, why in proposal.unmatched]
        return Proposals(groups, unmatched)

    async def approve(self, user_id: str, mentor_signup: int, mentee_signups: list[int], topic: str) -> Approved:
        """Create the private channel, invite everyone, then save the group and its introduction in one transaction.

        Slack comes first so that a refusal leaves nothing in the database; if saving fails after the
        channel was made, the coordinator is told so (and the empty channel archived if Slack lets us).
        """
        async with self.db.transaction() as s:
            await q.require_coordinator(s, user_id, "form mentoring groups")
            plan = await self._plan(s, mentor_signup, mentee_signups, topic)
        base = rules.channel_name(plan.topic, plan.mtype, plan.members[0].name, plan.dates.start)
        channel_id, name = await self.channels.create(base)
        await self.channels.invite(channel_id, name, [m.user_id for m in plan.members])
        try:
            async with self.db.transaction() as s:
                group = await self._save(s, plan, channel_id, name, user_id)
                self.outbox.add(s, Message(channel_id, self._introduction(plan), origin="mentoring_introduction"))
        except Exception as exc:
            log.exception("mentoring group for #%s not saved", name)
            problem = exc.message if isinstance(exc, Refusal) else "the database refused the change"
            raise Refusal(f"The private channel #{name} was created and everyone invited, but the group could "
                          f"not be saved: {problem}. {await self.channels.archive_advice(channel_id, name)}") from exc
        return Approved(q.info(group, self.clock().date()))

    async def _plan(self, s: AsyncSession, mentor_id: int, mentee_ids: list[int], topic: str) -> _Plan:
        """The proposal, checked again against the sign-ups as they are now."""
        ids = [mentor_id, *mentee_ids]
        found = {x.id: x for x in await s.scalars(select(MentoringSignup).where(MentoringSignup.id.in_(ids))
                                                   .options(selectinload(MentoringSignup.person)))}
        if not 1 <= len(mentee_ids) <= rules.MAX_MENTEES or len(set(ids)) != len(ids) or set(found) != set(ids):
            raise Refusal("This proposal is out of date (a sign-up changed or was removed)." + STALE)
        signups = [found[i] for i in ids]
        taken = [x.person.name for x in signups if x.status != OPEN]
        if taken:
            raise Refusal(f"{', '.join(taken)} {'is' if len(taken) == 1 else 'are'} already in a group." + STALE)
        slots = frozenset.intersection(*(frozenset(x.slots) for x in signups))
        if (signups[0].role != MENTOR or any(x.role != MENTEE for x in signups[1:])
                or len({x.mtype for x in signups}) != 1 or not slots
                or any(topic not in x.topics and GENERAL not in x.topics for x in signups)):
            raise Refusal("These people no longer share a role split, topic, type and meeting hour "
                          "(a sign-up changed)." + STALE)
        members = [_PlanMember(x.id, x.person_id, x.person.slack_user_id, x.person.name, x.role, x.timezone,
                               x.goals) for x in signups]
        return _Plan(members, topic, signups[0].mtype, slots,
                     rules.run_dates(self.clock().date(), self.settings.mentoring_weeks))

    async def _save(self, s: AsyncSession, plan: _Plan, channel_id: str, name: str, user_id: str) -> MentoringGroup:
        ids = [m.signup_id for m in plan.members]
        locked = list(await s.scalars(select(MentoringSignup).where(MentoringSignup.id.in_(ids)).with_for_update()))
        if len(locked) != len(ids) or any(x.status != OPEN for x in locked):
            raise Refusal("someone in it was put in another group meanwhile")
        d = plan.dates
        group = MentoringGroup(name=name, channel_id=channel_id, topic=plan.topic, mtype=plan.mtype,
                               cohort=f"{d.start:%Y-%m}", mentor_id=plan.members[0].person_id,
                               slots=sorted(plan.slots), start=d.start, midway=d.midway, showcase=d.showcase,
                               end=d.end, created_by=user_id)
        s.add(group)
        await s.flush()
        s.add_all(MentoringMember(group_id=group.id, person_id=m.person_id, role=m.role) for m in plan.members)
        for signup in locked:
            signup.status = GROUPED
        await s.flush()
        return await q.load_group(s, group.id)

    def _introduction(self, plan: _Plan) -> str:
        monday = q.reference_monday(self.clock())
        members = [IntroMember(m.user_id, m.role, m.goals, m.timezone,
                               describe_slots(plan.slots, timefmt.zone(m.timezone), monday)) for m in plan.members]
        return introduction(plan.topic, plan.mtype, members, plan.dates, self.settings.mentoring_weeks)
