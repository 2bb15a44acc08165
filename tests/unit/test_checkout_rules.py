"""Checkout rules over plain data: deadlines and extensions, Get Involved validation, state transitions."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.checkout import rules
from bot.checkout.rules import GetInvolvedForm, InvalidSubmission
from bot.common.errors import Refusal

NY = ZoneInfo("America/New_York")
TODAY = date(2026, 11, 23)
END = datetime(2026, 10, 7, 17, 0, tzinfo=NY)  # the training's last session ended


def test_add_months_keeps_the_wall_clock_and_clamps_the_day():
    assert rules.add_months(datetime(2027, 1, 31, 9, 0, tzinfo=NY), 1) == datetime(2027, 2, 28, 9, 0, tzinfo=NY)
    assert rules.add_months(datetime(2027, 11, 30, 9, 0, tzinfo=NY), 3) == datetime(2028, 2, 29, 9, 0, tzinfo=NY)
    winter = datetime(2027, 1, 5, 17, 0, tzinfo=NY)  # EST; April is EDT, 17:00 stays 17:00
    spring = rules.add_months(winter, 3)
    assert (spring.hour, spring.utcoffset()) == (17, timedelta(hours=-4))


def test_extensions_stop_one_year_after_the_training():
    cap = rules.extension_cap(END.astimezone(timezone.utc), "America/New_York")
    assert cap == datetime(2027, 10, 7, 17, 0, tzinfo=NY)
    deadline = datetime(2027, 1, 5, 17, 0, tzinfo=NY)
    steps = []
    for _ in range(4):
        deadline = rules.extended(deadline, 3, cap)
        steps.append(deadline.date().isoformat())
    assert steps == ["2027-04-05", "2027-07-05", "2027-10-05", "2027-10-07"]  # the last one is cut at the cap
    with pytest.raises(Refusal, match="no further extension"):
        rules.extended(deadline, 3, cap)


@pytest.mark.parametrize("months", [0, -1, 13])
def test_an_extension_is_one_to_twelve_months(months):
    with pytest.raises(Refusal, match="1 to 12 months"):
        rules.extended(datetime(2027, 1, 5, tzinfo=NY), months, datetime(2027, 10, 7, tzinfo=NY))


@given(st.lists(st.integers(min_value=1, max_value=12), max_size=8))
def test_extended_deadlines_grow_and_never_pass_the_cap(months_list):
    cap = datetime(2027, 10, 7, 17, 0, tzinfo=NY)
    deadline = datetime(2027, 1, 5, 17, 0, tzinfo=NY)
    for months in months_list:
        try:
            new = rules.extended(deadline, months, cap)
        except Refusal:
            assert deadline == cap
            continue
        assert deadline < new <= cap
        deadline = new


def test_current_deadline_is_the_latest_extension_or_the_base():
    base = datetime(2027, 1, 5, 22, 0, tzinfo=timezone.utc)
    assert rules.current_deadline(base, []) == base
    later = base + timedelta(days=90)
    assert rules.current_deadline(base, [base + timedelta(days=30), later]) == later


def test_days_left_counts_calendar_days_in_the_readers_zone():
    deadline = datetime(2027, 1, 5, 22, 0, tzinfo=timezone.utc)
    now = datetime(2026, 11, 23, 14, 0, tzinfo=timezone.utc)  # still 23 Nov in Tokyo (23:00)
    assert rules.days_left(deadline, now, ZoneInfo("Europe/London")) == 43
    assert rules.days_left(deadline, now, ZoneInfo("Asia/Tokyo")) == 44  # already 6 Jan there
    assert rules.days_left(deadline, deadline + timedelta(days=2), ZoneInfo("UTC")) == -2


def test_certified_in_time_uses_the_standard_deadline_on_the_event_calendar():
    base = datetime(2027, 1, 6, 2, 0, tzinfo=timezone.utc)  # 5 Jan, 21:00 in New York
    assert rules.certified_in_time(date(2027, 1, 5), base, "America/New_York")
    assert not rules.certified_in_time(date(2027, 1, 6), base, "America/New_York")
    assert not rules.certified_in_time(None, base, "America/New_York")


def _errors(kind: str, url: str | None = None, day: date | None = TODAY, notes: str | None = None) -> dict:
    with pytest.raises(InvalidSubmission) as raised:
        rules.check_get_involved(GetInvolvedForm(kind, url, day, notes), TODAY)
    return raised.value.errors


def test_get_involved_errors_name_their_field():
    assert _errors("") == {"kind": "Choose what you did."}
    assert "in the future" in _errors("workshop", "https://example.org/ws", TODAY + timedelta(days=1))["date"]
    assert "Enter the date" in _errors("other", None, None, "helped")["date"]
    assert "workshop's website" in _errors("workshop")["url"]
    assert "pull request" in _errors("github")["url"]
    assert "which meeting" in _errors("community")["notes"]
    assert "Describe" in _errors("other")["notes"]
    assert "not a web link" in _errors("workshop", "ftp://example.org/x")["url"]
    assert set(_errors("github", None, TODAY + timedelta(days=3))) == {"url", "date"}  # all at once


@pytest.mark.parametrize("url", ["https://github.com/someone/shell-novice/pull/3",
                                 "https://gitlab.com/carpentries/lesson/-/merge_requests/1",
                                 "https://github.com/carpentries",  # the organisation, not a contribution
                                 "https://carpentries.github.io/instructor-training/"])
def test_github_contribution_must_be_in_a_carpentries_repository(url):
    message = _errors("github", url)["url"]
    assert "github.com/carpentries-incubator" in message and "github.com/LibraryCarpentry" in message


@pytest.mark.parametrize("url", ["https://github.com/swcarpentry/shell-novice/pull/1502",
                                 "github.com/librarycarpentry/lc-git/issues/7",
                                 "http://www.github.com/Carpentries-Lab/good-enough/pull/2",
                                 "https://github.com/datacarpentry/R-ecology-lesson/commit/abc123"])
def test_any_carpentries_organisation_is_accepted_case_insensitively(url):
    form = rules.check_get_involved(GetInvolvedForm("github", url, TODAY, None), TODAY)
    assert form.url.startswith(("https://", "http://"))


def test_a_valid_form_is_cleaned():
    form = rules.check_get_involved(GetInvolvedForm("community", "  ", TODAY, "  Community call, took notes "), TODAY)
    assert form == GetInvolvedForm("community", None, TODAY, "Community call, took notes")


@pytest.mark.parametrize("step_state,latest,expected", [
    ("not_evaluated", None, "new"),
    ("not_evaluated", "not_evaluated", "edit"),
    ("asked_to_repeat", "asked_to_repeat", "new"),
    ("asked_to_repeat", None, "new"),
    ("passed", "passed", None),
    ("passed", None, None),
    ("failed", "failed", None),
])
def test_resubmission_only_after_asked_to_repeat(step_state, latest, expected):
    assert rules.submission_mode(step_state, latest) == expected


def test_failed_needs_notes_and_only_real_steps_and_decisions_are_accepted():
    with pytest.raises(Refusal) as raised:
        rules.check_evaluation(rules.DEMO, rules.FAILED, "  ")
    assert raised.value.field == "notes"
    rules.check_evaluation(rules.DEMO, rules.FAILED, "Ran out of time twice")
    rules.check_evaluation(rules.WELCOME, rules.PASSED, None)
    for step, state, field in [("homework", rules.PASSED, "step"), (rules.DEMO, rules.NOT_EVALUATED, "state")]:
        with pytest.raises(Refusal) as raised:
            rules.check_evaluation(step, state, None)
        assert raised.value.field == field


def test_training_passes_from_attendance_unless_someone_decided():
    assert rules.training_state(rules.NOT_EVALUATED, "present") == rules.PASSED
    assert rules.training_state(rules.NOT_EVALUATED, "makeup") == rules.NOT_EVALUATED
    assert rules.training_state(rules.NOT_EVALUATED, None) == rules.NOT_EVALUATED
    assert rules.training_state(rules.FAILED, "present") == rules.FAILED
    assert rules.training_state(rules.PASSED, "retake") == rules.PASSED


def test_all_passed_needs_every_step():
    states = {step: rules.PASSED for step in rules.STEPS}
    assert rules.all_passed(states)
    assert not rules.all_passed({**states, rules.DEMO: rules.ASKED_TO_REPEAT})
    assert not rules.all_passed({k: v for k, v in states.items() if k != rules.WELCOME})
