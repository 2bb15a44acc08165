"""Refuse malformed Slack requests before Bolt parses them (Bolt answers 500 to some shapes it does not expect).

Order: a body that is not text (400), the signature (401, nothing else is looked at), then the body's shape (400).
Each refusal is logged (aiohttp's line per request is off: at Slack's rate it would cost more than the command).
A form body, once checked, is left on the request under SLACK_FORM, parsed, for the surge desk.
"""
from __future__ import annotations

import json
import logging
from urllib.parse import parse_qs

from aiohttp import web
from slack_sdk.signature import SignatureVerifier


log = logging.getLogger(__name__)

MAX_TIMESTAMP_DIGITS = 12  # epoch seconds have 10 until the year 2286
Form = dict[str, list[str]]
SLACK_FORM = web.RequestKey("slack_form", Form)  # a checked form body, parsed


class Malformed(ValueError):
    pass


def _object(value, what: str) -> dict:
    if not isinstance(value, dict):
        raise Malformed(f"{what} must be an object")
    return value


def _check_payload(payload: dict) -> None:
    kind = payload.get("type")
    if kind in ("block_actions", "view_submission", "view_closed", "shortcut", "message_action"):
        if not isinstance(_object(payload.get("user"), "user").get("id"), str):
            raise Malformed("user.id must be text")
    if kind == "block_actions":
        actions = payload.get("actions")
        if not isinstance(actions, list) or not actions or not all(
                isinstance(a, dict) and isinstance(a.get("action_id"), str) for a in actions):
            raise Malformed("actions must be a non-empty list of objects with an action_id")
    if kind in ("view_submission", "view_closed"):
        view = _object(payload.get("view"), "view")
        if not isinstance(view.get("callback_id"), str):
            raise Malformed("view.callback_id must be text")
        values = _object(_object(view.get("state"), "view.state").get("values"), "view.state.values")
        if not all(isinstance(block, dict) and all(isinstance(v, dict) for v in block.values())
                   for block in values.values()):
            raise Malformed("view.state.values must hold objects")
        if not isinstance(view.get("private_metadata", ""), str):
            raise Malformed("view.private_metadata must be text")


def check_body(text: str, content_type: str) -> Form | None:
    """Raise Malformed unless the body has the basic shape of what Slack sends for its content type; a form body
    comes back parsed."""
    if content_type == "application/json":
        try:
            body = _object(json.loads(text), "the body")
        except json.JSONDecodeError:
            raise Malformed("the body is not JSON") from None
        if body.get("type") == "event_callback":
            event = _object(body.get("event"), "event")
            if not isinstance(event.get("type"), str):
                raise Malformed("event.type must be text")
        return None
    form = parse_qs(text, keep_blank_values=True)
    if "payload" in form:
        try:
            _check_payload(_object(json.loads(form["payload"][0]), "payload"))
        except json.JSONDecodeError:
            raise Malformed("payload is not JSON") from None
    elif "command" in form and not form.get("user_id", [""])[0]:
        raise Malformed("a slash command needs user_id")
    return form


def slack_guard(path: str, signing_secret: str):
    verifier = SignatureVerifier(signing_secret)

    @web.middleware
    async def middleware(request: web.Request, handler):
        if request.path != path or request.method != "POST":
            return await handler(request)
        try:
            text = (await request.read()).decode("utf-8")
        except UnicodeDecodeError:
            return _refused(request, "the body is not UTF-8", 400)
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        if timestamp.isdigit() and not (timestamp.isascii() and len(timestamp) <= MAX_TIMESTAMP_DIGITS):
            # digits, but no time Slack could send (and int() of thousands of them raises): malformed, not unsigned
            return _refused(request, "malformed X-Slack-Request-Timestamp", 400)
        if not timestamp.isdigit() or not verifier.is_valid(text, timestamp, request.headers.get("X-Slack-Signature", "")):
            return _refused(request, "invalid request", 401)
        try:
            form = check_body(text, request.content_type)
        except Malformed as exc:
            return _refused(request, f"malformed request: {exc}", 400)
        if form is not None:
            request[SLACK_FORM] = form
        return await handler(request)

    return middleware


def _refused(request: web.Request, error: str, status: int) -> web.Response:
    log.warning("refused a request from %s: HTTP %d, %s", request.remote, status, error)
    return web.json_response({"error": error}, status=status)
