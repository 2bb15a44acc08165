import csv
import io
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.zoom.reports import (
    NOT_UTF8,
    ParticipantRow,
    ReportError,
    neutralise_cell,
    parse_api_pages,
    parse_csv,
    parse_json_file,
)

DATA = Path(__file__).resolve().parent.parent / "data" / "zoom"
NEW_YORK = ZoneInfo("America/New_York")
UTC = timezone.utc
HEADER = "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\n"
SAMPLES = sorted(path.name for path in DATA.iterdir())


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def read(name: str, tz: ZoneInfo = NEW_YORK) -> list[ParticipantRow]:
    return parse_csv((DATA / name).read_bytes(), tz, name)


def table(*rows: str, header: str = HEADER) -> bytes:
    return (header + "".join(row + "\n" for row in rows)).encode()


def api_pages() -> list[dict]:
    return [json.loads((DATA / name).read_text("utf-8")) for name in ("api_page1.json", "api_page2.json")]


def refused(data: bytes, tz: ZoneInfo = NEW_YORK, source: str = "report.csv") -> ReportError:
    with pytest.raises(ReportError) as caught:
        parse_csv(data, tz, source)
    return caught.value


# --- the sample exports -------------------------------------------------------------


def test_plain_2021_table_gives_one_row_per_join_in_utc():
    rows = read("plain_2021.csv")
    assert len(rows) == 12
    amara = [row for row in rows if row.name == "Amara Nwosu"]
    assert [(row.join, row.leave) for row in amara] == [
        (utc(2026, 12, 1, 17, 55, 10), utc(2026, 12, 1, 22, 0, 31)),
        (utc(2026, 12, 1, 18, 31, 18), utc(2026, 12, 1, 20, 10, 2)),
    ]
    assert [row.line for row in rows] == list(range(2, 14))
    assert not any(row.waiting_room for row in rows)


def test_quoted_name_with_comma_and_mixed_case_email():
    mei_lin = [row for row in read("plain_2021.csv") if row.name == "Chen, Mei Lin"]
    assert len(mei_lin) == 2
    assert {row.email for row in mei_lin} == {"meilin.chen@example.com"}


def test_blank_email_and_phone_dial_in_are_kept():
    by_name = {row.name: row for row in read("plain_2021.csv")}
    assert by_name["jose alvarez"].email == ""
    assert by_name["+1 555 0142"].email == ""
    assert by_name["+1 555 0142"].leave - by_name["+1 555 0142"].join == timedelta(minutes=50)


def test_recording_consent_column_and_crlf():
    rows = read("recording_consent.csv")
    assert len(rows) == 7
    ipad = next(row for row in rows if row.name == "iPad")
    assert (ipad.join, ipad.leave, ipad.line) == (utc(2026, 12, 2, 18, 15, 22), utc(2026, 12, 2, 18, 16, 2), 8)


def test_old_meeting_block_with_trailing_commas_is_skipped():
    rows = read("meeting_block_old.csv")
    assert len(rows) == 8
    assert rows[0].name == "Kelly Tran" and rows[0].line == 5
    assert [row.name for row in rows if row.waiting_room] == ["Priya Raman"]
    waiting = next(row for row in rows if row.waiting_room)
    assert (waiting.join, waiting.leave) == (utc(2026, 12, 3, 17, 55), utc(2026, 12, 3, 18, 20))


def test_redesigned_portal_bom_topic_block_lower_case_headers():
    rows = read("redesigned_portal.csv")
    assert len(rows) == 10
    assert rows[0].line == 5
    assert [row.name for row in rows if row.waiting_room] == ["Tomás Ruiz"]
    jose = next(row for row in rows if row.name.startswith("José"))
    assert jose.name == "José Álvarez (Jose Alvarez)"
    assert jose.email == ""
    assert rows[-1].name == "+1 555 0199"
    assert rows[-1].join == utc(2026, 12, 4, 18, 3, 5)


def test_excel_resave_gives_the_same_rows_as_the_original_export():
    def content(rows):
        return [(row.name, row.email, row.join, row.leave, row.waiting_room) for row in rows]

    assert content(read("excel_resaved.csv")) == content(read("plain_2021.csv"))


