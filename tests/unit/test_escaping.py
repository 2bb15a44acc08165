"""What people type (and Zoom supplies) is shown as text, never as markup: every message and view builder is fed
hostile strings in every field a person or Zoom fills, and no mention or link from them may come out raw in any
mrkdwn it produces (Block Kit mrkdwn objects, section fields, context elements, and message `text` fallbacks).

A new builder is one more line in BUILDERS: a name and a function from the hostile string to what it builds.
"""
from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date, datetime, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.accommodation.service import AccommodationService, EventChoice, RequestStatus, RequestView, _headline
from bot.attendance.compute import UnmatchedParticipant, Window
from bot.attendance.service import Report, TraineeLine
from bot.certificates.unprintable import MissingGlyphs, staff_notice
from bot.checkout import rules as checkout_rules
from bot.checkout.data import CertificateView, CheckoutSummary, Extended, Marked, StepView, SubmissionView
from bot.checkout.service import _evaluation_text, describe_submission
from bot.home.service import Home
from bot.mentoring import data as mentoring
from bot.mentoring.rules import Criterion
from bot.mentoring.texts import IntroMember, introduction
from bot.registration import texts as registration_texts
from bot.registration.admin import Roster, RosterLine, SeatHolder, SeatsReport
from bot.registration.seat_moves import MoveChoice, MoveResult, SeatMoveService
from bot.registration.seat_moves import RequestView as SeatRequestView
from bot.registration.service import Registered, StatusItem
from bot.reminders import texts as reminder_texts
from bot.slack.outbox import Message
from bot.training_calendar.events import EventSummary
from handlers import (
    accommodation_views,
    attendance_views,
    blocks,
    checkout_views,
    home_views,
    mentoring_views,
    registration_views,
)

HOSTILE = ["<!channel>", "<!here>", "<!everyone>", "<@UEVIL1>", "<#CEVIL1>", "<!subteam^SEVIL1>",
           "<https://evil.example|click>", "<http://evil.example>", "&lt;!here&gt;", "&", ">", "*", "\n", " "]
RAW = ("<!channel", "<!here", "<!everyone", "<@UEVIL", "<#CEVIL", "<!subteam", "<https://evil", "<http://evil")
hostile = st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=6)), min_size=1, max_size=5).map("".join)

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)
TZ = ZoneInfo("Europe/Berlin")
USER = "W0LEGIT"  # ids come from Slack, never from what someone typed
IDS = {"user_id", "trainee_user_id", "slack_user_id", "requester", "actor", "decided_by", "evaluated_by",
       "granted_by", "channel_id"}
SLUGS = {"slug", "event_slug", "from_slug", "to_slug"}
# fields whose values come from the bot's own lists, not from people
FIXED = {
    EventSummary: {"format": "in-person", "timezone": "Europe/Berlin"},
    StatusItem: {"status": "waitlisted"},
    SeatHolder: {"status": "no_show"},
    RosterLine: {"status": "active"},
    RequestView: {"status": "details_requested"},
    RequestStatus: {"status": "submitted"},
    SeatRequestView: {"kind": "transfer", "status": "pending"},
    StepView: {"step": checkout_rules.GET_INVOLVED, "state": checkout_rules.ASKED_TO_REPEAT},
    SubmissionView: {"kind": "workshop", "state": checkout_rules.NOT_EVALUATED},
    CheckoutSummary: {"submission_mode": "edit"},
    Marked: {"step": checkout_rules.GET_INVOLVED},
    CertificateView: {"code": "TB-ABCD-EFGH", "kind": "instructor"},
    mentoring.GroupInfo: {"phase": "running", "cohort": "2026-03"},
    mentoring.CohortRate: {"cohort": "2026-03"},
    Criterion: {"key": "showcase", "label": "Attend the showcase"},
    TraineeLine: {"status": "at risk"},
    mentoring.SignupView: {"role": "mentee", "status": "waiting"},
    mentoring.MemberLine: {"role": "mentor"},
    mentoring.Progress: {"role": "mentee", "certificate": "TB-ABCD-EFGH"},
    mentoring.ProposedMember: {"role": "mentor"},
    mentoring.Unmatched: {"role": "mentee"},
}


def fill(cls, h: str, **given):
    """An instance of dataclass `cls` with `h` in every text field (ids, slugs and the bot's own values aside)."""
    hints = typing.get_type_hints(cls)
    values = {}
    for f in dataclasses.fields(cls):
        if f.name in given:
            values[f.name] = given[f.name]
        elif f.name in FIXED.get(cls, {}):
            values[f.name] = FIXED[cls][f.name]
        else:
            values[f.name] = _value(f.name, hints[f.name], h)
    return cls(**values)


