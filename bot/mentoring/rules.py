"""Mentoring rules as plain functions (design.md, "Mentoring"; seeds 003 and 004).

Eligibility, the certificate criteria, the dates of a run and its phase, and Slack channel names.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

MENTOR, MENTEE = "mentor", "mentee"
CERTIFIED, IN_TRAINING = "certified", "training"  # the instructor status a person declares
TOPICS = ("Git", "Shell", "Python", "R", "SQL", "general")
MENTEE_MAX_WORKSHOPS = 1  # "taught fewer than two workshops" [004]
MAX_MENTEES = 5


@dataclass(frozen=True)
class MentoringType:
    name: str
    suboptions: tuple[tuple[str, str], ...]  # (key, text from the seed)


TYPES = (
    MentoringType("Lesson Maintenance", (("lm-development", "Contributing to current lesson development"),
                                         ("lm-maintenance", "Contributing to lesson maintenance"))),
    MentoringType("Teaching Workshops", (("tw-confidence", "Developing confidence and skill in teaching"),
                                         ("tw-lesson", "Preparing to teach a specific lesson (i.e. Python)"))),
    MentoringType("Organizing Workshops", (
        ("ow-organizing", "Logistics of organizing a workshop (e.g. marketing, registration)"),
        ("ow-running", "Logistics of running a workshop (e.g. recruiting instructors, distributing tasks)"))),
    MentoringType("Community Building", (("cb-strategies", "Strategies to build local communities"),
                                         ("cb-events", "Tried-and-true events that help foster local communities"))),
)


def suboption(key: str) -> tuple[str, str] | None:
    """(type name, sub-option text) for a sub-option key, or None for an unknown key."""
    for mtype in TYPES:
        for sub_key, text in mtype.suboptions:
            if sub_key == key:
                return mtype.name, text
    return None


def eligibility_refusal(role: str, status: str, in_training: bool, workshops: int,
                        mentor_min: int) -> tuple[str, str] | None:
    """(form field, kind explanation) when the person cannot join in this role, else None.

    Mentees have completed or are completing Instructor Training (declared certified, or holding an active
    registration here) and have taught fewer than two workshops; mentors are certified and have taught at
    least `mentor_min` [004].
    """
    if role == MENTEE:
        if status != CERTIFIED and not in_training:
            return "status", (
                "Mentoring groups are for people who have completed Instructor Training or are taking it now, "
                "and I could not find an Instructor Training registration for you. `/training calendar` shows "
                "the next events; we would love to have you once you are registered. If you are already a "
                "certified instructor, choose that status instead.")
        if workshops > MENTEE_MAX_WORKSHOPS:
            tip = (" You could sign up as a mentor instead!" if status == CERTIFIED and workshops >= mentor_min
                   else "")
            return "workshops", (
                f"Thank you for all that teaching! Mentee places are for instructors who have taught fewer than "
                f"two workshops, and you have taught {workshops}.{tip}")
        return None
    if status != CERTIFIED:
        return "status", (
            "Mentors are certified Carpentries instructors. Once you are certified and have taught "
            f"{mentor_min} workshops we would be glad to have you as a mentor; until then, joining a group as a "
            "mentee is a great way to get there.")
    if workshops < mentor_min:
        return "workshops", (
            f"Mentors have taught at least {mentor_min} workshops, and you have taught {workshops} so far. "
            "Thank you for offering! Please sign up again as a mentor once you have; meanwhile you are welcome "
            "in a group as a mentee.")
    return None


# ---- certificate criteria [004, "Guidelines for Certificates"] -------------------------------------
ONBOARDING, CHECK_IN, SHOWCASE, SURVEY, MEETINGS = "onboarding", "check-in", "showcase", "survey", "meetings"
MARKABLE = (ONBOARDING, CHECK_IN, SHOWCASE, SURVEY)
MIN_MEETINGS = 2
"""Mentees attend at least two meetings. A mentor's "regular meetings" is defined here as at least two
meetings of the group that the mentor logged (only the mentor logs meetings, so they are meetings they led)."""

_LABELS = {
    ONBOARDING: "Attend a mentoring onboarding session",
    CHECK_IN: "Attend the mentors' check-in (mid-way touch base)",
    SHOWCASE: "Attend the virtual showcase",
    SURVEY: "Complete the post-programme survey",
}
_CRITERIA = {MENTOR: (ONBOARDING, MEETINGS, SHOWCASE, CHECK_IN, SURVEY), MENTEE: (MEETINGS, SHOWCASE, SURVEY)}


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str
    met: bool


def criteria(role: str, marks: set[str], meetings: int) -> list[Criterion]:
    """The role's certificate criteria in the seed's order; `meetings` = led (mentor) or attended (mentee)."""
    result = []
    for key in _CRITERIA[role]:
        if key == MEETINGS:
            label = (f"Lead regular meetings with your mentees ({meetings} of {MIN_MEETINGS} logged)"
                     if role == MENTOR else f"Attend at least {MIN_MEETINGS} mentoring meetings ({meetings} so far)")
            result.append(Criterion(key, label, meetings >= MIN_MEETINGS))
        else:
            result.append(Criterion(key, _LABELS[key], key in marks))
    return result


def markable_for(role: str) -> tuple[str, ...]:
    return tuple(k for k in _CRITERIA[role] if k in MARKABLE)


# ---- the dates of a run [004, "Activities & Timing"] ---------------------------------------------
@dataclass(frozen=True)
class RunDates:
    start: date
    midway: date  # touch base with mentors and the mid-way survey
    showcase: date  # in the final week
    end: date  # the end survey


def run_dates(start: date, weeks: int) -> RunDates:
    """A run of `weeks` weeks: mid-way half way through, the showcase at the start of the final week."""
    days = weeks * 7
    return RunDates(start, start + timedelta(days=days // 2), start + timedelta(days=days - 7),
                    start + timedelta(days=days))


def phase(dates: RunDates, today: date) -> str:
    if today < dates.start:
        return "not started"
    if today < dates.midway:
        return "first half"
    if today < dates.showcase:
        return "second half"
    if today <= dates.end:
        return "showcase week"
    return "ended"


# ---- Slack channel names --------------------------------------------------------------------------
MAX_CHANNEL_NAME = 80


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def channel_name(topic: str, mtype: str, mentor_name: str, start: date) -> str:
    """`mentoring-2026-11-python-teaching-ada`: lowercase letters, digits and hyphens, at most 76 characters
    (room for a suffix such as `-12`)."""
    first_name = _slug(mentor_name).split("-")[0]
    parts = ["mentoring", f"{start:%Y-%m}", _slug(topic), _slug(mtype).split("-")[0], first_name]
    return "-".join(p for p in parts if p)[:MAX_CHANNEL_NAME - 4].strip("-")


def with_suffix(name: str, attempt: int) -> str:
    """The name for the n-th attempt: the name itself, then `name-2`, `name-3`…"""
    if attempt <= 1:
        return name
    suffix = f"-{attempt}"
    return name[:MAX_CHANNEL_NAME - len(suffix)] + suffix
