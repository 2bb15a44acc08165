"""Bad Slack input through the running app: a 4xx or a polite refusal, never a 500, and nothing changes."""
from __future__ import annotations

import contextlib
import json
import logging
import time
from datetime import datetime, timezone

import pytest
from aiohttp.web_log import AccessLogger
from sqlalchemy import select

import bot.services  # noqa: F401 - imports every model, so Base.metadata knows every table
from storage.models import Base, SeatRequest
from tests.outbox_helpers import posted_ts
from tests.registration_fixtures import eventually, register_values, setup, submit_register
from tests.slack_requests import sign, text_value

DEADLINE_PASSED = datetime(2027, 1, 6, 12, 0, tzinfo=timezone.utc)  # "small" closes 2027-01-05 18:00 UTC
READ_ONLY = ("auth.test", "users.info", "users.lookupByEmail")

# Bugs these tests found (each case below is marked with the one that makes it fail).
TIMESTAMP = ("slack_bolt's request verification does int(X-Slack-Request-Timestamp) unguarded: a non-numeric "
             "timestamp raises ValueError and Bolt answers 500 instead of 401; bot/app.py checks nothing before Bolt")
MATCHER = ("slack_bolt's block_actions matcher (listener_matcher/builtins.py _block_action, payload_utils.to_action) "
           "indexes body['actions'][0]['action_id'] unguarded: `actions` that is a string, empty, or holds a "
           "non-object raises in async_dispatch and Bolt answers 500; bot/app.py passes payloads to Bolt unchecked")
LISTENER = ("handlers/registration.py register_submit reads body['user']['id'] and view['state']['values'] (then "
            ".get on it) before its try/ack: a view_submission without `user`, without `state`, or with a non-object "
            "`values` raises KeyError/AttributeError and Bolt answers 500")
PARSE = ("slack_bolt's aiohttp adapter (to_bolt_request -> AsyncBoltRequest -> build_async_context) parses the body "
         "before any check: a body that is not UTF-8, a payload/body that is not JSON, or JSON that is not an object "
         "raises (UnicodeDecodeError, JSONDecodeError, AttributeError) and aiohttp answers 500")
EVENT_NOT_OBJECT = ("slack_bolt's single-team authorization (authorization/internals.py _is_no_auth_test_events) calls "
                    "body['event'].get(...): an `event` that is not an object raises and Bolt answers 500")
OVERFLOW = ("handlers/registration.py transfer_submit catches ValueError/KeyError/TypeError, but "
            "int(json.loads('{\"registration\": 1e400}')['registration']) raises OverflowError: a tampered "
            "private_metadata gets a 500 instead of the inline 'out of date' error")

OVERFLOW_MENTORING = ("handlers/mentoring.py meeting_submit catches ValueError/KeyError/TypeError, but "
                      "int(1e400) from a tampered private_metadata raises OverflowError: a 500")
OVERFLOW_CHECKOUT = ("handlers/checkout.py _registration catches ValueError/KeyError/TypeError, but int(1e400) from a "
                     "tampered private_metadata raises OverflowError: a 500")


def bug(reason: str):
    return pytest.mark.xfail(reason=reason, strict=True)


async def snapshot(app) -> dict[str, list]:
    """Every row of every table, to compare before and after."""
    async with app.services.db.transaction() as s:
        return {t.name: sorted(map(tuple, (await s.execute(select(t))).all()), key=repr)
                for t in Base.metadata.sorted_tables}


class Unchanged:
    """Asserts that a request changed no row and made no Slack call beyond auth.test (or other `allowed` reads)."""

    def __init__(self, app, fake_slack, allowed: tuple[str, ...] = ("auth.test",)) -> None:
        self.app, self.fake_slack, self.allowed = app, fake_slack, allowed

    async def __aenter__(self):
        """After the work of the set-up has settled (listeners go on after their ack)."""
        await self.app.settled()
        self.rows, self.calls, self.responses = (await snapshot(self.app), len(self.fake_slack.calls),
                                                 len(self.fake_slack.responses))
        return self

    def responses_since(self) -> list[dict]:
        return self.fake_slack.responses[self.responses:]

    async def __aexit__(self, exc_type, *_):
        if exc_type is not None:
            return
        await self.app.settled()
        assert await snapshot(self.app) == self.rows
        assert [c.method for c in self.fake_slack.calls[self.calls:] if c.method not in self.allowed] == []
        self.new_responses = self.responses_since()


