"""Proposing mentoring groups from sign-ups: one mentor, up to five mentees, one topic and type, a shared hour.

Availability is a set of weekly UTC hour slots, ints 0..167 (Monday 00:00 UTC = 0). The result is a
proposal for the coordinator, with the reasons for each group and for everyone left out.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Any, Literal

HOURS_PER_WEEK = 168
GENERAL = "general"
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_UTC_WEEK = date(2024, 1, 1)  # any Monday: UTC has no DST, so the week does not matter


def weekly_slots_utc(local_hours_by_weekday: Mapping[int, Iterable[int]], tz: tzinfo,
                     reference_monday: date) -> frozenset[int]:
    """UTC hours-of-week for local availability (weekday 0=Mon -> local hours 0..23), wrapping around the week.

    Offsets are those in force during the reference week. A local hour maps to the UTC hour that starts
    within it, so with half-hour offsets a meeting at that UTC hour starts while the person is free.
    A local hour skipped by a DST change gives nothing; one repeated by it gives both UTC hours.
    """
    _check_monday(reference_monday)
    slots: set[int] = set()
    for weekday, hours in local_hours_by_weekday.items():
        if not 0 <= weekday <= 6:
            raise ValueError(f"weekday {weekday} is not in 0..6")
        day = reference_monday + timedelta(days=weekday)
        for hour in hours:
            if not 0 <= hour <= 23:
                raise ValueError(f"hour {hour} is not in 0..23")
            slots.update(_hour_of_week(_ceil_hour(instant)) for instant in _utc_instants(day, hour, tz))
    return frozenset(slots)


def slots_in_zone(slots: Iterable[int], tz: tzinfo, reference_monday: date) -> list[tuple[int, int]]:
    """Sorted (weekday, hour) in `tz` of the local hour in which each UTC slot starts."""
    _check_monday(reference_monday)
    week_start = datetime.combine(reference_monday, time(0), tzinfo=timezone.utc)
    local = set()
    for slot in _checked_slots(slots):
        moment = (week_start + timedelta(hours=slot)).astimezone(tz)
        local.add((moment.weekday(), moment.hour))
    return sorted(local)


def describe_slots(slots: Iterable[int], tz: tzinfo, reference_monday: date) -> str:
    """Slots in `tz` as text, consecutive hours merged: "Tue 14:00–16:00, Thu 09:00" ("" for none)."""
    runs: list[tuple[int, int, int]] = []  # weekday, first hour, end hour (exclusive)
    for weekday, hour in slots_in_zone(slots, tz, reference_monday):
        if runs and runs[-1][0] == weekday and runs[-1][2] == hour:
            runs[-1] = (weekday, runs[-1][1], hour + 1)
        else:
            runs.append((weekday, hour, hour + 1))
    return ", ".join(_format_run(*run) for run in runs)


@dataclass(frozen=True)
class Signup:
    key: Any
    name: str
    role: Literal["mentor", "mentee"]
    topics: frozenset[str]
    mtype: str
    slots: frozenset[int]
    previous_mentors: frozenset = frozenset()  # keys of the mentors a mentee had before

    def __post_init__(self) -> None:
        if self.role not in ("mentor", "mentee"):
            raise ValueError(f"role must be 'mentor' or 'mentee', not {self.role!r}")
        if not self.topics:
            raise ValueError(f"sign-up {self.key!r} has no topic")
        _checked_slots(self.slots)


@dataclass(frozen=True)
class ProposedGroup:
    mentor: Signup
    mentees: list[Signup]
    topic: str
    mtype: str
    common_slots: frozenset[int]
    reasons: list[str]


@dataclass(frozen=True)
class Proposal:
    groups: list[ProposedGroup]
    unmatched: list[tuple[Signup, str]]


@dataclass(eq=False)
class _Draft:
    """A group being filled: the topics and hours still shared by everyone in it."""
    mentor: Signup
    topics: frozenset[str]
    slots: frozenset[int]
    mentees: list[Signup] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def propose_groups(signups: list[Signup], max_mentees: int = 5) -> Proposal:
    """Greedy matching, deterministic for the same input (people are taken in key order).

    The mentee with the fewest groups left to join is placed first, so more people get matched. Among
    the groups it fits it prefers, in order: a mentor it has not had before, the group fewest other
    waiting mentees could join, the group with fewest mentees, the most hours left in common.
    """
    if max_mentees < 1:
        raise ValueError("max_mentees must be at least 1")
    mentors = _sorted_by_key(s for s in signups if s.role == "mentor")
    mentees = _sorted_by_key(s for s in signups if s.role == "mentee")
    drafts = [_Draft(m, m.topics, m.slots) for m in mentors]
    options = {e.key: [d for d in drafts if _fits(d, e, max_mentees)] for e in mentees}
    first_count = {key: len(fitting) for key, fitting in options.items()}
    names = {m.key: m.name for m in mentors}
    waiting, unmatched = list(mentees), []
    while waiting:
        mentee = min(waiting, key=lambda e: len(options[e.key]))  # ties: first in key order
        waiting.remove(mentee)
        if not options[mentee.key]:
            unmatched.append((mentee, _mentee_reason(mentee, drafts, max_mentees)))
            continue
        draft = _choose(mentee, options, waiting)
        _join(draft, mentee, options[mentee.key], first_count[mentee.key], names)
        for other in waiting:
            if draft in options[other.key] and not _fits(draft, other, max_mentees):
                options[other.key].remove(draft)
    groups = [_proposed(d) for d in drafts if d.mentees]
    unmatched += [(d.mentor, _mentor_reason(d.mentor, mentees)) for d in drafts if not d.mentees]
    return Proposal(groups, unmatched)


def _choose(mentee: Signup, options: dict[Any, list[_Draft]], waiting: list[Signup]) -> _Draft:
    def preference(draft: _Draft) -> tuple[bool, int, int, int]:
        demand = sum(draft in options[other.key] for other in waiting)
        return (draft.mentor.key in mentee.previous_mentors, demand, len(draft.mentees),
                -len(draft.slots & mentee.slots))
    return min(options[mentee.key], key=preference)  # ties: first mentor in key order


def _join(draft: _Draft, mentee: Signup, fitting: list[_Draft], first_count: int,
          names: dict[Any, str]) -> None:
    draft.mentees.append(mentee)
    draft.topics = _shared_topics(draft.topics, mentee.topics)
    draft.slots = draft.slots & mentee.slots
    avoided = sorted(names[d.mentor.key] for d in fitting if d.mentor.key in mentee.previous_mentors)
    if draft.mentor.key in mentee.previous_mentors:
        draft.notes.append(f"{mentee.name}: had {draft.mentor.name} before, but no other mentor fits")
    elif avoided:
        draft.notes.append(f"{mentee.name}: previous mentor {', '.join(avoided)} avoided")
    if first_count == 1:
        draft.notes.append(f"{mentee.name}: the only mentor who fits")


def _proposed(draft: _Draft) -> ProposedGroup:
    topic = _topic_label(draft.topics)
    mentor = draft.mentor
    reasons = [f"topic {topic} and type {mentor.mtype} shared by everyone",
               f"common weekly hours (UTC): {describe_slots(draft.slots, timezone.utc, _UTC_WEEK)}",
               *draft.notes]
    return ProposedGroup(mentor, _sorted_by_key(draft.mentees), topic, mentor.mtype, draft.slots, reasons)


def _fits(draft: _Draft, mentee: Signup, max_mentees: int) -> bool:
    return (len(draft.mentees) < max_mentees and draft.mentor.key != mentee.key
            and draft.mentor.mtype == mentee.mtype
            and bool(_shared_topics(draft.topics, mentee.topics)) and bool(draft.slots & mentee.slots))


def _shared_topics(a: frozenset[str], b: frozenset[str]) -> frozenset[str]:
    """Topics both sides accept; "general" matches any topic and stays only if both sides have it."""
    shared = set(a & b)
    if GENERAL in a:
        shared |= b - {GENERAL}
    if GENERAL in b:
        shared |= a - {GENERAL}
    return frozenset(shared)


def _mentee_reason(mentee: Signup, drafts: list[_Draft], max_mentees: int) -> str:
    wanted = f"{_topics_text(mentee.topics)} / {mentee.mtype}"
    offering = [d for d in drafts if d.mentor.key != mentee.key and d.mentor.mtype == mentee.mtype
                and _shared_topics(d.mentor.topics, mentee.topics)]
    if not offering:
        return f"no mentor offers {wanted}"
    reachable = [d for d in offering if d.mentor.slots & mentee.slots]
    if not reachable:
        return "no common hour with any mentor for this topic and type"
    if all(len(d.mentees) >= max_mentees for d in reachable):
        return f"all mentors for {wanted} are full"
    return f"no group for {wanted} with room still shares an hour and a topic with this mentee"


def _mentor_reason(mentor: Signup, mentees: list[Signup]) -> str:
    offered = f"{_topics_text(mentor.topics)} / {mentor.mtype}"
    wanting = [e for e in mentees if e.key != mentor.key and e.mtype == mentor.mtype
               and _shared_topics(mentor.topics, e.topics)]
    if not wanting:
        return f"no mentee asked for {offered}"
    if not any(e.slots & mentor.slots for e in wanting):
        return "no common hour with any mentee for this topic and type"
    return f"the mentees for {offered} who share an hour were placed in other groups"


def _topic_label(topics: frozenset[str]) -> str:
    specific = sorted(topics - {GENERAL})
    return specific[0] if specific else GENERAL


def _topics_text(topics: frozenset[str]) -> str:
    return " or ".join(sorted(topics))


def _sorted_by_key(signups: Iterable[Signup]) -> list[Signup]:
    ordered = sorted(signups, key=lambda s: s.key)
    for before, after in zip(ordered, ordered[1:]):
        if before.key == after.key:
            raise ValueError(f"two {before.role} sign-ups have the key {before.key!r}")
    return ordered


def _utc_instants(day: date, hour: int, tz: tzinfo) -> set[datetime]:
    naive = datetime.combine(day, time(hour))
    instants = set()
    for fold in (0, 1):
        instant = naive.replace(tzinfo=tz, fold=fold).astimezone(timezone.utc)
        if instant.astimezone(tz).replace(tzinfo=None) == naive:  # false inside a DST gap
            instants.add(instant)
    return instants


def _ceil_hour(moment: datetime) -> datetime:
    floor = moment.replace(minute=0, second=0, microsecond=0)
    return floor if floor == moment else floor + timedelta(hours=1)


def _hour_of_week(moment: datetime) -> int:
    return moment.weekday() * 24 + moment.hour


def _checked_slots(slots: Iterable[int]) -> list[int]:
    slots = list(slots)
    for slot in slots:
        if not 0 <= slot < HOURS_PER_WEEK:
            raise ValueError(f"slot {slot} is not an hour of the week (0..{HOURS_PER_WEEK - 1})")
    return slots


def _check_monday(day: date) -> None:
    if day.weekday() != 0:
        raise ValueError(f"reference_monday {day.isoformat()} is not a Monday")


def _format_run(weekday: int, first: int, end: int) -> str:
    if end - first == 1:
        return f"{DAY_NAMES[weekday]} {first:02d}:00"
    return f"{DAY_NAMES[weekday]} {first:02d}:00–{end:02d}:00"
