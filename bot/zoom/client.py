"""Zoom Reports API client: Server-to-Server OAuth, pagination, instances, 429 backoff.

Follows ../shared/zoom-formats.md §2: tokens are renewed shortly before `expires_in`,
reports are paged with `page_size=300` while `next_page_token` is non-empty, and a
meeting's instances are fetched by (double-encoded when needed) UUID. Every failure is a
ZoomError whose message is one line and never contains the client secret or a token.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import aiohttp
from yarl import URL

PAGE_SIZE = 300
RENEW_BEFORE = 60.0  # seconds before `expires_in` runs out
DEFAULT_EXPIRES_IN = 3599
EARLY_START = timedelta(hours=2)  # hosts open the room before the session starts
BACKOFF_BASE = 1.0
BACKOFF_MAX = 30.0
LONGEST_WAIT = 60.0  # a longer Retry-After is reported instead of slept through
MESSAGE_LIMIT = 200


class ZoomError(Exception):
    """A Zoom request that failed; `str()` is one line, safe to show and to log."""


def encode_meeting_id(value: str) -> str:
    """A meeting ID or UUID as a path segment; Zoom wants UUIDs starting with `/` or holding `//` encoded twice."""
    once = quote(value, safe="")
    if value.startswith("/") or "//" in value:
        return quote(once, safe="")
    return once


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a `Retry-After` header: Zoom sends an ISO date, HTTP allows seconds or an HTTP date.

    None when absent or unreadable; 0 for a date already past. `now` must be timezone-aware.
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        until = _parse_date(text)
        if until is None:
            return None
        return max(0.0, (until - now).total_seconds())
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _parse_date(text: str) -> datetime | None:
    try:
        until = datetime.fromisoformat(text)
    except ValueError:
        try:
            until = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    return until if until.tzinfo else until.replace(tzinfo=timezone.utc)


def _one_line(text: str) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= MESSAGE_LIMIT else line[: MESSAGE_LIMIT - 1] + "…"


def _zoom_message(body: Any) -> str:
    """Zoom's own explanation from an error body (`message` for the API, `reason` for OAuth)."""
    if isinstance(body, dict):
        for key in ("message", "reason", "error"):
            if isinstance(body.get(key), str) and body[key].strip():
                return _one_line(body[key])
    return "no explanation given"


def _start_time(instance: dict) -> datetime:
    try:
        start = datetime.fromisoformat(instance["start_time"])
    except (KeyError, TypeError, ValueError):
        problem = f"Zoom listed a past instance without a readable start_time: {_one_line(repr(instance))}"
        raise ZoomError(problem) from None
    return start if start.tzinfo else start.replace(tzinfo=timezone.utc)


def _overlaps(start: datetime, windows: list[tuple[datetime, datetime]]) -> bool:
    return any(begin - EARLY_START <= start <= end for begin, end in windows)


