"""Load: the real app (`trainingbot serve`) under signed slash commands, on SQLite and PostgreSQL.

A fake Slack runs in this process; the app runs as its own process; the load comes from a third
process (this script with --client). For each database it fires a mix of `/training calendar`,
`/training status`, `/attendance it-dec` (by the event's trainer) and `/training register` (opens the
modal) at 50 and at 200 concurrent, then the 200 round again to see whether memory grows. The same
load runs against two baselines: a bare aiohttp app that only checks the signature (throughput and
latency), and a bare Bolt app on the same server stack whose listeners only ack and respond (CPU per
command: the app's goal is at most 2× that of bare Bolt). The machine's speed drifts over minutes, so the bare
Bolt app also takes the same round just before and just after each of the app's, and each ratio is to the mean of
those two. Then two app
processes share one database behind the same load plus 100 concurrent registrations for a 10-seat
event, and two `trainingbot nudges run-once` run at the same time: no overbooking, no reminder twice.
Goals (printed, not asserted): p99 < 300 ms at 200 concurrent, zero errors, throughput ≥ 1/3 of baseline.
Percentiles cover every request (an error counts with the time it took to fail); "ok/s" counts only 200
answers that are not an apology. In a surge the app acknowledges at once and answers later
(bot/slack/surge.py), so each round also prints when the answers arrived at the fake Slack (response_url,
or the modal opened). Between rounds the app is left to go idle (Bolt goes on with work it has stopped
waiting for), so each round and each memory reading starts from the same state.

    .venv/bin/python bench/load.py [--requests 2000] [--quick] [--postgres postgresql://postgres@127.0.0.1:5432/test]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import signal
import socket
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakes.slack import FakeSlack  # noqa: E402

TOKEN = "xoxb-bench-load"
SECRET = "bench-signing-secret-0123456789"
TRAINER = "U0TRAINER"
POOL = [f"U0L{i:03d}" for i in range(200)]  # anyone: calendar, register
ENROLLED = [f"U0S{i:03d}" for i in range(60)]  # registered on bench-1: status
RACERS = [f"U0X{i:03d}" for i in range(100)]  # the registration race for cap10
NUDGED = [f"U0N{i:04d}" for i in range(1000)]  # registered on an event in 2 days: a reminder each
KINDS = ("calendar", "status", "attendance", "register")
REQUEST_TIMEOUT = 30.0
JOB_TIMEOUT = 600.0
STARTUP_TIMEOUT = 60.0
FAILED_ANSWER = ("went wrong", "not reachable")


# ---- the load client (a separate process) ------------------------------------------------------
async def client_main() -> None:
    """Reads a spec on stdin, fires every job at once, prints per-request outcomes as JSON."""
    from tests.slack_requests import SlackRequests

    spec = json.loads(sys.stdin.read())
    signer = SlackRequests(spec["secret"], spec["response_base"])
    run = uuid.uuid4().hex[:8]  # response_url keys unique across rounds
    jobs = []
    for j, job in enumerate(spec["jobs"]):
        prepared = []
        for i, r in enumerate(job["requests"]):
            key = trigger = None
            if r["kind"] == "view":
                body, headers = signer.view_submission(r["user"], r["callback_id"], r["values"])
            else:
                key = f"{run}.{j}.{i}"
                body, headers = signer.slash(r["command"], r["text"], r["user"], key=key)
                trigger = parse_qs(body.decode())["trigger_id"][0]
            prepared.append((job["targets"][i % len(job["targets"])], body, headers, r["label"], key, trigger))
        jobs.append((job["concurrency"], prepared))
    results = await asyncio.gather(*(run_job(concurrency, prepared) for concurrency, prepared in jobs))
    sys.stdout.write(json.dumps(results))


async def run_job(concurrency: int, prepared: list) -> dict:
    """`concurrency` workers, each sending the next request once it has its answer (a closed loop)."""
    outcomes: list = [None] * len(prepared)
    pending = iter(enumerate(prepared))

    async def worker(http: aiohttp.ClientSession) -> None:
        for i, (url, body, headers, label, key, trigger) in pending:
            sent, started = time.time(), time.perf_counter()
            try:
                async with http.post(url, data=body, headers=headers) as resp:
                    status, text = resp.status, await resp.text()
            except Exception as exc:  # noqa: BLE001 - every failure is a counted error
                status, text = 0, f"{type(exc).__name__}: {exc}"
            ms = (time.perf_counter() - started) * 1000
            failed = status == 200 and any(f in text for f in FAILED_ANSWER)
            outcomes[i] = (label, status, ms, text[:300] if status != 200 or failed else "", failed,
                           sent, bool(text.strip()), key, trigger)

    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        started = time.perf_counter()
        try:
            await asyncio.wait_for(asyncio.gather(*(worker(http) for _ in range(concurrency))), JOB_TIMEOUT)
        except asyncio.TimeoutError:
            pass
        wall = time.perf_counter() - started
    return {"wall": wall, "outcomes": [o or ("?", 0, 0.0, "not sent before the job's time limit", False,
                                             0.0, False, None, None) for o in outcomes]}


# ---- the baseline app (a separate process) -----------------------------------------------------
def baseline_main(port: int, secret: str) -> None:
    from slack_sdk.signature import SignatureVerifier

    verifier = SignatureVerifier(secret)

    async def events(request: web.Request) -> web.Response:
        body = await request.read()
        if not verifier.is_valid(body, request.headers.get("X-Slack-Request-Timestamp", ""),
                                 request.headers.get("X-Slack-Signature", "")):
            return web.Response(status=401, text="invalid signature")
        return web.Response(status=200)

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/slack/events", events)
    app.router.add_get("/healthz", healthz)
    web.run_app(app, host="127.0.0.1", port=port, print=None)


def bolt_baseline_main(port: int, secret: str, slack_url: str) -> None:
    """A bare Bolt app on the same server stack as the app (AsyncApp.web_app() on aiohttp, the same signature
    check and token lookup); its listeners only acknowledge and answer through response_url."""
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    bolt = AsyncApp(client=AsyncWebClient(token=TOKEN, base_url=slack_url), signing_secret=secret)

    async def answer(ack, respond):
        await ack()
        await respond(text="ok", response_type="ephemeral")

    for command in ("/training", "/attendance"):
        bolt.command(command)(answer)
    app = bolt.web_app(path="/slack/events", port=port)

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app.router.add_get("/healthz", healthz)
    web.run_app(app, host="127.0.0.1", port=port, print=None)


# ---- figures -------------------------------------------------------------------------------------
def percentile(sorted_ms: list[float], p: float) -> float:
    if not sorted_ms:
        return float("nan")
    return sorted_ms[min(len(sorted_ms) - 1, max(0, math.ceil(p * len(sorted_ms)) - 1))]


class Stats:
    def __init__(self, result: dict) -> None:
        self.outcomes, self.wall = result["outcomes"], result["wall"]
        ok = [o for o in self.outcomes if o[1] == 200 and not o[4]]
        self.ms = sorted(o[2] for o in self.outcomes)  # every request, errors too: the time to its outcome
        self.errors = len(self.outcomes) - len(ok)
        self.rps = len(self.outcomes) / self.wall if self.wall else float("nan")
        self.ok_rps = len(ok) / self.wall if self.wall else float("nan")
        self.p50, self.p95, self.p99 = (percentile(self.ms, p) for p in (0.50, 0.95, 0.99))
        self.cpu_ms = float("nan")  # the serving process's CPU per request, when measured
        self.bolt_cpu_ms = float("nan")  # bare Bolt's on the same round, the mean of one run just before and one after

    def line(self) -> str:
        return (f"{len(self.outcomes)} requests in {self.wall:.1f} s: {self.rps:7.1f} req/s ({self.ok_rps:.1f} ok/s), "
                f"p50 {self.p50:6.0f} ms, p95 {self.p95:6.0f} ms, p99 {self.p99:6.0f} ms, errors {self.errors}")

    def by_kind(self) -> str:
        groups = defaultdict(list)
        for label, _status, ms, *_rest in self.outcomes:
            groups[label].append(ms)
        parts = []
        for label in sorted(groups):
            ms = sorted(groups[label])
            parts.append(f"{label} p50 {percentile(ms, .5):.0f} / p99 {percentile(ms, .99):.0f} ms")
        return "; ".join(parts)

    def answers(self, fake: FakeSlack) -> str:
        """Time from sending each command to its answer: the acknowledgement when it carried one, else the answer
        through response_url or the modal opened with its trigger_id (seen by the fake Slack)."""
        responses: dict[str, dict] = {}
        for r in sorted(fake.responses, key=lambda r: r["at"]):
            responses.setdefault(r["key"], r)
        opened = {c.args.get("trigger_id"): c.at for c in fake.calls_to("views.open")}
        ms, missing, failed = [], 0, 0
        for _label, status, ack_ms, _text, _bad, sent, inline, key, trigger in self.outcomes:
            if status != 200:
                continue
            if inline:
                ms.append(ack_ms)
            elif trigger in opened:
                ms.append((opened[trigger] - sent) * 1000)
            elif key in responses:
                ms.append((responses[key]["at"] - sent) * 1000)
                failed += any(f in json.dumps(responses[key]) for f in FAILED_ANSWER)
            else:
                missing += 1
        ms.sort()
        inline = sum(1 for o in self.outcomes if o[6])
        return (f"answers: {inline} in the acknowledgement, {len(ms) - inline} after it; p50 {percentile(ms, .5):.0f} ms, "
                f"p95 {percentile(ms, .95):.0f} ms, p99 {percentile(ms, .99):.0f} ms, last {max(ms, default=0):.0f} ms; "
                f"unanswered {missing}, apologies {failed}")

    def error_samples(self) -> list[str]:
        seen = Counter((o[0], o[1], o[3][:160]) for o in self.outcomes if o[1] != 200 or o[4])
        return [f"{n}× {label} HTTP {status}: {text}" for (label, status, text), n in seen.most_common(4)]


def show(label: str, stats: Stats, *, kinds: bool = False) -> None:
    print(f"  {label:<22} {stats.line()}")
    if kinds:
        print(f"  {'':<22} by kind: {stats.by_kind()}")
    for sample in stats.error_samples():
        print(f"  {'':<22} ! {sample}")


def cpu_seconds(pid: int | str = "self") -> float:
    """User + system CPU of a process (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine so far."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return sum(values) - values[3] - values[4], sum(values)


async def settle(pid: int, limit: float = 60.0) -> float:
    """Waits until the process is idle (work Bolt goes on with after answering Slack); returns how long it took."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        before = cpu_seconds(pid)
        await asyncio.sleep(0.5)
        if cpu_seconds(pid) - before < 0.03:
            break
    return max(0.0, time.monotonic() - started - 0.5)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


# ---- processes -----------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Proc:
    """A child process with its output in a log file; stopped with SIGTERM, killed if it lingers."""

    def __init__(self, name: str, proc: asyncio.subprocess.Process, log: Path, url: str = "") -> None:
        self.name, self.proc, self.log, self.url = name, proc, log, url

    @classmethod
    async def start(cls, name: str, argv: list[str], env: dict, log: Path, url: str = "") -> Proc:
        with log.open("wb") as out:
            proc = await asyncio.create_subprocess_exec(*argv, env=env, cwd=ROOT, stdin=asyncio.subprocess.DEVNULL,
                                                        stdout=out, stderr=asyncio.subprocess.STDOUT)
        return cls(name, proc, log, url)

    def tail(self, lines: int = 15) -> str:
        text = self.log.read_text(errors="replace").splitlines() if self.log.exists() else []
        return "\n".join("    | " + line for line in text[-lines:])

    async def healthy(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http:
            while time.monotonic() < deadline:
                if self.proc.returncode is not None:
                    raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.tail()}")
                try:
                    async with http.get(self.url + "healthz") as resp:
                        if resp.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.2)
        raise RuntimeError(f"{self.name} not healthy after {STARTUP_TIMEOUT:.0f} s:\n{self.tail()}")

    async def stop(self) -> int | None:
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 40)
            except asyncio.TimeoutError:
                self.proc.kill()
                await self.proc.wait()
                print(f"  ({self.name} ignored SIGTERM for 40 s and was killed)")
        return self.proc.returncode


ACK_BUDGET_MS: int | None = None  # --ack-budget-ms, passed to the app


def app_env(database_url: str, slack_url: str, port: int | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR")}
    env.update(DATABASE_URL=database_url, SLACK_BOT_TOKEN=TOKEN, SLACK_SIGNING_SECRET=SECRET,
               SLACK_API_URL=slack_url, HOST="127.0.0.1", SWEEP_MINUTES="60",
               WORK_START_HOUR="0", WORK_END_HOUR="24", WORK_WEEKDAYS="0,1,2,3,4,5,6")
    if port is not None:
        env["PORT"] = str(port)
    if ACK_BUDGET_MS is not None:
        env["ACK_BUDGET_MS"] = str(ACK_BUDGET_MS)
    return env


async def start_app(name: str, database_url: str, slack_url: str, logs: Path) -> Proc:
    port = free_port()
    app = await Proc.start(name, [sys.executable, "-m", "bot.cli", "serve"], app_env(database_url, slack_url, port),
                           logs / f"{name}.log", f"http://127.0.0.1:{port}/")
    try:
        await app.healthy()
    except BaseException:
        await app.stop()
        raise
    return app


async def stop(proc: Proc) -> None:
    code = await proc.stop()
    if code != 0:
        print(f"  note: {proc.name} exited with {code} after SIGTERM (expected 0)")


async def fire(jobs: list[dict], response_base: str) -> list[Stats]:
    """Runs the client process on the jobs (all at once) and returns one Stats per job."""
    spec = json.dumps({"secret": SECRET, "response_base": response_base, "jobs": jobs}).encode()
    proc = await asyncio.create_subprocess_exec(sys.executable, str(Path(__file__).resolve()), "--client", cwd=ROOT,
                                                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    try:
        out, _ = await asyncio.wait_for(proc.communicate(spec), JOB_TIMEOUT + 60)
    except asyncio.TimeoutError:
        proc.kill()
        await proc.wait()
        raise RuntimeError("the load client did not finish in time") from None
    if proc.returncode != 0:
        raise RuntimeError(f"the load client failed with {proc.returncode}")
    return [Stats(r) for r in json.loads(out)]


# ---- what the load is made of --------------------------------------------------------------------
def slash_mix(n: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        kind = KINDS[i % len(KINDS)]
        if kind == "calendar":
            out.append({"kind": "slash", "label": kind, "command": "/training", "text": "calendar",
                        "user": rng.choice(POOL)})
        elif kind == "status":
            out.append({"kind": "slash", "label": kind, "command": "/training", "text": "status",
                        "user": rng.choice(ENROLLED)})
        elif kind == "attendance":
            out.append({"kind": "slash", "label": kind, "command": "/attendance", "text": "it-dec", "user": TRAINER})
        else:
            out.append({"kind": "slash", "label": kind, "command": "/training", "text": "register",
                        "user": rng.choice(POOL)})
    rng.shuffle(out)
    return out


def registrations(slug: str, code: str) -> list[dict]:
    from tests.registration_fixtures import register_values

    return [{"kind": "view", "label": "register_submit", "user": u, "callback_id": "register_submit",
             "values": register_values(slug, code)}  # who registers comes from their Slack profile
            for u in RACERS]


def at(day: date, hour: int) -> str:
    return f"{day.isoformat()}T{hour:02d}:00"


def bench_calendar(today: date) -> bytes:
    events = []
    for n, days in enumerate((30, 45, 60, 75, 90), 1):
        events.append({"slug": f"bench-{n}", "capacity": 100, "day": today + timedelta(days=days)})
    events.append({"slug": "cap10", "capacity": 10, "day": today + timedelta(days=40)})
    lines = ["organisations:",
             f"  - {{name: Bench Org, level: scale, seats: 2000, code: BENCH, "
             f"membership_start: {today - timedelta(days=300)}, membership_end: {today + timedelta(days=400)}}}",
             "events:"]
    for e in events:
        lines += [f"  - slug: {e['slug']}", f"    title: Bench event {e['slug']}", "    format: online",
                  "    timezone: UTC", f"    capacity: {e['capacity']}", "    zoom_join_url: https://zoom.us/j/1",
                  f"    trainers: [{TRAINER}]", "    sessions:"]
        lines += [f"      - {{start: \"{at(e['day'] + timedelta(days=d), 13)}\", "
                  f"end: \"{at(e['day'] + timedelta(days=d), 17)}\"}}" for d in range(2)]
    return ("\n".join(lines) + "\n").encode()


def soon_calendar(today: date) -> bytes:
    day = today + timedelta(days=2)
    return (f"organisations: []\nevents:\n  - slug: soon\n    title: Bench event in two days\n    format: online\n"
            f"    timezone: UTC\n    capacity: {len(NUDGED) + 10}\n    zoom_join_url: https://zoom.us/j/2\n"
            f"    trainers: [{TRAINER}]\n    sessions:\n"
            f"      - {{start: \"{at(day, 13)}\", end: \"{at(day, 17)}\"}}\n").encode()


def roster(users: list[str]) -> bytes:
    rows = ["name,email,slack_user_id,organisation_code"]
    rows += [f"Person {u},{u.lower()}@example.org,{u},BENCH" for u in users]
    return ("\n".join(rows) + "\n").encode()


def services_for(url: str, slack_url: str):
    from bot.app import build_services
    from bot.config import Settings
    from storage.db import Database

    settings = Settings(database_url=url, slack_bot_token=TOKEN, slack_api_url=slack_url, _env_file=None)
    return build_services(settings, db=Database(url))


async def prepare(url: str, slack_url: str) -> None:
    """Schema, the attendance event it-dec with an imported Zoom report, bench events, 60 registered people."""
    from tests import attendance_fixtures as af

    services = services_for(url, slack_url)
    try:
        await services.db.upgrade()
        await af.load_event(services)
        await services.attendance.import_files("it-dec", [af.sample("plain_2021.csv")], None, "bench")
        await services.calendar.load_file(bench_calendar(datetime.now(timezone.utc).date()), "bench.yml")
        await services.calendar.load_roster("bench-1", roster(ENROLLED), "bench-roster.csv")
    finally:
        await services.db.dispose()


async def add_due_reminders(url: str, slack_url: str) -> None:
    services = services_for(url, slack_url)
    try:
        await services.calendar.load_file(soon_calendar(datetime.now(timezone.utc).date()), "soon.yml")
        await services.calendar.load_roster("soon", roster(NUDGED), "soon-roster.csv")
    finally:
        await services.db.dispose()


async def seats_taken(url: str, slug: str) -> Counter:
    from sqlalchemy import func, select

    from storage.db import Database
    from storage.models import Event, Registration

    db = Database(url)
    try:
        async with db.transaction() as s:
            rows = await s.execute(select(Registration.status, func.count()).join(Event)
                                   .where(Event.slug == slug).group_by(Registration.status))
            return Counter(dict(rows.all()))
    finally:
        await db.dispose()


async def smoke(url: str, response_base: str) -> None:
    """One request of each kind before the load: a broken set-up shows here, with the answer."""
    from tests.slack_requests import SlackRequests

    signer = SlackRequests(SECRET, response_base)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)) as http:
        for r in slash_mix(len(KINDS) * 2):
            body, headers = signer.slash(r["command"], r["text"], r["user"])
            async with http.post(url + "slack/events", data=body, headers=headers) as resp:
                text = await resp.text()
            if resp.status != 200 or any(f in text for f in FAILED_ANSWER):
                print(f"  smoke: {r['label']} by {r['user']}: HTTP {resp.status}: {text[:300]}")


# ---- the run -------------------------------------------------------------------------------------
async def bolt_cpu_ms(bolt: Proc, fake: FakeSlack, job: dict) -> float:
    """bare Bolt's CPU per request on the same round (once it has gone idle again)."""
    before = cpu_seconds(bolt.proc.pid)
    await fire([{**job, "targets": [bolt.url + "slack/events"]}], fake.url)
    await settle(bolt.proc.pid)
    return 1000 * (cpu_seconds(bolt.proc.pid) - before) / len(job["requests"])


async def rounds_against(label: str, url: str, fake: FakeSlack, concurrencies: list[int], n: int,
                         proc: Proc | None, *, app: bool = True, bolt: Proc | None = None) -> dict[int, Stats]:
    """One round per concurrency, then the last one again (two identical rounds, for memory). Each Stats gets
    `cpu_ms`: the serving process's CPU per request (when `proc` is given), and with `bolt`, `bolt_cpu_ms`: bare
    Bolt's on the same round, the mean of one run just before and one just after (the machine's speed drifts)."""
    results: dict[int, Stats] = {}
    rss = []
    plan = concurrencies + [concurrencies[-1]]
    for i, c in enumerate(plan):
        job = {"targets": [url + "slack/events"], "concurrency": c, "requests": slash_mix(n)}
        bolt_before = await bolt_cpu_ms(bolt, fake, job) if bolt is not None else float("nan")
        app_cpu = cpu_seconds(proc.proc.pid) if proc else 0.0
        own_cpu, (busy, total) = cpu_seconds(), machine_ticks()
        opened = len(fake.calls_to("views.open"))
        (stats,) = await fire([job], fake.url)
        busy2, total2 = machine_ticks()
        own_cpu = cpu_seconds() - own_cpu
        lingered = await settle(proc.proc.pid) if proc else 0.0
        app_cpu = (cpu_seconds(proc.proc.pid) if proc else 0.0) - app_cpu
        bolt_after = await bolt_cpu_ms(bolt, fake, job) if bolt is not None else float("nan")
        bolt_ms = (bolt_before + bolt_after) / 2
        again = i == len(plan) - 1
        name = f"{label} c={c}" + (" (again)" if again else "")
        show(name, stats, kinds=proc is not None and c == concurrencies[-1])
        stats.cpu_ms = 1000 * app_cpu / n if proc else float("nan")
        stats.bolt_cpu_ms = bolt_ms
        if proc is not None and not app:
            print(f"  {'':<22} CPU {stats.cpu_ms:.2f} ms/request")
        if proc is not None and app:
            print(f"  {'':<22} {stats.answers(fake)}")
            rss.append(rss_kib(proc.proc.pid))
            print(f"  {'':<22} app CPU {app_cpu:.1f} s ({1000 * app_cpu / n:.2f} ms/request; bare Bolt on this "
                  f"round {bolt_before:.2f} ms just before, {bolt_after:.2f} ms just after), busy {lingered:.1f} s "
                  f"after the last answer; fake Slack CPU {own_cpu:.1f} s; machine busy "
                  f"{100 * (busy2 - busy) / max(1, total2 - total):.0f}% during the round; "
                  f"app resident memory once idle: {rss[-1] / 1024:.1f} MiB")
            wanted = sum(1 for r in job["requests"] if r["label"] == "register")
            print(f"  {'':<22} register modals opened on the fake Slack: "
                  f"{len(fake.calls_to('views.open')) - opened} of {wanted}")
        if not again:
            results[c] = stats
        else:
            results[-1] = stats
    if proc is not None and app and len(rss) >= 2:
        print(f"  {'':<22} memory growth between the two identical c={plan[-1]} rounds: "
              f"{(rss[-1] - rss[-2]) / 1024:+.1f} MiB")
    return results


def compare(label: str, app: dict[int, Stats], base: dict[int, Stats], top: int) -> None:
    for c in sorted(k for k in app if k > 0):
        a, b = app[c], base[c]
        print(f"  {label} c={c}: throughput (ok/s) app/baseline {a.ok_rps / b.ok_rps:.3f}, p99 app/baseline "
              f"{a.p99 / b.p99:.1f}×; CPU per command: app {a.cpu_ms:.2f} ms, bare Bolt {a.bolt_cpu_ms:.2f} ms, "
              f"ratio {a.cpu_ms / a.bolt_cpu_ms:.2f}× (goal ≤ 2×)")
    a, b = app[top], base[top]
    errors = sum(s.errors for s in app.values())
    print(f"  goals at c={top}: p99 < 300 ms: {'met' if a.p99 < 300 else 'NOT met'} ({a.p99:.0f} ms); "
          f"zero errors: {'met' if errors == 0 else 'NOT met'} ({errors}); throughput ≥ 1/3 of baseline: "
          f"{'met' if a.ok_rps >= b.ok_rps / 3 else 'NOT met'} ({a.ok_rps / b.ok_rps:.3f})")


async def invariants(label: str, url: str, fake: FakeSlack, n: int, concurrency: int, logs: Path) -> None:
    """Two app processes on one database: load plus a registration race, then two concurrent sweeps."""
    slack_url = fake.url + "api/"
    apps: list[Proc] = []
    try:
        for i in (1, 2):
            apps.append(await start_app(f"{label.lower()}-app-{i}", url, slack_url, logs))
        delivered_before = len(fake.delivered)
        load = {"targets": [a.url + "slack/events" for a in apps], "concurrency": concurrency,
                "requests": slash_mix(n, seed=11)}
        race = {"targets": [a.url + "slack/events" for a in apps], "concurrency": len(RACERS),
                "requests": registrations("cap10", "BENCH")}
        stats, race_stats = await fire([load, race], fake.url)
        show(f"2 apps c={concurrency}", stats, kinds=True)
        show(f"+ {len(RACERS)} registrations", race_stats)
        lingered = [await settle(app.proc.pid) for app in apps]
        print(f"  {'':<22} the apps were busy {max(lingered):.1f} s more after the last answer")
        taken = await seats_taken(url, "cap10")
        waited = time.monotonic()
        while time.monotonic() - waited < 60:  # registrations Slack gave up on may still be on their way
            await asyncio.sleep(2)
            now = await seats_taken(url, "cap10")
            if now == taken:
                break
            taken = now
        print(f"  cap10 (capacity 10) after {len(RACERS)} concurrent registrations: {taken.get('active', 0)} active, "
              f"{taken.get('waitlisted', 0)} waitlisted; no overbooking: "
              f"{'yes' if taken.get('active', 0) <= 10 else 'NO'}")

        await add_due_reminders(url, slack_url)
        reminders_before = len(fake.delivered)
        env = app_env(url, slack_url)
        sweeps = [await Proc.start(f"run-once-{i}", [sys.executable, "-m", "bot.cli", "nudges", "run-once"], env,
                                   logs / f"{label.lower()}-run-once-{i}.log") for i in (1, 2)]
        senders = 0
        for sweep in sweeps:
            try:
                await asyncio.wait_for(sweep.proc.wait(), 180)
            except asyncio.TimeoutError:
                sweep.proc.kill()
                await sweep.proc.wait()
            said = [line for line in sweep.log.read_text(errors="replace").splitlines() if line.startswith("sweep:")]
            print(f"  {sweep.name} (exit {sweep.proc.returncode}): {said[-1] if said else sweep.tail(5)}")
            senders += bool(said) and not said[-1].split(", ")[1].startswith("0 sent")
        phase = fake.delivered[delivered_before:]
        counts = Counter((m.get("channel"), m.get("text")) for m in phase)
        twice = sum(c - 1 for c in counts.values() if c > 1)
        reminded = {m.get("channel") for m in fake.delivered[reminders_before:]} & set(NUDGED)
        print(f"  reminders: {len(reminded)} of {len(NUDGED)} trainees of `soon` reminded; "
              f"messages delivered more than once in this phase: {twice}; "
              f"any reminder twice: {'yes' if twice else 'no'}; both sweeps sent some (they overlapped): "
              f"{'yes' if senders == 2 else 'no'}")
    finally:
        for app in apps:
            await stop(app)


async def main(args: argparse.Namespace) -> None:
    global ACK_BUDGET_MS
    ACK_BUDGET_MS = args.ack_budget_ms
    n = 200 if args.quick else args.requests
    concurrencies = [20] if args.quick else [50, 200]
    top = concurrencies[-1]
    fake = FakeSlack(token=TOKEN)
    for user in [TRAINER, *POOL, *ENROLLED, *RACERS, *NUDGED]:
        fake.add_user(user, f"Person {user}", f"{user.lower()}@example.org", tz="Europe/London")
    runner = web.AppRunner(fake.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    fake.url = f"http://127.0.0.1:{runner.addresses[0][1]}/"
    slack_url = fake.url + "api/"
    print(f"load: {n} slash commands per round ({', '.join(KINDS)}), concurrency {concurrencies}; "
          f"{os.cpu_count()} CPUs")
    admin, pg_name = None, None
    with tempfile.TemporaryDirectory(prefix="tb-load-") as tmp:
        logs = Path(tmp)
        try:
            port = free_port()
            baseline = await Proc.start("baseline", [sys.executable, str(Path(__file__).resolve()), "--baseline",
                                                     str(port)], dict(os.environ), logs / "baseline.log",
                                        f"http://127.0.0.1:{port}/")
            try:
                await baseline.healthy()
                print("baseline (bare aiohttp, signature check only):")
                base = await rounds_against("baseline", baseline.url, fake, concurrencies, n, None)
            finally:
                await baseline.stop()
            port = free_port()
            bare = await Proc.start("bare-bolt", [sys.executable, str(Path(__file__).resolve()), "--bolt-baseline",
                                                  str(port), "--slack-url", slack_url], dict(os.environ),
                                    logs / "bare-bolt.log", f"http://127.0.0.1:{port}/")
            try:
                await bare.healthy()
                print("bare Bolt (the same server stack; listeners only ack and respond):")
                await rounds_against("bare Bolt", bare.url, fake, concurrencies, n, bare, app=False)

                databases = [("SQLite", f"sqlite+aiosqlite:///{tmp}/load.db")]
                if not args.quick:
                    import asyncpg

                    pg_name = f"tb_load_{uuid.uuid4().hex[:8]}"
                    admin = await asyncpg.connect(args.postgres)
                    await admin.execute(f'CREATE DATABASE "{pg_name}"')
                    base_url = args.postgres.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
                    databases.append(("PostgreSQL", f"{base_url}/{pg_name}"))
                for label, url in databases:
                    await prepare(url, slack_url)
                    app = await start_app(f"{label.lower()}-app", url, slack_url, logs)
                    print(f"{label} (one app process, pid {app.proc.pid}):")
                    try:
                        await smoke(app.url, fake.url)
                        results = await rounds_against(label, app.url, fake, concurrencies, n, app, bolt=bare)
                    finally:
                        await stop(app)
                    compare(label, results, base, top)
                    fake.calls.clear()
            finally:
                await bare.stop()
            label, url = databases[-1]
            print(f"{label}, two app processes sharing the database (half the requests each):")
            await invariants(label, url, fake, n, top, logs)
        finally:
            if admin is not None:
                await admin.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
                await admin.close()
            fake.released.set()
            await runner.cleanup()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="slash commands per round")
    parser.add_argument("--quick", action="store_true", help="200 requests, concurrency 20, SQLite only")
    parser.add_argument("--ack-budget-ms", type=int, help="the app's ACK_BUDGET_MS (default: the app's own)")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test",
                        help="an admin DSN; a scratch database is created and dropped")
    parser.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--baseline", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--bolt-baseline", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--slack-url", help=argparse.SUPPRESS)
    cli = parser.parse_args()
    if cli.client:
        asyncio.run(client_main())
    elif cli.baseline:
        baseline_main(cli.baseline, SECRET)
    elif cli.bolt_baseline:
        bolt_baseline_main(cli.bolt_baseline, SECRET, cli.slack_url)
    else:
        asyncio.run(main(cli))
