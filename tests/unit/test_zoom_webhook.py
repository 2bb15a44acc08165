"""Zoom webhook: URL validation, signatures, participant events (shapes from zoom-formats.md §3)."""
import copy
import json
import re
from datetime import datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.zoom.webhook import LiveEvent, parse_event, url_validation_response, verify_signature

SECRET = "whsec-trainingbot-42"
TIMESTAMP = "1796764200"
NOW = float(TIMESTAMP)
BODY = b'{"event":"meeting.ended","payload":{}}'
# Computed independently with `openssl dgst -sha256 -hmac whsec-trainingbot-42`.
PLAIN_TOKEN_HMAC = "5b6dca326c106c12b58b785ff169f3a769143e2a34a0af8b02aaeab2724244f5"
SIGNATURE = "v0=da4843a455dfd00669b25a47082258250a7c209def35531dc51f1fc8b5d5391a"

JOINED = {
    "event": "meeting.participant_joined", "event_ts": 1796764200412,
    "payload": {"account_id": "AAbbCCddEE", "object": {
        "id": "89988877766", "uuid": "n8wHkqYqSPa4q4nQ3Gz4lw==", "host_id": "z8yCxjabcdEFGhij",
        "topic": "Instructor Training", "type": 8, "start_time": "2026-12-08T20:40:00Z",
        "timezone": "America/Los_Angeles", "duration": 240,
        "participant": {"user_id": "16779264", "user_name": "Wen Li", "id": "",
                        "participant_uuid": "A1b2C3d4E5f6G7h8", "join_time": "2026-12-08T21:10:00Z",
                        "email": "Wen.Li@example.cn", "registrant_id": "rg00Q7mZpXw3Lk9Tn2Bv5A",
                        "participant_user_id": "", "customer_key": "", "phone_number": ""}}}}


def left_event() -> dict:
    body = copy.deepcopy(JOINED)
    body["event"] = "meeting.participant_left"
    participant = body["payload"]["object"]["participant"]
    del participant["join_time"]
    participant.update(leave_time="2026-12-08T22:05:30.660Z", leave_reason="left the meeting")
    return body


def ended_event() -> dict:
    body = copy.deepcopy(JOINED)
    body["event"] = "meeting.ended"
    meeting = body["payload"]["object"]
    del meeting["participant"]
    meeting["end_time"] = "2026-12-09T01:07:00Z"
    return body


# ---- URL validation and signatures ---------------------------------------------

def test_url_validation_response_matches_a_hand_computed_hmac():
    assert url_validation_response("qgg8vlvZRS6UYooatFL8Aw", SECRET) == {
        "plainToken": "qgg8vlvZRS6UYooatFL8Aw", "encryptedToken": PLAIN_TOKEN_HMAC}


def test_good_signature_is_accepted():
    assert verify_signature(SECRET, TIMESTAMP, SIGNATURE, BODY, NOW)


def test_signature_within_five_minutes_is_accepted():
    assert verify_signature(SECRET, TIMESTAMP, SIGNATURE, BODY, NOW + 300)


@pytest.mark.parametrize(("secret", "timestamp", "signature", "body", "now"), [
    (SECRET, TIMESTAMP, SIGNATURE, BODY + b" ", NOW),  # body changed
    (SECRET, TIMESTAMP, SIGNATURE, json.dumps(json.loads(BODY)).encode(), NOW),  # re-serialised body
    ("another-secret", TIMESTAMP, SIGNATURE, BODY, NOW),
    (SECRET, "1796764201", SIGNATURE, BODY, NOW),  # timestamp not the signed one
    (SECRET, TIMESTAMP, SIGNATURE.removeprefix("v0="), BODY, NOW),
    (SECRET, TIMESTAMP, SIGNATURE.upper(), BODY, NOW),
    (SECRET, TIMESTAMP, SIGNATURE[:-2], BODY, NOW),
    (SECRET, TIMESTAMP, SIGNATURE, BODY, NOW + 301),  # stale
    (SECRET, TIMESTAMP, SIGNATURE, BODY, NOW - 301),  # from the future
    (SECRET, None, SIGNATURE, BODY, NOW),
    (SECRET, TIMESTAMP, None, BODY, NOW),
    (SECRET, "", SIGNATURE, BODY, NOW),
    (SECRET, TIMESTAMP, "", BODY, NOW),
    ("", TIMESTAMP, SIGNATURE, BODY, NOW),
    (SECRET, "1.7e9", SIGNATURE, BODY, NOW),
    (SECRET, "١٢٣", SIGNATURE, BODY, NOW),  # non-ASCII digits
    (SECRET, TIMESTAMP, "v0=é\udcff", BODY, NOW),
])
def test_bad_stale_or_missing_signatures_are_refused(secret, timestamp, signature, body, now):
    assert verify_signature(secret, timestamp, signature, body, now) is False


