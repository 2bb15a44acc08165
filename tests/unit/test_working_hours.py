from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from bot.reminders.working_hours import at_local_hour, next_working_moment, send_moment

BERLIN = ZoneInfo("Europe/Berlin")


def test_inside_hours_is_sent_now_and_outside_waits_for_the_next_morning():
    tue_10 = datetime(2026, 12, 1, 10, 0, tzinfo=BERLIN)
    assert next_working_moment(tue_10, BERLIN) == tue_10
    tue_20 = datetime(2026, 12, 1, 20, 0, tzinfo=BERLIN)
    assert next_working_moment(tue_20, BERLIN) == datetime(2026, 12, 2, 9, 0, tzinfo=BERLIN)
    fri_19 = datetime(2026, 12, 4, 19, 0, tzinfo=BERLIN)
    assert next_working_moment(fri_19, BERLIN) == datetime(2026, 12, 7, 9, 0, tzinfo=BERLIN)


def test_the_recipients_zone_decides():
    utc_14 = datetime(2026, 12, 1, 14, 0, tzinfo=timezone.utc)  # 23:00 in Tokyo, 09:00 in New York
    assert next_working_moment(utc_14, ZoneInfo("Asia/Tokyo")).hour == 9
    assert next_working_moment(utc_14, ZoneInfo("America/New_York")) == utc_14


@given(st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 1, 1), timezones=st.just(BERLIN)))
def test_result_is_never_earlier_and_always_a_weekday_in_hours(moment):
    result = next_working_moment(moment, BERLIN)
    assert result >= moment
    local = result.astimezone(BERLIN)
    assert local.weekday() < 5 and 9 <= local.hour < 18


def test_at_local_hour():
    assert at_local_hour(datetime(2026, 12, 1, 23, 30, tzinfo=timezone.utc), BERLIN, 15) == \
        datetime(2026, 12, 2, 15, 0, tzinfo=BERLIN)


def test_configured_weekdays_and_a_day_long_window():
    sat_03 = datetime(2026, 12, 5, 3, 0, tzinfo=BERLIN)
    assert next_working_moment(sat_03, BERLIN, 0, 24, frozenset(range(7))) == sat_03
    sun = datetime(2026, 12, 6, 12, 0, tzinfo=BERLIN)  # a Sunday-to-Thursday week
    assert next_working_moment(sun, BERLIN, weekdays=frozenset({6, 0, 1, 2, 3})) == sun


def test_checkout_nudges_stop_once_checkout_is_complete():
    from bot.checkout.data import CheckoutDeadline
    from bot.reminders.sources import checkout_reminders

    deadline = datetime(2027, 4, 13, 21, 0, tzinfo=timezone.utc)
    open_one = CheckoutDeadline("U0A", 1, "Jan", deadline, False, "Europe/Berlin")
    done = CheckoutDeadline("U0B", 2, "Jan", deadline, True, "Europe/Berlin")
    nudges = checkout_reminders([open_one, done])
    assert {c.recipient for c in nudges} == {"U0A"}
    assert sorted((deadline - c.due_at).days for c in nudges) == [1, 7, 14, 30, 60]
    assert all(c.expires_at == deadline for c in nudges)


# ---- never past the moment a reminder announces ---------------------------------------------------------------
def test_a_sunday_events_day_before_reminder_goes_on_the_weekend_not_on_monday():
    sunday_13 = datetime(2026, 12, 6, 13, 0, tzinfo=BERLIN)
    saturday_13 = datetime(2026, 12, 5, 13, 0, tzinfo=BERLIN)  # due: a day before, inside the day's hours
    assert next_working_moment(saturday_13, BERLIN) > sunday_13  # Monday 09:00, after the start
    assert send_moment(saturday_13, sunday_13, BERLIN) == saturday_13
    saturday_20 = datetime(2026, 12, 5, 20, 0, tzinfo=BERLIN)  # due in the evening: the Sunday morning
    assert send_moment(saturday_20, datetime(2026, 12, 6, 20, 0, tzinfo=BERLIN), BERLIN) == \
        datetime(2026, 12, 6, 9, 0, tzinfo=BERLIN)


def test_with_no_working_or_daytime_moment_left_it_goes_at_once_before_the_start():
    wed_00 = datetime(2026, 12, 2, 0, 0, tzinfo=BERLIN)
    assert send_moment(wed_00, datetime(2026, 12, 2, 3, 0, tzinfo=BERLIN), BERLIN) == wed_00


def test_on_working_days_the_next_working_moment_is_kept_when_it_comes_before_the_deadline():
    tue_20 = datetime(2026, 12, 1, 20, 0, tzinfo=BERLIN)
    wed_09 = datetime(2026, 12, 2, 9, 0, tzinfo=BERLIN)
    assert send_moment(tue_20, datetime(2026, 12, 8, tzinfo=BERLIN), BERLIN) == wed_09


def test_a_checkout_nudge_is_never_pushed_past_the_deadline_it_announces():
    fri_19 = datetime(2026, 12, 4, 19, 0, tzinfo=BERLIN)  # "closes tomorrow": Saturday 19:00
    assert send_moment(fri_19, fri_19 + timedelta(days=1), BERLIN) == datetime(2026, 12, 5, 9, 0, tzinfo=BERLIN)


@given(st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 1, 1)),
       st.timedeltas(min_value=timedelta(minutes=1), max_value=timedelta(days=9)))
def test_planned_moments_are_never_before_they_are_due_nor_at_or_after_the_deadline(moment, lead):
    earliest = moment.replace(tzinfo=timezone.utc)
    planned = send_moment(earliest, earliest + lead, BERLIN)
    assert earliest <= planned < earliest + lead
