"""Texts from the mentoring seed (004) and the introduction posted in a new group's channel (mrkdwn)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.common.mrkdwn import escape
from bot.mentoring.rules import MIN_MEETINGS, RunDates

COC_URL = "https://docs.carpentries.org/policies/coc/"
COC_REPORTING_URL = "https://docs.carpentries.org/policies/coc/incident-reporting.html"

MENTOR_AGREEMENT = f"""I agree to follow the <{COC_URL}|Code of Conduct> in all communications and interactions with \
The Carpentries community and to <{COC_REPORTING_URL}|promptly report any violations of the CoC> that I become aware of.

When interacting with my mentoring group, I agree to
• communicate The Carpentries community values to mentees and model that behaviour myself in how I mentor,
• provide a welcoming and supporting environment for mentees,
• avoid dismissive language, question my expert blind spot, and model error-making as a vital part of the \
mentoring process.

I understand that it is important to keep in touch with The Carpentries community so that my mentorship will \
reflect current practices. I agree to:
• stay active in one or more Carpentries communication channels,
• keep up-to-date with changes to the lesson(s) I teach, and
• provide feedback to the Mentoring Subcommittee and Carpentries staff to help continue improving our mentoring \
groups."""

MENTOR_RESPONSIBILITIES = (
    "Decide on a meeting schedule with your Mentees.",
    "Personalize meetings based on Mentee's needs and desires.",
    "Respond promptly to emails from your Mentees.",
    "Follow up with Mentees who miss meetings.",
    "Be respectful of Mentees. Provide a safe space for questions and mistakes.",
    "Report Mentee attendance and progress to mentoring coordinator.",
)

MENTEE_RESPONSIBILITIES = (
    "Communicate with your Mentor about your goals and needs.",
    "Attend scheduled meetings and participate actively or let your Mentor know you won't be attending.",
    "Be respectful of other Mentees and Mentors. Provide a safe space for questions and mistakes.",
)


@dataclass(frozen=True)
class IntroMember:
    user_id: str
    role: str
    goals: str
    timezone: str
    hours: str  # the group's common hours in this member's zone


def day(d: date) -> str:
    return f"{d:%a} {d.day} {d:%b %Y}"


def introduction(topic: str, mtype: str, members: list[IntroMember], dates: RunDates, weeks: int) -> str:
    mentor = next(m for m in members if m.role == "mentor")
    mentees = [m for m in members if m.role == "mentee"]
    bullets = "\n".join
    return f""":wave: *Welcome to your mentoring group!* {escape(topic)} · {escape(mtype)}
Mentor: <@{mentor.user_id}> · Mentees: {", ".join(f"<@{m.user_id}>" for m in mentees)}

*Goals*
{bullets(f"• <@{m.user_id}>: {escape(m.goals) or '_not given yet: please share them here_'}" for m in members)}

*When you can all meet* (everyone's weekly hours in common, in each person's time zone)
{bullets(f"• <@{m.user_id}> ({escape(m.timezone)}): {escape(m.hours)}" for m in members)}

*Dates* ({weeks} weeks)
• Start: {day(dates.start)}
• Mid-way touch base and survey: {day(dates.midway)}
• Virtual showcase (each group presents one slide): {day(dates.showcase)}
• End and post-programme survey: {day(dates.end)}

*Mentor's responsibilities*
{bullets(f"• {line}" for line in MENTOR_RESPONSIBILITIES)}

*Mentees' responsibilities*
{bullets(f"• {line}" for line in MENTEE_RESPONSIBILITIES)}

*Certificates*: mentors attend the onboarding session, lead regular meetings (at least {MIN_MEETINGS} logged), \
attend the showcase and the check-in, and complete the post-programme survey; mentees attend at least \
{MIN_MEETINGS} meetings and the showcase, and complete the survey.
The mentor logs each meeting with `/mentoring meeting` in this channel; everyone can see their progress with \
`/mentoring status`."""
