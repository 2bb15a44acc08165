import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.attendance.compute import (
    MAKEUP,
    PRESENT,
    RETAKE,
    TraineeRef,
    UnmatchedParticipant,
    Window,
    compute,
    covers_any_window,
    match_rows,
    minutes,
    normalise_name,
    union_seconds_in,
)
from bot.zoom.reports import ParticipantRow, parse_api_pages, parse_csv

DATA = Path(__file__).resolve().parent.parent / "data" / "zoom"
NEW_YORK = ZoneInfo("America/New_York")
UTC = timezone.utc
BASE = datetime(2026, 12, 1, 18, tzinfo=UTC)
HOUR = 3600
SESSION = Window(BASE, BASE + timedelta(hours=4))
EVENT = [
    Window(datetime(2026, 12, day, 13, tzinfo=NEW_YORK), datetime(2026, 12, day, 17, tzinfo=NEW_YORK))
    for day in (1, 2, 3, 4)
]
ROSTER = [
    TraineeRef("amara", "Amara Nwosu", "amara.nwosu@example.edu"),
    TraineeRef("samuel", "Samuel Okafor", "Samuel.Okafor@example.org"),
    TraineeRef("jose", "José Álvarez", "jose.alvarez@example.es"),
    TraineeRef("meilin", "Mei Lin Chen", "meilin.chen@example.com"),
    TraineeRef("priya", "Priya Raman", "priya.raman@example.in"),
    TraineeRef("tomas", "Tomás Ruiz", "tomas.ruiz@example.mx"),
]
EVENT_FILES = ["plain_2021.csv", "recording_consent.csv", "meeting_block_old.csv", "redesigned_portal.csv"]


def at(seconds: float) -> datetime:
    return BASE + timedelta(seconds=seconds)


def row(name: str, email: str, start: float, end: float, waiting: bool = False) -> ParticipantRow:
    return ParticipantRow(name, email, at(start), at(end), waiting, 1)


def spans(*pairs: tuple[float, float]) -> list[tuple[datetime, datetime]]:
    return [(at(start), at(end)) for start, end in pairs]


def event_rows() -> list[ParticipantRow]:
    return [r for name in EVENT_FILES for r in parse_csv((DATA / name).read_bytes(), NEW_YORK, name)]


# --- union of intervals ------------------------------------------------------------


@pytest.mark.parametrize(
    "pairs, expected",
    [
        ([], 0),
        ([(0, HOUR)], HOUR),
        ([(0, 2 * HOUR), (HOUR, 3 * HOUR)], 3 * HOUR),  # two devices at once count once
        ([(0, HOUR), (HOUR + 600, 2 * HOUR)], 2 * HOUR - 600),  # a reconnect's gap is missed
        ([(0, HOUR), (HOUR, 2 * HOUR)], 2 * HOUR),  # touching rows
        ([(-HOUR, 600), (4 * HOUR - 60, 5 * HOUR)], 660),  # clipped at both ends
        ([(-2 * HOUR, -HOUR), (5 * HOUR, 6 * HOUR)], 0),  # wholly outside
        ([(-HOUR, 5 * HOUR)], 4 * HOUR),
        ([(100, 100)], 0),
        ([(0.4, 1.9)], 1),  # whole seconds, rounded down
    ],
)
def test_union_seconds_in(pairs, expected):
    assert union_seconds_in(spans(*pairs), SESSION) == expected


def test_union_in_an_empty_window_is_zero():
    assert union_seconds_in(spans((-HOUR, HOUR)), Window(BASE, BASE)) == 0


def test_union_accepts_windows_in_another_zone():
    window = Window(datetime(2026, 12, 1, 13, tzinfo=NEW_YORK), datetime(2026, 12, 1, 14, tzinfo=NEW_YORK))
    assert union_seconds_in(spans((-1800, 1800)), window) == 1800


@pytest.mark.parametrize(
    "start, end",
    [(datetime(2026, 12, 1, 13), datetime(2026, 12, 1, 17)), (BASE, BASE - timedelta(seconds=1))],
)
def test_window_must_be_aware_and_ordered(start, end):
    with pytest.raises(ValueError):
        Window(start, end)


