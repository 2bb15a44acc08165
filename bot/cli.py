"""The `trainingbot` command line (README, "Command line")."""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path

from bot.common.errors import InputError, SlackUnavailable, is_unavailable
from bot.common.log_redaction import configure_logging
from bot.common.plural import counted
from bot.config import SLACK_HINTS, ConfigError, Settings, hide_password, load_settings

log = logging.getLogger("trainingbot")
EXIT_BAD_INPUT = 2


def _secrets(settings: Settings) -> list[str]:
    values = [settings.slack_bot_token, settings.slack_signing_secret, settings.slack_app_token,
              settings.zoom_client_secret, settings.zoom_webhook_secret_token]
    return [v.get_secret_value() for v in values if v is not None]


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None


async def _with_services(settings: Settings, work: Callable) -> object:
    from bot.app import build_services

    services = build_services(settings)
    try:
        await services.db.upgrade()
        result = await work(services)
        await services.outbox.drain()  # what the command announced goes out before the process ends
        return result
    finally:
        await services.db.dispose()


def _serve_http(settings: Settings, *, schedule: bool) -> int:
    from aiohttp import web

    from bot.app import build_services, create_web_app

    app = create_web_app(build_services(settings), schedule=schedule)
    log.info("serving Slack events on http://%s:%s/slack/events", settings.host, settings.port)
    web.run_app(app, host=settings.host, port=settings.port, print=None, shutdown_timeout=30)
    return 0


def cmd_serve(settings: Settings, _args) -> int:
    settings.require_slack(socket_mode=False)
    return _serve_http(settings, schedule=True)


DEMO_DATABASE_URL = "sqlite+aiosqlite:///trainingbot-demo.db"
EXAMPLE_CALENDAR = Path(__file__).resolve().parent.parent / "examples" / "calendar.yml"


def cmd_demo(settings: Settings, args) -> int:
    """`serve` on a database of its own holding the example calendar, with reminders off, so that trying the bot
    never puts example organisations and codes into production nor DMs anyone listed in the example file."""
    url = args.database_url or DEMO_DATABASE_URL
    if not args.database_url and settings.database_url.startswith("postgresql"):
        raise InputError("DATABASE_URL points at PostgreSQL, which the demo never uses: unset it to use "
                         f"{DEMO_DATABASE_URL}, or give --database-url")
    try:
        demo = load_settings(database_url=url)
    except ConfigError:
        raise InputError("--database-url must start with sqlite+aiosqlite:// or postgresql+asyncpg://") from None
    if _same_database(url, settings.database_url):
        raise InputError(f"the demo database must not be the one DATABASE_URL names ({hide_password(url)}): "
                         "give another --database-url")
    settings.require_slack(socket_mode=False)
    data = _read(str(EXAMPLE_CALENDAR))
    summary = asyncio.run(_with_services(demo, lambda s: s.calendar.load_file(data, str(EXAMPLE_CALENDAR))))
    print(f"demo database {hide_password(url)}: {summary}; reminders are off")
    return _serve_http(demo, schedule=False)


def cmd_socket(settings: Settings, _args) -> int:
    from bot.app import build_services, run_socket_mode

    settings.require_slack(socket_mode=True)
    asyncio.run(run_socket_mode(build_services(settings)))
    return 0


def cmd_db_upgrade(settings: Settings, _args) -> int:
    from storage.db import Database

    async def run() -> None:
        db = Database(settings.database_url)
        try:
            await db.upgrade()
        finally:
            await db.dispose()

    asyncio.run(run())
    print("database is up to date")
    return 0


def cmd_db_backup(settings: Settings, args) -> int:
    from storage.backup import BackupRefused, backup

    target = Path(args.file)
    try:
        size = asyncio.run(backup(settings.database_url, target))
    except BackupRefused as exc:
        raise InputError(str(exc)) from None
    print(f"backed up the database to {target} ({size / 1_048_576:.1f} MiB, integrity check ok)")
    return 0


def cmd_calendar_load(settings: Settings, args) -> int:
    data = _read(args.file)
    summary = asyncio.run(_with_services(settings, lambda s: s.calendar.load_file(data, args.file)))
    print(f"{args.file}: {summary}")
    for line in summary.roles_removed:
        print(line)
    return 0


def cmd_roster_load(settings: Settings, args) -> int:
    data = _read(args.file)
    added = asyncio.run(_with_services(settings, lambda s: s.calendar.load_roster(args.event, data, args.file)))
    print(f"{args.file}: {counted(added, 'new registration')} for {args.event}")
    return 0


