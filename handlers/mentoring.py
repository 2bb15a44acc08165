"""/mentoring signup, status, meeting and the coordinators' tools; the sign-up and meeting forms; Approve."""
from __future__ import annotations

import logging
from datetime import date

from bot.common import roles, timefmt
from bot.common.errors import Refusal
from bot.common.mrkdwn import escape
from bot.mentoring.data import SignupForm
from bot.services import Services
from handlers import mentoring_views as views
from handlers.boundary import Boundary
from handlers.commands import CommandTree, Sub
from handlers.requests import Action, Command, Submission, as_id
from handlers.words import person

log = logging.getLogger(__name__)


def signup_form(sub: Submission) -> SignupForm:
    def hours(day: int) -> list[int]:
        return [int(v) for v in sub.value(f"avail_{day}") or [] if v.isdecimal()]

    return SignupForm(
        role=sub.value("role"), status=sub.value("status"), topics=sub.value("topics") or [],
        suboption=sub.value("type"), workshops=sub.value("workshops"), timezone=sub.value("timezone"),
        availability={day: hours(day) for day in range(7)}, in_person="yes" in (sub.value("in_person") or []),
        place=sub.value("place") or "", goals=sub.value("goals") or "",
        agreement="accepted" in (sub.value("agreement") or []), coc="accepted" in (sub.value("coc") or []))


def _day(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        raise Refusal("Choose the day of the meeting.", "date") from None


class Mentoring:
    def __init__(self, services: Services) -> None:
        self.services, self.slack, self.mentoring = services, services.slack, services.mentoring
        self.settings = services.settings

    async def _issue_certificates(self) -> None:
        """After a meeting or a mark someone may have met every criterion; failures wait for the next sweep."""
        try:
            await self.mentoring.issue_certificates()
        except Exception:  # noqa: BLE001 - the answer has been given; the sweep issues them again
            log.exception("issuing mentoring certificates failed")

    async def signup(self, cmd: Command) -> None:
        await cmd.ack_now()
        profile = await self.slack.profile(cmd.user_id)
        current = await self.mentoring.current_signup(cmd.user_id)
        await self.slack.open_view(cmd.trigger_id, views.signup_modal(
            profile.timezone, current, self.settings.mentoring_weeks, self.settings.mentor_min_workshops))

    async def signup_submit(self, sub: Submission) -> None:
        profile = await self.slack.profile(sub.user_id)
        saved = await self.mentoring.signup(profile, signup_form(sub))
        await sub.update(views.signup_done_view(saved))

    async def status(self, cmd: Command) -> None:
        await cmd.answer("Your mentoring", views.status_blocks(await self.mentoring.status(cmd.user_id)))

    async def meeting(self, cmd: Command) -> None:
        await cmd.ack_now()
        group = await self.mentoring.meeting_form(cmd.user_id, cmd.channel_id)
        profile = await self.slack.profile(cmd.user_id)
        today = self.services.clock().astimezone(timefmt.zone(profile.timezone)).date()
        await self.slack.open_view(cmd.trigger_id, views.meeting_modal(group, today))

    async def meeting_submit(self, sub: Submission) -> None:
        logged = await self.mentoring.log_meeting(sub.user_id, sub.meta("group"), _day(sub.value("date")),
                                                  list(sub.value("attendees") or []))
        await sub.update(views.meeting_done_view(logged))
        await self._issue_certificates()

    # ---- coordinators -----------------------------------------------------------------------------------------
    async def proposals(self, cmd: Command) -> None:
        proposals = await self.mentoring.proposals(cmd.user_id)
        await cmd.answer(f"{len(proposals.groups)} proposed mentoring groups", views.proposals_blocks(proposals))

    async def report(self, cmd: Command) -> None:
        await cmd.answer("Mentoring groups report", views.report_blocks(await self.mentoring.report(cmd.user_id)))

    async def mark(self, cmd: Command) -> None:
        target = await person(self.slack, cmd.args[0]) if len(cmd.args) == 2 else None
        if target is None:
            raise Refusal("Usage: `/mentoring admin mark @user onboarding|check-in|showcase|survey`")
        marked = await self.mentoring.mark(cmd.user_id, target, cmd.args[1])
        await cmd.answer(f"{escape(marked.name)} {'already had' if marked.already else 'now has'} *{marked.criterion}* "
                         f"recorded (group #{escape(marked.group)}).")
        await self._issue_certificates()

    async def slide(self, cmd: Command) -> None:
        target = await person(self.slack, cmd.args[0]) if len(cmd.args) == 1 else None
        if target is None:
            raise Refusal("Usage: `/mentoring admin slide @user`")
        group = await self.mentoring.slide_received(cmd.user_id, target)
        await cmd.answer(f"The showcase slide of #{escape(group)} is recorded.")

    async def approve(self, act: Action) -> None:
        await act.ack_now()
        value = act.json()
        mentees = value.get("mentees")
        if not isinstance(mentees, list):
            raise Refusal("This proposal is out of date; run `/mentoring admin proposals` again.")
        done = await self.mentoring.approve(act.user_id, as_id(value.get("mentor")), [as_id(x) for x in mentees],
                                            str(value.get("topic")))
        await act.reply(views.approved_text(done))

    def tree(self) -> CommandTree:
        admin = (Sub("proposals", "", "groups proposed from the open sign-ups, each with an Approve button",
                     self.proposals),
                 Sub("report", "", "groups, phases, meetings, certificate criteria, completion per cohort", self.report),
                 Sub("mark", "@user onboarding|check-in|showcase|survey", "record a certificate criterion", self.mark),
                 Sub("slide", "@user", "record that the user's group sent its showcase slide", self.slide))
        return CommandTree("/mentoring", "mentoring groups", [
            Sub("signup", "", "sign up as a mentor or mentee (again to update your sign-up)", self.signup),
            Sub("status", "", "your sign-up, your group and its dates, and what counts toward your certificate",
                self.status),
            Sub("meeting", "", "mentors, in the group's channel: log a meeting and who attended", self.meeting),
            Sub("admin", "…", "mentoring coordinators and staff", role=roles.COORDINATOR, subs=admin),
        ], self.services.access)


def register(boundary: Boundary, services: Services) -> None:
    listeners = Mentoring(services)
    boundary.command("/mentoring", listeners.tree())
    boundary.view("mentoring_signup_submit", listeners.signup_submit, "role")
    boundary.view("mentoring_meeting_submit", listeners.meeting_submit, "attendees")
    boundary.action("mentoring_approve", listeners.approve)
