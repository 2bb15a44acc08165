"""Block Kit for mentoring: the sign-up and meeting modals, status, proposals and the coordinators' report."""
from __future__ import annotations

import json
from datetime import date

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    DatePickerElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    NumberInputElement,
    Option,
    OptionGroup,
    PlainTextInputElement,
    RadioButtonsElement,
    StaticMultiSelectElement,
    StaticSelectElement,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from bot.common.mrkdwn import escape
from bot.mentoring.data import Approved, GroupInfo, MeetingLogged, MyStatus, Proposals, Report, SignupView
from bot.mentoring.rules import CERTIFIED, IN_TRAINING, MENTEE, MENTOR, TOPICS, TYPES, Criterion
from bot.mentoring.texts import COC_URL, MENTOR_AGREEMENT, day
from handlers.blocks import buttons, context, render, text_section

MAX_LABEL = 75
MAX_PROPOSALS = 14  # 3 blocks each, within a message's 50
MAX_REPORT_GROUPS = 45
DAY_FULL = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
HOUR_OPTIONS = [Option(value=str(h), label=f"{h:02d}:00–{h + 1:02d}:00") for h in range(24)]
ROLE_OPTIONS = [Option(value=MENTEE, label="Mentee: I would like support from a mentor"),
                Option(value=MENTOR, label="Mentor: I would like to lead a group")]
STATUS_OPTIONS = [Option(value=CERTIFIED, label="I am a certified Carpentries instructor"),
                  Option(value=IN_TRAINING, label="I have completed or am taking Instructor Training")]
TOPIC_OPTIONS = [Option(value=t, label=t) for t in TOPICS]
IN_PERSON = Option(value="yes", label="I could also meet in person")
AGREEMENT = Option(value="accepted", label="I join as a mentor and accept the mentor agreement above")
COC = Option(value="accepted", label="I agree to follow the Code of Conduct", description=COC_URL)


def _short(text: str) -> str:
    """An option label within Slack's 75 characters: the seed's text without its example if need be."""
    return text if len(text) <= MAX_LABEL else text.split(" (")[0][:MAX_LABEL]


def _type_select(chosen: str | None) -> StaticSelectElement:
    groups = [OptionGroup(label=t.name, options=[Option(value=k, label=_short(text)) for k, text in t.suboptions])
              for t in TYPES]
    initial = next((o for g in groups for o in g.options if o.value == chosen), None)
    return StaticSelectElement(action_id="value", placeholder="Choose a type of mentoring", option_groups=groups,
                               initial_option=initial)


def _picked(options: list[Option], values) -> list[Option] | None:
    picked = [o for o in options if o.value in {str(v) for v in values}]
    return picked or None


def signup_modal(timezone: str | None, current: SignupView | None, weeks: int, mentor_min: int) -> dict:
    """The sign-up form, prefilled from the current sign-up (signing up again updates it)."""
    c = current
    blocks: list[Block] = [
        text_section(f"Mentoring groups: one mentor and up to five mentees work towards a goal for {weeks} weeks, "
                     "ending with a virtual showcase. Mentees have taught fewer than two workshops; mentors are "
                     f"certified and have taught at least {mentor_min}. Both receive a certificate."),
        InputBlock(block_id="role", label="I join as", element=RadioButtonsElement(
            action_id="value", options=ROLE_OPTIONS, initial_option=_one(ROLE_OPTIONS, c and c.role))),
        InputBlock(block_id="status", label="Instructor Training", element=RadioButtonsElement(
            action_id="value", options=STATUS_OPTIONS, initial_option=_one(STATUS_OPTIONS, c and c.instructor_status))),
        InputBlock(block_id="topics", label="Topics", hint="“general” matches a group on any topic.",
                   element=StaticMultiSelectElement(action_id="value", placeholder="Choose topics",
                                                    options=TOPIC_OPTIONS,
                                                    initial_options=_picked(TOPIC_OPTIONS, c.topics if c else []))),
        InputBlock(block_id="type", label="Type of mentoring", element=_type_select(c and c.suboption_key)),
        InputBlock(block_id="workshops", label="Workshops I have taught so far", element=NumberInputElement(
            action_id="value", is_decimal_allowed=False, min_value="0", max_value="1000",
            initial_value=str(c.workshops) if c else None)),
        InputBlock(block_id="timezone", label="My time zone", hint="From your Slack profile; a name such as "
                   "Europe/Berlin. The hours below are in this zone.", element=PlainTextInputElement(
                       action_id="value", initial_value=(c.timezone if c else timezone) or None, max_length=64)),
        text_section("*When could you meet, every week?* Choose the hours in your own time zone for each day; "
                     "groups are matched on the hours all their members share."),
    ]
    blocks += [InputBlock(block_id=f"avail_{d}", label=DAY_FULL[d], optional=True, element=StaticMultiSelectElement(
        action_id="value", placeholder=f"Hours on {DAY_FULL[d]}", options=HOUR_OPTIONS,
        initial_options=_picked(HOUR_OPTIONS, c.availability.get(d, []) if c else [])))
        for d in range(7)]
    blocks += [
        InputBlock(block_id="in_person", label="In person", optional=True, element=CheckboxesElement(
            action_id="value", options=[IN_PERSON], initial_options=[IN_PERSON] if c and c.in_person else None)),
        InputBlock(block_id="place", label="Where I could meet in person", optional=True,
                   element=PlainTextInputElement(action_id="value", initial_value=(c and c.place) or None,
                                                 max_length=200, placeholder="City or campus")),
        InputBlock(block_id="goals", label="My goals", element=PlainTextInputElement(
            action_id="value", multiline=True, max_length=1000, initial_value=(c and c.goals) or None,
            placeholder="e.g. teach my first Git lesson, contribute to a lesson, start a local community")),
        text_section(f"*Mentor agreement* (mentors only)\n{MENTOR_AGREEMENT}"),
        InputBlock(block_id="agreement", label="Mentors", optional=True,
                   element=CheckboxesElement(action_id="value", options=[AGREEMENT])),
        InputBlock(block_id="coc", label="Code of Conduct", optional=True,
                   element=CheckboxesElement(action_id="value", options=[COC])),
    ]
    return View(type="modal", callback_id="mentoring_signup_submit", title="Mentoring sign-up",
                submit="Sign up", close="Cancel", blocks=blocks).to_dict()