def test_unique_users_export_is_refused():
    with pytest.raises(ReportError) as caught:
        read("unique_users.csv")
    error = caught.value
    assert error.source == "unique_users.csv"
    assert error.line == 4
    assert "Show unique users" in error.problem
    assert str(error).startswith("unique_users.csv, line 4: ")


def test_missing_leave_time_column_is_named():
    with pytest.raises(ReportError) as caught:
        read("missing_leave_time.csv")
    assert (caught.value.line, caught.value.problem) == (
        1, "the participant table has no 'Leave Time' column; its header, split on commas, reads "
           "'Name (Original Name)', 'User Email', 'Join Time', 'Duration (Minutes)', 'Guest'")


def test_missing_both_time_columns_are_named():
    error = refused(table("Ann,ann@example.org", header="Name (Original Name),Email\n"))
    assert "'Join Time' or 'Leave Time'" in error.problem


# Spreadsheet re-saves of the samples above (European locales save with `;`, "Text" with tabs).
RESAVED = [
    # re-save, comma original, starts with a BOM, has the meeting-data block
    ("semicolon_excel_resaved.csv", "excel_resaved.csv", True, True),  # decimal comma in the Meeting ID
    ("semicolon_quoted_redesigned.csv", "redesigned_portal.csv", True, True),  # every text cell quoted
    ("semicolon_recording_consent.csv", "recording_consent.csv", False, False),
    ("tab_plain_2021.csv", "plain_2021.csv", True, False),
    ("tab_meeting_block_old.csv", "meeting_block_old.csv", False, True),
]


@pytest.mark.parametrize("resaved, original, bom, block", RESAVED)
def test_semicolon_and_tab_resaves_give_the_same_rows_as_the_comma_original(resaved, original, bom, block):
    data = (DATA / resaved).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") == bom
    assert data.lstrip(b"\xef\xbb\xbf\"").lower().startswith(b"name (") != block
    rows = read(resaved)
    assert rows and rows == read(original)


def test_unknown_delimiter_names_the_header_cells_and_the_delimiter_tried():
    error = refused(b"Name (Original Name)|User Email|Join Time|Leave Time\nAnn||12/01/2026 01:00 PM|12/01/2026 02:00 PM\n")
    assert error.line == 1
    assert error.problem == ("the participant table has no 'Join Time' or 'Leave Time' column; its header, split on "
                             "commas, reads 'Name (Original Name)|User Email|Join Tim…'")


def test_unknown_header_cells_are_shown_bounded():
    header = ";".join(["Name (Original Name)"] + [f"Spalte {i} " + "x" * 200 for i in range(30)])
    error = refused(header.encode() + b"\n")
    assert "split on semicolons, reads 'Name (Original Name)', 'Spalte 0 xxx" in error.problem
    assert error.problem.endswith(", … (31 cells)")
    assert len(str(error)) < 500


def test_every_sample_csv_error_names_its_file():
    for name in ("unique_users.csv", "missing_leave_time.csv"):
        with pytest.raises(ReportError, match=name):
            read(name)


# --- the Reports API ---------------------------------------------------------------


def test_api_pages_are_concatenated_in_order():
    rows = parse_api_pages(api_pages(), "api.json")
    assert len(rows) == 11
    assert [row.line for row in rows] == list(range(1, 12))
    assert rows[0].name == "Kelly Tran"
    assert rows[-1].name == "+1 555 0199"


def test_api_waiting_room_status_milliseconds_and_guests():
    rows = parse_api_pages(api_pages(), "api.json")
    assert [(row.name, row.join) for row in rows if row.waiting_room] == [("Tomás Ruiz", utc(2026, 12, 4, 17, 49, 30))]
    samuel = rows[2]
    assert samuel.join == utc(2026, 12, 4, 17, 58, 2)
    assert rows[4].name == "José Álvarez" and rows[4].email == ""


def test_api_and_csv_exports_of_one_meeting_agree():
    def people(rows):
        return {(row.email, row.join, row.leave, row.waiting_room) for row in rows if row.email}

    api = parse_api_pages(api_pages(), "api.json")
    failover = utc(2026, 12, 4, 18, 30)
    assert people(row for row in api if row.join != failover) == people(read("redesigned_portal.csv"))


def test_json_file_accepts_one_page_or_a_list_of_pages():
    first, second = api_pages()
    listed = parse_json_file(json.dumps([first, second]).encode(), "pages.json")
    single = parse_json_file((DATA / "api_page1.json").read_bytes(), "api_page1.json")
    assert listed == parse_api_pages([first, second], "pages.json")
    assert single == listed[:5]


