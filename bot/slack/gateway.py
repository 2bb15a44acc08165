"""A thin gateway over the Slack Web API for what services need: profiles, DMs, channel posts, files.

Services hand it plain text (mrkdwn) and optional blocks built elsewhere; it knows no domain rules.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.common.people import Profile

log = logging.getLogger(__name__)

Followup = tuple[str, str]  # (kind, subject): what to do once a kept message is finally sent; see bot.nudges

PERMANENT_ERRORS = frozenset({
    "user_not_found", "channel_not_found", "not_in_channel", "is_archived", "account_inactive",
    "cannot_dm_bot", "user_disabled", "invalid_auth", "missing_scope", "restricted_action",
})


@dataclass(frozen=True)
class Delivery:
    ok: bool
    error: str | None = None
    ts: str | None = None
    channel: str | None = None
    kept: bool = False  # failed now, stored to be sent by the next sweep

    @property
    def permanent(self) -> bool:
        return self.error in PERMANENT_ERRORS


class SlackGateway:
    def __init__(self, client: AsyncWebClient, *, profile_ttl: float = 600.0) -> None:
        self.client = client
        self._profiles: dict[str, tuple[float, Profile]] = {}
        self._ttl = profile_ttl
        # (channel, text, followup): stores a message Slack refused for now; bot.nudges sends it later
        self.keep_for_later: Callable[[str, str, Followup | None], Awaitable[None]] | None = None

    def open_session(self) -> None:
        """One pooled HTTP session for every Web API call (instead of a new connection per call)."""
        self.client.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.client.timeout))

    async def close_session(self) -> None:
        if self.client.session is not None:
            await self.client.session.close()
            self.client.session = None

    async def respond(self, response_url: str, **message) -> None:
        """Answer a slash command or an interaction through its response_url, on the pooled session and with the
        Web API client's retry handlers; an answer Slack does not take raises."""
        webhook = AsyncWebhookClient(response_url, timeout=int(self.client.timeout), session=self.client.session,
                                     retry_handlers=self.client.retry_handlers, logger=log)
        resp = await webhook.send(**message)
        if resp.status_code != 200:
            raise RuntimeError(f"response_url answered HTTP {resp.status_code}")

    async def profile(self, user_id: str) -> Profile:
        """users.info, cached for a few minutes; a failure gives a profile with what is known (the id)."""
        cached = self._profiles.get(user_id)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        try:
            resp = await self.client.users_info(user=user_id)
        except Exception as exc:  # noqa: BLE001 - any Slack failure degrades to "unknown profile"
            log.warning("users.info failed for %s: %s", user_id, _reason(exc))
            return Profile(user_id=user_id, name=user_id, email=None, timezone=None)
        user = resp["user"]
        p = user.get("profile", {})
        profile = Profile(
            user_id=user_id,
            name=p.get("real_name") or user.get("real_name") or p.get("display_name") or user.get("name") or user_id,
            email=p.get("email"), timezone=user.get("tz"))
        self._profiles[user_id] = (time.monotonic() + self._ttl, profile)
        return profile

    async def dm(self, user_id: str, text: str, blocks: list | None = None, *,
                 followup: Followup | None = None) -> Delivery:
        return await self.post(user_id, text, blocks, followup=followup)

    async def post(self, channel: str, text: str, blocks: list | None = None, *, keep: bool = True,
                   followup: Followup | None = None) -> Delivery:
        """Post a message; a plain-text message that fails for a passing reason (Slack down, rate limited
        beyond the client's retries) is handed to `keep_for_later` so the next sweep sends it, and then does
        what `followup` names (a file the message promised, say)."""
        try:
            resp = await self.client.chat_postMessage(channel=channel, text=text, blocks=blocks)
        except Exception as exc:  # noqa: BLE001 - reported to the caller as a failed delivery
            failed = Delivery(ok=False, error=_reason(exc))
            log.warning("chat.postMessage to %s failed: %s", channel, failed.error)
            if keep and blocks is None and not failed.permanent and self.keep_for_later is not None:
                await self.keep_for_later(channel, text, followup)
                return Delivery(ok=False, error=failed.error, kept=True)
            return failed
        return Delivery(ok=True, ts=resp.get("ts"), channel=resp.get("channel"))

    async def update(self, channel: str, ts: str, text: str, blocks: list | None = None) -> Delivery:
        try:
            await self.client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
        except Exception as exc:  # noqa: BLE001
            return Delivery(ok=False, error=_reason(exc))
        return Delivery(ok=True, ts=ts, channel=channel)

    async def upload(self, channel: str, filename: str, content: bytes, title: str, comment: str) -> Delivery:
        """files.getUploadURLExternal + completeUploadExternal (via slack_sdk's files_upload_v2).

        Uploads need a conversation id, so a user id is turned into their DM first.
        """
        try:
            if channel.startswith(("U", "W")):
                channel = (await self.client.conversations_open(users=channel))["channel"]["id"]
            await self.client.files_upload_v2(channel=channel, filename=filename, content=content,
                                              title=title, initial_comment=comment)
        except Exception as exc:  # noqa: BLE001
            return Delivery(ok=False, error=_reason(exc))
        return Delivery(ok=True, channel=channel)


def _reason(exc: Exception) -> str:
    """A short reason without request details (which could carry tokens)."""
    if isinstance(exc, SlackApiError):
        data = exc.response.data
        error = data.get("error") if isinstance(data, dict) else None
        return str(error or f"http_{exc.response.status_code}")
    return type(exc).__name__
