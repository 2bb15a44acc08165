"""Plain data the mentoring services hand to handlers, the App Home and the scheduler."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.mentoring.rules import Criterion, RunDates


@dataclass(frozen=True)
class SignupForm:
    """A sign-up as entered; field names are the modal's block ids, used for inline errors."""

    role: str | None
    status: str | None
    topics: list[str]
    suboption: str | None
    workshops: str | None
    timezone: str | None
    availability: dict[int, list[int]]  # weekday 0=Mon -> local hours
    in_person: bool
    place: str
    goals: str
    agreement: bool
    coc: bool


@dataclass(frozen=True)
class SignupView:
    role: str
    instructor_status: str
    topics: list[str]
    mtype: str
    suboption: str
    suboption_key: str | None
    workshops: int
    timezone: str
    availability: dict[int, list[int]]
    hours: str  # the availability, described in the person's zone
    in_person: bool
    place: str | None
    goals: str
    status: str


@dataclass(frozen=True)
class MemberLine:
    user_id: str
    name: str
    role: str
    timezone: str | None


@dataclass(frozen=True)
class GroupInfo:
    id: int
    name: str
    channel_id: str
    topic: str
    mtype: str
    cohort: str
    dates: RunDates
    phase: str
    mentor: MemberLine
    members: tuple[MemberLine, ...]  # the mentor first
    slide_received: bool


@dataclass(frozen=True)
class Progress:
    user_id: str
    name: str
    role: str
    criteria: list[Criterion]
    certificate: str | None

    @property
    def complete(self) -> bool:
        return all(c.met for c in self.criteria)

    @property
    def missing(self) -> list[Criterion]:
        return [c for c in self.criteria if not c.met]


@dataclass(frozen=True)
class MyStatus:
    signup: SignupView | None
    group: GroupInfo | None
    progress: Progress | None


@dataclass(frozen=True)
class ProposedMember:
    signup_id: int
    user_id: str
    name: str
    role: str
    timezone: str
    hours: str  # the group's common hours in this member's zone
    place: str | None  # where they could meet in person, if they can


@dataclass(frozen=True)
class GroupProposal:
    topic: str
    mtype: str
    members: list[ProposedMember]  # the mentor first
    reasons: list[str]


@dataclass(frozen=True)
class Unmatched:
    user_id: str
    name: str
    role: str
    reason: str


@dataclass(frozen=True)
class Proposals:
    groups: list[GroupProposal]
    unmatched: list[Unmatched]


@dataclass(frozen=True)
class Approved:
    group: GroupInfo


@dataclass(frozen=True)
class MeetingLogged:
    group: str
    held_on: date
    attendees: int
    replaced: bool


@dataclass(frozen=True)
class Marked:
    name: str
    criterion: str
    group: str
    already: bool


@dataclass(frozen=True)
class GroupReport:
    group: GroupInfo
    meetings: int
    progress: list[Progress]


@dataclass(frozen=True)
class CohortRate:
    cohort: str
    complete: int
    total: int


@dataclass(frozen=True)
class Report:
    groups: list[GroupReport]
    cohorts: list[CohortRate]


@dataclass(frozen=True)
class GroupDates:
    """What the scheduler needs for a group's reminders: its dates, those due in the asked window, and
    what is still missing (the showcase slide, the post-programme survey of these members)."""

    group: GroupInfo
    due: tuple[tuple[str, date], ...]  # ("midway" | "showcase" | "end", date)
    slide_missing: bool
    survey_missing: tuple[str, ...]  # Slack user ids


@dataclass(frozen=True)
class Issued:
    user_id: str
    code: str