def cmd_attendance_import(settings: Settings, args) -> int:
    if bool(args.files) == bool(args.zoom):
        raise InputError("give either report files or --zoom")

    async def work(services):
        if args.zoom:
            return await services.attendance.import_zoom(args.event, "cli")
        return await services.attendance.import_files(args.event, [(f, _read(f)) for f in args.files], args.tz, "cli")

    summary = asyncio.run(_with_services(settings, work))
    parts = [f"{source}: {counted(rows, 'row')} imported" for source, rows in summary.imported]
    parts += [f"{source}: already imported, nothing changed" for source in summary.skipped]
    print(f"{summary.slug}: " + "; ".join(parts))
    return 0


def cmd_attendance_report(settings: Settings, args) -> int:
    from bot.attendance import formats as fmt

    def work(s):
        return s.attendance.final_report(args.event) if args.format == "amy" else s.attendance.report(args.event)

    report = asyncio.run(_with_services(settings, work))
    if args.format == "json":
        print(json.dumps(fmt.to_json(report), indent=2, ensure_ascii=False))
    else:
        writer = {"table": fmt.to_table, "csv": fmt.to_csv, "amy": fmt.to_amy}[args.format]
        sys.stdout.write(writer(report) + ("\n" if args.format == "table" else ""))
    return 0


def cmd_nudges_run_once(settings: Settings, _args) -> int:
    """One sweep, as the server runs it; exit 1 when Slack refused the app's token (everything stays due)."""
    if settings.slack_bot_token is None:
        raise ConfigError(f"SLACK_BOT_TOKEN is not set: {SLACK_HINTS['SLACK_BOT_TOKEN']}; nothing was sent.")
    result = asyncio.run(_with_services(settings, lambda s: s.nudges.sweep()))
    print(f"sweep: {result}")
    return 1 if result.stopped else 0


def cmd_nudges_preview(settings: Settings, args) -> int:
    planned = asyncio.run(_with_services(settings, lambda s: s.nudges.preview(args.days)))
    for p in planned:
        c = p.candidate
        print(f"{p.send_at:%Y-%m-%d %H:%M} UTC  {c.kind:<15} {c.recipient:<12} {c.subject}")
    print(f"{counted(len(planned), 'reminder')} in the next {counted(args.days, 'day')}")
    return 0


class _Parser(argparse.ArgumentParser):
    """A wrong command line is bad input like any other: one line on stderr and exit status 2, no usage dump.
    Subcommand parsers are built with the same class."""

    def error(self, message: str):
        command = self.prog.removeprefix("trainingbot").strip()
        where = f"{command}: " if command else ""
        raise InputError(f"{where}{' '.join(message.split())} (see `{self.prog} --help`)")


