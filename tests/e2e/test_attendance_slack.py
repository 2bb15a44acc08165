"""/attendance, DM uploads, the Zoom webhook and fetching reports from a fake Zoom, end to end."""
from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from storage.models import AttendanceRow, LiveInterval
from tests.attendance_fixtures import load_event, sample
from tests.fakes.zoom import participant
from tests.registration_fixtures import eventually, press

AFTER = datetime(2026, 12, 10, tzinfo=timezone.utc)
WEBHOOK_SECRET = "zoom-webhook-secret-abcdef"


async def _imported(app) -> int:
    async with app.services.db.transaction() as s:
        return await s.scalar(select(func.count()).select_from(AttendanceRow))


@pytest.mark.both_databases  # who may see it is checked in SQL, in the statement that reads the event
async def test_trainer_gets_the_summary_with_absent_and_unmatched_and_others_are_refused(app, fake_slack, clock):
    await load_event(app.services)
    clock.now = AFTER
    await app.services.attendance.import_files("it-dec", [sample("plain_2021.csv")], None, "cli")
    status, body = await app.slash("/attendance", "it-dec", "U0TRAINER")
    answer = json.loads(body)
    text = json.dumps(answer["blocks"])
    assert status == 200 and answer["response_type"] == "ephemeral"
    assert ":x: *absent* Amara Nwosu: 240 min attended, 720 missed (retake)" in text
    matches = [b["accessory"] for b in answer["blocks"] if b.get("accessory", {}).get("action_id") == "attendance_match"]
    assert [json.loads(m["value"])["name"] for m in matches][:2] == ["+1 555 0142", "Jordan (they/them)"]
    _, body = await app.slash("/attendance", "it-dec", "U0AMARA")
    assert "Only the trainers of `it-dec` and Carpentries staff" in json.loads(body)["text"]
    _, body = await app.slash("/attendance", "nope", "U0TRAINER")  # refused like an event of someone else's
    assert "Only the trainers of `nope` and Carpentries staff" in json.loads(body)["text"]
    _, body = await app.slash("/attendance", "nope", "U0STAFF")
    assert "There is no event `nope`" in json.loads(body)["text"]
    _, body = await app.slash("/attendance", "it-dec", "U0STAFF")  # staff see every event's, trainers their own
    assert ":x: *absent* Amara Nwosu" in json.dumps(json.loads(body)["blocks"])
    _, body = await app.slash("/attendance", "", "U0TRAINER")
    assert "/attendance EVENT @user" in json.loads(body)["text"]


async def test_during_the_event_missed_time_counts_only_what_has_happened(app, fake_slack, clock):
    await load_event(app.services)
    await app.services.attendance.import_files("it-dec", [sample("plain_2021.csv")], None, "cli")
    clock.now = datetime(2026, 12, 1, 22, 30, tzinfo=timezone.utc)  # after session 1 only
    report = await app.services.attendance.report("it-dec")
    by_name = {t.name: t for t in report.trainees}
    assert report.in_progress and report.scheduled == 4 * 3600
    assert by_name["Amara Nwosu"].status == "present"
    assert by_name["Mei Lin Chen"].missed == 600 and not by_name["Mei Lin Chen"].at_risk
    assert by_name["Priya Raman"].absent  # left at 15:30: 95 minutes missed
    assert by_name["Jordan Lee"].status == "makeup"  # 240 minutes missed, no more


async def test_one_trainee_session_by_session_and_csv_in_dm(app, fake_slack, clock):
    await load_event(app.services)
    clock.now = AFTER
    fake_slack.add_user("U0TRAINER", "Tess Trainer", "t@x.org", tz="Europe/London")
    await app.services.attendance.import_files("it-dec", [sample("plain_2021.csv")], None, "cli")
    _, body = await app.slash("/attendance", "it-dec <@U0MEI|mei>", "U0TRAINER")
    assert "Tue 1 Dec 2026, 18:00–22:00 GMT: 230 of 240 min" in json.dumps(json.loads(body), ensure_ascii=False)
    _, body = await app.slash("/attendance", "it-dec csv", "U0TRAINER")
    assert "Sending the attendance CSV" in body
    await eventually(lambda: fake_slack.uploads)
    csv_text = next(iter(fake_slack.uploads.values())).decode()
    assert csv_text.startswith("name,email,attended_minutes") and "Mei Lin Chen" in csv_text