def _one(options: list[Option], value: str | None) -> Option | None:
    return next((o for o in options if o.value == value), None)


def signup_done_view(saved: SignupView) -> dict:
    if saved.status == "grouped":
        next_step = "You are in a running group, so your group stays as it is."
    else:
        next_step = ("A coordinator forms groups on a rolling basis; when you are matched, you will be invited to "
                     "your group's private channel.")
    text = (f":white_check_mark: Thank you! You are signed up as a *{saved.role}* for "
            f"{escape(', '.join(saved.topics))} · {escape(saved.mtype)} ({escape(saved.suboption)}).\n"
            f"Your weekly hours: {escape(saved.hours)}\n{next_step} `/mentoring status` shows where things are.")
    return View(type="modal", title="Signed up", close="Done", blocks=[text_section(text)]).to_dict()


def _criteria_lines(criteria: list[Criterion]) -> str:
    return "\n".join(f"{':white_check_mark:' if c.met else ':white_large_square:'} {c.label}" for c in criteria)


def _dates(g: GroupInfo) -> str:
    d = g.dates
    return (f"Start {day(d.start)} · mid-way {day(d.midway)} · showcase {day(d.showcase)} · end {day(d.end)} "
            f"({g.phase})")


def status_blocks(status: MyStatus) -> list[dict]:
    s, g, p = status.signup, status.group, status.progress
    if s is None and g is None:
        return render([text_section("You have not signed up for mentoring yet: `/mentoring signup` takes a couple "
                                    "of minutes.")])
    blocks: list[Block] = [HeaderBlock(text="Your mentoring")]
    if s:
        waiting = "in a group" if s.status == "grouped" else "waiting to be matched"
        blocks.append(text_section(f"*Sign-up*: {s.role}, {escape(', '.join(s.topics))} · {escape(s.mtype)} "
                                   f"({escape(s.suboption)}) — {waiting}\n"
                                   f"Weekly hours ({escape(s.timezone)}): {escape(s.hours)}\n"
                                   "`/mentoring signup` updates it."))
    if g and p:
        others = ", ".join(f"<@{m.user_id}>" for m in g.members if m.role == MENTEE)
        blocks.append(text_section(f"*Group* <#{g.channel_id}> ({escape(g.topic)} · {escape(g.mtype)})\n"
                                   f"Mentor <@{g.mentor.user_id}>"
                                   f" · mentees {others}\n{_dates(g)}"))
        done = (f":tada: Certificate issued (verification code `{p.certificate}`)." if p.certificate else
                "All done: your certificate is on its way." if p.complete else
                "Still missing: " + "; ".join(c.label for c in p.missing) + ".")
        blocks.append(text_section(f"*Towards your certificate*\n{_criteria_lines(p.criteria)}\n{done}"))
    return render(blocks)