@given(timestamp=st.one_of(st.none(), st.text(max_size=30)), signature=st.one_of(st.none(), st.text(max_size=80)),
       body=st.binary(max_size=64))
def test_verify_signature_never_raises(timestamp, signature, body):
    assert verify_signature(SECRET, timestamp, signature, body, NOW) is False


# ---- events ----------------------------------------------------------------------

def test_participant_joined():
    assert parse_event(JOINED) == LiveEvent(
        kind="joined", meeting_id="89988877766", meeting_uuid="n8wHkqYqSPa4q4nQ3Gz4lw==", name="Wen Li",
        email="wen.li@example.cn", at=datetime(2026, 12, 8, 21, 10, tzinfo=timezone.utc),
        participant_key="A1b2C3d4E5f6G7h8")


def test_participant_left_with_milliseconds():
    event = parse_event(left_event())
    assert (event.kind, event.participant_key) == ("left", "A1b2C3d4E5f6G7h8")
    assert event.at == datetime(2026, 12, 8, 22, 5, 30, 660000, tzinfo=timezone.utc)
    assert event.at.utcoffset().total_seconds() == 0


def test_times_with_an_offset_are_converted_to_utc():
    body = copy.deepcopy(JOINED)
    body["payload"]["object"]["participant"]["join_time"] = "2026-12-08T23:10:00+02:00"
    at = parse_event(body).at
    assert (at.tzinfo, at.hour) == (timezone.utc, 21)


def test_meeting_ended():
    assert parse_event(ended_event()) == LiveEvent(
        kind="ended", meeting_id="89988877766", meeting_uuid="n8wHkqYqSPa4q4nQ3Gz4lw==", name="", email="",
        at=datetime(2026, 12, 9, 1, 7, tzinfo=timezone.utc), participant_key="")


def test_numeric_meeting_id_is_text():
    body = ended_event()
    body["payload"]["object"]["id"] = 89988877766
    assert parse_event(body).meeting_id == "89988877766"


@pytest.mark.parametrize(("blank", "expected"), [
    (("participant_uuid",), "16779264"),
    (("participant_uuid", "user_id"), "Wen Li"),
])
def test_participant_key_falls_back_to_user_id_then_name(blank, expected):
    body = copy.deepcopy(JOINED)
    participant = body["payload"]["object"]["participant"]
    for key in blank:
        participant[key] = ""
    assert parse_event(body).participant_key == expected


def test_guest_without_email():
    body = copy.deepcopy(JOINED)
    del body["payload"]["object"]["participant"]["email"]
    assert parse_event(body).email == ""


@pytest.mark.parametrize("event", [
    "meeting.participant_joined_waiting_room", "meeting.started", "endpoint.url_validation", None])
def test_untracked_events_are_none(event):
    body = copy.deepcopy(JOINED)
    body["event"] = event
    assert parse_event(body) is None


def _without(path: list[str]) -> dict:
    body = copy.deepcopy(JOINED)
    container = body
    for key in path[:-1]:
        container = container[key]
    del container[path[-1]]
    return body


def _with(path: list[str], value) -> dict:
    body = copy.deepcopy(JOINED)
    container = body
    for key in path[:-1]:
        container = container[key]
    container[path[-1]] = value
    return body


@pytest.mark.parametrize(("body", "message"), [
    (_without(["payload"]), "payload is missing"),
    (_with(["payload", "object"], []), "payload.object is missing or not an object"),
    (_without(["payload", "object", "id"]), "payload.object.id"),
    (_without(["payload", "object", "uuid"]), "payload.object.uuid"),
    (_without(["payload", "object", "participant"]), "payload.object.participant is missing"),
    (_without(["payload", "object", "participant", "user_name"]), "payload.object.participant.user_name"),
    (_without(["payload", "object", "participant", "join_time"]), "payload.object.participant.join_time"),
    (_with(["payload", "object", "participant", "join_time"], "2026-12-08 21:10"), "payload.object.participant.join_time"),
    (_with(["payload", "object", "participant", "join_time"], 1796764200), "payload.object.participant.join_time"),
    (_with(["payload", "object", "participant", "email"], 7), "payload.object.participant.email"),
])
def test_malformed_known_events_raise_clear_errors(body, message):
    expected = re.escape(f"Zoom meeting.participant_joined event: {message}")
    with pytest.raises(ValueError, match=expected):
        parse_event(body)


def test_ended_without_end_time_is_an_error():
    body = ended_event()
    del body["payload"]["object"]["end_time"]
    with pytest.raises(ValueError, match=r"meeting\.ended event: payload\.object\.end_time"):
        parse_event(body)