def _value(name: str, hint, h: str):
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return _value(name, next(a for a in args if a is not type(None)), h)
    if hint is str:
        return USER if name in IDS else "ttt-2026-03" if name in SLUGS else h
    if hint is bool:
        return True
    if hint is int:
        return 3
    if hint is datetime:
        return NOW
    if hint is date:
        return NOW.date()
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return (_value(name, args[0], h),)
        return tuple(_value(name, a, h) for a in args)
    if origin is list:
        return [_value(name, args[0], h)]
    if origin is dict:
        return {}
    if dataclasses.is_dataclass(hint):
        return fill(hint, h)
    raise TypeError(f"no hostile value for {name}: {hint}")


def _event(h: str, **kw) -> EventSummary:
    return fill(EventSummary, h, **{"sessions": ((NOW, NOW.replace(hour=18)),), **kw})


def _report(h: str) -> Report:
    return fill(Report, h, windows=(Window(NOW, NOW.replace(hour=18)),), trainees=(fill(TraineeLine, h, sessions=(60,)),),
                unmatched=(fill(UnmatchedParticipant, h),))


STAFF = SimpleNamespace(settings=SimpleNamespace(staff_email="staff@example.org", accommodation_retention_days=30,
                                                 registration_close_days=7))
BUILDERS = [
    # registration
    ("registered DM", lambda h: registration_texts.registered(_event(h), TZ, h, 7)),
    ("registered DM, online", lambda h: registration_texts.registered(_event(h, format="online"), TZ, h, 7)),
    ("waitlisted DM", lambda h: registration_texts.waitlisted(_event(h), 2)),
    ("promoted DM", lambda h: registration_texts.promoted(_event(h), TZ, None, 7)),
    ("event cancelled DM", lambda h: registration_texts.event_cancelled(h, h, [_event(h)], TZ)),
    ("forfeited staff post", lambda h: registration_texts.forfeited(h, h, "ttt-2026-03", h)),
    ("serial canceller staff post", lambda h: registration_texts.serial_canceller(h, h, 4)),
    ("join link DM", lambda h: registration_texts.join_link(_event(h), TZ)),
    ("join link changed DM", lambda h: registration_texts.join_link_changed(_event(h), TZ)),
    ("how to join", lambda h: registration_texts.joining(_event(h), h)),
    ("sessions changed DM", lambda h: registration_texts.sessions_changed(_event(h, format="online"), TZ, True)),
    ("unprintable certificate staff post", lambda h: staff_notice(MissingGlyphs(h, h), "Instructor")),
    ("calendar", lambda h: blocks.calendar_blocks([_event(h)], TZ)),
    ("registered modal", lambda h: registration_views.registered_view(fill(Registered, h, status="active"))),
    ("waitlisted modal", lambda h: registration_views.registered_view(fill(Registered, h, status="waitlisted"))),
    ("status", lambda h: registration_views.status_blocks([fill(StatusItem, h, event=_event(h))], TZ)),
    ("cancel confirmation", lambda h: registration_views.cancel_confirm_blocks(h, 1, False)),
    ("transfer modal", lambda h: registration_views.transfer_modal(
        fill(MoveChoice, h, kind="transfer", current=_event(h), targets=[_event(h)]), TZ)),
    ("moved modal", lambda h: registration_views.moved_view(fill(MoveResult, h, target=_event(h)), True, "s@x.org")),
    ("seat request staff post", lambda h: registration_views.staff_request_blocks(fill(SeatRequestView, h))),
    ("seat request decided", lambda h: registration_views.staff_request_blocks(
        fill(SeatRequestView, h, status="approved"))),
    ("seat request text", lambda h: SeatMoveService.describe(fill(SeatRequestView, h))),
    ("seat request outcome DM", lambda h: SeatMoveService._outcome_text(STAFF, fill(SeatRequestView, h))),
    ("seats", lambda h: registration_views.seats_blocks(fill(SeatsReport, h))),
    ("roster", lambda h: registration_views.roster_blocks(fill(Roster, h))),
    ("cancel event confirmation", lambda h: registration_views.cancel_event_confirm_blocks(fill(Roster, h), h)),
    # accommodation
    ("accommodation form", lambda h: accommodation_views.request_modal([fill(EventChoice, h)], TZ, 30)),
    ("accommodation staff post", lambda h: accommodation_views.staff_blocks(fill(RequestView, h))),
    ("accommodation staff text", lambda h: _headline(fill(RequestView, h))),
    ("accommodation receipt DM", lambda h: AccommodationService._receipt(STAFF, fill(RequestView, h))),
    ("accommodation status DM", lambda h: AccommodationService._status_dm(STAFF, fill(RequestView, h))),
    ("accommodation status", lambda h: accommodation_views.status_blocks([fill(RequestStatus, h)])),
    # checkout
    ("checkout", lambda h: checkout_views.checkout_blocks(fill(CheckoutSummary, h, certificate=None), TZ, NOW, "s@x")),
    ("checkout certified", lambda h: checkout_views.checkout_blocks(fill(CheckoutSummary, h), TZ, NOW, "s@x")),
    ("get involved staff post", lambda h: checkout_views.staff_submission_blocks(fill(SubmissionView, h))),
    ("get involved staff post, link", lambda h: checkout_views.staff_submission_blocks(
        fill(SubmissionView, h, url="https://example.org/a?b=1&c=2"))),
    ("get involved staff text", lambda h: describe_submission(fill(SubmissionView, h))),
    ("evaluation modal", lambda h: checkout_views.evaluate_modal(fill(CheckoutSummary, h), TZ)),
    ("evaluated modal", lambda h: checkout_views.evaluated_view(h, checkout_rules.GET_INVOLVED,
                                                                 checkout_rules.PASSED, True)),
    ("evaluation DM", lambda h: _evaluation_text(checkout_rules.GET_INVOLVED, checkout_rules.ASKED_TO_REPEAT, h,
                                                 USER, h)),
    ("mark answer", lambda h: checkout_views.mark_text(fill(Marked, h, unmatched=[(h, h)]), [h])),
    ("extend answer", lambda h: checkout_views.extended_text(fill(Extended, h), TZ)),
    # attendance (Zoom display names and emails)
    ("attendance summary", lambda h: attendance_views.summary_blocks(_report(h))),
    ("attendance trainee", lambda h: attendance_views.trainee_blocks(_report(h), _report(h).trainees[0], TZ)),
    ("attendance match modal", lambda h: attendance_views.match_modal(_report(h), h)),
    # mentoring
    ("mentoring introduction", lambda h: introduction(h, h, [IntroMember(USER, "mentor", h, h, h),
                                                           IntroMember(USER, "mentee", h, h, h)],
                                                      fill(mentoring.RunDates, h), 12)),
    ("mentoring signed up", lambda h: mentoring_views.signup_done_view(fill(mentoring.SignupView, h))),
    ("mentoring status", lambda h: mentoring_views.status_blocks(fill(mentoring.MyStatus, h))),
    ("mentoring proposals", lambda h: mentoring_views.proposals_blocks(fill(mentoring.Proposals, h))),
    ("mentoring approved", lambda h: mentoring_views.approved_text(fill(mentoring.Approved, h))),
    ("mentoring report", lambda h: mentoring_views.report_blocks(fill(mentoring.Report, h))),
    ("mentoring meeting modal", lambda h: mentoring_views.meeting_modal(fill(mentoring.GroupInfo, h), NOW.date())),
    # App Home
    ("App Home", lambda h: home_views.home_view(fill(Home, h, registrations=[
        fill(StatusItem, h, event=_event(h, sessions=((NOW, NOW.replace(year=2027)),)))]), TZ)),
    # reminders
    ("prepare reminder", lambda h: reminder_texts.prepare_reminder(_event(h), TZ, h, NOW)),
    ("day before reminder", lambda h: reminder_texts.day_before_reminder(_event(h), TZ, h, NOW)),
    ("checkout reminder", lambda h: reminder_texts.checkout_reminder(h, NOW, NOW, TZ)),
    ("unused seats reminder", lambda h: reminder_texts.unused_seats(h, h, 2, 4, [_event(h)], TZ)),
    ("organisation deadline reminder", lambda h: reminder_texts.org_deadline(h, h, 2, _event(h), TZ)),
    ("session report", lambda h: reminder_texts.session_report("ttt-2026-03", [h], [h], 1, True)),
    ("mentoring mid-way reminder", lambda h: reminder_texts.mentoring_midway(h, NOW.date())),
    ("mentoring end reminder", lambda h: reminder_texts.mentoring_end(h)),
]