def register_request(app) -> tuple[bytes, dict]:
    return app.requests.view_submission("U0P01", "register_submit", register_values("small", "ORG-B"))


# ---- signatures ---------------------------------------------------------------------------------------

def no_headers(app, body, headers):
    return body, {"Content-Type": headers["Content-Type"]}


def wrong_secret(app, body, headers):
    return body, {**headers, "X-Slack-Signature": sign("not-the-signing-secret", headers["X-Slack-Request-Timestamp"],
                                                        body)}


def replayed(app, body, headers):
    return body, app.requests.headers(body, headers["Content-Type"], timestamp=int(time.time()) - 6 * 60)


def from_the_future(app, body, headers):
    return body, app.requests.headers(body, headers["Content-Type"], timestamp=int(time.time()) + 6 * 60)


def changed_after_signing(app, body, headers):
    return body.replace(b"ORG-B", b"ORG-A"), headers


def timestamp_not_a_number(app, body, headers):
    return body, {**headers, "X-Slack-Request-Timestamp": "yesterday", "X-Slack-Signature": sign(
        app.requests.secret, "yesterday", body)}


def signature_without_timestamp(app, body, headers):
    return body, {k: v for k, v in headers.items() if k != "X-Slack-Request-Timestamp"}


@pytest.mark.parametrize("tamper", [
    no_headers, wrong_secret, replayed, from_the_future, changed_after_signing, signature_without_timestamp,
    pytest.param(timestamp_not_a_number)], ids=lambda f: f.__name__)
async def test_unverifiable_requests_get_401_and_change_nothing(app, fake_slack, tamper):
    await setup(app, fake_slack)
    async with Unchanged(app, fake_slack):
        status, _ = await app.send(*tamper(app, *register_request(app)))
        assert status == 401
        status, _ = await app.send(*tamper(app, *app.requests.slash("/training", "register ORG-B", "U0P01")))
        assert status == 401
    assert fake_slack.calls_to("auth.test") == []  # refused before the app even asks Slack who it is


@contextlib.contextmanager
def app_logging():
    """Logging as `trainingbot` sets it up, with pytest's capture kept; everything restored after."""
    from bot.common.log_redaction import configure_logging

    root = logging.getLogger()
    quietened = [logging.getLogger(name) for name in ("alembic", "aiohttp.access")]
    saved, level, levels = root.handlers[:], root.level, [q.level for q in quietened]
    configure_logging([])
    root.handlers[:] = saved  # caplog's handler instead of configure_logging's stderr
    try:
        yield
    finally:
        root.setLevel(level)
        for logger, was in zip(quietened, levels):
            logger.setLevel(was)


async def test_a_refused_request_is_logged_without_its_body_or_the_secret_and_no_request_gets_an_access_line(
        app, fake_slack, caplog):
    """aiohttp's line per request is off, so the guard logs what it refuses itself."""
    await setup(app, fake_slack)
    body, headers = app.requests.slash("/training", "register ORG-B", "U0P01")
    with app_logging():
        assert (await app.send(*wrong_secret(app, body, headers)))[0] == 401
        assert (await app.send(body, headers))[0] == 200
        # what web.run_app (`trainingbot serve`) asks before it writes its line per request
        assert not AccessLogger(logging.getLogger("aiohttp.access"), AccessLogger.LOG_FORMAT).enabled
    refusals = [r for r in caplog.records if r.name == "bot.slack.guard"]
    assert [r.levelno for r in refusals] == [logging.WARNING]
    assert "HTTP 401, invalid request" in refusals[0].getMessage()
    assert "ORG-B" not in caplog.text and app.requests.secret not in caplog.text


@pytest.mark.parametrize("timestamp", ["9" * 300, "1" * 5000, "\u00b2" * 3, "\u0661\u0667\u0669\u0660"],
                         ids=["300 digits", "5000 digits", "superscript digits", "Arabic-Indic digits"])
async def test_a_timestamp_of_digits_no_clock_has_gets_400_and_changes_nothing(app, fake_slack, timestamp):
    await setup(app, fake_slack)
    async with Unchanged(app, fake_slack):
        body, headers = register_request(app)
        status, text = await app.send(body, {**headers, "X-Slack-Request-Timestamp": timestamp,
                                             "X-Slack-Signature": sign(app.requests.secret, timestamp, body)})
        assert status == 400 and "X-Slack-Request-Timestamp" in text


