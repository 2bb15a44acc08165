"""A fake Slack Web API on 127.0.0.1: records every call, answers like Slack, fails on request.

Arguments are read the three ways slack_sdk sends them (JSON body, form body, query string).
"""
from __future__ import annotations

import asyncio
import base64
import itertools
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

REQUIRED = {
    "chat.postMessage": ("channel",),
    "chat.postEphemeral": ("channel", "user"),
    "chat.update": ("channel", "ts"),
    "chat.delete": ("channel", "ts"),
    "views.open": ("trigger_id", "view"),
    "views.update": ("view",),
    "views.publish": ("user_id", "view"),
    "users.info": ("user",),
    "users.lookupByEmail": ("email",),
    "conversations.open": ("users",),
    "conversations.create": ("name",),
    "conversations.invite": ("channel", "users"),
    "conversations.info": ("channel",),
    "files.info": ("file",),
    "files.getUploadURLExternal": ("filename", "length"),
    "files.completeUploadExternal": ("files",),
}
CHANNEL_NAME = re.compile(r"^[a-z0-9_-]{1,80}$")


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None
    at: float = field(default_factory=time.time)  # when it arrived (the load benchmark times answers)


@dataclass
class Failure:
    kind: str  # "500" | "429" | "ok_false" | "drop"
    error: str = "internal_error"
    retry_after: int = 1
    method: str | None = None


