"""Importing Zoom reports and computing attendance, on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import delete, func, select

from bot.attendance import formats as fmt
from bot.common.errors import InputError
from bot.zoom.webhook import LiveEvent
from storage.models import AttendanceImport, AttendanceRow
from tests.attendance_fixtures import load_event, sample

pytestmark = pytest.mark.both_databases

AFTER = datetime(2026, 12, 10, tzinfo=timezone.utc)


async def rows_stored(services) -> tuple[int, int]:
    async with services.db.transaction() as s:
        return (await s.scalar(select(func.count()).select_from(AttendanceImport)),
                await s.scalar(select(func.count()).select_from(AttendanceRow)))


async def test_day_one_report_matches_by_email_and_name_and_keeps_the_unmatched(services, clock):
    await load_event(services)
    clock.now = AFTER
    summary = await services.attendance.import_files("it-dec", [sample("plain_2021.csv")], None, "cli")
    assert summary.imported == [("plain_2021.csv", 12)]
    report = fmt.to_json(await services.attendance.report("it-dec"))
    assert report["scheduled_minutes"] == 960 and report["threshold_minutes"] == 60
    day1 = {t["name"]: t["sessions"][0]["attended_minutes"] for t in report["trainees"]}
    # Amara on two devices counts once; Sam's 53-second reconnect gap; Mei Lin's 10-minute break;
    # "jose alvarez" (no email) matched by folded name; Priya left at 15:30.
    assert day1 == {"Amara Nwosu": 240, "Samuel Okafor": 239, "José Álvarez": 239, "Mei Lin Chen": 230,
                    "Priya Raman": 145, "Jordan Lee": 0}
    assert {t["status"] for t in report["trainees"]} == {"retake"}  # three sessions not in this report
    assert [u["name"] for u in report["unmatched"]] == ["+1 555 0142", "Jordan (they/them)", "Kelly Tran",
                                                        "Read.ai meeting notes"]
    assert report["unmatched"][0]["minutes"] == 50
    assert set(report["trainees"][0]) == {"name", "email", "attended_minutes", "missed_minutes", "absent",
                                          "status", "sessions"}


async def test_importing_the_same_report_twice_changes_nothing(services, clock):
    await load_event(services)
    await services.attendance.import_files("it-dec", [sample("plain_2021.csv")], None, "cli")
    before = await rows_stored(services)
    again = await services.attendance.import_files("it-dec", [sample("plain_2021.csv")], None, "cli")
    assert again.skipped == ["plain_2021.csv"] and again.imported == []
    assert await rows_stored(services) == before


@pytest.mark.parametrize("bad,expected", [
    ("missing_leave_time.csv", "missing_leave_time.csv, line 1: the participant table has no 'Leave Time' column"),
    ("unique_users.csv", "Show unique users"),
])
async def test_a_bad_file_stops_the_whole_import(services, bad, expected):
    await load_event(services)
    with pytest.raises(InputError) as err:
        await services.attendance.import_files("it-dec", [sample("plain_2021.csv"), sample(bad)], None, "cli")
    assert expected in str(err.value)
    assert await rows_stored(services) == (0, 0)


async def test_a_report_of_another_event_or_wrong_zone_is_refused(services):
    await load_event(services)
    with pytest.raises(InputError, match="fall outside every session of it-dec"):
        await services.attendance.import_files("it-dec", [sample("plain_2021.csv")], "Asia/Tokyo", "cli")
    assert await rows_stored(services) == (0, 0)
    with pytest.raises(InputError, match="unknown event 'nope'"):
        await services.attendance.import_files("nope", [sample("plain_2021.csv")], None, "cli")


async def test_every_export_variant_imports_and_api_pages_equal_the_csv(services, clock):
    await load_event(services)
    clock.now = AFTER
    files = [sample(n) for n in ("plain_2021.csv", "recording_consent.csv", "meeting_block_old.csv",
                                 "redesigned_portal.csv", "api_page1.json", "api_page2.json")]
    summary = await services.attendance.import_files("it-dec", files, None, "cli")
    assert len(summary.imported) + len(summary.skipped) == 6
    report = await services.attendance.report("it-dec")
    day4 = {t.name: t.sessions[3] for t in report.trainees}
    assert day4["Amara Nwosu"] > 0


async def test_an_alias_matches_a_participant_for_good(services, clock):
    await load_event(services)
    clock.now = AFTER
    await services.attendance.import_files("it-dec", [sample("plain_2021.csv")], None, "cli")
    report = await services.attendance.report("it-dec")
    jordan = next(t for t in report.trainees if t.name == "Jordan Lee")
    await services.attendance.save_alias("U0TRAINER", "it-dec", "Jordan (they/them)", jordan.person_id)
    report = await services.attendance.report("it-dec")
    assert next(t for t in report.trainees if t.name == "Jordan Lee").sessions[0] == 4 * 3600
    assert "Jordan (they/them)" not in [u.name for u in report.unmatched]
    # A second alias: the trainee is still listed once, and both names are theirs.
    names = [t.name for t in report.trainees]
    await services.attendance.save_alias("U0TRAINER", "it-dec", "Kelly Tran", jordan.person_id)
    report = await services.attendance.report("it-dec")
    assert [t.name for t in report.trainees] == names
    assert not {"Jordan (they/them)", "Kelly Tran"} & {u.name for u in report.unmatched}


async def test_amy_export_and_csv_neutralise_formulas(services, clock):
    await load_event(services)
    clock.now = AFTER
    evil = b"Name (Original Name),User Email,Join Time,Leave Time\n" \
           b"=HYPERLINK(\"http://x\"),,12/01/2026 01:00:00 PM,12/01/2026 02:00:00 PM\n"
    await services.attendance.import_files("it-dec", [sample("plain_2021.csv"), ("evil.csv", evil)], None, "cli")
    report = await services.attendance.report("it-dec")
    amy = fmt.to_amy(report).splitlines()
    assert amy[0] == "trainee,email,event,requirement,state,notes"
    assert any(line.startswith("Amara Nwosu,amara.nwosu@example.edu,it-dec,Training,Failed,missed 720 of 960")
               for line in amy)
    assert "'=HYPERLINK" in fmt.to_csv(report) and "\n=HYPERLINK" not in fmt.to_csv(report)


CONTRACT_KEYS = {"event", "scheduled_minutes", "threshold_minutes", "trainees", "unmatched"}
HEADER_ONLY = ("empty.csv", b"Name (Original Name),User Email,Join Time,Leave Time\n")


@pytest.mark.parametrize("now, files, reason", [
    (datetime(2026, 11, 23, tzinfo=timezone.utc), [], "the event has not started (its first session starts "
                                                     "2026-12-01 18:00 UTC)"),
    (datetime(2026, 12, 2, 23, tzinfo=timezone.utc), ["plain_2021.csv"], "the event has not ended (its last "
                                                                         "session ends 2026-12-04 22:00 UTC)"),
    (AFTER, [], "no Zoom attendance report has been imported (trainingbot attendance import)"),
])
async def test_a_result_that_is_not_final_is_marked_partial_and_never_goes_to_amy(services, clock, now, files,
                                                                                     reason):
    await load_event(services)
    if files:
        await services.attendance.import_files("it-dec", [sample(n) for n in files], None, "cli")
    clock.now = now
    report = await services.attendance.report("it-dec")
    assert report.partial_reason == reason
    document = fmt.to_json(report)
    assert set(document) == CONTRACT_KEYS | {"partial", "reason"}
    assert (document["partial"], document["reason"]) == (True, reason)
    assert fmt.to_table(report).splitlines()[0] == f"PARTIAL, not final: {reason}"
    with pytest.raises(InputError) as err:
        await services.attendance.final_report("it-dec")
    assert str(err.value) == f"it-dec: not exported for AMY, which takes final results only: {reason}"


async def test_an_ended_event_with_an_empty_report_or_only_webhook_times_is_final(services, clock):
    await load_event(services)
    clock.now = AFTER
    await services.attendance.import_files("it-dec", [HEADER_ONLY], None, "cli")
    report = await services.attendance.final_report("it-dec")
    assert report.partial_reason is None and set(fmt.to_json(report)) == CONTRACT_KEYS
    assert fmt.to_table(report).startswith("it-dec: 960 scheduled minutes")
    joined = LiveEvent("joined", "81234567890", "uuid-1", "Amara Nwosu", "amara.nwosu@example.edu",
                       datetime(2026, 12, 1, 18, tzinfo=timezone.utc), "p1")
    assert await services.attendance.record_live(joined) == "it-dec"
    async with services.db.transaction() as s:
        await s.execute(delete(AttendanceImport))
    report = await services.attendance.final_report("it-dec")
    assert report.partial_reason is None
    assert next(t for t in report.trainees if t.name == "Amara Nwosu").attended > 0
