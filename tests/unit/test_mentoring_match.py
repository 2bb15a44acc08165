import random
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.mentoring.match import GENERAL, Signup, describe_slots, propose_groups, slots_in_zone, weekly_slots_utc

UTC = ZoneInfo("UTC")
AUCKLAND = ZoneInfo("Pacific/Auckland")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
WINTER_WEEK = date(2026, 1, 12)  # northern winter, New Zealand summer
JUNE_WEEK = date(2026, 6, 1)
TEACHING = "Teaching Workshops"
MAINTENANCE = "Lesson Maintenance"


def slot(weekday: int, hour: int) -> int:
    return weekday * 24 + hour


def mentor(key, slots, topics=("Python",), mtype=TEACHING) -> Signup:
    return Signup(key, f"mentor {key}", "mentor", frozenset(topics), mtype, frozenset(slots))


def mentee(key, slots, topics=("Python",), mtype=TEACHING, previous=()) -> Signup:
    return Signup(key, f"mentee {key}", "mentee", frozenset(topics), mtype, frozenset(slots), frozenset(previous))


def reason_for(proposal, key, role="mentee") -> str:
    [reason] = [why for signup, why in proposal.unmatched if signup.key == key and signup.role == role]
    return reason


# --- time zones ---------------------------------------------------------------------------------

def test_local_hours_become_utc_hours_of_week():
    assert weekly_slots_utc({0: [9, 10], 6: [23]}, UTC, WINTER_WEEK) == {9, 10, slot(6, 23)}
    assert weekly_slots_utc({0: [9]}, NEW_YORK, WINTER_WEEK) == {slot(0, 14)}
    assert weekly_slots_utc({6: [22]}, NEW_YORK, WINTER_WEEK) == {slot(0, 3)}  # wraps into Monday


def test_daylight_saving_time_changes_the_utc_hour():
    assert weekly_slots_utc({0: [9]}, NEW_YORK, date(2026, 3, 2)) == {slot(0, 14)}  # EST
    assert weekly_slots_utc({0: [9]}, NEW_YORK, date(2026, 3, 9)) == {slot(0, 13)}  # EDT


def test_hours_skipped_or_repeated_by_a_dst_change():
    # 2026-03-08 02:00 does not exist in New York; 2026-11-01 01:00 happens twice.
    assert weekly_slots_utc({6: [1, 2, 3]}, NEW_YORK, date(2026, 3, 2)) == {slot(6, 6), slot(6, 7)}
    assert weekly_slots_utc({6: [1]}, NEW_YORK, date(2026, 10, 26)) == {slot(6, 5), slot(6, 6)}


def test_across_the_date_line():
    # Tuesday morning in Auckland is Monday afternoon in Los Angeles, in both hemispheres' summers.
    assert weekly_slots_utc({1: [9]}, AUCKLAND, JUNE_WEEK) == weekly_slots_utc({0: [14]}, LOS_ANGELES, JUNE_WEEK)
    assert weekly_slots_utc({1: [9]}, AUCKLAND, WINTER_WEEK) == weekly_slots_utc({0: [12]}, LOS_ANGELES, WINTER_WEEK)
    # Monday 08:00 in Auckland is still Sunday in UTC: the slot wraps to the end of the week.
    assert weekly_slots_utc({0: [8]}, AUCKLAND, JUNE_WEEK) == {slot(6, 20)}


def test_half_hour_offsets_use_the_utc_hour_starting_within_the_local_hour():
    assert weekly_slots_utc({0: [14]}, ZoneInfo("Asia/Kolkata"), JUNE_WEEK) == {slot(0, 9)}  # 08:30 UTC
    assert slots_in_zone({slot(0, 9)}, ZoneInfo("Asia/Kolkata"), JUNE_WEEK) == [(0, 14)]


def test_common_hours_are_shown_in_each_members_zone():
    common = weekly_slots_utc({1: [9, 10]}, AUCKLAND, JUNE_WEEK)
    assert describe_slots(common, AUCKLAND, JUNE_WEEK) == "Tue 09:00–11:00"
    assert describe_slots(common, LOS_ANGELES, JUNE_WEEK) == "Mon 14:00–16:00"
    assert slots_in_zone(common, LOS_ANGELES, JUNE_WEEK) == [(0, 14), (0, 15)]


def test_describe_slots_merges_consecutive_hours():
    slots = {slot(1, 14), slot(1, 15), slot(3, 9), slot(4, 22), slot(4, 23)}
    assert describe_slots(slots, UTC, JUNE_WEEK) == "Tue 14:00–16:00, Thu 09:00, Fri 22:00–24:00"
    assert describe_slots(set(), UTC, JUNE_WEEK) == ""


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        weekly_slots_utc({0: [9]}, UTC, date(2026, 6, 2))  # a Tuesday
    with pytest.raises(ValueError):
        weekly_slots_utc({0: [24]}, UTC, JUNE_WEEK)
    with pytest.raises(ValueError):
        weekly_slots_utc({7: [1]}, UTC, JUNE_WEEK)
    with pytest.raises(ValueError):
        mentee(1, {168})


