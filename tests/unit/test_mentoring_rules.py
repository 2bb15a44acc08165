"""Mentoring rules: eligibility, certificate criteria, run dates and phases, channel names, the seed's types."""
from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.mentoring import rules
from bot.mentoring.rules import (
    CERTIFIED,
    IN_TRAINING,
    MENTEE,
    MENTOR,
    channel_name,
    criteria,
    eligibility_refusal,
    markable_for,
    phase,
    run_dates,
    with_suffix,
)

SLACK_NAME = re.compile(r"^[a-z0-9_-]{1,80}$")


# ---- eligibility --------------------------------------------------------------------------------
@pytest.mark.parametrize("status, in_training, workshops", [
    (IN_TRAINING, True, 0), (IN_TRAINING, True, 1), (CERTIFIED, False, 0), (CERTIFIED, False, 1)])
def test_trained_people_who_taught_fewer_than_two_workshops_can_be_mentees(status, in_training, workshops):
    assert eligibility_refusal(MENTEE, status, in_training, workshops, mentor_min=2) is None


def test_a_mentee_without_training_is_told_how_to_get_there():
    field, message = eligibility_refusal(MENTEE, IN_TRAINING, False, 0, mentor_min=2)
    assert field == "status"
    assert "completed Instructor Training or are taking it now" in message and "/training calendar" in message


def test_a_mentee_who_taught_two_workshops_is_refused_and_pointed_to_mentoring():
    field, message = eligibility_refusal(MENTEE, CERTIFIED, False, 2, mentor_min=2)
    assert field == "workshops" and "fewer than two workshops" in message and "taught 2" in message
    assert "sign up as a mentor" in message
    _, uncertified = eligibility_refusal(MENTEE, IN_TRAINING, True, 4, mentor_min=2)
    assert "mentor" not in uncertified  # not certified: mentoring is not open to them either


def test_mentors_are_certified_and_taught_at_least_the_configured_number():
    assert eligibility_refusal(MENTOR, CERTIFIED, False, 2, mentor_min=2) is None
    assert eligibility_refusal(MENTOR, IN_TRAINING, True, 9, mentor_min=2)[0] == "status"
    field, message = eligibility_refusal(MENTOR, CERTIFIED, False, 1, mentor_min=2)
    assert field == "workshops" and "at least 2 workshops" in message and "taught 1" in message
    assert eligibility_refusal(MENTOR, CERTIFIED, False, 2, mentor_min=3)[0] == "workshops"
    assert eligibility_refusal(MENTOR, CERTIFIED, False, 3, mentor_min=3) is None


# ---- certificate criteria -------------------------------------------------------------------------
def test_mentor_criteria_are_the_seeds_five():
    all_marks = {"onboarding", "check-in", "showcase", "survey"}
    done = criteria(MENTOR, all_marks, meetings=2)
    assert [c.key for c in done] == ["onboarding", "meetings", "showcase", "check-in", "survey"]
    assert all(c.met for c in done)
    one_meeting = criteria(MENTOR, all_marks, meetings=1)
    assert [c.key for c in one_meeting if not c.met] == ["meetings"]
    assert "1 of 2 logged" in one_meeting[1].label


def test_mentee_criteria_are_two_meetings_showcase_and_survey():
    result = criteria(MENTEE, {"showcase", "onboarding"}, meetings=2)
    assert [(c.key, c.met) for c in result] == [("meetings", True), ("showcase", True), ("survey", False)]
    assert not criteria(MENTEE, {"showcase", "survey"}, meetings=1)[0].met


def test_only_a_roles_own_criteria_can_be_marked():
    assert markable_for(MENTOR) == ("onboarding", "showcase", "check-in", "survey")
    assert markable_for(MENTEE) == ("showcase", "survey")


# ---- dates and phases -----------------------------------------------------------------------------
def test_a_ten_week_run_has_midway_half_way_and_the_showcase_in_the_final_week():
    dates = run_dates(date(2026, 11, 23), 10)
    assert (dates.midway, dates.showcase, dates.end) == (date(2026, 12, 28), date(2027, 1, 25), date(2027, 2, 1))


@pytest.mark.parametrize("weeks", [8, 9, 10, 11, 12])
def test_every_allowed_length_keeps_the_order_of_dates(weeks):
    dates = run_dates(date(2027, 3, 1), weeks)
    assert dates.start < dates.midway < dates.showcase < dates.end
    assert (dates.end - dates.start).days == 7 * weeks and (dates.end - dates.showcase).days == 7


def test_phases_follow_the_dates():
    dates = run_dates(date(2026, 11, 23), 10)
    assert [phase(dates, d) for d in (date(2026, 11, 22), date(2026, 11, 23), date(2026, 12, 28),
                                      date(2027, 1, 25), date(2027, 2, 1), date(2027, 2, 2))] == [
        "not started", "first half", "second half", "showcase week", "showcase week", "ended"]


# ---- channel names --------------------------------------------------------------------------------
def test_channel_name_is_readable_and_valid():
    name = channel_name("Python", "Teaching Workshops", "Zoë Ñúñez-Smith", date(2026, 11, 23))
    assert name == "mentoring-2026-11-python-teaching-zoe"
    assert channel_name("general", "Community Building", "李小龙", date(2027, 1, 5)) == \
        "mentoring-2027-01-general-community"


def test_suffixes_count_from_two_and_stay_within_eighty_characters():
    assert [with_suffix("abc", n) for n in (1, 2, 3)] == ["abc", "abc-2", "abc-3"]
    long = "x" * 80
    assert len(with_suffix(long, 12)) == 80 and with_suffix(long, 12).endswith("-12")


@given(st.text(), st.text(), st.text(), st.dates(min_value=date(2000, 1, 1), max_value=date(2999, 12, 31)),
       st.integers(min_value=1, max_value=99))
def test_any_channel_name_is_a_valid_slack_name(topic, mtype, mentor, start, attempt):
    name = with_suffix(channel_name(topic, mtype, mentor, start), attempt)
    assert SLACK_NAME.match(name)


# ---- the seed's choices ---------------------------------------------------------------------------
def test_four_types_with_two_sub_options_each_and_unique_keys():
    assert [t.name for t in rules.TYPES] == ["Lesson Maintenance", "Teaching Workshops", "Organizing Workshops",
                                             "Community Building"]
    keys = [k for t in rules.TYPES for k, _ in t.suboptions]
    assert all(len(t.suboptions) == 2 for t in rules.TYPES) and len(set(keys)) == 8
    assert rules.suboption("tw-confidence") == ("Teaching Workshops", "Developing confidence and skill in teaching")
    assert rules.suboption("nope") is None
    assert rules.TOPICS == ("Git", "Shell", "Python", "R", "SQL", "general")