@pytest.mark.parametrize(
    "document, problem",
    [
        (b"{", "not valid JSON"),
        (b'{"meetings": []}', "page 1 has no 'participants' list"),
        (b"[1]", "page 1 has no 'participants' list"),
        (b'{"participants": [3]}', "participant is not a JSON object"),
        (b'{"participants": [{"name": "A", "join_time": "2026-12-04 18:00", "leave_time": "2026-12-04T19:00:00Z"}]}',
         "join_time '2026-12-04 18:00' is not an ISO 8601 UTC time"),
        (b'{"participants": [{"name": "A", "join_time": "2026-12-04T18:00:00+01:00", "leave_time": "2026-12-04T19:00:00Z"}]}',
         "not an ISO 8601 UTC time"),
        (b'{"participants": [{"name": "A", "join_time": "2026-12-04T18:00:00Z"}]}', "leave_time is missing"),
        (b'{"participants": [{"name": "A", "join_time": "2026-12-04T19:00:00Z", "leave_time": "2026-12-04T18:00:00Z"}]}',
         "is before join_time"),
        (b'{"participants": [{"name": 7, "join_time": "2026-12-04T18:00:00Z", "leave_time": "2026-12-04T19:00:00Z"}]}',
         "name 7 is not text"),
        (b"[" * 100_000, "not valid JSON"),
    ],
)
def test_malformed_api_json_is_refused(document, problem):
    with pytest.raises(ReportError) as caught:
        parse_json_file(document, "zoom.json")
    assert problem in caught.value.problem
    assert str(caught.value).startswith("zoom.json")


def test_api_pages_must_be_a_list():
    with pytest.raises(ReportError, match="list of Zoom Reports API pages"):
        parse_api_pages({"participants": []}, "api")  # type: ignore[arg-type]


# --- times -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("12/01/2026 01:05:09 PM", utc(2026, 12, 1, 18, 5, 9)),
        ("12/01/2026 01:05 PM", utc(2026, 12, 1, 18, 5)),
        ("12/01/2026 13:05:09", utc(2026, 12, 1, 18, 5, 9)),
        ("12/01/2026 13:05", utc(2026, 12, 1, 18, 5)),
        ("2026/12/01 01:05:09 PM", utc(2026, 12, 1, 18, 5, 9)),
        ("2026/12/01 13:05", utc(2026, 12, 1, 18, 5)),
        ("12/1/2026 1:05:09 PM", utc(2026, 12, 1, 18, 5, 9)),
        ("2026/12/1 8:35", utc(2026, 12, 1, 13, 35)),
        ("12/01/2026 12:10:00 AM", utc(2026, 12, 1, 5, 10)),
        ("12/01/2026 12:10:00 PM", utc(2026, 12, 1, 17, 10)),
        ("12/01/2026 01:05:09 pm", utc(2026, 12, 1, 18, 5, 9)),
    ],
)
def test_accepted_time_formats(text, expected):
    [row] = parse_csv(table(f"Ann,,{text},12/31/2026 11:00 PM,1,No"), NEW_YORK, "r.csv")
    assert row.join == expected
    assert row.join.tzinfo == UTC


def test_summer_time_and_the_repeated_fall_back_hour():
    summer, fold = parse_csv(
        table(
            "Ann,,07/01/2026 01:00:00 PM,07/01/2026 02:00:00 PM,60,No",
            "Bob,,11/01/2026 01:30:00 AM,11/01/2026 03:00:00 AM,90,No",
        ),
        NEW_YORK,
        "r.csv",
    )
    assert summer.join == utc(2026, 7, 1, 17)
    assert fold.join == utc(2026, 11, 1, 5, 30)  # fold=0: the first 01:30, still EDT
    assert fold.leave == utc(2026, 11, 1, 8)


@pytest.mark.parametrize(
    "value",
    ["13/01/2026 01:00 PM", "12/01/26 13:00", "2026-12-01 13:00:00", "12/01/2026 13:00 PM",
     "12/01/2026 00:10 AM", "02/30/2026 10:00", "12/01/2026", "", "١٢/٠١/٢٠٢٦ ١٣:٠٠", "12/01/2026 24:00"],
)
def test_unparsable_time_names_line_and_value(value):
    error = refused(table("Ann,,12/01/2026 01:00 PM,12/01/2026 02:00 PM,60,No", f'Bob,,"{value}",12/01/2026 02:00 PM,1,No'))
    assert error.line == 3
    assert error.problem.startswith(f"unparsable Join Time {value!r}")
    assert len(str(error).splitlines()) == 1