# --- names, minutes ----------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Sam (Samuel Okafor)", "sam"),
        ("  José   ÁLVAREZ ", "jose alvarez"),
        ("José Álvarez (Jose Alvarez)", "jose alvarez"),
        ("Pat (they/them) (Patricia Moss)", "pat"),
        ("Straße", "strasse"),
        ("Nguyễn Thị Hương", "nguyen thi huong"),
        ("Mei\u00a0Lin\tChen", "mei lin chen"),
        ("(Samuel Okafor)", "(samuel okafor)"),
        ("Eric's iPad (Clapton)", "eric's ipad"),
        ("", ""),
    ],
)
def test_normalise_name(raw, expected):
    assert normalise_name(raw) == expected


@settings(max_examples=500)
@given(st.text(max_size=40))
def test_normalise_name_is_stable(raw):
    once = normalise_name(raw)
    assert normalise_name(once) == once
    assert " (" not in once and once == once.strip()


@pytest.mark.parametrize("seconds, expected", [(0, 0), (29, 0), (30, 1), (89, 1), (90, 2), (3600, 60), (5702, 95)])
def test_minutes_round_half_up(seconds, expected):
    assert minutes(seconds) == expected


# --- matching ----------------------------------------------------------------------


def test_email_wins_over_name_and_is_case_insensitive():
    rows = [row("Priya Raman", "AMARA.NWOSU@example.edu", 0, 60)]
    matched, unmatched = match_rows(rows, ROSTER, {})
    assert matched["amara"] == rows
    assert matched["priya"] == [] and unmatched == {}


def test_name_then_alias_then_unmatched():
    rows = [
        row("jose alvarez", "", 0, 60),
        row("Sam (Samuel Okafor)", "", 0, 60),
        row("Jordan (they/them)", "", 0, 60),
        row("Jordan (they/them)", "", 100, 160),
        row("Jordan (they/them)", "jordan@example.net", 0, 60),
    ]
    matched, unmatched = match_rows(rows, ROSTER, {"Sam": "samuel"})
    assert matched["jose"] == rows[:1]
    assert matched["samuel"] == rows[1:2]
    assert unmatched == {("Jordan (they/them)", ""): rows[2:4], ("Jordan (they/them)", "jordan@example.net"): rows[4:]}


def test_a_name_two_trainees_share_matches_nobody_until_an_alias_says_who():
    roster = [TraineeRef(1, "Alex Kim", "alex.kim@example.org"), TraineeRef(2, "Alex Kim", "akim@example.com")]
    rows = [row("Alex Kim", "", 0, 60)]
    matched, unmatched = match_rows(rows, roster, {})
    assert matched == {1: [], 2: []} and list(unmatched) == [("Alex Kim", "")]
    matched, unmatched = match_rows(rows, roster, {"alex kim": 2})
    assert matched == {1: [], 2: rows} and unmatched == {}


def test_alias_to_someone_not_on_the_roster_is_ignored():
    matched, unmatched = match_rows([row("Sam", "", 0, 60)], ROSTER, {"sam": "somebody-else"})
    assert list(unmatched) == [("Sam", "")]


def test_falsy_trainee_keys_still_match():
    matched, _ = match_rows([row("Ann", "", 0, 60)], [TraineeRef(0, "Ann", "")], {})
    assert len(matched[0]) == 1


# --- compute -----------------------------------------------------------------------


def test_the_sample_event_without_aliases():
    result = compute(ROSTER, event_rows(), EVENT, {})
    assert result.scheduled == 16 * HOUR
    missed = {key: attendance.missed for key, attendance in result.trainees.items()}
    assert missed == {
        "amara": 0,
        "samuel": 53 + 4 * HOUR,  # day 3's row has no e-mail and the nickname "Sam"
        "jose": 4 * 60,
        "meilin": 600 + 2700,
        "priya": 5702 + 1200,  # late on day 1, 20 minutes in the waiting room on day 3
        "tomas": 12 * HOUR,
    }
    status = {key: attendance.status for key, attendance in result.trainees.items()}
    assert status == {"amara": PRESENT, "samuel": RETAKE, "jose": PRESENT, "meilin": PRESENT,
                      "priya": MAKEUP, "tomas": RETAKE}
    assert result.trainees["priya"].sessions == (8698, 4 * HOUR, 4 * HOUR - 1200, 4 * HOUR)
    assert [t.absent for t in result.trainees.values()] == [False, True, False, False, True, True]


