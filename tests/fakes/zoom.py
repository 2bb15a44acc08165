"""A fake Zoom (OAuth token endpoint and Reports API) on 127.0.0.1: records every request, fails on request.

Shapes follow ../shared/zoom-formats.md §2. Like Zoom, it decodes a meeting ID or UUID in the
path once, and a second time when the result still holds `%`; a UUID starting with `/` or
holding `//` that arrives encoded only once is "Meeting does not exist", as on devforum 2776.
"""
from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote

from aiohttp import web

MAX_PAGE_SIZE = 300
DEFAULT_PAGE_SIZE = 30
PER_SECOND_MESSAGE = "You have reached the maximum per-second rate limit for this API. Try again later."


@dataclass
class Request:
    method: str
    path: str  # as routed (decoded once)
    raw_path: str  # as sent, without the query string
    query: dict[str, str]
    token: str | None  # the bearer token, if any


@dataclass
class Failure:
    kind: str  # "429" | "daily" | "401" | "500"
    retry_after: int | None = 1


@dataclass
class FakeZoom:
    account_id: str = "acct-fake-1"
    client_id: str = "client-id-fake"
    client_secret: str = "client-secret-fake-0123456789"
    url: str = ""
    requests: list[Request] = field(default_factory=list)
    instances: dict[str, list[dict]] = field(default_factory=dict)
    participants: dict[str, list[dict]] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    tokens_issued: int = 0
    live_tokens: set[str] = field(default_factory=set)
    _pages: dict[str, tuple[str, int, int]] = field(default_factory=dict)  # token → (meeting, offset, size)

    # ---- set-up helpers -------------------------------------------------
    def add_instance(self, meeting_id: str, uuid: str, start_time: datetime, participants: list[dict]) -> None:
        """A past instance of `meeting_id` (listed by /instances) with its own participant report."""
        start = start_time.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.instances.setdefault(meeting_id, []).append({"uuid": uuid, "start_time": start})
        self.participants[uuid] = participants

    def add_meeting(self, meeting_id_or_uuid: str, participants: list[dict]) -> None:
        """A report reachable by this ID or UUID without any listed instance."""
        self.participants[meeting_id_or_uuid] = participants

    def fail_next(self, count: int, kind: str, *, retry_after: int | None = 1) -> None:
        """The next `count` API calls (not OAuth) answer with `kind`; `retry_after=None` sends no Retry-After."""
        self.failures.extend(Failure(kind, retry_after) for _ in range(count))

    # ---- assertions -------------------------------------------------------
    def api_requests(self, contains: str = "/v2/") -> list[Request]:
        return [r for r in self.requests if contains in r.raw_path]

    def report_ids(self) -> list[str]:
        """Raw (as sent) meeting segments of every participant-report request."""
        return [r.raw_path.split("/")[4] for r in self.api_requests("/participants")]

    # ---- server ---------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._record])
        app.router.add_post("/oauth/token", self._oauth)
        app.router.add_get("/v2/past_meetings/{meeting}/instances", self._instances)
        app.router.add_get("/v2/report/meetings/{meeting}/participants", self._participants)
        return app

    @web.middleware
    async def _record(self, request: web.Request, handler) -> web.StreamResponse:
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None
        self.requests.append(Request(request.method, request.path, request.rel_url.raw_path,
                                     dict(request.query), token))
        if request.path.startswith("/v2/"):
            failure = self.failures.pop(0) if self.failures else None
            if failure:
                return _failure_response(failure)
            if token not in self.live_tokens:
                return web.json_response({"code": 124, "message": "Invalid access token."}, status=401)
        return await handler(request)

    async def _oauth(self, request: web.Request) -> web.Response:
        args = dict(request.query)
        if request.can_read_body:
            args.update(await request.post())
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {expected}":
            return web.json_response({"reason": "Invalid client_id or client_secret", "error": "invalid_client"},
                                     status=401)
        if args.get("grant_type") != "account_credentials":
            return web.json_response({"reason": "Unsupported grant type", "error": "unsupported_grant_type"},
                                     status=400)
        if args.get("account_id") != self.account_id:
            return web.json_response({"reason": "Invalid account_id", "error": "invalid_request"}, status=400)
        self.tokens_issued += 1
        token = f"zoom-token-{self.tokens_issued}"
        self.live_tokens.add(token)
        return web.json_response({"access_token": token, "token_type": "bearer", "expires_in": 3599,
                                  "scope": "report:read:admin", "api_url": "https://api.zoom.us"})

    async def _instances(self, request: web.Request) -> web.Response:
        meeting = _meeting_id(request)
        if meeting is None or (meeting not in self.instances and meeting not in self.participants):
            return _not_found(request)
        return web.json_response({"meetings": self.instances.get(meeting, [])})

    async def _participants(self, request: web.Request) -> web.Response:
        meeting = _meeting_id(request)
        if meeting is None or meeting not in self.participants:
            return _not_found(request)
        page_token = request.query.get("next_page_token", "")
        if page_token:
            if page_token not in self._pages or self._pages[page_token][0] != meeting:
                return web.json_response({"code": 300, "message": "The next page token is invalid or expired."},
                                         status=400)
            _, offset, size = self._pages.pop(page_token)
        else:
            offset, size = 0, _page_size(request.query.get("page_size"))
            if size is None:
                return web.json_response({"code": 300, "message": "Invalid field: page_size"}, status=400)
        rows = self.participants[meeting]
        next_token = ""
        if offset + size < len(rows):
            next_token = secrets.token_urlsafe(24)
            self._pages[next_token] = (meeting, offset + size, size)
        return web.json_response({"page_count": -(-len(rows) // size), "page_size": size,
                                  "total_records": len(rows), "next_page_token": next_token,
                                  "participants": rows[offset:offset + size]})


def participant(number: int, join: datetime, leave: datetime, **extra) -> dict:
    """A Reports API participant record (§2.2) for person `number`."""
    return {"id": "", "user_id": str(16780000 + number), "name": f"Person {number}",
            "user_email": f"person{number}@example.org", "join_time": _iso(join), "leave_time": _iso(leave),
            "duration": int((leave - join).total_seconds()), "failover": False, "status": "in_meeting",
            "customer_key": "", "registrant_id": "", "bo_mtg_id": "", "participant_user_id": "", **extra}


def people(count: int, join: datetime, leave: datetime) -> list[dict]:
    return [participant(n, join, leave) for n in range(1, count + 1)]


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _meeting_id(request: web.Request) -> str | None:
    """The ID or UUID as Zoom reads it: decoded once by the router, again when still percent-encoded.

    None for a UUID that needed double encoding but came encoded once.
    """
    once = unquote(request.rel_url.raw_parts[-2])  # both routes end with /{meeting}/<name>
    if "%" in once:
        return unquote(once)
    return None if _needs_double_encoding(once) else once


def _needs_double_encoding(meeting: str) -> bool:
    return meeting.startswith("/") or "//" in meeting


def _not_found(request: web.Request) -> web.Response:
    meeting = request.match_info["meeting"]
    return web.json_response({"code": 3001, "message": f"Meeting does not exist: {meeting}."}, status=404)


def _page_size(value: str | None) -> int | None:
    if value is None:
        return DEFAULT_PAGE_SIZE
    if not value.isdigit() or not 1 <= int(value) <= MAX_PAGE_SIZE:
        return None
    return int(value)


def _failure_response(failure: Failure) -> web.Response:
    if failure.kind == "401":
        return web.json_response({"code": 124, "message": "Access token is expired."}, status=401)
    if failure.kind == "500":
        return web.json_response({"code": 500, "message": "Internal server error."}, status=500)
    headers = {"X-RateLimit-Category": "Heavy"}
    if failure.kind == "daily":
        tomorrow = datetime.now(timezone.utc).date() + timedelta(days=1)
        headers.update({"X-RateLimit-Type": "Daily-limit", "X-RateLimit-Limit": "30000",
                        "X-RateLimit-Remaining": "0", "Retry-After": f"{tomorrow.isoformat()}T00:00:00Z"})
        message = "You have exceeded the daily rate limit (30000) of Report API requests. Try again later."
    else:
        headers["X-RateLimit-Type"] = "QPS"
        if failure.retry_after is not None:
            headers["Retry-After"] = str(failure.retry_after)
        message = PER_SECOND_MESSAGE
    return web.json_response({"code": 429, "message": message}, status=429, headers=headers)