def _days(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number of days, got {text!r}") from None
    if days < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {days}")
    return days


def _group(sub, name: str, what: str):
    """A command with subcommands (`trainingbot NAME COMMAND …`)."""
    return sub.add_parser(name, help=what).add_subparsers(dest=f"{name}_command", required=True, metavar="COMMAND")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="trainingbot", description="The Carpentries' Instructor Training Slack app: run it, "
                     "load the calendar and rosters, import attendance, report.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("serve", help="HTTP mode: /slack/events, /zoom/webhook, /healthz").set_defaults(run=cmd_serve)
    sub.add_parser("socket", help="Socket Mode").set_defaults(run=cmd_socket)
    demo = sub.add_parser("demo", help="serve on a separate demo database holding examples/calendar.yml, no reminders")
    demo.add_argument("--database-url", help=f"the demo database (default {DEMO_DATABASE_URL}; never DATABASE_URL)")
    demo.set_defaults(run=cmd_demo)

    db = _group(sub, "db", "database")
    db.add_parser("upgrade", help="apply migrations").set_defaults(run=cmd_db_upgrade)
    dump = db.add_parser("backup", help="copy the SQLite database to a new FILE while the app runs")
    dump.add_argument("file")
    dump.set_defaults(run=cmd_db_backup)

    cal = _group(sub, "calendar", "training calendar")
    load = cal.add_parser("load", help="upsert organisations and events from a YAML file")
    load.add_argument("file")
    load.set_defaults(run=cmd_calendar_load)

    roster = _group(sub, "roster", "bulk registrations")
    rload = roster.add_parser("load", help="register everyone in a CSV on an event")
    rload.add_argument("event")
    rload.add_argument("file")
    rload.set_defaults(run=cmd_roster_load)

    att = _group(sub, "attendance", "Zoom attendance")
    imp = att.add_parser("import", help="import Zoom participant reports (CSV exports or Reports-API JSON)")
    imp.add_argument("event")
    imp.add_argument("files", nargs="*")
    imp.add_argument("--zoom", action="store_true", help="fetch the event's meeting reports from the Zoom API")
    imp.add_argument("--tz", help="time zone of the CSV times (default: the event's)")
    imp.set_defaults(run=cmd_attendance_import)
    rep = att.add_parser("report", help="attended and missed minutes per trainee")
    rep.add_argument("event")
    rep.add_argument("--format", choices=["table", "csv", "json", "amy"], default="table")
    rep.set_defaults(run=cmd_attendance_report)

    nudges = _group(sub, "nudges", "reminders")
    nudges.add_parser("run-once", help="run one reminder sweep now").set_defaults(run=cmd_nudges_run_once)
    preview = nudges.add_parser("preview", help="list what would be sent when, without sending")
    preview.add_argument("--days", type=_days, default=14, help="how far ahead (default 14)")
    preview.set_defaults(run=cmd_nudges_preview)

    chk = _group(sub, "checkout", "checkout after the training")
    crep = chk.add_parser("report", help="per trainee: steps, deadline, extensions, certificate; per event: figures")
    crep.add_argument("--event", help="one event's slug (default: every event that has ended)")
    crep.add_argument("--format", choices=["csv", "json"], default="csv",
                      help="csv: one row per trainee (the per-event figures go to stderr); json: both")
    crep.set_defaults(run=cmd_checkout_report)
    certs = _group(sub, "certificates", "certificates")
    verify = certs.add_parser("verify", help="whose certificate a verification code belongs to (exit 2: none)")
    verify.add_argument("code")
    verify.set_defaults(run=cmd_certificates_verify)
    privacy = _group(sub, "privacy", "personal data")
    export = privacy.add_parser("export", help="everything stored about a person, as JSON")
    export.add_argument("person", help="@U… Slack user or email")
    export.set_defaults(run=cmd_privacy_export)
    forget = privacy.add_parser("forget", help="remove a person's personal data, keeping anonymous counts")
    forget.add_argument("person", help="@U… Slack user or email")
    forget.set_defaults(run=cmd_privacy_forget)
    return parser


def cmd_privacy_export(settings: Settings, args) -> int:
    data = asyncio.run(_with_services(settings, lambda s: s.privacy.export(args.person)))
    print(json.dumps(data, indent=2, ensure_ascii=False))
    return 0


def cmd_privacy_forget(settings: Settings, args) -> int:
    done = asyncio.run(_with_services(settings, lambda s: s.privacy.forget(args.person)))
    print(f"forgot {args.person}: {done}")
    return 0


def cmd_checkout_report(settings: Settings, args) -> int:
    from bot.checkout import report as fmt

    report = asyncio.run(_with_services(settings, lambda s: s.checkout.report(args.event)))
    if args.format == "json":
        print(json.dumps(fmt.report_json(report), indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(fmt.report_csv(report))
        for line in fmt.figures_lines(report):
            print(line, file=sys.stderr)
    return 0


def cmd_certificates_verify(settings: Settings, args) -> int:
    async def find(services):
        return await services.checkout.verify(args.code) or await services.mentoring.verify(args.code)

    cert = asyncio.run(_with_services(settings, find))
    if cert is None:
        raise InputError(f"no such certificate: {args.code}")
    print(f"{cert.code} is genuine: {cert.kind_label} certificate of {cert.name}, issued on "
          f"{cert.issued_on.isoformat()}, for {cert.what}")
    return 0


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        settings = load_settings()
    except (ConfigError, InputError) as exc:
        return _fail(exc)
    configure_logging(_secrets(settings))
    try:
        return args.run(settings, args)
    except (ConfigError, InputError) as exc:
        return _fail(exc)
    except SlackUnavailable as exc:
        print(f"trainingbot: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        if is_unavailable(exc):
            print(f"trainingbot: the database at {hide_password(settings.database_url)} is not reachable "
                  f"({type(exc).__name__}); check DATABASE_URL and that the server is running", file=sys.stderr)
            return 1
        raise


def _fail(exc: Exception) -> int:
    for line in str(exc).splitlines():
        print(f"trainingbot: {line}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _same_database(a: str, b: str) -> bool:
    """Whether two URLs name one database, whatever the driver (SQLite files by their resolved path)."""
    from sqlalchemy.engine import make_url

    first, second = make_url(a), make_url(b)
    if first.get_backend_name() == second.get_backend_name() == "sqlite":
        return Path(first.database or "").resolve() == Path(second.database or "").resolve()
    return first.set(drivername="x") == second.set(drivername="x")


if __name__ == "__main__":
    sys.exit(main())