def proposals_blocks(proposals: Proposals) -> list[dict]:
    blocks: list[Block] = [HeaderBlock(text="Mentoring group proposals")]
    if not proposals.groups:
        blocks.append(text_section("No group can be formed from the open sign-ups right now."))
    for g in proposals.groups[:MAX_PROPOSALS]:
        mentor, mentees = g.members[0], g.members[1:]
        hours = "\n".join(f"• {escape(m.name)} ({escape(m.timezone)}): {escape(m.hours)}" for m in g.members)
        in_person = [f"{escape(m.name)} ({escape(m.place)})" for m in g.members if m.place]
        text = (f"*{escape(g.topic)} · {escape(g.mtype)}*\nMentor: {escape(mentor.name)} (<@{mentor.user_id}>)\n"
                f"Mentees: {', '.join(f'{escape(m.name)} (<@{m.user_id}>)' for m in mentees)}\n"
                f"_Why:_ {escape('; '.join(g.reasons))}\n*Common hours, in each member's zone*\n{hours}"
                + (f"\nCould meet in person: {', '.join(in_person)}" if in_person else ""))
        value = json.dumps({"mentor": mentor.signup_id, "mentees": [m.signup_id for m in mentees], "topic": g.topic})
        blocks += [DividerBlock(), text_section(text), buttons(("Approve", "mentoring_approve", value))]
    if len(proposals.groups) > MAX_PROPOSALS:
        blocks.append(context(f"…and {len(proposals.groups) - MAX_PROPOSALS} more: approve these first."))
    if proposals.unmatched:
        lines = "\n".join(f"• {escape(u.name)} (<@{u.user_id}>, {u.role}): {escape(u.reason)}" for u in proposals.unmatched)
        blocks += [DividerBlock(), text_section(f"*Not matched*\n{lines}")]
    return render(blocks)


def approved_text(done: Approved) -> str:
    g = done.group
    return (f":white_check_mark: Created the private channel <#{g.channel_id}> (#{escape(g.name)}) for "
            f"{escape(g.mentor.name)} and "
            f"{len(g.members) - 1} mentees; the introduction is posted there.\n{_dates(g)}")


def report_blocks(report: Report) -> list[dict]:
    blocks: list[Block] = [HeaderBlock(text="Mentoring groups report")]
    if not report.groups:
        blocks.append(text_section("No mentoring groups yet: `/mentoring admin proposals` proposes some."))
        return render(blocks)
    rates = " · ".join(f"{c.cohort}: {c.complete} of {c.total} complete ({round(100 * c.complete / c.total)}%)"
                       for c in report.cohorts if c.total)
    blocks.append(context(f"*Completion per cohort* {rates}"))
    for r in report.groups[:MAX_REPORT_GROUPS]:
        g = r.group
        members = "\n".join(
            f"• {escape(p.name)} ({p.role}): " + ("complete" + (f", certificate `{p.certificate}`" if p.certificate else "")
                                           if p.complete else "missing " + ", ".join(c.key for c in p.missing))
            for p in r.progress)
        blocks.append(text_section(f"*#{escape(g.name)}* <#{g.channel_id}> · cohort {g.cohort} · *{g.phase}* · "
                                   f"{r.meetings} meetings logged\n{_dates(g)}\n{members}"))
    if len(report.groups) > MAX_REPORT_GROUPS:
        blocks.append(context(f"…and {len(report.groups) - MAX_REPORT_GROUPS} older groups."))
    return render(blocks)


def meeting_modal(group: GroupInfo, today: date) -> dict:
    mentees = [m.user_id for m in group.members if m.role == MENTEE]
    blocks = [
        text_section(f"Log a meeting of *#{escape(group.name)}*. Choose only members of this group: "
                     f"{', '.join(f'<@{m.user_id}>' for m in group.members)}."),
        InputBlock(block_id="date", label="Day of the meeting",
                   element=DatePickerElement(action_id="value", initial_date=today.isoformat())),
        InputBlock(block_id="attendees", label="Who attended", element=UserMultiSelectElement(
            action_id="value", initial_users=mentees, placeholder="Group members")),
    ]
    return View(type="modal", callback_id="mentoring_meeting_submit", title="Log a meeting", submit="Log it",
                close="Cancel", private_metadata=json.dumps({"group": group.id}), blocks=blocks).to_dict()


def meeting_done_view(logged: MeetingLogged) -> dict:
    verb = "updated" if logged.replaced else "logged"
    text = f":white_check_mark: The meeting of {day(logged.held_on)} is {verb} with {logged.attendees} attendees."
    return View(type="modal", title="Meeting logged", close="Done", blocks=[text_section(text)]).to_dict()