async def test_the_same_request_properly_signed_does_register(app, fake_slack):
    """The control for the test above: the payload it sends would register someone."""
    await setup(app, fake_slack)
    status, text = await app.send(*register_request(app))
    assert status == 200 and json.loads(text)["response_action"] == "update"
    assert len((await snapshot(app))["registrations"]) == 1


async def test_an_oversized_body_is_refused_with_413(app, fake_slack):
    await setup(app, fake_slack)
    values = register_values("small", "P" * (2 * 1024 * 1024))
    body, headers = app.requests.view_submission("U0P01", "register_submit", values)
    assert len(body) > 2 * 1024 * 1024
    async with Unchanged(app, fake_slack):
        status, _ = await app.send(body, headers)
        assert status == 413


# ---- payloads of the wrong shape ----------------------------------------------------------------------

def action_payload(**changes) -> dict:
    payload = {"type": "block_actions", "team": {"id": "T0FAKE"}, "user": {"id": "U0STAFF", "team_id": "T0FAKE"},
               "api_app_id": "A0TRAINING", "trigger_id": "trig.1", "response_url": "http://127.0.0.1:9/response/x",
               "container": {"type": "message", "message_ts": "1.1", "channel_id": "C0STAFF"},
               "channel": {"id": "C0STAFF"}, "message": {"ts": "1.1", "text": "", "blocks": []},
               "actions": [{"type": "button", "action_id": "cancel_event_confirm", "block_id": "b1",
                            "value": json.dumps({"slug": "small", "reason": "low enrolment"}), "action_ts": "1"}]}
    for key, value in changes.items():
        if value is ...:
            payload.pop(key)
        else:
            payload[key] = value
    return payload


def view_payload(**view_changes) -> dict:
    view = {"id": "V1", "type": "modal", "callback_id": "register_submit", "private_metadata": "",
            "state": {"values": register_values("small", "ORG-B")}}
    for key, value in view_changes.items():
        if value is ...:
            view.pop(key)
        else:
            view[key] = value
    return {"type": "view_submission", "team": {"id": "T0FAKE"}, "user": {"id": "U0P01", "team_id": "T0FAKE"},
            "api_app_id": "A0TRAINING", "view": view}


WRONG_SHAPES = [
    pytest.param(action_payload(actions=...), id="actions missing"),
    pytest.param(action_payload(actions="x"), id="actions a string"),
    pytest.param(action_payload(actions=[]), id="actions empty"),
    pytest.param(action_payload(actions=["cancel_event_confirm"]), id="action not an object"),
    pytest.param(action_payload(actions=[{"type": "button", "action_id": "cancel_event_confirm"}]),
                 id="action without value"),
    pytest.param(action_payload(actions=[{"type": "button", "action_id": "cancel_event_confirm", "value": "{small"}]),
                 id="action value not JSON"),
    pytest.param(action_payload(user=...), id="user missing"),
    pytest.param(action_payload(user="U0STAFF"), id="user a string"),
    pytest.param(action_payload(type=...), id="type missing"),
    pytest.param(action_payload(type="block_suggestions_v9"), id="type unknown"),
    pytest.param({k: v for k, v in view_payload().items() if k != "view"}, id="view missing"),
    pytest.param(view_payload(state=...), id="view without state"),
    pytest.param(view_payload(state={"values": []}), id="view state values a list"),
    pytest.param(view_payload(callback_id=...), id="view without callback_id"),
    pytest.param({k: v for k, v in view_payload().items() if k != "user"}, id="view_submission without user"),
    pytest.param([], id="payload a list"),
    pytest.param(7, id="payload a number"),
]


@pytest.mark.parametrize("payload", WRONG_SHAPES)
async def test_a_payload_of_the_wrong_shape_never_gets_a_500_and_changes_nothing(app, fake_slack, payload):
    await setup(app, fake_slack)
    async with Unchanged(app, fake_slack):
        status, text = await app.send(*app.requests.interaction(payload))
        assert status < 500, text


async def test_the_well_formed_payloads_those_are_made_from_do_change_things(app, fake_slack):
    """The control for the test above: unbroken, the view registers U0P01 and the staff button cancels the event."""
    await setup(app, fake_slack)
    status, text = await app.send(*app.requests.interaction(view_payload()))
    assert status == 200 and json.loads(text)["response_action"] == "update"
    assert (await app.services.registration.current("U0P01")).status == "active"
    status, _ = await app.send(*app.requests.interaction(action_payload()))
    assert status == 200
    await eventually(lambda: any("cancelled" in t for t in fake_slack.dms_to("U0P01")))
    registrations = (await snapshot(app))["registrations"]
    assert len(registrations) == 1 and "cancelled" in registrations[0]


