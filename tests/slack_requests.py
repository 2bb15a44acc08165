"""Builds requests exactly as Slack sends them, and signs them (v0 HMAC-SHA256 of v0:{ts}:{body})."""
from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from urllib.parse import urlencode


def sign(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class SlackRequests:
    secret: str
    response_base: str  # the fake Slack's URL, for response_url

    def headers(self, body: bytes, content_type: str, *, timestamp: int | None = None) -> dict[str, str]:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        return {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": sign(self.secret, ts, body)}

    def slash(self, command: str, text: str, user: str, *, channel: str = "C0GENERAL",
              key: str = "r1") -> tuple[bytes, dict[str, str]]:
        body = urlencode({
            "token": "legacy-unused", "team_id": "T0FAKE", "team_domain": "carpentries",
            "channel_id": channel, "channel_name": "general", "user_id": user, "user_name": user.lower(),
            "command": command, "text": text, "api_app_id": "A0TRAINING", "is_enterprise_install": "false",
            "response_url": f"{self.response_base}response/{key}", "trigger_id": f"trig.{user}.{time.time_ns()}",
        }).encode()
        return body, self.headers(body, "application/x-www-form-urlencoded")

    def interaction(self, payload: dict) -> tuple[bytes, dict[str, str]]:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return body, self.headers(body, "application/x-www-form-urlencoded")

    def block_action(self, user: str, action_id: str, value: str, *, channel: str = "C0STAFF",
                     message_ts: str = "1790000000.000001", view: dict | None = None) -> tuple[bytes, dict]:
        payload = {
            "type": "block_actions", "team": {"id": "T0FAKE", "domain": "carpentries"},
            "user": {"id": user, "username": user.lower(), "team_id": "T0FAKE"},
            "api_app_id": "A0TRAINING", "token": "legacy-unused", "trigger_id": f"trig.{time.time_ns()}",
            "response_url": f"{self.response_base}response/action",
            "actions": [{"type": "button", "action_id": action_id, "block_id": "b1", "value": value,
                         "action_ts": str(time.time())}],
        }
        if view is not None:
            payload["container"] = {"type": "view", "view_id": view.get("id", "V1")}
            payload["view"] = view
        else:
            payload["container"] = {"type": "message", "message_ts": message_ts, "channel_id": channel,
                                    "is_ephemeral": False}
            payload["channel"] = {"id": channel, "name": "staff"}
            payload["message"] = {"ts": message_ts, "text": "", "blocks": []}
        return self.interaction(payload)

    def view_submission(self, user: str, callback_id: str, values: dict, *, private_metadata: str = "",
                        view_id: str = "V0MODAL") -> tuple[bytes, dict]:
        payload = {
            "type": "view_submission", "team": {"id": "T0FAKE", "domain": "carpentries"},
            "user": {"id": user, "username": user.lower(), "team_id": "T0FAKE"},
            "api_app_id": "A0TRAINING", "token": "legacy-unused", "trigger_id": f"trig.{time.time_ns()}",
            "view": {"id": view_id, "type": "modal", "callback_id": callback_id,
                     "private_metadata": private_metadata, "state": {"values": values},
                     "hash": "h1", "title": {"type": "plain_text", "text": "x"}},
            "response_urls": [],
        }
        return self.interaction(payload)

    def event(self, event: dict) -> tuple[bytes, dict]:
        body = json.dumps({
            "token": "legacy-unused", "team_id": "T0FAKE", "api_app_id": "A0TRAINING", "event": event,
            "type": "event_callback", "event_id": f"Ev{time.time_ns()}", "event_time": int(time.time()),
        }).encode()
        return body, self.headers(body, "application/json")


def text_value(value: str) -> dict:
    return {"type": "plain_text_input", "value": value}


def select_value(value: str) -> dict:
    return {"type": "static_select", "selected_option": {"value": value, "text": {"type": "plain_text", "text": value}}}


def checkbox_values(*values: str) -> dict:
    return {"type": "checkboxes", "selected_options": [{"value": v, "text": {"type": "plain_text", "text": v}}
                                                       for v in values]}