async def test_matching_an_unmatched_participant_saves_an_alias(app, fake_slack, clock):
    await load_event(app.services)
    clock.now = AFTER
    await app.services.attendance.import_files("it-dec", [sample("plain_2021.csv")], None, "cli")
    value = json.dumps({"event": "it-dec", "name": "Jordan (they/them)"})
    await press(app, "U0TRAINER", "attendance_match", value, channel="C0GENERAL")
    await eventually(lambda: fake_slack.calls_to("views.open"))
    modal = fake_slack.last_view()
    jordan = next(o["value"] for o in modal["blocks"][1]["element"]["options"] if o["text"]["text"].startswith("Jordan"))
    body, headers = app.requests.view_submission(
        "U0TRAINER", "attendance_match_submit",
        {"trainee": {"value": {"type": "static_select", "selected_option": {"value": jordan}}}},
        private_metadata=modal["private_metadata"])
    _, text = await app.send(body, headers)
    assert json.loads(text)["response_action"] == "update" and "240 of 240 min" in text
    report = await app.services.attendance.report("it-dec")
    assert "Jordan (they/them)" not in [u.name for u in report.unmatched]
    # a stranger who tampers with the metadata is refused
    body, headers = app.requests.view_submission(
        "U0AMARA", "attendance_match_submit",
        {"trainee": {"value": {"type": "static_select", "selected_option": {"value": jordan}}}},
        private_metadata=json.dumps({"event": "it-dec", "name": "Read.ai meeting notes"}))
    _, text = await app.send(body, headers)
    assert "Only the trainers" in json.loads(text)["errors"]["trainee"]


async def test_csv_sent_by_dm_is_imported_and_a_bad_one_explained(app, fake_slack, clock):
    await load_event(app.services)
    clock.now = AFTER
    name, data = sample("plain_2021.csv")
    fake_slack.add_file("F0GOOD", "zoom-participants.csv", data, "U0TRAINER")
    fake_slack.add_file("F0BAD", "unique.csv", sample("unique_users.csv")[1], "U0TRAINER")
    status, _ = await app.send(*app.requests.event({"type": "file_shared", "file_id": "F0BAD", "user_id": "U0TRAINER",
                                                    "channel_id": "D0TRAINER", "event_ts": "1"}))
    assert status == 200
    bad = await eventually(lambda: fake_slack.dms_to("U0TRAINER"))
    assert "Nothing was imported" in bad[0] and "Show unique users" in bad[0]
    assert await _imported(app) == 0
    await app.send(*app.requests.event({"type": "file_shared", "file_id": "F0GOOD", "user_id": "U0TRAINER",
                                        "channel_id": "D0TRAINER", "event_ts": "2"}))
    good = await eventually(lambda: len(fake_slack.dms_to("U0TRAINER")) > 1 and fake_slack.dms_to("U0TRAINER"))
    assert "12 rows imported" in good[1] and "unmatched" in good[1]
    assert await _imported(app) == 12
    await app.send(*app.requests.event({"type": "file_shared", "file_id": "F0GOOD", "user_id": "U0AMARA",
                                        "channel_id": "D0AMARA", "event_ts": "3"}))
    refused = await eventually(lambda: fake_slack.dms_to("U0AMARA"))
    assert "Only trainers can import" in refused[0]


def _zoom_headers(body: bytes, secret: str = WEBHOOK_SECRET, ts: int | None = None) -> dict:
    stamp = str(int(time.time()) if ts is None else ts)
    digest = hmac.new(secret.encode(), f"v0:{stamp}:".encode() + body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "x-zm-request-timestamp": stamp, "x-zm-signature": f"v0={digest}"}