def test_the_sample_event_with_an_alias_for_the_nickname():
    result = compute(ROSTER, event_rows(), EVENT, {"sam": "samuel"})
    assert result.trainees["samuel"].missed == 53
    assert result.trainees["samuel"].status == PRESENT
    assert "Sam (Samuel Okafor)" not in {person.name for person in result.unmatched}


def test_unmatched_participants_are_listed_with_time_inside_the_sessions():
    result = compute(ROSTER, event_rows(), EVENT, {"sam": "samuel"})
    assert {(p.name, p.email): p.attended for p in result.unmatched} == {
        ("+1 555 0142", ""): 50 * 60,
        ("+1 555 0199", ""): 38 * 60 + 52,
        ("@robin.k", ""): 2 * HOUR + 44 * 60 + 35,
        ("iPad", ""): 40,
        ("Jordan (they/them)", ""): 4 * HOUR + 4 * HOUR - 12,
        ("Kelly Tran", "kelly.tran@example.org"): 16 * HOUR,
        ("Read.ai meeting notes", ""): 4 * HOUR,
    }
    assert [p.name for p in result.unmatched][:3] == ["+1 555 0142", "+1 555 0199", "@robin.k"]
    assert next(p for p in result.unmatched if p.name == "Jordan (they/them)").rows == 2


def test_api_pages_and_csv_of_the_same_session_agree():
    pages = [json.loads((DATA / name).read_text("utf-8")) for name in ("api_page1.json", "api_page2.json")]
    from_api = compute(ROSTER, parse_api_pages(pages, "api"), EVENT[3:], {})
    from_csv = compute(ROSTER, parse_csv((DATA / "redesigned_portal.csv").read_bytes(), NEW_YORK, "csv"), EVENT[3:], {})
    assert {k: t.attended for k, t in from_api.trainees.items()} == {k: t.attended for k, t in from_csv.trainees.items()}
    assert from_api.trainees["tomas"].attended == 4 * HOUR


@pytest.mark.parametrize(
    "missed, status, absent",
    [(0, PRESENT, False), (3600, PRESENT, False), (3601, MAKEUP, True), (4 * HOUR, MAKEUP, True),
     (4 * HOUR + 1, RETAKE, True)],
)
def test_thresholds(missed, status, absent):
    window = Window(BASE, at(5 * HOUR))
    result = compute([TraineeRef("t", "Ann", "ann@example.org")], [row("Ann", "", missed, 5 * HOUR)], [window], {})
    attendance = result.trainees["t"]
    assert (attendance.missed, attendance.status, attendance.absent) == (missed, status, absent)


def test_thresholds_are_settings():
    result = compute([TraineeRef("t", "Ann", "")], [row("Ann", "", 600, 4 * HOUR)], [SESSION], {},
                     threshold_seconds=300, makeup_limit_seconds=500)
    assert result.trainees["t"].status == RETAKE
    assert result.threshold == 300


def test_waiting_room_time_does_not_count():
    rows = [row("Ann", "", -600, 1200, waiting=True), row("Ann", "", 1200, 4 * HOUR),
            row("Guest", "", 0, HOUR, waiting=True)]
    result = compute([TraineeRef("t", "Ann", "")], rows, [SESSION], {})
    assert result.trainees["t"].missed == 1200
    assert result.unmatched == (UnmatchedParticipant("Guest", "", 0, 1),)


def test_trainee_without_rows_attended_nothing():
    result = compute(ROSTER, [], EVENT, {})
    assert {t.attended for t in result.trainees.values()} == {0}
    assert {t.status for t in result.trainees.values()} == {RETAKE}
    assert result.trainees["amara"].sessions == (0, 0, 0, 0)
    assert result.unmatched == ()