@pytest.mark.parametrize("body", [
    pytest.param(b"payload=%7Bnot+json", id="payload not JSON"),
    pytest.param(b"payload=", id="payload empty"),
    pytest.param(b"nothing=here", id="no payload field"),
    pytest.param(b"\xff\xfe\x00garbage", id="not UTF-8")])
async def test_an_interaction_body_that_is_not_a_payload_never_gets_a_500(app, fake_slack, body):
    await setup(app, fake_slack)
    async with Unchanged(app, fake_slack):
        status, text = await app.send(body, app.requests.headers(body, "application/x-www-form-urlencoded"))
        assert status < 500, text


def json_body(value) -> bytes:
    return json.dumps(value).encode()


EVENTS = [
    pytest.param(json_body({"type": "event_callback"}), id="no event"),
    pytest.param(json_body({"type": "event_callback", "event": "app_home_opened"}), id="event a string"),
    pytest.param(json_body({"type": "event_callback", "event": {"user": "U0P01"}}), id="event without type"),
    pytest.param(json_body({"type": "event_callback", "event": {"type": "app_home_opened"}}),
                 id="app_home_opened without user"),
    pytest.param(json_body({"type": "event_callback", "event": {"type": "file_shared", "user_id": "U0P01"}}),
                 id="file_shared without file"),
    pytest.param(json_body({"type": "url_verification"}), id="url_verification without challenge"),
    pytest.param(json_body({"event": {"type": "app_home_opened", "user": "U0P01"}}), id="no type"),
    pytest.param(json_body([]), id="a list"),
    pytest.param(b'{"type": "event_callback", "event": ', id="truncated JSON"),
    pytest.param(b"\xff\xfe", id="not UTF-8"),
]


@pytest.mark.parametrize("body", EVENTS)
async def test_garbage_event_callbacks_never_get_a_500(app, fake_slack, body):
    await setup(app, fake_slack)
    async with Unchanged(app, fake_slack):
        status, text = await app.send(body, app.requests.headers(body, "application/json"))
        assert status < 500, text


# ---- tampered private_metadata ------------------------------------------------------------------------

TAMPERED = ["{bad json", "[]", "null", '"registration"', '{"registration": "one"}', '{"registration": null}',
            '{"registration": 99999}', '{"group": 1}',
            pytest.param('{"registration": 1e400}')]


@pytest.mark.parametrize("metadata", TAMPERED)
async def test_transfer_form_with_tampered_private_metadata_is_refused_inline(app, fake_slack, metadata, clock):
    await setup(app, fake_slack)
    await submit_register(app, "U0P01", "small", "ORG-B")
    await submit_register(app, "U0P02", "small", "ORG-B")
    async with Unchanged(app, fake_slack):
        body, headers = app.requests.view_submission(
            "U0P02", "transfer_submit", {"target": {"value": {"type": "static_select",
                                                              "selected_option": {"value": "big"}}}},
            private_metadata=metadata)
        status, text = await app.send(body, headers)
        assert status == 200, text
        assert json.loads(text)["response_action"] == "errors"


@pytest.mark.parametrize("callback_id, values, metadata", [
    ("accommodation_note_submit", {"note": {"value": text_value("hi")}}, '{"id": 1, "action": "delete"}'),
    ("accommodation_note_submit", {"note": {"value": text_value("hi")}}, '{"id": "x", "action": "resolve"}'),
    ("accommodation_note_submit", {"note": {"value": text_value("hi")}}, "not json"),
    ("attendance_match_submit", {"trainee": {"value": {"type": "static_select", "selected_option": {"value": "1"}}}},
     '{"event": "small"}'),
    ("attendance_match_submit", {"trainee": {"value": {"type": "static_select", "selected_option": {"value": "1"}}}},
     '{"event": "nope", "name": "x"}'),
    ("mentoring_meeting_submit", {}, '{"group": "1 OR 1=1"}'),
    ("mentoring_meeting_submit", {}, "{"),
    ("checkout_get_involved_submit", {}, '{"registration": "1"}'),
    ("checkout_evaluate_submit", {}, "]["),
    ("accommodation_note_submit", {"note": {"value": text_value("hi")}}, '{"id": 1e400, "action": "resolve"}'),
    pytest.param("mentoring_meeting_submit", {}, '{"group": 1e400}'),
    pytest.param("checkout_get_involved_submit", {}, '{"registration": 1e400}'),
], ids=lambda v: v if isinstance(v, str) and len(v) < 40 else "")
async def test_other_forms_with_tampered_private_metadata_answer_politely(app, fake_slack, callback_id, values,
                                                                          metadata):
    await setup(app, fake_slack)
    await submit_register(app, "U0P01", "small", "ORG-B")
    async with Unchanged(app, fake_slack, READ_ONLY):
        status, text = await app.send(*app.requests.view_submission("U0STAFF", callback_id, values,
                                                                     private_metadata=metadata))
        assert status == 200, text
        assert json.loads(text)["response_action"] == "errors"


