"""The calendar file (design.md, "Calendar file"): parsed and checked into plain data, no I/O."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.common.errors import InputError
from bot.training_calendar.safe_yaml import LINE_KEY, load_yaml

LEVELS = ("bronze", "silver", "gold", "platinum", "titanium",
          "launch", "expand", "scale", "transform")
FORMATS = ("online", "in-person")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,119}$")
JOIN_URL = re.compile(r"^https://[^\s/?#<>|]+\.[^\s/?#<>|]+(?:[/?#][^\s<>|]*)?$")  # shown in mrkdwn and .ics files
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,31}$")

ORG_KEYS = {"name", "level", "seats", "additional_seats", "rolled_in_seats", "rolled_out_seats",
            "code", "membership_start", "membership_end", "contacts", "archived"}
EVENT_KEYS = {"slug", "title", "format", "timezone", "capacity", "zoom_meeting_id", "zoom_join_url",
              "location", "accessibility", "trainers", "sessions", "archived"}
TOP_KEYS = {"organisations", "events", "staff", "coordinators"}


@dataclass(frozen=True)
class OrganisationSpec:
    name: str
    level: str
    code: str
    seats: int
    additional_seats: int
    rolled_in_seats: int
    rolled_out_seats: int
    membership_start: date
    membership_end: date
    contacts: tuple[str, ...]
    archived: bool = False


@dataclass(frozen=True)
class EventSpec:
    slug: str
    title: str
    format: str
    timezone: str
    capacity: int
    sessions: tuple[tuple[datetime, datetime], ...]  # aware UTC
    trainers: tuple[str, ...]
    zoom_meeting_id: str | None = None
    zoom_join_url: str | None = None
    location: str | None = None
    accessibility: tuple[str, ...] = ()
    archived: bool = False


@dataclass(frozen=True)
class CalendarSpec:
    organisations: tuple[OrganisationSpec, ...]
    events: tuple[EventSpec, ...]
    # None when the file has no such key: the roles already held are then left as they are.
    staff: tuple[str, ...] | None = field(default=None)
    coordinators: tuple[str, ...] | None = field(default=None)


# The storage columns' lengths (storage/models.py); other text is bounded by MAX_TEXT.
MAX_LENGTHS = {"name": 200, "level": 40, "code": 80, "slug": 120, "title": 200, "format": 20, "timezone": 64,
               "zoom_meeting_id": 40, "zoom_join_url": 400, "location": 400}
MAX_TEXT = 400
MAX_COUNT = 2 ** 31 - 1  # an Integer column


def _short(value) -> str:
    """A value for an error line: its repr, cut short."""
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


class _Entry:
    """Reads one mapping of the file; every error names the entry and its line."""

    def __init__(self, source: str, label: str, raw, allowed: set[str], name_key: str | None = None) -> None:
        if not isinstance(raw, dict):
            raise InputError(f"{source}: {label}: expected a mapping, got {type(raw).__name__}")
        self.source, self.raw = source, dict(raw)
        line = self.raw.pop(LINE_KEY, None)
        self.label = f"{label} (line {line})" if line else label
        if name_key and isinstance(self.raw.get(name_key), str):
            self.label = f"{self.label} {_short(self.raw[name_key])}"
        unknown = sorted(str(k) for k in self.raw if k not in allowed)
        if unknown:
            self.fail(f"unknown key {_short(unknown[0])} (allowed: {', '.join(sorted(allowed))})")

    def fail(self, problem: str):
        raise InputError(f"{self.source}: {self.label}: {problem}")

    def text(self, key: str, *, required: bool = True) -> str | None:
        value = self.raw.get(key)
        if value is None or value == "":
            if required:
                self.fail(f"missing {key}")
            return None
        if isinstance(value, (dict, list)):
            self.fail(f"{key} must be text")
        return self._bounded(key, str(value).strip())

    def _bounded(self, key: str, value: str) -> str:
        """Text that fits its column and holds no NUL (PostgreSQL refuses NUL in text)."""
        if "\x00" in value:
            self.fail(f"{key} contains a NUL character")
        limit = MAX_LENGTHS.get(key, MAX_TEXT)
        if len(value) > limit:
            self.fail(f"{key} is {len(value)} characters long; the limit is {limit}")
        return value

    def count(self, key: str, *, required: bool = True) -> int:
        value = self.raw.get(key, None if required else 0)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
            self.fail(f"{key} must be a whole number from 0 to {MAX_COUNT}, got {_short(value)}")
        return value

    def day(self, key: str) -> date:
        value = self.raw.get(key)
        if isinstance(value, datetime) or not isinstance(value, (date, str)):
            self.fail(f"{key} must be a date like 2026-01-31, got {_short(value)}")
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value)
            except ValueError:
                self.fail(f"{key} is not a valid date: {_short(value)} (use YYYY-MM-DD)")
        return value

    def flag(self, key: str) -> bool:
        value = self.raw.get(key, False)
        if not isinstance(value, bool):
            self.fail(f"{key} must be true or false, got {_short(value)}")
        return value

    def users(self, key: str) -> tuple[str, ...]:
        value = self.raw.get(key) or []
        if not isinstance(value, list) or not all(isinstance(u, str) and USER_ID.match(u) for u in value):
            self.fail(f"{key} must be a list of Slack user IDs like U012ABCDEF, got {_short(value)}")
        return tuple(value)

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.raw.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(f"{key} must be a list of text")
        return tuple(self._bounded(key, v.strip()) for v in value)


def _local_time(entry: _Entry, value, zone: ZoneInfo, what: str) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            entry.fail(f"{what} is not a valid date and time: {_short(value)} (use 2026-12-01T13:00)")
    if not isinstance(value, datetime):
        entry.fail(f"{what} must be a date and time like 2026-12-01T13:00, got {_short(value)}")
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(timezone.utc)


def _organisation(source: str, index: int, raw) -> OrganisationSpec:
    e = _Entry(source, f"organisations[{index}]", raw, ORG_KEYS, name_key="name")
    name = e.text("name")
    level = e.text("level").lower()
    if level not in LEVELS:
        e.fail(f"level {level!r} is not one of {', '.join(LEVELS)}")
    start, end = e.day("membership_start"), e.day("membership_end")
    if end < start:
        e.fail(f"membership_end {end} is before membership_start {start}")
    return OrganisationSpec(
        name=name, level=level, code=e.text("code"), seats=e.count("seats"),
        additional_seats=e.count("additional_seats", required=False),
        rolled_in_seats=e.count("rolled_in_seats", required=False),
        rolled_out_seats=e.count("rolled_out_seats", required=False),
        membership_start=start, membership_end=end, contacts=e.users("contacts"), archived=e.flag("archived"))


def _event(source: str, index: int, raw) -> EventSpec:
    e = _Entry(source, f"events[{index}]", raw, EVENT_KEYS, name_key="slug")
    slug = e.text("slug")
    if not SLUG.match(slug):
        e.fail("slug must be lower-case letters, digits and dashes")
    fmt = e.text("format")
    if fmt not in FORMATS:
        e.fail(f"format must be online or in-person, got {fmt!r}")
    tz_name = e.text("timezone")
    try:
        zone = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        e.fail(f"unknown time zone {tz_name!r} (use an IANA name like America/New_York)")
    capacity = e.count("capacity")
    if capacity == 0:
        e.fail("capacity must be at least 1")
    raw_sessions = e.raw.get("sessions")
    if not isinstance(raw_sessions, list) or not raw_sessions:
        e.fail("sessions must be a non-empty list of {start, end}")
    sessions = []
    for n, item in enumerate(raw_sessions, 1):
        if not isinstance(item, dict) or set(item) - {"start", "end", LINE_KEY} or not {"start", "end"} <= set(item):
            e.fail(f"session {n} must have exactly start and end")
        start = _local_time(e, item["start"], zone, f"session {n} start")
        end = _local_time(e, item["end"], zone, f"session {n} end")
        if end <= start:
            e.fail(f"session {n} ends ({item['end']}) before it starts ({item['start']})")
        sessions.append((start, end))
    sessions.sort()
    for (_, prev_end), (nxt, _) in zip(sessions, sessions[1:]):
        if nxt < prev_end:
            e.fail("two sessions overlap")
    location = e.text("location", required=False)
    if fmt == "in-person" and not location:
        e.fail("an in-person event needs a location")
    zoom_id = e.text("zoom_meeting_id", required=False)
    if zoom_id:
        zoom_id = zoom_id.replace(" ", "")
        if not zoom_id.isdigit():
            e.fail(f"zoom_meeting_id must be digits, got {zoom_id!r}")
    join_url = e.text("zoom_join_url", required=False)
    if join_url and (len(join_url) > 400 or not JOIN_URL.match(join_url)):
        e.fail(f"zoom_join_url must be an https:// link without spaces, <, > or |, got {join_url[:100]!r}")
    return EventSpec(
        slug=slug, title=e.text("title"), format=fmt, timezone=tz_name, capacity=capacity,
        sessions=tuple(sessions), trainers=e.users("trainers"), zoom_meeting_id=zoom_id,
        zoom_join_url=join_url, location=location,
        accessibility=e.texts("accessibility"), archived=e.flag("archived"))


def parse_calendar(data: bytes, source: str) -> CalendarSpec:
    doc = load_yaml(data, source)
    if doc is None:
        raise InputError(f"{source}: the file is empty (expected organisations and events as in examples/calendar.yml)")
    top = _Entry(source, "top level", doc, TOP_KEYS)
    if not any(top.raw.get(key) for key in TOP_KEYS):
        top.fail("lists no organisations, events, staff or coordinators: nothing to load")
    for key in ("organisations", "events"):
        if not isinstance(top.raw.get(key) or [], list):
            top.fail(f"{key} must be a list")
    orgs = tuple(_organisation(source, i, raw) for i, raw in enumerate(top.raw.get("organisations") or []))
    events = tuple(_event(source, i, raw) for i, raw in enumerate(top.raw.get("events") or []))
    _no_duplicates(source, "organisation code", [o.code for o in orgs])
    _no_duplicates(source, "event slug", [e.slug for e in events])
    listed = {key: top.users(key) if key in top.raw else None for key in ("staff", "coordinators")}
    return CalendarSpec(orgs, events, **listed)


def _no_duplicates(source: str, what: str, values: list[str]) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise InputError(f"{source}: duplicate {what} {_short(value)}")
        seen.add(value)