def test_leave_before_join_is_refused_with_its_line():
    error = refused(table("Ann,,12/01/2026 02:00 PM,12/01/2026 01:59 PM,1,No"))
    assert error.line == 2
    assert "before Join Time" in error.problem


def test_time_in_another_zone():
    [row] = parse_csv(table("Ann,,12/01/2026 01:00 PM,12/01/2026 02:00 PM,60,No"), ZoneInfo("Asia/Tokyo"), "r.csv")
    assert row.join == utc(2026, 12, 1, 4)


# --- bytes and layout --------------------------------------------------------------


def test_cp1252_resave_is_refused_with_the_line_of_the_first_bad_byte():
    data = table("Ann,,12/01/2026 01:00 PM,12/01/2026 02:00 PM,60,No", "Jos\xe9,,12/01/2026 01:00 PM,12/01/2026 02:00 PM,60,No")
    error = refused(data.decode().encode("cp1252"))
    assert (error.line, error.problem) == (3, NOT_UTF8)


@pytest.mark.parametrize(
    "data, problem",
    [
        (b"PK\x03\x04\x14\x00\x06\x00", "not a text file"),
        (HEADER.encode("utf-16"), NOT_UTF8),
        (b"", "no participant table"),
        ("名前 (元の名前),ユーザーメール,参加時刻,退出時刻,所要時間（分）\n".encode(), "no participant table"),
    ],
)
def test_files_that_are_not_participant_tables(data, problem):
    error = refused(data)
    assert error.problem.startswith(problem)
    assert "report.csv" in str(error)


def test_a_file_without_the_table_shows_its_first_line():
    error = refused("\n名前 (元の名前);ユーザーメール;参加時刻;退出時刻\n".encode())
    assert error.problem.endswith("(first line: '名前 (元の名前);ユーザーメール;参加時刻;退出時刻')")


def test_header_only_table_is_empty():
    assert parse_csv(table(), NEW_YORK, "r.csv") == []


def test_blank_and_comma_only_rows_and_a_short_footer_are_skipped():
    rows = parse_csv(
        table(
            "",
            ",,,,,",
            "Ann,,12/01/2026 01:00 PM,12/01/2026 02:00 PM,60,No",
            ",,,,,",
            "Bob,,12/01/2026 01:00 PM,12/01/2026 02:00 PM,60,No",
            "",
            "Zoom Report",
            "Generated 12/02/2026",
        ),
        NEW_YORK,
        "r.csv",
    )
    assert [(row.name, row.line) for row in rows] == [("Ann", 4), ("Bob", 6)]


def test_short_row_followed_by_data_is_an_error():
    error = refused(table("Ann,,12/01/2026 01:00 PM", "Bob,,12/01/2026 01:00 PM,12/01/2026 02:00 PM,60,No"))
    assert error.line == 2
    assert "row has 3 cells" in error.problem


def test_columns_are_found_by_name_not_position():
    header = "Name (original name),Guest,Leave time,In waiting room,JOIN TIME,Email\n"
    [row] = parse_csv(table("Ann,No,12/01/2026 02:00 PM,yes,12/01/2026 01:00 PM,Ann@Example.ORG", header=header), NEW_YORK, "r")
    assert (row.join, row.leave, row.waiting_room, row.email) == (
        utc(2026, 12, 1, 18), utc(2026, 12, 1, 19), True, "ann@example.org")


def test_multi_line_quoted_name_keeps_file_line_numbers():
    first = '"Ann\nNwosu",,12/01/2026 01:00 PM,12/01/2026 02:00 PM,60,No'
    rows = parse_csv(table(first, "Bob,,12/01/2026 01:00 PM,12/01/2026 02:00 PM,60,No"), NEW_YORK, "r.csv")
    assert [(row.name, row.line) for row in rows] == [("Ann\nNwosu", 2), ("Bob", 4)]
    error = refused(table(first, "Bob,,12/01/2026 01:00 PM,oops,60,No"))
    assert error.line == 4


