"""Whose fault a failed Slack call is: the app's token, the recipient, or a passing problem.

The three call for different answers: a token or scope problem stops all sending and keeps everything due
(retrying would only fail again for everyone); a recipient problem fails that one message; anything else is
retried later.
"""
from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.errors import SlackApiError

# The app's own credentials or permissions: nothing can be sent until a person fixes them.
TOKEN_ERRORS = frozenset({"invalid_auth", "token_revoked", "token_expired", "not_authed", "missing_scope",
                          "account_inactive", "not_allowed_token_type", "no_permission", "team_access_not_granted"})
# About the recipient: this message can never go, the others can.
RECIPIENT_ERRORS = frozenset({"user_not_found", "users_not_found", "cannot_dm_bot", "user_disabled",
                              "user_is_bot", "channel_not_found", "is_archived", "not_in_channel"})
# About a channel the app should be in: fixed by inviting the bot, so such messages wait rather than fail.
CHANNEL_ERRORS = frozenset({"channel_not_found", "is_archived", "not_in_channel"})


class TokenRefused(Exception):
    """Slack refused a token (`reason`: invalid_auth, not_allowed_token_type, …)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Delivery:
    ok: bool
    error: str | None = None
    ts: str | None = None
    channel: str | None = None

    @property
    def token_problem(self) -> bool:
        return self.error in TOKEN_ERRORS

    @property
    def recipient_problem(self) -> bool:
        return self.error in RECIPIENT_ERRORS

    @property
    def channel_problem(self) -> bool:
        return self.error in CHANNEL_ERRORS


def reason(exc: BaseException) -> str:
    """A short reason without request details (which could carry tokens)."""
    if isinstance(exc, SlackApiError):
        data = exc.response.data
        error = data.get("error") if isinstance(data, dict) else None
        return str(error or f"http_{exc.response.status_code}")
    return type(exc).__name__