def mrkdwn_texts(built, top: bool = True) -> list[str]:
    """Every mrkdwn string in what a builder made: a message text, or the mrkdwn objects of Block Kit."""
    if isinstance(built, str):
        return [built] if top else []
    if isinstance(built, Message):
        return [built.text, *mrkdwn_texts(built.blocks or [], False),
                *(t for m in built.then for t in mrkdwn_texts(m))]
    if isinstance(built, dict):
        if built.get("type") == "mrkdwn":
            return [built["text"]]
        return [t for value in built.values() for t in mrkdwn_texts(value, False)]
    if isinstance(built, (list, tuple)):
        return [t for item in built for t in mrkdwn_texts(item, False)]
    return []


@pytest.mark.parametrize("build", [b for _, b in BUILDERS], ids=[name for name, _ in BUILDERS])
@settings(max_examples=25, deadline=None)
@given(h=hostile)
def test_no_mention_or_link_from_people_comes_out_raw(build, h):
    texts = mrkdwn_texts(build(h))
    assert texts, "the builder made no mrkdwn at all: the walk is looking in the wrong place"
    for text in texts:
        for raw in RAW:
            assert raw not in text, f"{raw!r} came out raw in {text!r}"


def test_the_hostile_strings_do_reach_the_output():
    """The test above checks something: the people's text is there, escaped."""
    texts = mrkdwn_texts(accommodation_views.staff_blocks(fill(RequestView, "<!channel> & <@UEVIL1>")))
    assert any("&lt;!channel&gt; &amp; &lt;@UEVIL1&gt;" in t for t in texts)