# ---- staff buttons pressed by someone without the role ------------------------------------------------

async def pending_seat_request(app, fake_slack, clock) -> str:
    """A transfer after the deadline: a pending request whose Approve button is in the staff channel."""
    await submit_register(app, "U0P01", "small", "ORG-B")
    clock.now = DEADLINE_PASSED
    choice = await app.services.seat_moves.choices("U0P01")
    body, headers = app.requests.view_submission(
        "U0P01", "transfer_submit", {"target": {"value": {"type": "static_select",
                                                          "selected_option": {"value": "big"}}}},
        private_metadata=json.dumps({"registration": choice.registration_id}))
    status, text = await app.send(body, headers)
    assert status == 200 and "went to staff" in text

    async def staff_message_attached() -> bool:  # the outbox's last write, after the staff post
        async with app.services.db.read() as s:
            request_id = await s.scalar(select(SeatRequest.id))
        return await posted_ts(app.services, f"seat_request:{request_id}") is not None

    await eventually(staff_message_attached)
    blocks = fake_slack.messages_to("C0STAFF")[0]["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    return blocks[1]["elements"][0]["value"]


@pytest.mark.parametrize("action_id", ["seat_request_approve", "seat_request_refuse"])
async def test_a_non_staff_user_deciding_a_seat_request_is_refused_politely(app, fake_slack, clock, action_id):
    await setup(app, fake_slack)
    request_id = await pending_seat_request(app, fake_slack, clock)
    async with Unchanged(app, fake_slack) as unchanged:
        for user in ("U0STRANGER", "U0P01"):  # a stranger, and the requester deciding their own request
            status, _ = await app.send(*app.requests.block_action(user, action_id, request_id))
            assert status == 200
        await eventually(lambda: len(unchanged.responses_since()) >= 2)
    refusals = unchanged.new_responses
    assert len(refusals) == 2 and all("Only Carpentries staff" in r["text"] for r in refusals), refusals
    assert all(r.get("response_type") == "ephemeral" and r.get("replace_original") is False for r in refusals)


async def test_a_non_staff_user_confirming_an_event_cancellation_is_refused_politely(app, fake_slack):
    await setup(app, fake_slack)
    await submit_register(app, "U0P01", "small", "ORG-B")
    value = json.dumps({"slug": "small", "reason": "low enrolment"})
    async with Unchanged(app, fake_slack) as unchanged:
        for user in ("U0STRANGER", "U0TRAINER", "U0CONTACT"):
            status, _ = await app.send(*app.requests.block_action(user, "cancel_event_confirm", value))
            assert status == 200
        await eventually(lambda: len(unchanged.responses_since()) >= 3)
    refusals = unchanged.new_responses
    assert len(refusals) == 3 and all("Only Carpentries staff" in r["text"] for r in refusals), refusals
    assert (await app.services.registration.current("U0P01")).status == "active"


async def test_a_staff_button_with_a_forged_value_is_answered_politely(app, fake_slack):
    await setup(app, fake_slack)
    await submit_register(app, "U0P01", "small", "ORG-B")
    forged = ["", "not json", "[]", json.dumps({"slug": "small"}), json.dumps({"slug": "nope", "reason": "x"}),
              json.dumps({"slug": ["small"], "reason": "x"})]
    async with Unchanged(app, fake_slack) as unchanged:
        for value in forged:
            status, _ = await app.send(*app.requests.block_action("U0STAFF", "cancel_event_confirm", value))
            assert status == 200
        for value in ("", "x", "-1", "99999"):
            status, _ = await app.send(*app.requests.block_action("U0STAFF", "seat_request_approve", value))
            assert status == 200
        await eventually(lambda: len(unchanged.responses_since()) >= 10)
    assert len(unchanged.new_responses) == 10
    assert all(r.get("replace_original") is False and r["text"] for r in unchanged.new_responses)
