"""`trainingbot privacy export|forget`: everything stored about a person, then forgetting them, on both databases."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from bot.checkout import report as checkout_report
from bot.checkout.rules import GetInvolvedForm
from bot.cli import main
from bot.common.errors import InputError
from bot.common.people import Profile
from bot.mentoring.data import SignupForm
from bot.slack.outbox import Message
from bot.zoom.webhook import LiveEvent
from storage.checkout_models import Certificate
from storage.models import Base, Person, Registration
from tests.attendance_fixtures import CALENDAR, ROSTER, ZOOM_DATA, sample

pytestmark = pytest.mark.both_databases

AMARA = Profile("U0AMARA", "Amara Nwosu", "amara.nwosu@example.edu", "Africa/Lagos")
NEED = "I need live captions; my hearing aid battery is unreliable"
CONTACT = "+44 7700 900123"
PHONE = "+1 555 0142"  # the dial-in a trainer matched to Amara
GOALS = "Teach my first Python workshop at Unilag"
PLACE = "Yaba, Lagos"
# Everything that identifies Amara, and must be gone from every table after `forget`.
HERS = ("Amara Nwosu", "amara.nwosu@example.edu", "U0AMARA", NEED, CONTACT, PHONE, GOALS, PLACE)
OTHERS = [line.split(",") for line in ROSTER.strip().splitlines()[1:] if "Amara" not in line]
EVENT_DAY = datetime(2026, 12, 1, 19, 0, tzinfo=timezone.utc)
AFTER = datetime(2026, 12, 10, 15, 0, tzinfo=timezone.utc)


async def build(services, fake_slack, clock) -> int:
    """Amara registers, asks for an accommodation, signs up for mentoring, gets reminders, attends
    (report, dial-in alias, live webhook) and is certified; five others do some of the same."""
    for name, email, user_id, _ in OTHERS + [[AMARA.name, AMARA.email, AMARA.user_id, ""]]:
        fake_slack.add_user(user_id, name, email)
    calendar = CALENDAR.replace("code: ORG,", "code: ORG, contacts: [U0AMARA],")
    await services.calendar.load_file(calendar.encode(), "cal.yml")
    roster = "\n".join(line for line in ROSTER.splitlines() if "Amara" not in line)
    await services.calendar.load_roster("it-dec", roster.encode(), "roster.csv")
    await services.registration.register(AMARA, "it-dec", "ORG", True)
    request_id = await services.accommodation.submit(AMARA, "it-dec", NEED, CONTACT)
    await services.accommodation.act(request_id, "U0STAFF", "ask", "Which captioning service suits Amara Nwosu?")
    await services.mentoring.signup(AMARA, SignupForm("mentee", "training", ["Python"], "tw-confidence", "0",
                                                      "Africa/Lagos", {0: [9, 10]}, True, PLACE, GOALS, False, True))
    clock.now = datetime(2026, 11, 24, 15, 0, tzinfo=timezone.utc)
    await services.nudges.sweep()  # the week-before reminders, one per trainee
    await services.outbox.send(Message("C0STAFF", "Amara Nwosu (<@U0AMARA>) asked for captions; see the request",
                                       send_after=clock.now + timedelta(days=30)))  # still waiting when forgotten
    clock.now = EVENT_DAY
    for kind, minute in (("joined", 0), ("left", 30)):
        await services.attendance.record_live(LiveEvent(kind, "81234567890", "uuid-1", AMARA.name, AMARA.email,
                                                        EVENT_DAY.replace(minute=minute), "participant-amara"))
    clock.now = AFTER
    await services.attendance.import_files("it-dec", [sample("plain_2021.csv")], None, "U0TRAINER")
    async with services.db.transaction() as s:
        amara = await s.scalar(select(Person.id).where(Person.slack_user_id == "U0AMARA"))
        reg_id = await s.scalar(select(Registration.id).where(Registration.person_id == amara))
    await services.attendance.save_alias("U0TRAINER", "it-dec", PHONE, amara)
    await services.checkout.extend("U0STAFF", "U0AMARA")
    await services.checkout.submit_get_involved("U0AMARA", reg_id, GetInvolvedForm(
        "community", None, date(2026, 12, 8), "Took notes at the Lagos community call"))
    for step in ("training", "welcome", "demo"):
        await services.checkout.mark("U0STAFF", step, [AMARA.email, "samuel.okafor@example.org"])
    for user in ("U0AMARA", "U0SAM"):
        summary = await services.checkout.evaluation_form("U0STAFF", user)
        await services.checkout.evaluate("U0STAFF", summary.registration_id, "get_involved", "passed",
                                         "Well done, Amara Nwosu" if user == "U0AMARA" else None)
    await services.outbox.drain()
    return amara


async def counts(services) -> dict:
    """What must not change when someone is forgotten."""
    seats = await services.registration_admin.seats("U0STAFF", "ORG")
    attendance = await services.attendance.report("it-dec")
    async with services.db.transaction() as s:
        statuses = dict((await s.execute(select(Registration.status, func.count())
                                         .group_by(Registration.status))).all())
        certificates = await s.scalar(select(func.count()).select_from(Certificate))
    return {"seats": (seats.used, seats.active, len(seats.holders)), "registrations": statuses,
            "certificates": certificates,
            "attendance": sorted((t.attended, t.sessions, t.status) for t in attendance.trainees),
            "unmatched": [(u.name, u.email) for u in attendance.unmatched],
            "checkout": checkout_report.report_json(await services.checkout.report("it-dec"))["events"]}


async def certificate_code(services, person_id: int) -> str:
    async with services.db.transaction() as s:
        return await s.scalar(select(Certificate.code).where(Certificate.person_id == person_id))


async def every_text(services) -> list[str]:
    """Every non-null value of every column of every table, as text."""
    values = []
    async with services.db.transaction() as s:
        for table in Base.metadata.sorted_tables:
            for row in (await s.execute(select(table))).all():
                values += [str(v) for v in row if v is not None]
    return values


async def test_export_has_everything_about_them_and_nothing_about_the_others(services, fake_slack, clock):
    amara = await build(services, fake_slack, clock)
    privacy = services.privacy
    data = await privacy.export("<@U0AMARA>")
    assert data["person_id"] == amara and data["exported_at"] == AFTER.isoformat()
    t = data["tables"]
    assert [(p["name"], p["email"], p["slack_user_id"], p["timezone"]) for p in t["people"]] == [
        ("Amara Nwosu", "amara.nwosu@example.edu", "U0AMARA", "Africa/Lagos")]
    assert [(r["role"], r["slack_user_id"]) for r in t["roles"]] == [("contact", "U0AMARA")]
    assert len(t["registrations"]) == 1 and t["registrations"][0]["status"] == "active"
    assert {c["action"] for c in t["registration_changes"]} == {"register"}
    assert [(r["text"], r["contact"]) for r in t["accommodation_requests"]] == [(NEED, CONTACT)]
    assert "Which captioning service suits Amara Nwosu?" in [c["note"] for c in t["accommodation_changes"]]
    assert [(m["goals"], m["place"]) for m in t["mentoring_signups"]] == [(GOALS, PLACE)]
    assert sorted(r["name"] for r in t["attendance_rows"]) == [PHONE, "Amara Nwosu", "Amara Nwosu"]
    assert [r["email"] for r in t["live_intervals"]] == [AMARA.email]
    assert [a["person_id"] for a in t["attendance_aliases"]] == [amara]
    assert t["get_involved_submissions"][0]["notes"] == "Took notes at the Lagos community call"
    assert len(t["checkout_extensions"]) == 1 and len(t["certificates"]) == 1
    assert t["reminders"] and {r["recipient"] for r in t["reminders"]} == {"U0AMARA"}
    assert datetime.fromisoformat(t["registrations"][0]["created_at"]).tzinfo is not None  # ISO, with the offset
    text = json.dumps(data)
    for name, email, user_id, _ in OTHERS:
        assert name not in text and email not in text and user_id not in text
    assert "Kelly Tran" not in text  # an unmatched participant of the same report
    by_email = await privacy.export("AMARA.Nwosu@example.edu")
    assert by_email["tables"] == t


async def test_forget_leaves_no_trace_and_keeps_the_counts(services, fake_slack, clock):
    amara = await build(services, fake_slack, clock)
    before = await counts(services)
    assert any("Amara Nwosu" in v for v in await every_text(services))  # the scan below can see her
    privacy = services.privacy
    done = await privacy.forget("amara.nwosu@EXAMPLE.edu")
    await services.outbox.drain()  # the copies in Slack are redacted (the receipt DM deleted)
    assert [c.args["channel"] for c in fake_slack.calls_to("chat.delete")] == ["DU0AMARA"]
    staff_post = [c.args for c in fake_slack.calls_to("chat.update") if c.args["channel"] == "C0STAFF"][-1]
    assert NEED not in json.dumps(staff_post) and "Amara" not in json.dumps(staff_post)
    assert done.placeholder == f"forgotten person #{amara}"
    removed = {(table, what): count for table, count, what in done.removed}
    assert removed[("attendance_rows", "names and emails replaced")] == 3
    assert removed[("roles", "deleted")] == 1 and removed[("mentoring_signups", "deleted (not in a group yet)")] == 1
    assert removed[("outbox", "mentions in text replaced")] == 1

    for value in await every_text(services):
        for hers in HERS:
            assert hers.lower() not in value.lower(), (hers, value)
    assert await counts(services) == before
    report = await services.attendance.report("it-dec")
    assert next(t for t in report.trainees if t.name == done.placeholder).attended == 240 * 60
    cert = await services.checkout.verify(await certificate_code(services, amara))
    assert cert is not None and cert.name == done.placeholder
    for identifier in ("@U0AMARA", "amara.nwosu@example.edu"):
        with pytest.raises(InputError, match=f"no one stored as {identifier}"):
            await privacy.export(identifier)
    sam = (await privacy.export("U0SAM"))["tables"]
    assert len(sam["attendance_rows"]) == 2 and sam["people"][0]["email"] == "samuel.okafor@example.org"


async def test_staff_without_a_people_row_get_their_actions_but_not_the_trainees_data(services, fake_slack, clock):
    await build(services, fake_slack, clock)
    figures = checkout_report.report_json(await services.checkout.report("it-dec"))
    privacy = services.privacy
    data = await privacy.export("@U0STAFF")
    t = data["tables"]
    assert data["person_id"] is None and [r["role"] for r in t["roles"]] == ["staff"]
    assert {c["actor"] for c in t["accommodation_changes"]} == {"U0STAFF"}
    assert t["checkout_extensions"][0]["granted_by"] == "U0STAFF" and len(t["checkout_steps"]) == 8
    assert "note" not in t["accommodation_changes"][0] and "notes" not in t["checkout_steps"][0]
    assert "Amara" not in json.dumps(data) and "captioning" not in json.dumps(data)

    done = await privacy.forget("U0STAFF")
    assert ("checkout_steps", 8, "Slack ids in evaluated_by replaced") in done.removed
    assert [v for v in await every_text(services) if "U0STAFF" in v] == []
    assert checkout_report.report_json(await services.checkout.report("it-dec"))["events"] == figures["events"]
    with pytest.raises(InputError, match="no one stored as U0STAFF"):
        await privacy.export("U0STAFF")


async def test_unknown_or_malformed_identifiers_are_refused(services, clock):
    privacy = services.privacy
    with pytest.raises(InputError, match="no one stored as nobody@example.org"):
        await privacy.forget("nobody@example.org")
    with pytest.raises(InputError, match="neither a Slack user"):
        await privacy.export("Amara Nwosu")


@pytest.fixture
def sqlite_cli(tmp_path, monkeypatch):
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "ZOOM_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/cli.db")
    for name, text in (("cal.yml", CALENDAR), ("roster.csv", ROSTER)):
        (tmp_path / name).write_text(text)
    assert main(["calendar", "load", str(tmp_path / "cal.yml")]) == 0
    assert main(["roster", "load", "it-dec", str(tmp_path / "roster.csv")]) == 0
    assert main(["attendance", "import", "it-dec", str(ZOOM_DATA / "plain_2021.csv")]) == 0


def test_cli_export_prints_json_and_forget_says_what_it_removed(sqlite_cli, capsys):
    capsys.readouterr()
    assert main(["privacy", "export", "@U0AMARA"]) == 0
    tables = json.loads(capsys.readouterr().out)["tables"]
    assert tables["people"][0]["email"] == "amara.nwosu@example.edu"
    assert [r["name"] for r in tables["attendance_rows"]] == ["Amara Nwosu", "Amara Nwosu"]

    assert main(["privacy", "forget", "<@U0AMARA>"]) == 0
    out = capsys.readouterr().out
    assert "now stored as 'forgotten person #" in out and "attendance_rows: 2 names and emails replaced" in out
    assert main(["privacy", "export", "<@U0AMARA>"]) == 2
    assert capsys.readouterr().err.strip() == "trainingbot: no one stored as <@U0AMARA>"
    assert main(["attendance", "report", "it-dec", "--format", "json"]) == 0
    trainees = json.loads(capsys.readouterr().out)["trainees"]
    forgotten = [t for t in trainees if t["name"].startswith("forgotten person #")]
    assert len(forgotten) == 1 and forgotten[0]["sessions"][0]["attended_minutes"] == 240
    assert forgotten[0]["email"] == ""


def test_cli_unknown_person_exits_2(sqlite_cli, capsys):
    assert main(["privacy", "forget", "nobody@example.org"]) == 2
    assert capsys.readouterr().err.strip() == "trainingbot: no one stored as nobody@example.org"