ZONES = ["UTC", "America/Los_Angeles", "Pacific/Auckland", "Asia/Kolkata", "Asia/Kathmandu",
         "America/St_Johns", "Pacific/Chatham", "Pacific/Kiritimati"]


@given(zone=st.sampled_from(ZONES),
       local=st.sets(st.tuples(st.integers(0, 6), st.integers(0, 23)), max_size=30))
def test_local_hours_survive_the_round_trip_through_utc(zone, local):
    by_day: dict[int, list[int]] = {}
    for weekday, hour in local:
        by_day.setdefault(weekday, []).append(hour)
    tz = ZoneInfo(zone)
    assert slots_in_zone(weekly_slots_utc(by_day, tz, JUNE_WEEK), tz, JUNE_WEEK) == sorted(local)


# --- matching -----------------------------------------------------------------------------------

def test_a_mentor_and_mentees_across_the_date_line_are_grouped():
    auckland = Signup("m", "Aroha", "mentor", frozenset({"R"}), TEACHING,
                      weekly_slots_utc({1: [9, 10]}, AUCKLAND, JUNE_WEEK))
    los_angeles = Signup("e", "Luis", "mentee", frozenset({"R"}), TEACHING,
                         weekly_slots_utc({0: [15, 16]}, LOS_ANGELES, JUNE_WEEK))
    [group] = propose_groups([auckland, los_angeles]).groups
    assert describe_slots(group.common_slots, AUCKLAND, JUNE_WEEK) == "Tue 10:00"
    assert describe_slots(group.common_slots, LOS_ANGELES, JUNE_WEEK) == "Mon 15:00"


def test_a_dst_change_can_make_or_break_a_common_hour():
    # New York moves its clocks three weeks before London: 09:00 there and 14:00 in London part for a while.
    def pair(week):
        london = Signup("m", "Lou", "mentor", frozenset({"Git"}), TEACHING,
                        weekly_slots_utc({0: [14]}, LONDON, week))
        new_york = Signup("e", "Nia", "mentee", frozenset({"Git"}), TEACHING,
                          weekly_slots_utc({0: [9]}, NEW_YORK, week))
        return propose_groups([london, new_york])
    assert len(pair(date(2026, 3, 2)).groups) == 1
    assert reason_for(pair(date(2026, 3, 16)), "e") == "no common hour with any mentor for this topic and type"
    assert len(pair(date(2026, 4, 6)).groups) == 1


def test_more_mentees_than_mentors_can_take():
    signups = [mentor(k, {10, 11}) for k in ("A", "B")] + [mentee(k, {10}) for k in range(12)]
    proposal = propose_groups(signups)
    assert sorted(len(g.mentees) for g in proposal.groups) == [5, 5]
    assert [s.key for s, _ in proposal.unmatched] == [10, 11]
    assert all("full" in why for _, why in proposal.unmatched)
    assert reason_for(proposal, 10) == "all mentors for Python / Teaching Workshops are full"


def test_the_mentee_with_fewest_options_is_placed_first():
    # Mentee 1 fits every mentor; taking A first would leave mentee 2, who fits only A, without a group.
    signups = [mentor("A", {3}), mentor("B", {0, 2}), mentor("C", {0}),
               mentee(1, {0, 1, 3}), mentee(2, {3}), mentee(3, {0, 2})]
    proposal = propose_groups(signups, max_mentees=1)
    assert proposal.unmatched == []
    [group_a] = [g for g in proposal.groups if g.mentor.key == "A"]
    assert [e.key for e in group_a.mentees] == [2]
    assert "mentee 2: the only mentor who fits" in group_a.reasons


def test_no_common_hour():
    proposal = propose_groups([mentor("A", {10}), mentee(1, {11})])
    assert proposal.groups == []
    assert reason_for(proposal, 1) == "no common hour with any mentor for this topic and type"
    assert reason_for(proposal, "A", "mentor") == "no common hour with any mentee for this topic and type"


def test_no_mentor_for_the_topic_or_type():
    proposal = propose_groups([mentor("A", {10}, topics={"R"}), mentee(1, {10}),
                               mentee(2, {10}, topics={"R"}, mtype=MAINTENANCE)])
    assert reason_for(proposal, 1) == "no mentor offers Python / Teaching Workshops"
    assert reason_for(proposal, 2) == "no mentor offers R / Lesson Maintenance"
    assert reason_for(proposal, "A", "mentor") == "no mentee asked for R / Teaching Workshops"


def test_the_group_keeps_only_hours_common_to_everyone():
    [group] = propose_groups([mentor("A", {1, 2, 3}), mentee(1, {1, 2}), mentee(2, {2, 3})]).groups
    assert group.common_slots == {2}
    assert [e.key for e in group.mentees] == [1, 2]
    assert any("Mon 02:00" in reason for reason in group.reasons)