@dataclass
class FakeSlack:
    token: str = "xoxb-test-token"
    app_token: str = "xapp-test-token"  # for apps.connections.open (Socket Mode)
    users: dict[str, dict] = field(default_factory=dict)
    files: dict[str, dict] = field(default_factory=dict)
    uploads: dict[str, bytes] = field(default_factory=dict)
    channels: dict[str, dict] = field(default_factory=dict)
    missing_channels: set[str] = field(default_factory=set)
    outside_channels: set[str] = field(default_factory=set)  # channels that exist but the bot is not in
    calls: list[Call] = field(default_factory=list)
    responses: list[dict] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    delivered: list[dict] = field(default_factory=list)  # chat.postMessage calls that got their answer
    hang_after: int | None = None  # postMessage calls beyond this many deliveries never answer
    released: asyncio.Event = field(default_factory=asyncio.Event)  # set on shutdown to end hung requests
    url: str = ""
    sockets: list = field(default_factory=list)  # open Socket Mode connections
    download_chunk: int = 4096  # bytes per write when serving a file
    fail_downloads: bool = False  # file downloads answer 500
    socket_messages: list[dict] = field(default_factory=list)  # what apps sent back (envelope acks)
    users_page: int = 10  # users.list answers at most this many members a page (Slack: up to `limit`)
    _ids = itertools.count(1)

    # ---- set-up helpers -------------------------------------------------
    def add_user(self, user_id: str, name: str, email: str | None = None, tz: str = "America/New_York", *,
                 handle: str | None = None, display_name: str | None = None, deleted: bool = False,
                 is_bot: bool = False) -> None:
        """A member as users.info/users.list describe one; `name` is the real name, `handle` the legacy
        username (by default the real name in lower case with dots)."""
        self.users[user_id] = {"id": user_id, "name": handle or name.lower().replace(" ", "."), "real_name": name,
                               "tz": tz, "deleted": deleted, "is_bot": is_bot,
                               "profile": {"real_name": name, "display_name": name if display_name is None
                                           else display_name, "email": email}}

    def add_file(self, file_id: str, name: str, content: bytes, user: str, *, served: bytes | None = None) -> None:
        """A file files.info describes as `content`; `served` is what a download then gets, if not all of it."""
        self.files[file_id] = {"id": file_id, "name": name, "user": user, "size": len(content), "content": content}
        if served is not None:
            self.files[file_id]["served"] = served

    def fail_next(self, count: int, kind: str, *, error: str = "internal_error", retry_after: int = 1,
                  method: str | None = None) -> None:
        self.failures.extend(Failure(kind, error, retry_after, method) for _ in range(count))

    # ---- intent-level assertions ---------------------------------------
    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def messages_to(self, channel: str) -> list[dict]:
        return [c.args for c in self.calls_to("chat.postMessage") if c.args.get("channel") == channel]

    def dms_to(self, user_id: str) -> list[str]:
        """Texts (plus block texts) posted to a user's DM."""
        return [message_text(m) for m in self.messages_to(user_id) + self.messages_to("D" + user_id)]

    def last_view(self, method: str = "views.open") -> dict:
        view = self.calls_to(method)[-1].args["view"]
        return json.loads(view) if isinstance(view, str) else view

    # ---- server ---------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{key}", self._response_url)
        app.router.add_get("/files/{file_id}", self._download)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket", self._socket)
        return app

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode: say hello, then record every message the app sends (acks of envelopes)."""
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0TRAINING"},
                            "debug_info": {"host": "fake", "approximate_connection_time": 3600}})
        async for message in ws:
            if message.type == web.WSMsgType.TEXT:
                self.socket_messages.append(json.loads(message.data))
        self.sockets.remove(ws)
        return ws

    async def socket_send(self, envelope: dict) -> None:
        for ws in self.sockets:
            await ws.send_json(envelope)

    async def _args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                args.update(await request.json())
            else:
                args.update(dict(await request.post()))
        return args

    def _failure_for(self, method: str) -> Failure | None:
        for i, failure in enumerate(self.failures):
            if failure.method in (None, method):
                return self.failures.pop(i)
        return None

    async def _api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        args = await self._args(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else args.pop("token", None)
        self.calls.append(Call(method, args, token))
        failure = self._failure_for(method)
        if failure:
            if failure.kind == "500":
                return web.Response(status=500, text="server error")
            if failure.kind == "429":
                return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                         headers={"Retry-After": str(failure.retry_after)})
            if failure.kind == "drop":
                request.transport.close()
                await asyncio.sleep(0.05)
                return web.Response(status=500)
            return web.json_response({"ok": False, "error": failure.error})
        if token != (self.app_token if method == "apps.connections.open" else self.token):
            return web.json_response({"ok": False, "error": "invalid_auth"})
        missing = [name for name in REQUIRED.get(method, ()) if args.get(name) in (None, "")]
        if missing:
            return web.json_response({"ok": False, "error": "invalid_arguments",
                                      "response_metadata": {"messages": [f"missing required: {missing}"]}})
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        return web.json_response(await handler(args))

    async def _response_url(self, request: web.Request) -> web.Response:
        self.responses.append({"key": request.match_info["key"], **(await request.json()), "at": time.time()})
        return web.Response(text="ok")

    async def _download(self, request: web.Request) -> web.StreamResponse:
        """A private file, sent in small chunks as a slow network would (a reader must wait for the rest); a file
        added with `served` serves only those bytes, then closes the connection."""
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.Response(status=403, text="forbidden")
        file = self.files.get(request.match_info["file_id"])
        if self.fail_downloads:
            return web.Response(status=500, text="server error")
        if file is None:
            return web.Response(status=404)
        content = file.get("served", file["content"])
        resp = web.StreamResponse()
        resp.content_length = len(file["content"])
        await resp.prepare(request)
        for start in range(0, len(content), self.download_chunk):
            await resp.write(content[start:start + self.download_chunk])
            await asyncio.sleep(0)
        if "served" in file:
            request.transport.close()  # cut off before the promised length
        else:
            await resp.write_eof()
        return resp

    async def _upload(self, request: web.Request) -> web.Response:
        self.uploads[request.match_info["file_id"]] = await request.read()
        return web.Response(text="OK - ok")

    # ---- methods ---------------------------------------------------------
    def _ts(self) -> str:
        return f"1790000000.{next(self._ids):06d}"

    def _channel_error(self, channel: str) -> str | None:
        if channel in self.missing_channels:
            return "channel_not_found"
        if channel.startswith("U") and channel not in self.users:
            return "user_not_found"
        return None

    async def _m_auth_test(self, args):
        return {"ok": True, "url": "https://fake.slack.test/", "team": "Fake", "user": "trainingbot",
                "team_id": "T0FAKE", "user_id": "U0BOT", "bot_id": "B0BOT"}

    async def _m_chat_postMessage(self, args):
        error = self._channel_error(args["channel"])
        if error:
            return {"ok": False, "error": error}
        if self.hang_after is not None and len(self.delivered) >= self.hang_after:
            await self.released.wait()  # a hung request is never delivered
            return {"ok": False, "error": "request_timeout"}
        self.delivered.append(args)
        channel = "D" + args["channel"] if args["channel"].startswith("U") else args["channel"]
        return {"ok": True, "channel": channel, "ts": self._ts(), "message": {"text": args.get("text")}}

    async def _m_apps_connections_open(self, args):
        return {"ok": True, "url": self.url.replace("http://", "ws://", 1) + "socket"}

    async def _m_chat_postEphemeral(self, args):
        return {"ok": True, "message_ts": self._ts()}

    async def _m_chat_update(self, args):
        return {"ok": True, "channel": args["channel"], "ts": args["ts"], "text": args.get("text")}

    async def _m_chat_delete(self, args):
        return {"ok": True, "channel": args["channel"], "ts": args["ts"]}

    async def _view(self, args):
        view = args["view"]
        view = json.loads(view) if isinstance(view, str) else view
        return {"ok": True, "view": {"id": f"V{next(self._ids):08d}", **view}}

    _m_views_open = _m_views_update = _m_views_publish = _view

    async def _m_users_info(self, args):
        user = self.users.get(args["user"])
        return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}

    async def _m_users_list(self, args):
        """Pages of members in id order; the cursor (opaque, as Slack's) says where the next page starts."""
        ids = sorted(self.users)
        cursor = args.get("cursor") or ""
        start = ids.index(base64.b64decode(cursor).decode().removeprefix("user:")) if cursor else 0
        end = start + min(int(args.get("limit") or 1000), self.users_page)
        following = f"user:{ids[end]}".encode() if end < len(ids) else b""
        return {"ok": True, "members": [self.users[i] for i in ids[start:end]],
                "response_metadata": {"next_cursor": base64.b64encode(following).decode()}}

    async def _m_users_lookupByEmail(self, args):
        for user in self.users.values():
            if (user["profile"].get("email") or "").lower() == args["email"].lower():
                return {"ok": True, "user": user}
        return {"ok": False, "error": "users_not_found"}

    async def _m_conversations_open(self, args):
        return {"ok": True, "channel": {"id": "D" + args["users"].split(",")[0]}}

    async def _m_conversations_create(self, args):
        name = args["name"]
        if not CHANNEL_NAME.match(name):
            return {"ok": False, "error": "invalid_name_specials"}
        if any(c["name"] == name for c in self.channels.values()):
            return {"ok": False, "error": "name_taken"}
        channel_id = f"C{next(self._ids):08d}"
        is_private = str(args.get("is_private", "false")).lower() in ("true", "1")
        self.channels[channel_id] = {"id": channel_id, "name": name, "is_private": is_private, "members": set()}
        return {"ok": True, "channel": {"id": channel_id, "name": name, "is_private": is_private}}

    async def _m_conversations_info(self, args):
        channel = args["channel"]
        if channel in self.missing_channels:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": {"id": channel, "is_member": channel not in self.outside_channels}}

    async def _m_conversations_invite(self, args):
        channel = self.channels.get(args["channel"])
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        channel["members"].update(args["users"].split(","))
        return {"ok": True, "channel": {"id": channel["id"]}}

    async def _m_files_info(self, args):
        file = self.files.get(args["file"])
        if file is None:
            return {"ok": False, "error": "file_not_found"}
        public = {k: v for k, v in file.items() if k not in ("content", "served")}
        return {"ok": True, "file": {**public, "url_private_download": f"{self.url}files/{file['id']}"}}

    async def _m_files_getUploadURLExternal(self, args):
        file_id = f"F{next(self._ids):08d}"
        return {"ok": True, "upload_url": f"{self.url}upload/{file_id}", "file_id": file_id}

    async def _m_files_completeUploadExternal(self, args):
        files = args["files"]
        files = json.loads(files) if isinstance(files, str) else files
        return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}


def message_text(args: dict) -> str:
    """A message's text and the text of its blocks, for assertions."""
    parts = [args.get("text") or ""]
    blocks = args.get("blocks")
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    parts.append(json.dumps(blocks or [], ensure_ascii=False))
    return "\n".join(parts)