def test_huge_field_is_a_report_error():
    error = refused(table("A" * 300_000 + ",,12/01/2026 01:00 PM,12/01/2026 02:00 PM,60,No"))
    assert error.line is not None
    assert "not a readable CSV table" in error.problem


# --- errors and spreadsheet safety -------------------------------------------------


def test_report_error_is_one_line_with_or_without_a_line_number():
    assert str(ReportError("a.csv", 7, "bad")) == "a.csv, line 7: bad"
    assert str(ReportError("a.csv", None, "bad")) == "a.csv: bad"
    assert str(ReportError("a\nb.csv", 1, "two\nlines")) == "a b.csv, line 1: two lines"
    assert isinstance(ReportError("a", None, "b"), ValueError)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=1+2", "'=1+2"),
        ("+1 555 0142", "'+1 555 0142"),
        ("-3", "'-3"),
        ("@robin.k", "'@robin.k"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Amara Nwosu", "Amara Nwosu"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_neutralise_cell(value, expected):
    assert neutralise_cell(value) == expected


# --- properties --------------------------------------------------------------------

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parses_or_refuses(data: bytes) -> list[ParticipantRow] | None:
    try:
        rows = parse_csv(data, NEW_YORK, "fuzz.csv")
    except ReportError as error:
        assert "fuzz.csv" in str(error)
        assert len(str(error).splitlines()) <= 1
        return None
    assert all(row.leave >= row.join for row in rows)
    return rows


@FUZZ
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_only_ever_raise_report_error(data):
    parses_or_refuses(data)


@FUZZ
@given(st.binary(max_size=600))
def test_garbage_after_a_real_header_only_ever_raises_report_error(tail):
    parses_or_refuses(HEADER.encode() + tail)


@FUZZ
@given(st.sampled_from([name for name in SAMPLES if name.endswith(".csv")]), st.data())
def test_truncated_or_damaged_exports_only_ever_raise_report_error(name, data):
    original = (DATA / name).read_bytes()
    cut = data.draw(st.integers(0, len(original)))
    position = data.draw(st.integers(0, max(0, cut - 1)))
    junk = data.draw(st.binary(max_size=3))
    parses_or_refuses(original[:position] + junk + original[position + len(junk):cut])


@FUZZ
@given(st.text(max_size=2000).map(str.encode))
def test_arbitrary_text_only_ever_raises_report_error(data):
    parses_or_refuses(data)


@FUZZ
@given(st.binary(max_size=500))
def test_arbitrary_json_bytes_only_ever_raise_report_error(data):
    try:
        parse_json_file(data, "fuzz.json")
    except ReportError as error:
        assert "fuzz.json" in str(error)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30)
    | st.sampled_from(["2026-12-04T18:00:00Z", "2026-12-04T19:00:00.5Z", "in_waiting_room"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["participants", "name", "user_email", "join_time", "leave_time", "status"]), inner, max_size=6),
    max_leaves=20,
)


@FUZZ
@given(JSON_VALUES)
def test_arbitrary_api_shapes_only_ever_raise_report_error(document):
    try:
        rows = parse_json_file(json.dumps(document).encode(), "fuzz.json")
    except ReportError:
        return
    assert all(isinstance(row.name, str) and row.leave >= row.join for row in rows)


CELL = st.one_of(
    st.sampled_from(["=1+2", "+1 555 0142", "-2", "@SUM(A1:A9)", '=HYPERLINK("http://x.test","x")', "\t=cmd|' /C calc'!A0"]),
    st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), min_size=1, max_size=40),
)


@FUZZ
@given(st.lists(st.tuples(CELL, CELL), min_size=1, max_size=8))
def test_formula_like_cells_survive_parsing_as_text(cells):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Name (Original Name)", "User Email", "Join Time", "Leave Time", "Guest"])
    for name, email in cells:
        writer.writerow([name, email, "12/01/2026 01:00:00 PM", "12/01/2026 02:00:00 PM", "No"])
    rows = parse_csv(buffer.getvalue().encode(), NEW_YORK, "cells.csv")
    assert [(row.name, row.email) for row in rows] == [(name.strip(), email.strip().lower()) for name, email in cells]
    for row in rows:
        if row.name[:1] in ("=", "+", "-", "@"):
            assert neutralise_cell(row.name) == "'" + row.name