def test_report_covers_a_window():
    rows = parse_csv((DATA / "plain_2021.csv").read_bytes(), NEW_YORK, "plain_2021.csv")
    assert covers_any_window(rows, EVENT)
    assert not covers_any_window(rows, EVENT[1:])


def test_report_read_in_the_wrong_zone_covers_no_window():
    rows = parse_csv((DATA / "plain_2021.csv").read_bytes(), ZoneInfo("Asia/Tokyo"), "plain_2021.csv")
    assert not covers_any_window(rows, EVENT)


def test_waiting_room_rows_alone_do_not_cover_a_window():
    assert not covers_any_window([row("Ann", "", 0, HOUR, waiting=True)], [SESSION])
    assert not covers_any_window([], [SESSION])


# --- properties --------------------------------------------------------------------

OFFSET = st.integers(-2 * HOUR, 6 * HOUR)
INTERVAL = st.tuples(OFFSET, OFFSET).map(sorted).map(tuple)
INTERVALS = st.lists(INTERVAL, max_size=12)
WINDOW = st.tuples(st.integers(-HOUR, 4 * HOUR), st.integers(0, 4 * HOUR)).map(
    lambda pair: Window(at(pair[0]), at(pair[0] + pair[1]))
)
PEOPLE = ["Amara Nwosu", "Samuel Okafor", "Guest", "+1 555 0100"]
ROWS = st.lists(
    st.builds(
        lambda name, interval, waiting: row(name, "", interval[0], interval[1], waiting),
        st.sampled_from(PEOPLE),
        INTERVAL,
        st.booleans(),
    ),
    max_size=20,
)
TRAINEES = [TraineeRef(0, "Amara Nwosu", ""), TraineeRef(1, "Samuel Okafor", "")]


def seconds_covered(pairs, window: Window) -> int:
    """The obvious reference: count every covered second."""
    low, high = int((window.start - BASE).total_seconds()), int((window.end - BASE).total_seconds())
    return len({second for start, end in pairs for second in range(max(start, low), min(end, high))})


@settings(deadline=None)
@given(INTERVALS, WINDOW)
def test_union_equals_counting_covered_seconds(pairs, window):
    assert union_seconds_in(spans(*pairs), window) == seconds_covered(pairs, window)


@given(ROWS, st.lists(WINDOW, min_size=1, max_size=4))
def test_attended_never_exceeds_scheduled(rows, windows):
    result = compute(TRAINEES, rows, windows, {})
    for attendance in result.trainees.values():
        assert 0 <= attendance.attended <= attendance.scheduled == result.scheduled
        assert attendance.missed == attendance.scheduled - attendance.attended
        for seconds, window in zip(attendance.sessions, windows, strict=True):
            assert 0 <= seconds <= (window.end - window.start).total_seconds()


@given(INTERVALS, INTERVAL, WINDOW)
def test_adding_an_interval_never_lowers_attendance(pairs, extra, window):
    assert union_seconds_in(spans(*pairs, extra), window) >= union_seconds_in(spans(*pairs), window)


@given(INTERVALS, INTERVAL, st.floats(0, 1), WINDOW)
def test_splitting_an_interval_changes_nothing(pairs, interval, fraction, window):
    start, end = interval
    middle = start + (end - start) * fraction  # may fall inside a second
    assert union_seconds_in(spans(*pairs, (start, middle), (middle, end)), window) == union_seconds_in(
        spans(*pairs, interval), window
    )


@given(ROWS, st.lists(WINDOW, min_size=1, max_size=4), st.randoms(use_true_random=False))
def test_order_of_rows_changes_nothing(rows, windows, random):
    shuffled = list(rows)
    random.shuffle(shuffled)
    assert compute(TRAINEES, shuffled, windows, {}) == compute(TRAINEES, rows, windows, {})


@given(ROWS)
def test_matching_never_drops_a_row(rows):
    matched, unmatched = match_rows(rows, TRAINEES, {"guest": 1})
    assert sorted(map(id, rows)) == sorted(id(r) for group in (*matched.values(), *unmatched.values()) for r in group)
