"""Zoom participant reports (web-portal CSV exports, Reports API JSON) as plain rows.

Follows ../shared/zoom-formats.md §4: the participant table is found by its header,
columns by name, and the "Show unique users" export is refused because it has no
join/leave times. Every problem is a ReportError naming the file (and line), so the
CLI can print one line and exit 2.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

NOT_UTF8 = "not UTF-8 text; export the report again from Zoom (do not re-save it in Excel)"
NO_TABLE = (
    "no participant table: no row starts with 'Name (Original Name)'; "
    "export the participant report from the Zoom web portal in English"
)
UNIQUE_USERS = (
    "this is a 'Show unique users' export, which has only total durations; "
    "export the participant report again with 'Show unique users' unticked"
)
TIME_EXAMPLE = "12/01/2026 01:05:00 PM"

_HEADER_START = "name (original name)"
_EMAIL_HEADERS = ("user email", "email")
_DELIMITERS = ",;\t"
_DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs"}
_SNIFF_CHARS = 1000
_CELLS_SHOWN = 8
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")
# Month/day/year or year/month/day, then 12- or 24-hour time with optional seconds.
_LOCAL_TIME = re.compile(
    r"(\d{1,4})/(\d{1,2})/(\d{1,4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([AP]M))?",
    re.ASCII | re.IGNORECASE,
)
_API_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|\+00:00)", re.ASCII)


@dataclass(frozen=True, slots=True)
class ParticipantRow:
    """One join of one participant; a reconnect or a second device is another row."""

    name: str
    email: str
    join: datetime
    leave: datetime
    waiting_room: bool
    line: int


class ReportError(ValueError):
    """A report that cannot be used; `str()` is one line: file, line, problem."""

    def __init__(self, source: str, line: int | None, problem: str) -> None:
        super().__init__(source, line, problem)
        self.source = source
        self.line = line
        self.problem = problem

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}, line {self.line}"
        return " ".join(f"{where}: {self.problem}".splitlines())


class _Columns(NamedTuple):
    email: int | None
    join: int
    leave: int
    waiting_room: int | None
    width: int


def neutralise_cell(value: str) -> str:
    """Prefix `'` so a spreadsheet shows a formula-like value as text instead of running it."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def parse_csv(data: bytes, tz: ZoneInfo, source: str) -> list[ParticipantRow]:
    """Rows of a portal participant export; its naive times are local times in `tz`.

    The delimiter is sniffed from the table's header line, so a file re-saved by a
    spreadsheet with `;` or tabs (European locales) reads like the original; the
    meeting-data block before that line is never parsed."""
    lines = io.StringIO(_decode(data, source), newline="").readlines()
    start = next((i for i, text in enumerate(lines) if _header_name(text).lstrip('"').startswith(_HEADER_START)), None)
    if start is None:
        first = next((text.strip() for text in lines if text.strip()), "")
        raise ReportError(source, None, NO_TABLE + (f" (first line: {_show(first)})" if first else ""))
    delimiter = _sniff(lines[start])
    records = _records(lines[start:], start + 1, delimiter, source)
    line, header = next(records)
    columns = _columns(header, line, delimiter, source)
    return _table(records, columns, _LocalTimes(tz, source), source)


def parse_api_pages(pages: list[dict], source: str) -> list[ParticipantRow]:
    """Rows of Reports API pages; `line` counts participants across pages from 1."""
    if not isinstance(pages, list):
        raise ReportError(source, None, "expected a list of Zoom Reports API pages")
    rows: list[ParticipantRow] = []
    for page_number, page in enumerate(pages, 1):
        participants = page.get("participants") if isinstance(page, dict) else None
        if not isinstance(participants, list):
            problem = f"page {page_number} has no 'participants' list (not a Zoom Reports API answer)"
            raise ReportError(source, None, problem)
        for item in participants:
            rows.append(_api_row(item, len(rows) + 1, source))
    return rows