def test_a_previous_mentor_is_avoided_when_another_fits():
    proposal = propose_groups([mentor("A", {10}), mentor("B", {10}), mentee(1, {10}, previous={"A"})])
    [group] = proposal.groups
    assert group.mentor.key == "B"
    assert "mentee 1: previous mentor mentor A avoided" in group.reasons
    assert reason_for(proposal, "A", "mentor") == (
        "the mentees for Python / Teaching Workshops who share an hour were placed in other groups")


def test_a_previous_mentor_is_kept_when_no_other_fits():
    [group] = propose_groups([mentor("A", {10}), mentor("B", {11}), mentee(1, {10}, previous={"A"})]).groups
    assert group.mentor.key == "A"
    assert "mentee 1: had mentor A before, but no other mentor fits" in group.reasons


def test_general_topic_matches_any_topic():
    [group] = propose_groups([mentor("A", {10}, topics={GENERAL}), mentee(1, {10}, topics={"SQL"})]).groups
    assert group.topic == "SQL"
    [group] = propose_groups([mentor("A", {10}, topics={"Shell"}), mentee(1, {10}, topics={GENERAL})]).groups
    assert group.topic == "Shell"
    [group] = propose_groups([mentor("A", {10}, topics={GENERAL}), mentee(1, {10}, topics={GENERAL})]).groups
    assert group.topic == GENERAL


def test_a_group_shares_one_topic_even_with_a_general_mentor():
    proposal = propose_groups([mentor("A", {10}, topics={GENERAL}), mentee(1, {10}, topics={"Git"}),
                               mentee(2, {10}, topics={"R"})])
    [group] = proposal.groups
    assert (group.topic, [e.key for e in group.mentees]) == ("Git", [1])
    assert "no group for R / Teaching Workshops with room" in reason_for(proposal, 2)


def test_nobody_is_their_own_mentor():
    proposal = propose_groups([mentor("A", {10}, topics={"Git"}), mentee("A", {10}, topics={"Git"})])
    assert proposal.groups == []


def test_duplicate_keys_are_refused():
    with pytest.raises(ValueError):
        propose_groups([mentee(1, {10}), mentee(1, {11})])


def test_same_input_in_any_order_gives_the_same_proposal():
    signups = ([mentor(k, {10, 11, 12}) for k in "ABC"]
               + [mentee(k, {10 + k % 3}, previous={"B"} if k % 4 == 0 else ()) for k in range(14)])
    shuffled = signups[:]
    random.Random(7).shuffle(shuffled)
    assert propose_groups(shuffled) == propose_groups(signups)


TOPICS = ["Git", "Python", GENERAL]
TYPES = [TEACHING, MAINTENANCE]


@st.composite
def signups(draw):
    count = draw(st.integers(0, 24))
    people = []
    for key in range(count):
        people.append(Signup(
            key=key, name=f"person {key}", role=draw(st.sampled_from(["mentor", "mentee"])),
            topics=frozenset(draw(st.sets(st.sampled_from(TOPICS), min_size=1))),
            mtype=draw(st.sampled_from(TYPES)),
            slots=frozenset(draw(st.sets(st.integers(0, 5), max_size=4))),
            previous_mentors=frozenset(draw(st.sets(st.integers(0, max(count - 1, 0)), max_size=2)))))
    return people


def _accepts(person: Signup, topic: str) -> bool:
    return topic in person.topics or GENERAL in person.topics


def _could_join(members: list[Signup], person: Signup) -> bool:
    """An oracle independent of the module: same type, an hour and a concrete topic everyone accepts."""
    everyone = [*members, person]
    return (all(m.mtype == person.mtype for m in members)
            and bool(frozenset.intersection(*(m.slots for m in everyone)))
            and any(all(_accepts(m, topic) for m in everyone) for topic in ("Git", "Python", "SQL")))


@settings(max_examples=120, deadline=None)
@given(people=signups(), max_mentees=st.integers(1, 5))
def test_proposals_always_respect_the_rules(people, max_mentees):
    proposal = propose_groups(people, max_mentees)
    placed = []
    for group in proposal.groups:
        members = [group.mentor, *group.mentees]
        assert 1 <= len(group.mentees) <= max_mentees
        assert group.mentor.role == "mentor" and all(e.role == "mentee" for e in group.mentees)
        assert group.common_slots and group.common_slots == frozenset.intersection(*(m.slots for m in members))
        assert all(m.mtype == group.mtype and _accepts(m, group.topic) for m in members)
        placed += members
    unmatched = [signup for signup, _ in proposal.unmatched]
    assert all(reason for _, reason in proposal.unmatched)
    assert sorted((s.role, s.key) for s in placed + unmatched) == sorted((s.role, s.key) for s in people)
    # Nobody left out could still have joined a group with room, or formed one with a left-out mentor.
    for person in (s for s in unmatched if s.role == "mentee"):
        for group in proposal.groups:
            assert len(group.mentees) == max_mentees or not _could_join([group.mentor, *group.mentees], person)
        assert not any(_could_join([other], person) for other in unmatched if other.role == "mentor")
    assert propose_groups(list(reversed(people)), max_mentees) == proposal
