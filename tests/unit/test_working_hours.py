from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from bot.reminders.working_hours import at_local_hour, next_working_moment

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