class ZoomClient:
    """Reads past-meeting participant reports for one Server-to-Server OAuth app."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        api_url: str,
        oauth_url: str,
        account_id: str,
        client_id: str,
        client_secret: str,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        max_tries: int = 5,
    ) -> None:
        self._session = session
        self._api_url = api_url.rstrip("/")
        self._oauth_url = oauth_url
        self._account_id = account_id
        self._basic_auth = {"Authorization": aiohttp.encode_basic_auth(client_id, client_secret)}
        self._secret = client_secret
        self._clock = clock
        self._sleep = sleep
        self._max_tries = max(1, max_tries)
        self._lock = asyncio.Lock()
        self._token: str | None = None
        self._expires_at = 0.0

    # ---- token ------------------------------------------------------------
    async def token(self) -> str:
        """The cached access token, fetched again when it is within RENEW_BEFORE of expiring."""
        async with self._lock:
            if self._token is None or self._clock() >= self._expires_at:
                self._token, self._expires_at = await self._fetch_token()
            return self._token

    def _drop_token(self, token: str) -> None:
        """Forget `token` unless another request has already replaced it."""
        if self._token == token:
            self._token = None

    async def _fetch_token(self) -> tuple[str, float]:
        params = {"grant_type": "account_credentials", "account_id": self._account_id}
        status, body = await self._send("POST", URL(self._oauth_url), params=params, headers=self._basic_auth)
        if status != 200:
            raise ZoomError(f"Zoom OAuth refused the token request (HTTP {status}): {self._safe(_zoom_message(body))}")
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise ZoomError("Zoom OAuth answered without an access_token")
        expires_in = body.get("expires_in", DEFAULT_EXPIRES_IN)
        if not isinstance(expires_in, (int, float)) or expires_in <= 0:
            expires_in = DEFAULT_EXPIRES_IN
        return token, self._clock() + expires_in - RENEW_BEFORE

    # ---- endpoints --------------------------------------------------------
    async def past_instances(self, meeting_id: str) -> list[dict]:
        """Ended instances of a meeting (`uuid`, `start_time`); empty when Zoom knows none."""
        path = f"/past_meetings/{encode_meeting_id(meeting_id)}/instances"
        status, body = await self._get(path, {})
        if status == 404:
            return []
        meetings = self._expect_ok(path, status, body).get("meetings") or []
        if not isinstance(meetings, list) or not all(isinstance(m, dict) for m in meetings):
            raise ZoomError(f"Zoom GET {path}: 'meetings' is not a list of objects")
        return meetings

    async def participant_pages(self, meeting_id_or_uuid: str) -> list[dict]:
        """Every page of a past meeting's participant report, as Zoom sent them."""
        path = f"/report/meetings/{encode_meeting_id(meeting_id_or_uuid)}/participants"
        pages: list[dict] = []
        seen: set[str] = set()
        params: dict[str, str | int] = {"page_size": PAGE_SIZE}
        while True:
            status, body = await self._get(path, params)
            page = self._expect_ok(path, status, body)
            pages.append(page)
            next_token = page.get("next_page_token") or ""
            if not next_token:
                return pages
            if not isinstance(next_token, str) or next_token in seen:
                raise ZoomError(f"Zoom GET {path}: next_page_token repeats or is not text; stopped paging")
            seen.add(next_token)
            params = {"page_size": PAGE_SIZE, "next_page_token": next_token}

    async def instance_reports(self, meeting_id: str, windows: list[tuple[datetime, datetime]]) -> list[dict]:
        """Report pages of every instance that started within a session window (or up to 2 h before one).

        A restarted call is a new instance, so one session can need several. Without any
        listed instance, the report by meeting ID (Zoom's latest instance) is used.
        `windows` are timezone-aware (start, end) pairs.
        """
        instances = await self.past_instances(meeting_id)
        if not instances:
            return await self.participant_pages(meeting_id)
        pages: list[dict] = []
        fetched: set[str] = set()
        for instance in instances:
            uuid = instance.get("uuid")
            if not isinstance(uuid, str) or not uuid:
                raise ZoomError(f"Zoom listed a past instance of meeting {meeting_id} without a uuid")
            if uuid not in fetched and _overlaps(_start_time(instance), windows):
                fetched.add(uuid)
                pages.extend(await self.participant_pages(uuid))
        return pages

    # ---- HTTP -------------------------------------------------------------
    async def _get(self, path: str, params: dict[str, str | int]) -> tuple[int, Any]:
        """GET an API path; a 401 (token revoked or expired early) gets one retry with a new token."""
        url = URL(self._api_url + path, encoded=True)
        token = await self.token()
        status, body = await self._send("GET", url, params=params, headers=_bearer(token))
        if status == 401:
            self._drop_token(token)
            status, body = await self._send("GET", url, params=params, headers=_bearer(await self.token()))
        return status, body

    def _expect_ok(self, path: str, status: int, body: Any) -> dict:
        if status != 200:
            raise ZoomError(f"Zoom GET {path} failed (HTTP {status}): {self._safe(_zoom_message(body))}")
        if not isinstance(body, dict):
            raise ZoomError(f"Zoom GET {path} answered with something other than a JSON object")
        return body

    async def _send(self, method: str, url: URL, **kwargs: Any) -> tuple[int, Any]:
        """One request, repeated after HTTP 429 as Zoom's rate limit asks, at most `max_tries` times."""
        for attempt in range(self._max_tries):
            try:
                async with self._session.request(method, url, **kwargs) as response:
                    if response.status != 429:
                        return response.status, await _read_json(response)
                    delay = self._rate_limit_delay(response, attempt)
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                raise ZoomError(f"Zoom {method} {url.host}{url.path} failed: {type(exc).__name__}") from None
            if attempt + 1 < self._max_tries:
                await self._sleep(delay)
        raise ZoomError(f"Zoom kept answering HTTP 429 (rate limited) to {method} {url.path}; gave up after "
                        f"{self._max_tries} tries")

    def _rate_limit_delay(self, response: aiohttp.ClientResponse, attempt: int) -> float:
        """Seconds to wait before trying again, or ZoomError when waiting makes no sense."""
        retry_after = response.headers.get("Retry-After")
        if response.headers.get("X-RateLimit-Type", "").lower().startswith("daily"):
            when = f"after {_one_line(retry_after)}" if retry_after else "tomorrow (UTC)"
            raise ZoomError(f"Zoom's daily API request limit for this account is used up; try again {when}")
        delay = parse_retry_after(retry_after, datetime.now(timezone.utc))
        if delay is None:
            return min(BACKOFF_BASE * 2**attempt, BACKOFF_MAX)
        if delay > LONGEST_WAIT:
            raise ZoomError(f"Zoom's rate limit asks to wait {delay:.0f} s; try again later")
        return delay

    def _safe(self, text: str) -> str:
        """Zoom's text with the secret and the current token blanked, in case an error body echoes them."""
        for secret in (self._secret, self._token):
            if secret:
                text = text.replace(secret, "[redacted]")
        return text


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _read_json(response: aiohttp.ClientResponse) -> Any:
    """The body as JSON, or None when it is empty or not JSON (error pages)."""
    text = await response.text(errors="replace")
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None