def _participant_event(kind: str, at: str) -> bytes:
    key = "join_time" if kind == "joined" else "leave_time"
    return json.dumps({"event": f"meeting.participant_{kind}", "event_ts": 1796764200412, "payload": {
        "account_id": "a", "object": {"id": "81234567890", "uuid": "n8wHkqYqSPa4q4nQ3Gz4lw==", "host_id": "h",
                                      "topic": "IT", "type": 8, "start_time": "2026-12-01T17:55:00Z",
                                      "participant": {"user_id": "16779264", "user_name": "Amara Nwosu",
                                                      "id": "", "participant_uuid": "puuid-1",
                                                      "email": "amara.nwosu@example.edu", key: at}}}}).encode()


@pytest.fixture
async def webhook_app(app):
    app.services.settings.zoom_webhook_secret_token = type(app.services.settings.slack_signing_secret)(WEBHOOK_SECRET)
    return app


async def test_zoom_webhook_validation_signature_and_live_intervals(webhook_app, clock):
    app = webhook_app
    await load_event(app.services)
    body = json.dumps({"payload": {"plainToken": "qgg8vlvZRS6UYooatFL8Aw"}, "event_ts": 1,
                       "event": "endpoint.url_validation"}).encode()
    status, text = await app.send(body, _zoom_headers(body), path="zoom/webhook")
    expected = hmac.new(WEBHOOK_SECRET.encode(), b"qgg8vlvZRS6UYooatFL8Aw", hashlib.sha256).hexdigest()
    assert status == 200 and json.loads(text) == {"plainToken": "qgg8vlvZRS6UYooatFL8Aw", "encryptedToken": expected}

    joined = _participant_event("joined", "2026-12-01T18:00:00Z")
    assert (await app.send(joined, _zoom_headers(joined, secret="wrong"), path="zoom/webhook"))[0] == 401
    stale = _zoom_headers(joined, ts=int(time.time()) - 600)
    assert (await app.send(joined, stale, path="zoom/webhook"))[0] == 401
    assert (await app.send(joined, {"Content-Type": "application/json"}, path="zoom/webhook"))[0] == 401
    other = json.dumps({"event": "meeting.sharing_started", "payload": {}}).encode()
    status, text = await app.send(other, _zoom_headers(other), path="zoom/webhook")
    assert status == 200 and json.loads(text)["ignored"] is True

    assert (await app.send(joined, _zoom_headers(joined), path="zoom/webhook"))[0] == 200
    left = _participant_event("left", "2026-12-01T20:00:00Z")
    assert (await app.send(left, _zoom_headers(left), path="zoom/webhook"))[0] == 200
    async with app.services.db.transaction() as s:
        live = list(await s.scalars(select(LiveInterval)))
    assert [(i.name, i.join.hour, i.leave.hour) for i in live] == [("Amara Nwosu", 18, 20)]
    clock.now = datetime(2026, 12, 1, 22, 30, tzinfo=timezone.utc)
    amara = next(t for t in (await app.services.attendance.report("it-dec")).trainees if t.name == "Amara Nwosu")
    assert amara.attended == 2 * 3600 and amara.absent


@pytest.mark.parametrize("body", [b"[" * 100_000 + b"]" * 100_000,
                                  b'{"event": "meeting.participant_joined", "payload": ' + b'{"a": ' * 50_000
                                  + b"1" + b"}" * 50_001],
                         ids=["nested lists", "nested objects"])
async def test_a_signed_zoom_webhook_nested_too_deep_gets_400(webhook_app, body, caplog):
    status, text = await webhook_app.send(body, _zoom_headers(body), path="zoom/webhook")
    assert status == 400 and "malformed event" in text
    assert not [r for r in caplog.records if r.exc_info]


