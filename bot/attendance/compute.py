"""Attendance arithmetic over plain data (design.md, "Attendance").

Attended time per session is the union of a person's Zoom intervals (reconnects and
second devices count once) clipped to the session window; waiting-room rows do not
count. Each person's intervals are sorted and merged once, then each window is a
bisect into the merged list. Arithmetic is exact, in integer microseconds; results
are whole seconds (rounded down).
"""

from __future__ import annotations

import functools
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from bot.zoom.reports import ParticipantRow

PRESENT = "present"
MAKEUP = "makeup"
RETAKE = "retake"

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)
_PER_SECOND = 1_000_000
_NO_MATCH = object()


@dataclass(frozen=True)
class Window:
    """A scheduled session, as aware datetimes."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("session window times must be timezone-aware")
        if self.end < self.start:
            raise ValueError(f"session window ends before it starts: {self.start} to {self.end}")


@dataclass
class TraineeRef:
    """A registered trainee; `key` is whatever identifies them to the caller."""

    key: Any
    name: str
    email: str


@dataclass(frozen=True)
class TraineeAttendance:
    trainee: TraineeRef
    sessions: tuple[int, ...]  # attended seconds per window, in the windows' order
    attended: int
    scheduled: int
    missed: int
    absent: bool
    status: str


@dataclass(frozen=True)
class UnmatchedParticipant:
    """A participant no trainee, name or alias matched, for a trainer to resolve."""

    name: str
    email: str
    attended: int  # seconds inside the windows, waiting room excluded
    rows: int


@dataclass(frozen=True)
class AttendanceResult:
    windows: tuple[Window, ...]
    scheduled: int
    threshold: int
    trainees: dict[Any, TraineeAttendance]  # by trainee key, in the roster's order
    unmatched: tuple[UnmatchedParticipant, ...]  # sorted by name, then email


def minutes(seconds: int) -> int:
    """Whole minutes, rounded half up (90 s is 2 min)."""
    return (seconds + 30) // 60


@functools.lru_cache(maxsize=4096)
def normalise_name(raw: str) -> str:
    """The name as matched against the roster: accents and case folded, whitespace
    collapsed, and only the part before the first " (" of "Name (Original Name)".

    The " (" is looked for after folding, so the result is stable when normalised again.
    Remembered: /attendance folds the same roster and participants on every ask."""
    text = unicodedata.normalize("NFKD", raw)
    text = "".join(char for char in text if not unicodedata.combining(char)).casefold()
    text = unicodedata.normalize("NFKD", text)
    text = " ".join("".join(char for char in text if not unicodedata.combining(char)).split())
    return text.split(" (", 1)[0]


def union_seconds_in(intervals: Iterable[tuple[datetime, datetime]], window: Window) -> int:
    """Seconds of `window` covered by at least one of `intervals`."""
    starts, ends = _merge([(_micros(join), _micros(leave)) for join, leave in intervals])
    return _covered(starts, ends, _micros(window.start), _micros(window.end)) // _PER_SECOND


def covers_any_window(rows: Iterable[ParticipantRow], windows: Iterable[Window]) -> bool:
    """Whether any admitted participant overlaps any session; a report that misses every
    session is for another event, or was read with the wrong time zone."""
    bounds = [(window.start, window.end) for window in windows]
    return any(
        row.join < end and row.leave > start
        for row in rows
        if not row.waiting_room
        for start, end in bounds
    )


def match_rows(
    rows: Iterable[ParticipantRow], trainees: Iterable[TraineeRef], aliases: dict[str, Any]
) -> tuple[dict[Any, list[ParticipantRow]], dict[tuple[str, str], list[ParticipantRow]]]:
    """Rows by trainee key (every trainee present, maybe with no rows), and the rest by
    (display name, email).

    A row matches by e-mail (case-insensitive), else by normalised name, else by an alias
    (keyed by normalised name). An e-mail or name shared by two trainees matches nobody,
    so the rows go to a trainer to resolve rather than to the wrong person."""
    roster = list(trainees)
    matched: dict[Any, list[ParticipantRow]] = {trainee.key: [] for trainee in roster}
    by_email = _unambiguous((trainee.email.strip().lower(), trainee.key) for trainee in roster)
    by_name = _unambiguous((normalise_name(trainee.name), trainee.key) for trainee in roster)
    by_alias = {normalise_name(name): key for name, key in aliases.items() if key in matched}
    names: dict[str, str] = {}
    unmatched: dict[tuple[str, str], list[ParticipantRow]] = {}
    for row in rows:
        key = by_email.get(row.email.lower(), _NO_MATCH)
        if key is _NO_MATCH:
            name = names.get(row.name)
            if name is None:
                name = names[row.name] = normalise_name(row.name)
            key = by_name.get(name, _NO_MATCH)
            if key is _NO_MATCH:
                key = by_alias.get(name, _NO_MATCH)
        if key is _NO_MATCH:
            unmatched.setdefault((row.name, row.email), []).append(row)
        else:
            matched[key].append(row)
    return matched, unmatched


def compute(
    trainees: Iterable[TraineeRef],
    rows: Iterable[ParticipantRow],
    windows: Sequence[Window],
    aliases: dict[str, Any],
    threshold_seconds: int = 3600,
    makeup_limit_seconds: int = 4 * 3600,
) -> AttendanceResult:
    """Each trainee's attendance, plus everyone in the report no trainee matched."""
    roster = list(trainees)
    bounds = [(_micros(window.start), _micros(window.end)) for window in windows]
    scheduled = sum((end - start) // _PER_SECOND for start, end in bounds)
    matched, unmatched = match_rows(rows, roster, aliases)
    results = {}
    for trainee in roster:
        sessions = _session_seconds(matched[trainee.key], bounds)
        missed = scheduled - sum(sessions)
        results[trainee.key] = TraineeAttendance(
            trainee=trainee,
            sessions=sessions,
            attended=sum(sessions),
            scheduled=scheduled,
            missed=missed,
            absent=missed > threshold_seconds,
            status=_status(missed, threshold_seconds, makeup_limit_seconds),
        )
    others = [
        UnmatchedParticipant(name, email, sum(_session_seconds(person_rows, bounds)), len(person_rows))
        for (name, email), person_rows in unmatched.items()
    ]
    others.sort(key=lambda person: (person.name.casefold(), person.name, person.email))
    return AttendanceResult(tuple(windows), scheduled, threshold_seconds, results, tuple(others))


def _status(missed: int, threshold: int, makeup_limit: int) -> str:
    if missed <= threshold:
        return PRESENT
    if missed <= makeup_limit:
        return MAKEUP
    return RETAKE


def _unambiguous(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """Index of non-empty labels that point at exactly one key."""
    index: dict[str, Any] = {}
    clashes: set[str] = set()
    for label, key in pairs:
        if label and index.setdefault(label, key) != key:
            clashes.add(label)
    for label in clashes:
        del index[label]
    return index


def _session_seconds(rows: list[ParticipantRow], bounds: list[tuple[int, int]]) -> tuple[int, ...]:
    starts, ends = _merge([(_micros(row.join), _micros(row.leave)) for row in rows if not row.waiting_room])
    return tuple(_covered(starts, ends, start, end) // _PER_SECOND for start, end in bounds)


def _micros(moment: datetime) -> int:
    return (moment - _EPOCH) // _MICROSECOND


def _merge(intervals: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """The union of `intervals` as sorted, disjoint starts and ends."""
    intervals.sort()
    starts: list[int] = []
    ends: list[int] = []
    for start, end in intervals:
        if ends and start <= ends[-1]:
            if end > ends[-1]:
                ends[-1] = end
        elif end > start:
            starts.append(start)
            ends.append(end)
    return starts, ends


def _covered(starts: list[int], ends: list[int], low: int, high: int) -> int:
    """Length of the merged intervals inside [low, high]."""
    total = 0
    index = bisect_right(ends, low)
    while index < len(starts) and starts[index] < high:
        total += min(ends[index], high) - max(starts[index], low)
        index += 1
    return total
