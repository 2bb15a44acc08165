"""The only door to Slack's Web API: profiles, messages, files, views and channels.

Callers hand it plain text (mrkdwn) and blocks built elsewhere; it knows no domain rules. Sends answer with a
Delivery that says whose fault a failure is (bot.slack.errors); interactive calls raise what callers can act on.
"""
from __future__ import annotations

import logging
import time

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.common.errors import SlackUnavailable, TriggerExpired
from bot.common.people import Member, Profile
from bot.slack.errors import Delivery, TokenRefused, reason

log = logging.getLogger(__name__)


class SlackGateway:
    def __init__(self, client: AsyncWebClient, *, profile_ttl: float = 600.0, zone_ttl: float = 86400.0,
                 directory_ttl: float = 300.0) -> None:
        self.client = client
        self._profiles: dict[str, tuple[float, Profile]] = {}
        self._ttl = profile_ttl
        self._zones: dict[str, tuple[float, str | None]] = {}
        self._zone_ttl = zone_ttl
        self._directory: tuple[float, list[Member]] | None = None
        self._directory_ttl = directory_ttl
        self._identity = None  # auth.test's answer, once it worked

    def open_session(self) -> None:
        """One pooled HTTP session for every Web API call (instead of a new connection per call)."""
        self.client.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.client.timeout))

    async def close_session(self) -> None:
        if self.client.session is not None:
            await self.client.session.close()
            self.client.session = None

    # ---- answers to a person's own action ---------------------------------------------------------------------
    async def respond(self, response_url: str, **message) -> None:
        """Answer a slash command or an interaction through its response_url, on the pooled session and with the
        Web API client's retry handlers and its quiet logger (the URL is a credential, the answer a person's
        text); an answer Slack does not take raises."""
        webhook = AsyncWebhookClient(response_url, timeout=int(self.client.timeout), session=self.client.session,
                                     retry_handlers=self.client.retry_handlers, logger=self.client.logger)
        resp = await webhook.send(**message)
        if resp.status_code != 200:
            raise RuntimeError(f"response_url answered HTTP {resp.status_code}")

    async def open_view(self, trigger_id: str, view: dict) -> None:
        """views.open; a trigger older than Slack's 3 s raises TriggerExpired."""
        try:
            await _interactive(self.client.views_open(trigger_id=trigger_id, view=view))
        except SlackApiError as exc:
            if reason(exc) == "expired_trigger_id":
                raise TriggerExpired() from None
            raise

    async def publish_home(self, user_id: str, view: dict) -> None:
        await _interactive(self.client.views_publish(user_id=user_id, view=view))

    # ---- people -----------------------------------------------------------------------------------------------
    async def profile(self, user_id: str) -> Profile:
        """users.info, cached for a few minutes; a failure gives a profile with what is known (the id)."""
        cached = self._profiles.get(user_id)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        return await self._fetch_profile(user_id) or Profile(user_id=user_id, name=user_id, email=None, timezone=None)

    async def zone(self, user_id: str) -> str | None:
        """The time zone of a user's Slack profile, cached for a day (reminders plan by it for everyone they DM,
        and zones seldom change); None when Slack does not say (then asked again next time) or without a token."""
        if not self.client.token:
            return None
        cached = self._zones.get(user_id)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        profile = await self._fetch_profile(user_id)
        return profile.timezone if profile else None

    async def _fetch_profile(self, user_id: str) -> Profile | None:
        """users.info, remembered for both caches; None when it failed."""
        try:
            resp = await self.client.users_info(user=user_id)
        except Exception as exc:  # noqa: BLE001 - any Slack failure degrades to "unknown profile"
            log.warning("users.info failed for %s: %s", user_id, reason(exc))
            return None
        user = resp["user"]
        p = user.get("profile", {})
        profile = Profile(
            user_id=user_id,
            name=p.get("real_name") or user.get("real_name") or p.get("display_name") or user.get("name") or user_id,
            email=p.get("email"), timezone=user.get("tz"))
        now = time.monotonic()
        self._profiles[user_id] = (now + self._ttl, profile)
        self._zones[user_id] = (now + self._zone_ttl, profile.timezone)
        return profile

    async def directory(self) -> list[Member]:
        """Everyone in the workspace but deleted users and bots (users.list, every page), cached for a few
        minutes: what a typed `@name` is looked up in."""
        if self._directory and self._directory[0] > time.monotonic():
            return self._directory[1]
        members, cursor = [], None
        while True:
            resp = await _interactive(self.client.users_list(limit=200, cursor=cursor))
            members += [_member(user) for user in resp.get("members", []) if _person(user)]
            cursor = (resp.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        self._directory = (time.monotonic() + self._directory_ttl, members)
        return members

    async def user_by_email(self, email: str) -> str | None:
        """users.lookupByEmail: the id of the (not deleted) user with this email, or None."""
        try:
            user = (await _interactive(self.client.users_lookupByEmail(email=email)))["user"]
        except SlackApiError as exc:
            if reason(exc) == "users_not_found":
                return None
            raise
        return user["id"] if _person(user) else None

    # ---- messages (the outbox is their only caller) -----------------------------------------------------------
    async def post(self, channel: str, text: str, blocks: list | None = None) -> Delivery:
        return await self._send("chat.postMessage", self.client.chat_postMessage, channel=channel, text=text,
                                blocks=blocks)

    async def update(self, channel: str, ts: str, text: str, blocks: list | None = None) -> Delivery:
        return await self._send("chat.update", self.client.chat_update, channel=channel, ts=ts, text=text,
                                blocks=blocks)

    async def delete(self, channel: str, ts: str) -> Delivery:
        delivery = await self._send("chat.delete", self.client.chat_delete, channel=channel, ts=ts)
        return Delivery(ok=True) if delivery.error == "message_not_found" else delivery

    async def upload(self, channel: str, filename: str, content: bytes, title: str, comment: str) -> Delivery:
        """files.getUploadURLExternal + completeUploadExternal (via slack_sdk's files_upload_v2).

        Uploads need a conversation id, so a user id is turned into their DM first.
        """
        try:
            if channel.startswith(("U", "W")):
                channel = (await self.client.conversations_open(users=channel))["channel"]["id"]
            await self.client.files_upload_v2(channel=channel, filename=filename, content=content,
                                              title=title, initial_comment=comment)
        except Exception as exc:  # noqa: BLE001 - reported to the caller as a failed delivery
            return _failed("files.upload", channel, exc)
        return Delivery(ok=True, channel=channel)

    async def _send(self, method: str, call, **args) -> Delivery:
        try:
            resp = await call(**args)
        except Exception as exc:  # noqa: BLE001 - reported to the caller as a failed delivery
            return _failed(method, args["channel"], exc)
        return Delivery(ok=True, ts=resp.get("ts"), channel=resp.get("channel"))

    # ---- files and channels -----------------------------------------------------------------------------------
    async def file_info(self, file_id: str) -> dict:
        return (await self.client.files_info(file=file_id))["file"]

    async def download(self, url: str, limit: int, expected: int | None = None) -> bytes:
        """A private file, read whole (streamed, at most `limit` bytes); an incomplete body raises ValueError."""
        session = self.client.session or aiohttp.ClientSession()
        try:
            async with session.get(url, headers={"Authorization": f"Bearer {self.client.token}"},
                                   timeout=aiohttp.ClientTimeout(total=120)) as resp:
                resp.raise_for_status()
                chunks, size = [], 0
                try:
                    async for chunk in resp.content.iter_chunked(64 * 1024):
                        size += len(chunk)
                        if size > limit:
                            raise ValueError(f"larger than {limit // (1024 * 1024)} MB")
                        chunks.append(chunk)
                except aiohttp.ClientPayloadError:
                    raise ValueError(f"the connection closed after {size:,} bytes") from None
        finally:
            if session is not self.client.session:
                await session.close()
        if expected is not None and size != expected:
            raise ValueError(f"only {size:,} of its {expected:,} bytes arrived")
        return b"".join(chunks)

    async def create_private_channel(self, name: str) -> tuple[str, str]:
        resp = await self.client.conversations_create(name=name, is_private=True)
        return resp["channel"]["id"], resp["channel"]["name"]

    async def invite(self, channel_id: str, user_ids: list[str]) -> None:
        await self.client.conversations_invite(channel=channel_id, users=",".join(user_ids))

    async def archive(self, channel_id: str) -> None:
        await self.client.conversations_archive(channel=channel_id)

    async def check_token(self) -> str | None:
        """auth.test: None when the token works, else Slack's reason; raises SlackUnavailable when unreachable."""
        try:
            self._identity = await self.client.auth_test()
        except SlackApiError as exc:
            if exc.response.status_code >= 500:
                raise SlackUnavailable() from None
            return reason(exc)
        except (aiohttp.ClientError, OSError, TimeoutError):
            raise SlackUnavailable() from None
        return None

    async def identity(self):
        """The bot's auth.test answer (asked once, then remembered); None when Slack refuses the token; raises
        SlackUnavailable when Slack cannot be reached."""
        if self._identity is None and await self.check_token() is not None:
            return None
        return self._identity

    async def member_of(self, channel: str) -> bool | None:
        """Whether the bot is in a channel; None when Slack will not say (a missing scope, Slack down)."""
        try:
            return bool((await self.client.conversations_info(channel=channel))["channel"].get("is_member"))
        except SlackApiError as exc:
            return False if reason(exc) == "channel_not_found" else None
        except (aiohttp.ClientError, OSError, TimeoutError):
            return None

    async def socket_url(self, app_token: str) -> str:
        """apps.connections.open with the app-level token: where Socket Mode connects. Raises TokenRefused when
        Slack refuses the token, SlackUnavailable when it cannot be reached."""
        try:
            return (await _interactive(self.client.apps_connections_open(app_token=app_token)))["url"]
        except SlackApiError as exc:
            raise TokenRefused(reason(exc)) from None


def _person(user: dict) -> bool:
    return not (user.get("deleted") or user.get("is_bot") or user.get("id") == "USLACKBOT")


def _member(user: dict) -> Member:
    p = user.get("profile") or {}
    names = (user.get("name"), p.get("display_name"), p.get("real_name") or user.get("real_name"))
    return Member(user_id=user["id"], names=tuple(n for n in names if n))


async def _interactive(call):
    """A call someone is waiting for: Slack out of reach (5xx after the retries, no connection) raises
    SlackUnavailable, which the listener boundary answers with "try again"."""
    try:
        return await call
    except SlackApiError as exc:
        if exc.response.status_code >= 500:
            raise SlackUnavailable() from None
        raise
    except (aiohttp.ClientError, OSError, TimeoutError):
        raise SlackUnavailable() from None


def _failed(method: str, channel: str, exc: Exception) -> Delivery:
    failed = Delivery(ok=False, error=reason(exc))
    log.warning("%s to %s failed: %s", method, channel, failed.error)
    return failed
