"""The one listener boundary: every Bolt listener, and every slash command the surge desk queued, runs through it.

Listeners read "ack → service → render" and leave failures to this module: a Refusal becomes an ephemeral answer
(or an inline error on its field in a form); a database outage becomes "try again, nothing changed"; Slack out of
reach becomes "Slack could not be reached"; anything else is logged with an id and answered with an apology that
gives the id. The boundary also holds the task of every listener while it runs, so shutdown waits for the app's
own work without knowing how Bolt schedules it.
"""
from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import secrets
from collections.abc import Awaitable, Callable

from bot.common.errors import Refusal, SlackUnavailable, TriggerExpired, is_unavailable
from bot.config import Settings
from bot.slack.gateway import SlackGateway
from bot.slack.surge import Acknowledged
from handlers.requests import NUL_TEXT, Action, Command, Event, Submission

log = logging.getLogger(__name__)

DATABASE_DOWN = "The training database is not reachable right now. Nothing was changed; please try again in a few minutes."
SLACK_DOWN = "Slack could not be reached just now, so nothing was done. Please try again in a minute."
TRIGGER_EXPIRED = "We were too busy to open the form in time. Nothing was changed"
Reply = Callable[[str, str | None], Awaitable[None]]  # (message, form field)


class Boundary:
    def __init__(self, app, gateway: SlackGateway, settings: Settings) -> None:
        self.app, self.gateway, self.settings = app, gateway, settings
        self.tasks: set[asyncio.Task] = set()
        self.slash: dict[str, Acknowledged] = {}  # for the surge desk and the "open the form" button

    # ---- registering ------------------------------------------------------------------------------------------
    def command(self, name: str, run: Callable[[Command], Awaitable[None]]) -> None:
        async def checked(cmd: Command) -> None:
            if "\x00" in cmd.text:  # nothing typed in Slack holds one; the database would refuse it
                raise Refusal(NUL_TEXT)
            await run(cmd)

        async def listener(ack, command, respond):
            cmd = Command.of(ack, command, self._answers(command, respond))
            async with self.held():
                await self._within_budget(cmd, self._guarded(name, cmd.fail, checked(cmd), rerun=cmd))

        async def acknowledged(command: dict, respond) -> None:
            """The command after its acknowledgement went (queued in a surge, or run again from a button): no
            budget to keep, every answer goes through response_url."""
            cmd = Command.of(None, command, respond)
            async with self.held():
                await self._guarded(name, cmd.fail, checked(cmd), rerun=cmd)

        self.slash[name] = acknowledged
        self.app.command(name)(listener)

    def action(self, action_id: str, run: Callable[[Action], Awaitable[None]]) -> None:
        async def listener(ack, body, respond):
            act = Action.of(ack, body, self._answers(body, respond), self.gateway)
            async with self.held():
                await self._guarded(action_id, act.fail, run(act))

        self.app.action(action_id)(listener)

    def view(self, callback_id: str, run: Callable[[Submission], Awaitable[None]], field: str) -> None:
        """`field`: the block a refusal without a field of its own is shown on."""

        async def listener(ack, body, view):
            sub = Submission.of(ack, body, view, self.gateway, field)
            async with self.held():
                await self._guarded(callback_id, sub.fail, run(sub))

        self.app.view(callback_id)(listener)

    def event(self, kind: str, run: Callable[[Event], Awaitable[None]]) -> None:
        async def listener(event, body):
            ev = Event.of(event, body, self.gateway)
            async with self.held():
                await self._guarded(kind, ev.fail, run(ev))

        self.app.event(kind)(listener)

    def _answers(self, payload: dict, bolt_respond):
        """Answers through response_url go through the gateway, as the surge desk's do: its pooled session (Bolt's
        respond opens a new one per answer) and its quiet logger (Bolt's logs the URL, a credential, and the
        answer at DEBUG). Bolt's respond is kept where there is no response_url, so a use of it still fails."""
        url = payload.get("response_url")
        return functools.partial(self.gateway.respond, url) if url else bolt_respond

    # ---- running ----------------------------------------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def held(self):
        """Holds the running task until the block ends (listeners, Socket Mode envelopes)."""
        task = asyncio.current_task()
        self.tasks.add(task)
        try:
            yield
        finally:
            self.tasks.discard(task)

    def spawn(self, work: Awaitable[None]) -> None:
        """Work that goes on after an answer was given (a Zoom fetch after a webhook), held like a listener."""
        task = asyncio.ensure_future(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def finish(self, timeout: float) -> None:
        """Wait for the listeners still running (on shutdown, before the Slack session and database close)."""
        running = [t for t in self.tasks if t is not asyncio.current_task() and not t.done()]
        if running:
            await asyncio.wait(running, timeout=timeout)

    async def _within_budget(self, cmd: Command, work: Awaitable[None]) -> None:
        """Answer in the acknowledgement when the work is quick; otherwise acknowledge before Slack's 3 s run out
        and let the answer follow through response_url."""
        task = asyncio.ensure_future(work)
        done, _ = await asyncio.wait({task}, timeout=self.settings.ack_budget_ms / 1000)
        if not done:
            await cmd.ack_now()
        await task

    async def _guarded(self, name: str, reply: Reply, work: Awaitable[None], *, rerun: Command | None = None) -> None:
        try:
            await work
        except Refusal as refusal:
            await reply(refusal.message, refusal.field)
        except TriggerExpired:
            log.warning("%s: a form could not open, its trigger had expired", name)
            if rerun is not None:
                await rerun.offer_rerun(f"{TRIGGER_EXPIRED}: press the button to open it.")
            else:
                await reply(f"{TRIGGER_EXPIRED}; please press the button again.", None)
        except SlackUnavailable:
            log.warning("%s: Slack could not be reached", name)
            await reply(SLACK_DOWN, None)
        except Exception as exc:  # noqa: BLE001 - the person must get an answer whatever broke
            if is_unavailable(exc):
                log.warning("%s: database unavailable (%s)", name, type(exc).__name__)
                await reply(DATABASE_DOWN, None)
                return
            incident = secrets.token_hex(4)
            log.exception("%s failed (incident %s)", name, incident)
            await reply(f"Something went wrong on our side and nothing was changed (incident {incident}). Please "
                        f"try again; if it keeps happening, email {self.settings.staff_email} and quote the incident.", None)