async def test_import_from_zoom_fetches_every_instance_of_a_restarted_call(services, fake_zoom, clock):
    from bot.app import build_services

    settings = services.settings.model_copy(update={
        "zoom_account_id": fake_zoom.account_id, "zoom_client_id": fake_zoom.client_id,
        "zoom_client_secret": type(services.settings.slack_signing_secret)(fake_zoom.client_secret),
        "zoom_api_url": fake_zoom.url + "/v2", "zoom_oauth_url": fake_zoom.url + "/oauth/token"})
    zoomed = build_services(settings, db=services.db, gateway=services.slack, clock=clock)
    await load_event(zoomed)
    utc = timezone.utc
    amara = {"name": "Amara Nwosu", "user_email": "amara.nwosu@example.edu"}
    fake_zoom.add_instance("81234567890", "/first//uuid==", datetime(2026, 12, 1, 17, 58, tzinfo=utc),
                           [participant(1, datetime(2026, 12, 1, 17, 58, tzinfo=utc),
                                        datetime(2026, 12, 1, 19, 0, tzinfo=utc), **amara)])
    fake_zoom.add_instance("81234567890", "restarted==", datetime(2026, 12, 1, 19, 5, tzinfo=utc),
                           [participant(1, datetime(2026, 12, 1, 19, 5, tzinfo=utc),
                                        datetime(2026, 12, 1, 22, 0, tzinfo=utc), **amara)])
    fake_zoom.add_instance("81234567890", "other-day==", datetime(2026, 11, 20, 18, 0, tzinfo=utc), [])
    summary = await zoomed.attendance.import_zoom("it-dec", "cli")
    assert summary.imported == [("zoom meeting 81234567890", 2)]
    assert "%252Ffirst%252F%252Fuuid%253D%253D" in fake_zoom.report_ids()
    assert not any("other-day" in r for r in fake_zoom.report_ids())
    clock.now = AFTER
    report = await zoomed.attendance.report("it-dec")
    got = next(t for t in report.trainees if t.name == "Amara Nwosu")
    assert got.sessions[0] == 4 * 3600 - 5 * 60  # the 5-minute restart gap is missed


async def test_meeting_ended_fetches_the_report_which_replaces_the_live_intervals(app, fake_zoom, clock):
    settings = app.services.settings
    for name, value in {"zoom_account_id": fake_zoom.account_id, "zoom_client_id": fake_zoom.client_id,
                        "zoom_client_secret": type(settings.slack_signing_secret)(fake_zoom.client_secret),
                        "zoom_api_url": fake_zoom.url + "/v2", "zoom_oauth_url": fake_zoom.url + "/oauth/token",
                        "zoom_webhook_secret_token": type(settings.slack_signing_secret)(WEBHOOK_SECRET)}.items():
        setattr(settings, name, value)
    from bot.zoom.fetch import zoom_fetcher

    app.services.attendance.zoom_pages = zoom_fetcher(settings)
    await load_event(app.services)
    utc = timezone.utc
    fake_zoom.add_instance("81234567890", "n8wHkqYqSPa4q4nQ3Gz4lw==", datetime(2026, 12, 1, 17, 55, tzinfo=utc),
                           [participant(1, datetime(2026, 12, 1, 17, 55, tzinfo=utc),
                                        datetime(2026, 12, 1, 22, 0, tzinfo=utc),
                                        name="Amara Nwosu", user_email="amara.nwosu@example.edu")])
    joined = _participant_event("joined", "2026-12-01T18:00:00Z")
    assert (await app.send(joined, _zoom_headers(joined), path="zoom/webhook"))[0] == 200
    ended = json.dumps({"event": "meeting.ended", "payload": {"object": {
        "id": "81234567890", "uuid": "n8wHkqYqSPa4q4nQ3Gz4lw==", "end_time": "2026-12-01T22:00:05Z"}}}).encode()
    status, text = await app.send(ended, _zoom_headers(ended), path="zoom/webhook")
    assert status == 200 and json.loads(text)["event"] == "it-dec"

    async def replaced():
        async with app.services.db.transaction() as s:
            live = await s.scalar(select(func.count()).select_from(LiveInterval))
            rows = await s.scalar(select(func.count()).select_from(AttendanceRow))
        return live == 0 and rows == 1

    await eventually(replaced)
    clock.now = datetime(2026, 12, 1, 22, 30, tzinfo=timezone.utc)
    amara = next(t for t in (await app.services.attendance.report("it-dec")).trainees if t.name == "Amara Nwosu")
    assert amara.sessions[0] == 4 * 3600 and not amara.absent
