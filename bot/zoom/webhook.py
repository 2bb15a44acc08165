"""Zoom webhook checks and participant events, as plain functions (the route lives elsewhere).

Follows ../shared/zoom-formats.md §3: `endpoint.url_validation` is answered with an HMAC
of the plain token, every other request must carry `x-zm-signature` over the raw body,
and participant events are provisional (the report replaces them after `meeting.ended`).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

MAX_TIMESTAMP_DIGITS = 12
_KINDS = {
    "meeting.participant_joined": ("joined", "join_time"),
    "meeting.participant_left": ("left", "leave_time"),
    "meeting.ended": ("ended", "end_time"),
}


def _hex_hmac(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def url_validation_response(plain_token: str, secret: str) -> dict:
    """The 200 body Zoom expects for `endpoint.url_validation`."""
    return {"plainToken": plain_token, "encryptedToken": _hex_hmac(secret, plain_token.encode())}


def verify_signature(
    secret: str, timestamp: str | None, signature: str | None, body: bytes, now: float, tolerance: int = 300
) -> bool:
    """True when `signature` is `v0=` + HMAC-SHA256 of `v0:{timestamp}:{body}` and the timestamp is fresh.

    `timestamp` is `x-zm-request-timestamp` (epoch seconds); one more than `tolerance`
    seconds away from `now`, in either direction, is refused so a captured request
    cannot be replayed later.
    """
    if not secret or not timestamp or not signature:
        return False
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= MAX_TIMESTAMP_DIGITS):
        return False
    if abs(now - int(timestamp)) > tolerance:
        return False
    expected = "v0=" + _hex_hmac(secret, b"v0:" + timestamp.encode() + b":" + body)
    return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))


@dataclass(frozen=True)
class LiveEvent:
    """One participant joining or leaving, or the meeting ending (then name, email and key are empty)."""

    kind: str  # "joined" | "left" | "ended"
    meeting_id: str
    meeting_uuid: str
    name: str
    email: str
    at: datetime  # UTC, aware
    participant_key: str  # participant_uuid, else user_id, else name


def parse_event(body: dict) -> LiveEvent | None:
    """The event in a webhook body; None for event types trainingbot does not track.

    Raises ValueError naming the event and the field when a tracked event is malformed.
    """
    if not isinstance(body, dict):
        raise ValueError("Zoom webhook body is not a JSON object")
    event = body.get("event")
    if event not in _KINDS:
        return None
    kind, time_field = _KINDS[event]
    payload = _object(body.get("payload"), event, "payload")
    meeting = _object(payload.get("object"), event, "payload.object")
    meeting_id = meeting.get("id")
    if isinstance(meeting_id, bool) or not isinstance(meeting_id, (str, int)) or meeting_id in ("", 0):
        raise ValueError(f"Zoom {event} event: payload.object.id is missing or not a meeting ID")
    meeting_uuid = _text(meeting, "uuid", event, "payload.object", required=True)
    if kind == "ended":
        at = _time(meeting, time_field, event, "payload.object")
        return LiveEvent(kind, str(meeting_id), meeting_uuid, "", "", at, "")
    where = "payload.object.participant"
    participant = _object(meeting.get("participant"), event, where)
    name = _text(participant, "user_name", event, where, required=True)
    key = _text(participant, "participant_uuid", event, where) or _text(participant, "user_id", event, where) or name
    if not key:
        raise ValueError(f"Zoom {event} event: {where} has no participant_uuid, user_id or user_name")
    email = _text(participant, "email", event, where).lower()
    at = _time(participant, time_field, event, where)
    return LiveEvent(kind, str(meeting_id), meeting_uuid, name, email, at, key)


def _object(value: Any, event: str, where: str) -> dict:
    if not isinstance(value, dict):
        raise ValueError(f"Zoom {event} event: {where} is missing or not an object")
    return value


def _text(container: dict, key: str, event: str, where: str, *, required: bool = False) -> str:
    """A string field, stripped; '' when absent, unless `required`."""
    value = container.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise ValueError(f"Zoom {event} event: {where}.{key} is missing or not text")
    return value.strip()


def _time(container: dict, key: str, event: str, where: str) -> datetime:
    """An ISO 8601 UTC time (`Z`, optional milliseconds) as an aware UTC datetime."""
    value = container.get(key)
    try:
        at = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        raise ValueError(f"Zoom {event} event: {where}.{key} is missing or not an ISO 8601 time with a zone")
    return at.astimezone(timezone.utc)
