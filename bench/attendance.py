"""Benchmark: attendance for a large synthetic event, ours against pandas.

Writes a redesigned-portal Zoom export (4 half-days of 4 h, 2,000 trainees, 100,000
rows with reconnects, second devices, waiting-room rows, guests and dial-ins), times
bot.zoom_reports.parse_csv + bot.attendance_compute.compute on it, then a plain pandas
implementation of the same rules on the same file, checks that both give every trainee
the same attended seconds, and prints the figures and the ratio ours / pandas.

    .venv/bin/python bench/attendance.py [--trainees N] [--rows N] [--seed N]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import importlib.util
import io
import random
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.attendance.compute import TraineeRef, Window, compute
from bot.zoom.reports import parse_csv

if TYPE_CHECKING:
    import pandas as pd

TIMEZONE = "America/New_York"
SESSION_DAYS = (1, 2, 3, 4)  # December 2026, 13:00-17:00 local
GUEST_SHARE = 0.03
TIME_FORMAT = "%m/%d/%Y %I:%M:%S %p"
HEADER = [
    "Name (original name)", "Email", "Join time", "Leave time", "Duration (minutes)",
    "Guest", "Recording disclaimer response", "In waiting room",
]
GIVEN = [
    "Amara", "Samuel", "José", "Mei Lin", "Priya", "Tomás", "Zoë", "Kwame", "Ingrid", "Hiroshi",
    "Fatima", "Lucas", "Aoife", "Mateus", "Sven", "Chiara", "Olumide", "Ana", "Dmitri", "Leilani",
    "Nadia", "Rafael", "Siobhan", "Tariq", "Yuki", "Björn", "Camila", "Emeka", "Grete", "Hamid",
    "Isabel", "Jonas", "Kalani", "Laila", "Marek", "Noémie", "Oskar", "Paula", "Quentin", "Rosa",
]
FAMILY = [
    "Nwosu", "Okafor", "Álvarez", "Chen", "Raman", "Ruiz", "Müller", "Mensah", "Larsen", "Tanaka",
    "Haddad", "Silva", "Byrne", "Costa", "Lindqvist", "Romano", "Adeyemi", "Pereira", "Volkov", "Kahale",
    "Benali", "Ortega", "Murphy", "Aziz", "Sato", "Eriksson", "Rojas", "Eze", "Hansen", "Karimi",
    "Navarro", "Weber", "Akana", "Rahimi", "Novák", "Lefèvre", "Berg", "Santos", "Dubois", "Moreno",
    "Ibrahim", "Jensen", "Kowalski", "Fernández", "García", "Ng", "Owusu", "Petrov", "Quispe", "Reyes",
]


@dataclass(frozen=True)
class SyntheticEvent:
    """What a caller needs to import the generated report: zone, sessions, roster."""

    tz: ZoneInfo
    windows: list[Window]
    roster: list[TraineeRef]


def make_report(path: Path | str, trainees: int = 2000, rows: int = 100_000, seed: int = 1) -> SyntheticEvent:
    """Write a Zoom participant export of `rows` rows for `trainees` trainees to `path`."""
    rng = random.Random(seed)
    tz = ZoneInfo(TIMEZONE)
    windows = [Window(datetime(2026, 12, day, 13, tzinfo=tz), datetime(2026, 12, day, 17, tzinfo=tz))
               for day in SESSION_DAYS]
    roster = [_trainee(index) for index in range(trainees)]
    guest_rows = int(rows * GUEST_SHARE)
    records = _guest_rows(rng, windows, guest_rows)
    pairs = [(trainee, window) for window in windows for trainee in roster]
    per_pair, extra = divmod(rows - guest_rows, len(pairs))
    for index, (trainee, window) in enumerate(pairs):
        for join, leave, waiting in _session_rows(rng, window, per_pair + (index < extra)):
            records.append((_display_name(rng, trainee), _shown_email(rng, trainee), join, leave, waiting))
    records.sort(key=lambda record: record[2])
    Path(path).write_bytes(_export(records, windows, tz).encode("utf-8-sig"))
    return SyntheticEvent(tz, windows, roster)


def _trainee(index: int) -> TraineeRef:
    name = f"{GIVEN[index % len(GIVEN)]} {FAMILY[index // len(GIVEN) % len(FAMILY)]}"
    if index >= len(GIVEN) * len(FAMILY):
        name += f" {index // (len(GIVEN) * len(FAMILY)) + 1}"
    email = _ascii(name).lower().replace(" ", ".") + f"{index}@example.org"
    return TraineeRef(index, name, email)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _display_name(rng: random.Random, trainee: TraineeRef) -> str:
    """Mostly the registered name; sometimes lower-case without accents, or renamed."""
    roll = rng.random()
    if roll < 0.1:
        return _ascii(trainee.name).lower()
    if roll < 0.2:
        return f"{trainee.name} ({trainee.name.split()[0]}'s laptop)"
    return trainee.name


def _shown_email(rng: random.Random, trainee: TraineeRef) -> str:
    return trainee.email if rng.random() < 0.75 else ""


def _session_rows(rng: random.Random, window: Window, count: int) -> list[tuple[float, float, bool]]:
    """One person's rows in one session: maybe a waiting-room row, reconnects with gaps
    or small overlaps, maybe a second device; most people stay, some come late or leave early."""
    start, end = window.start.timestamp(), window.end.timestamp()
    rows: list[tuple[float, float, bool]] = []
    if count >= 2 and rng.random() < 0.3:
        admitted = start + rng.uniform(-600, 120)
        rows.append((admitted - rng.uniform(30, 600), admitted, True))
        count -= 1
    first = start + (rng.uniform(-900, 300) if rng.random() < 0.9 else rng.uniform(0, 5400))
    last = end + (rng.uniform(-60, 300) if rng.random() < 0.9 else -rng.uniform(0, 5400))
    if count >= 3 and rng.random() < 0.3:
        device_join = rng.uniform(first, last)
        rows.append((device_join, rng.uniform(device_join, last), False))
        count -= 1
    cuts = sorted(rng.uniform(first, last) for _ in range(count - 1))
    for join, leave in zip([first, *cuts], [*cuts, last]):
        gap = rng.choice((0.0, rng.uniform(5, 180)))
        overlap = rng.uniform(0, 30) if rng.random() < 0.2 else 0.0
        rows.append((min(join + gap, leave), leave + overlap, False))
    return [(round(join), round(leave), waiting) for join, leave, waiting in rows]


def _guest_rows(rng: random.Random, windows: list[Window], count: int) -> list[tuple[str, str, float, float, bool]]:
    names = [f"+1 555 01{number:02d}" for number in range(40)] + [f"Guest {n}" for n in range(60)] + ["iPhone", "Galaxy S21"]
    rows = []
    for _ in range(count):
        window = rng.choice(windows)
        join = rng.uniform(window.start.timestamp() - 1800, window.end.timestamp())
        rows.append((rng.choice(names), "", round(join), round(join + rng.uniform(60, 7200)), False))
    return rows


def _export(records: list[tuple[str, str, float, float, bool]], windows: list[Window], tz: ZoneInfo) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    first, last = windows[0], windows[-1]
    writer.writerow(["Topic", "ID", "Host", "Duration (minutes)", "Start time", "End time", "Participants"])
    writer.writerow(["Instructor Training (synthetic)", "81234567890", "Kelly Tran (kelly.tran@example.org)", 240,
                     f"{first.start:{TIME_FORMAT}}", f"{last.end:{TIME_FORMAT}}", len(records)])
    writer.writerow([])
    writer.writerow(HEADER)
    for name, email, join, leave, waiting in records:
        writer.writerow([
            name, email, _local(join, tz), _local(leave, tz), max(1, -(-int(leave - join) // 60)),
            "No" if email else "Yes", "" if waiting else "OK", "Yes" if waiting else "No",
        ])
    return buffer.getvalue()


def _local(timestamp: float, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(timestamp, tz).strftime(TIME_FORMAT)


def ours(path: Path, event: SyntheticEvent) -> tuple[dict[int, int], float, float]:
    """Attended seconds per trainee, and the parse and compute times."""
    started = time.perf_counter()
    rows = parse_csv(path.read_bytes(), event.tz, path.name)
    parsed = time.perf_counter()
    result = compute(event.roster, rows, event.windows, {})
    done = time.perf_counter()
    return {key: attendance.attended for key, attendance in result.trainees.items()}, parsed - started, done - parsed


def with_pandas(path: Path, event: SyntheticEvent) -> dict[int, int]:
    """The same rules in plain pandas: find the table, drop the waiting room, match by
    e-mail then normalised name, clip to each session, union per person per session
    by sort + cumulative max."""
    import pandas as pd

    text = path.read_text("utf-8-sig")
    frame = pd.read_csv(io.StringIO(text[text.lower().find("name (original name)"):]), dtype=str, keep_default_na=False)
    columns = {name.strip().lower(): name for name in frame.columns}
    frame = frame[frame[columns["in waiting room"]].str.strip().str.lower() != "yes"]

    epoch, second = pd.Timestamp("1970-01-01", tz="UTC"), pd.Timedelta(seconds=1)

    def seconds(column: str) -> pd.Series:
        local = pd.to_datetime(frame[columns[column]], format=TIME_FORMAT)
        return (local.dt.tz_localize(event.tz.key).dt.tz_convert("UTC") - epoch) // second

    by_email = {trainee.email.lower(): trainee.key for trainee in event.roster}
    roster_names = _pandas_names(pd.Series([trainee.name for trainee in event.roster]))
    by_name = dict(zip(roster_names, (trainee.key for trainee in event.roster)))
    key = frame[columns["email"]].str.strip().str.lower().map(by_email)
    key = key.fillna(_pandas_names(frame[columns[HEADER[0].lower()]]).map(by_name))
    join, leave = seconds("join time"), seconds("leave time")

    pieces = []
    for session, window in enumerate(event.windows):
        low, high = int(window.start.timestamp()), int(window.end.timestamp())
        piece = pd.DataFrame({"key": key, "session": session, "start": join.clip(lower=low), "end": leave.clip(upper=high)})
        pieces.append(piece[piece["key"].notna() & (piece["end"] > piece["start"])])
    spans = pd.concat(pieces, ignore_index=True).sort_values(["key", "session", "start"], ignore_index=True)
    groups = [spans["key"], spans["session"]]
    reach = spans.groupby(groups)["end"].cummax().groupby(groups).shift()
    block = (reach.isna() | (spans["start"] > reach)).cumsum()
    merged = spans.groupby(block).agg(key=("key", "first"), start=("start", "min"), end=("end", "max"))
    totals = (merged["end"] - merged["start"]).groupby(merged["key"]).sum()
    found = {int(k): int(v) for k, v in totals.items()}
    return {trainee.key: found.get(trainee.key, 0) for trainee in event.roster}


def _pandas_names(names: pd.Series) -> pd.Series:
    """normalise_name with pandas string methods (Latin accents only, enough here)."""
    folded = names.str.normalize("NFKD").str.replace("[\u0300-\u036f]", "", regex=True).str.casefold()
    return folded.str.split().str.join(" ").str.partition(" (")[0]


async def full_import(path: Path, event: SyntheticEvent, db_path: Path) -> tuple[float, float]:
    """The real import path (AttendanceService) into a fresh SQLite database: (import s, report s)."""
    from bot.app import build_services
    from bot.config import Settings
    from storage.db import Database

    settings = Settings(database_url=f"sqlite+aiosqlite:///{db_path}", _env_file=None)
    db = Database(settings.database_url)
    await db.upgrade()
    services = build_services(settings, db=db, clock=lambda: event.windows[-1].end + timedelta(days=1))
    sessions = "\n".join(f"      - {{start: {w.start.astimezone(event.tz):%Y-%m-%dT%H:%M}, "
                         f"end: {w.end.astimezone(event.tz):%Y-%m-%dT%H:%M}}}" for w in event.windows)
    await services.calendar.load_file(
        f"events:\n  - slug: bench\n    title: Bench\n    format: online\n    timezone: {event.tz.key}\n"
        f"    capacity: {len(event.roster)}\n    sessions:\n{sessions}\n".encode(), "bench.yml")
    roster = "name,email\n" + "".join(f"{t.name},{t.email}\n" for t in event.roster if t.email)
    await services.calendar.load_roster("bench", roster.encode(), "bench.csv")
    started = time.perf_counter()
    await services.attendance.import_files("bench", [(path.name, path.read_bytes())], None, "bench")
    imported = time.perf_counter() - started
    started = time.perf_counter()
    await services.attendance.report("bench")
    reported = time.perf_counter() - started
    await db.dispose()
    return imported, reported


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=2000)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "participants.csv"
        event = make_report(path, args.trainees, args.rows, args.seed)
        print(f"report: {args.rows:,} rows, {args.trainees:,} trainees, {len(event.windows)} sessions, "
              f"{path.stat().st_size / 1e6:.1f} MB")
        totals, parse_seconds, compute_seconds = ours(path, event)
        ours_seconds = parse_seconds + compute_seconds
        print(f"ours:   parse {parse_seconds:.3f} s + compute {compute_seconds:.3f} s = {ours_seconds:.3f} s "
              f"({args.rows / ours_seconds:,.0f} rows/s)")
        import_seconds, report_seconds = asyncio.run(full_import(path, event, Path(directory) / "bench.db"))
        print(f"full import into SQLite (parse, check, store {args.rows:,} rows): {import_seconds:.3f} s; "
              f"report from the database: {report_seconds:.3f} s")
        if importlib.util.find_spec("pandas") is None:
            print("pandas: not installed; pip install pandas to compare against it")
            return 0
        started = time.perf_counter()
        expected = with_pandas(path, event)
        pandas_seconds = time.perf_counter() - started
        differing = [key for key in totals if totals[key] != expected[key]]
        print(f"pandas: {pandas_seconds:.3f} s; totals agree for {len(totals) - len(differing):,} "
              f"of {len(totals):,} trainees")
        print(f"ratio ours / pandas: {ours_seconds / pandas_seconds:.2f}")
        return 1 if differing else 0


if __name__ == "__main__":
    raise SystemExit(main())