def parse_json_file(data: bytes, source: str) -> list[ParticipantRow]:
    """Rows of a saved Reports API answer: one page object or a list of pages."""
    text = _decode(data, source)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportError(source, exc.lineno, f"not valid JSON ({exc.msg})") from None
    except (ValueError, RecursionError):
        raise ReportError(source, None, "not valid JSON") from None
    return parse_api_pages(document if isinstance(document, list) else [document], source)


def _decode(data: bytes, source: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16, e.g. Excel "Unicode text"
        raise ReportError(source, None, NOT_UTF8)
    if b"\x00" in data:
        raise ReportError(source, None, "not a text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = len(_LINE_BREAK.split(data[: exc.start]))
        raise ReportError(source, line, NOT_UTF8) from None


def _sniff(header_line: str) -> str:
    """The header's delimiter among comma, semicolon and tab; comma when none is found.
    Only the start of the line is sniffed: the Sniffer's regexes are slow on long lines."""
    try:
        return csv.Sniffer().sniff(header_line[:_SNIFF_CHARS], delimiters=_DELIMITERS).delimiter
    except csv.Error:
        return ","


def _records(lines: list[str], first_line: int, delimiter: str, source: str) -> Iterator[tuple[int, list[str]]]:
    """CSV records with the file line each starts on; csv.Error becomes ReportError."""
    reader = csv.reader(lines, delimiter=delimiter)
    start = first_line
    try:
        for cells in reader:
            yield start, cells
            start = first_line + reader.line_num
    except csv.Error as exc:
        raise ReportError(source, first_line - 1 + reader.line_num, f"not a readable CSV table ({exc})") from None


def _header_name(cell: str) -> str:
    return cell.replace("\ufeff", "").strip().lower()


def _columns(header: list[str], line: int, delimiter: str, source: str) -> _Columns:
    index: dict[str, int] = {}
    for position, cell in enumerate(header):
        index.setdefault(_header_name(cell), position)
    join, leave = index.get("join time"), index.get("leave time")
    if join is None or leave is None:
        if any(name.startswith("total duration") for name in index):
            raise ReportError(source, line, UNIQUE_USERS)
        missing = " or ".join(f"'{n}'" for n, i in (("Join Time", join), ("Leave Time", leave)) if i is None)
        problem = f"the participant table has no {missing} column; {_seen(header, delimiter)}"
        raise ReportError(source, line, problem)
    email = next((index[name] for name in _EMAIL_HEADERS if name in index), None)
    waiting_room = index.get("in waiting room")
    width = 1 + max(i for i in (email, join, leave, waiting_room) if i is not None)
    return _Columns(email, join, leave, waiting_room, width)


def _seen(header: list[str], delimiter: str) -> str:
    """What the header was read as, for a layout we do not know; bounded in length."""
    cells = ", ".join(_show(cell) for cell in header[:_CELLS_SHOWN])
    more = f", … ({len(header)} cells)" if len(header) > _CELLS_SHOWN else ""
    return f"its header, split on {_DELIMITER_NAMES[delimiter]}, reads {cells}{more}"


def _table(
    records: Iterator[tuple[int, list[str]]], columns: _Columns, times: _LocalTimes, source: str
) -> list[ParticipantRow]:
    """Data rows after the header; blank rows are skipped, and so are short rows at the
    end (a footer such as "Zoom Report"), but a short row followed by data is an error."""
    rows: list[ParticipantRow] = []
    short: tuple[int, int] | None = None
    for line, cells in records:
        if not "".join(cells).strip():
            continue
        if len(cells) < columns.width:
            short = short or (line, len(cells))
            continue
        if short is not None:
            problem = f"row has {short[1]} cells; the participant table needs {columns.width}"
            raise ReportError(source, short[0], problem)
        rows.append(_csv_row(cells, line, columns, times))
    return rows


def _csv_row(cells: list[str], line: int, columns: _Columns, times: _LocalTimes) -> ParticipantRow:
    join = times.parse(cells[columns.join], "Join Time", line)
    leave = times.parse(cells[columns.leave], "Leave Time", line)
    if leave < join:
        problem = f"Leave Time {cells[columns.leave].strip()} is before Join Time {cells[columns.join].strip()}"
        raise ReportError(times.source, line, problem)
    email = cells[columns.email].strip().lower() if columns.email is not None else ""
    waiting = columns.waiting_room is not None and cells[columns.waiting_room].strip().lower() == "yes"
    return ParticipantRow(cells[0].strip(), email, join, leave, waiting, line)


class _LocalTimes:
    """Parses the portal's naive local times into UTC, caching repeats (a report has
    many rows per second of the meeting, e.g. everyone's leave time)."""

    def __init__(self, tz: ZoneInfo, source: str) -> None:
        self.tz = tz
        self.source = source
        self._cache: dict[str, datetime] = {}

    def parse(self, text: str, column: str, line: int) -> datetime:
        parsed = self._cache.get(text)
        if parsed is None:
            parsed = _local_to_utc(text, self.tz)
            if parsed is None:
                problem = f"unparsable {column} {_show(text)} (expected e.g. {TIME_EXAMPLE})"
                raise ReportError(self.source, line, problem)
            self._cache[text] = parsed
        return parsed


def _local_to_utc(text: str, tz: ZoneInfo) -> datetime | None:
    """Accepts m/d/Y or Y/m/d with h:mm[:ss] AM/PM or H:mm[:ss], padded or not.

    Wall-clock times in a DST fold get fold=0 (the first of the two), and times in
    a DST gap are read with the offset before the gap, as zoneinfo does."""
    match = _LOCAL_TIME.fullmatch(text.strip())
    if match is None:
        return None
    first, second, third, hour_text, minute, second_text, meridiem = match.groups()
    if len(first) == 4 and len(third) <= 2:
        year, month, day = first, second, third
    elif len(third) == 4 and len(first) <= 2:
        month, day, year = first, second, third
    else:
        return None
    hour = int(hour_text)
    if meridiem is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem.upper() == "PM" else 0)
    try:
        local = datetime(int(year), int(month), int(day), hour, int(minute), int(second_text or 0), tzinfo=tz)
        return local.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        return None


def _api_row(item: Any, index: int, source: str) -> ParticipantRow:
    if not isinstance(item, dict):
        raise ReportError(source, index, "participant is not a JSON object")
    join = _api_time(item.get("join_time"), "join_time", index, source)
    leave = _api_time(item.get("leave_time"), "leave_time", index, source)
    if leave < join:
        raise ReportError(source, index, f"leave_time {leave:%Y-%m-%dT%H:%M:%SZ} is before join_time")
    name = _api_text(item.get("name"), "name", index, source)
    email = _api_text(item.get("user_email"), "user_email", index, source).lower()
    return ParticipantRow(name, email, join, leave, item.get("status") == "in_waiting_room", index)


def _api_time(value: Any, field: str, index: int, source: str) -> datetime:
    """ISO 8601 UTC; sub-second parts are dropped, as reports are to the second."""
    if isinstance(value, str) and _API_TIME.fullmatch(value):
        try:
            return datetime.fromisoformat(value).replace(microsecond=0)
        except ValueError:
            pass
    problem = f"{field} is missing" if value is None else f"{field} {_show(value)} is not an ISO 8601 UTC time"
    raise ReportError(source, index, problem)


def _api_text(value: Any, field: str, index: int, source: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ReportError(source, index, f"{field} {_show(value)} is not text")
    return value.strip()


def _show(value: Any) -> str:
    """A bad value for an error message: escaped, and kept short."""
    if not isinstance(value, str):
        return _shorten(json.dumps(value))
    return repr(_shorten(value))


def _shorten(text: str) -> str:
    return text if len(text) <= 40 else text[:40] + "…"
