"""Tokens, signing secrets, Zoom secrets and accommodation texts never reach the logs, even at DEBUG."""
from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import logging
import time
from datetime import datetime, timezone

import pytest
from aiohttp import web
from pydantic import SecretStr

from bot.cli import _secrets
from bot.common.log_redaction import configure_logging
from bot.config import Settings
from bot.slack.client import make_client
from bot.slack.gateway import SlackGateway
from tests.attendance_fixtures import load_event, sample
from tests.conftest import BOT_TOKEN, SIGNING_SECRET
from tests.fakes.zoom import FakeZoom, participant
from tests.registration_fixtures import eventually, submit_register
from tests.slack_requests import select_value, text_value

pytestmark = pytest.mark.both_databases

ZOOM_CLIENT_SECRET = "zoom-client-secret-5d0c8e1f"
WEBHOOK_SECRET = "zoom-webhook-secret-9a7b6c5d"
ACCOMMODATION = "Please caption every session: I am hard of hearing (privacy-marker-41c2)"
CONTACT = "my-private-phone-0177-555-0199"
AFTER = datetime(2026, 12, 10, tzinfo=timezone.utc)


@pytest.fixture
async def fake_zoom():
    fake = FakeZoom(client_secret=ZOOM_CLIENT_SECRET)
    runner = web.AppRunner(fake.app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    fake.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    yield fake
    await runner.cleanup()


@pytest.fixture
def settings(fake_slack, fake_zoom, db_url) -> Settings:
    """The conftest settings plus every Zoom secret, so that a leak of any of them would show."""
    url, _ = db_url
    return Settings(database_url=url, slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET,
                    slack_api_url=fake_slack.url + "api/", staff_channel="C0STAFF",
                    zoom_account_id=fake_zoom.account_id, zoom_client_id=fake_zoom.client_id,
                    zoom_client_secret=ZOOM_CLIENT_SECRET, zoom_api_url=fake_zoom.url + "/v2",
                    zoom_oauth_url=fake_zoom.url + "/oauth/token", zoom_webhook_secret_token=WEBHOOK_SECRET,
                    ack_budget_ms=2500, _env_file=None)


class Lines(logging.Handler):
    """Keeps each record as formatted when it is emitted (message, arguments and traceback)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


class Logs:
    def __init__(self, raw: Lines, redacted: io.StringIO) -> None:
        self.raw, self.redacted = raw, redacted

    @property
    def raw_text(self) -> str:
        return "\n".join(self.raw.lines)


@pytest.fixture
def logs(caplog, settings):
    """The app's logging as `trainingbot` sets it up (configure_logging, at DEBUG), plus a raw copy before redaction.

    caplog and the raw handler come first: they see each record before the redacting filter rewrites it.
    """
    caplog.set_level(logging.DEBUG)
    root, quietened = logging.getLogger(), [logging.getLogger(name) for name in ("alembic", "aiohttp.access")]
    saved, level, levels = root.handlers[:], root.level, [q.level for q in quietened]
    configure_logging(_secrets(settings), level=logging.DEBUG)
    redacting = root.handlers[0]
    redacted = io.StringIO()
    redacting.setStream(redacted)
    raw = Lines()
    root.handlers[:] = [*saved, raw, redacting]
    try:
        yield Logs(raw, redacted)
    finally:
        root.handlers[:] = saved
        root.setLevel(level)
        for logger, was in zip(quietened, levels):
            logger.setLevel(was)


def zoom_headers(body: bytes) -> dict[str, str]:
    stamp = str(int(time.time()))
    digest = hmac.new(WEBHOOK_SECRET.encode(), f"v0:{stamp}:".encode() + body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "x-zm-request-timestamp": stamp, "x-zm-signature": f"v0={digest}"}


async def whole_run(app, fake_slack, fake_zoom, clock) -> None:
    """Registration, an accommodation request while Slack fails, Slack dropping a call, attendance from a file
    and from Zoom, the Zoom webhook, and a sweep that delivers what failed."""
    services = app.services
    await load_event(services)
    for user in ("U0P01", "U0STAFF", "U0TRAINER", "U0AMARA"):
        fake_slack.add_user(user, user, f"{user.lower()}@example.org", tz="Europe/London")

    assert (await submit_register(app, "U0P01", "it-dec", "ORG"))["response_action"] == "update"
    await eventually(lambda: fake_slack.dms_to("U0P01"))

    status, _ = await app.slash("/accommodation", "", "U0P01")
    assert status == 200
    await eventually(lambda: fake_slack.calls_to("views.open"))
    fake_slack.fail_next(3, "500", method="chat.postMessage")  # the staff post fails, retries included
    values = {"event": {"value": select_value("it-dec")}, "text": {"value": text_value(ACCOMMODATION)},
              "contact": {"value": text_value(CONTACT)}}
    status, _ = await app.send(*app.requests.view_submission("U0P01", "accommodation_submit", values))
    assert status == 200
    await eventually(lambda: len(fake_slack.dms_to("U0P01")) >= 2)
    assert not any(ACCOMMODATION in m.get("text", "") for m in fake_slack.messages_to("C0STAFF"))

    fake_slack.fail_next(3, "drop", method="users.info")
    fake_slack.fail_next(1, "ok_false", error="invalid_auth", method="views.open")
    status, _ = await app.slash("/training", "register ORG", "U0AMARA")
    assert status == 200
    await eventually(lambda: len(fake_slack.calls_to("views.open")) == 2)

    clock.now = AFTER
    await services.attendance.import_files("it-dec", [sample("plain_2021.csv")], None, "cli")
    status, body = await app.slash("/attendance", "it-dec", "U0TRAINER")
    assert status == 200 and "absent" in body
    utc = timezone.utc
    fake_zoom.add_instance("81234567890", "instance-1==", datetime(2026, 12, 1, 17, 58, tzinfo=utc), [
        participant(1, datetime(2026, 12, 1, 17, 58, tzinfo=utc), datetime(2026, 12, 1, 22, 0, tzinfo=utc),
                    name="Amara Nwosu", user_email="amara.nwosu@example.edu")])
    await services.attendance.import_zoom("it-dec", "test")
    assert fake_zoom.tokens_issued >= 1

    body = json.dumps({"payload": {"plainToken": "plain-token-1"}, "event_ts": 1,
                       "event": "endpoint.url_validation"}).encode()
    status, _ = await app.send(body, zoom_headers(body), path="zoom/webhook")
    assert status == 200

    assert not [m for m in fake_slack.delivered if m["channel"] == "C0STAFF"]
    await services.nudges.sweep()
    assert [m for m in fake_slack.delivered if m["channel"] == "C0STAFF"], "the sweep delivered the request"


async def test_a_whole_run_logs_no_secret_and_no_accommodation_text(app, fake_slack, fake_zoom, clock, caplog, logs):
    await whole_run(app, fake_slack, fake_zoom, clock)

    redacted = logs.redacted.getvalue()
    outputs = {"caplog": caplog.text, "raw": logs.raw_text, "configure_logging": redacted}
    # The capture worked: DEBUG records of Slack calls, and the warnings of the failures, are there.
    for name, text in outputs.items():
        assert "chat.postMessage" in text and "views.open" in text, name
        assert "failed" in text, name
    basic = base64.b64encode(f"{fake_zoom.client_id}:{ZOOM_CLIENT_SECRET}".encode()).decode()
    never = {"bot token": BOT_TOKEN, "signing secret": SIGNING_SECRET, "zoom client secret": ZOOM_CLIENT_SECRET,
             "zoom basic credentials": basic, "zoom webhook secret": WEBHOOK_SECRET,
             "accommodation text": "privacy-marker-41c2", "accommodation contact": CONTACT,
             **{f"zoom access token {t}": t for t in fake_zoom.live_tokens}}
    leaks = {(name, what) for name, text in outputs.items() for what, secret in never.items() if secret in text}
    assert leaks == set()
    assert not any("privacy-marker-41c2" in r.getMessage() for r in caplog.records)


# ---- configure_logging's redaction on its own -------------------------------------------------------------

SECRET_SETTINGS = Settings(database_url="sqlite+aiosqlite:///unused.db", slack_bot_token=BOT_TOKEN,
                           slack_signing_secret=SIGNING_SECRET, zoom_account_id="acct", zoom_client_id="client",
                           zoom_client_secret=ZOOM_CLIENT_SECRET, zoom_webhook_secret_token=WEBHOOK_SECRET,
                           _env_file=None)


@pytest.fixture
def redacted_output():
    """Whatever a logger writes, as configure_logging's root handler writes it out."""
    root, quietened = logging.getLogger(), [logging.getLogger(name) for name in ("alembic", "aiohttp.access")]
    saved, level, levels = root.handlers[:], root.level, [q.level for q in quietened]
    configure_logging(_secrets(SECRET_SETTINGS), level=logging.DEBUG)
    out = io.StringIO()
    root.handlers[0].setStream(out)
    try:
        yield out
    finally:
        root.handlers[:] = saved
        root.setLevel(level)
        for logger, was in zip(quietened, levels):
            logger.setLevel(was)


def test_the_cli_redacts_every_secret_it_is_given():
    assert set(_secrets(SECRET_SETTINGS)) == {BOT_TOKEN, SIGNING_SECRET, ZOOM_CLIENT_SECRET, WEBHOOK_SECRET}
    with_app_token = SECRET_SETTINGS.model_copy(update={"slack_app_token": SecretStr("xapp-1-A0-777-abcdef")})
    assert "xapp-1-A0-777-abcdef" in _secrets(with_app_token)


@pytest.mark.parametrize("message, args", [
    ("posting with token %s", (BOT_TOKEN,)),
    ("signing secret is " + SIGNING_SECRET, ()),
    ("zoom %(secret)s and %(hook)s", ({"secret": ZOOM_CLIENT_SECRET, "hook": WEBHOOK_SECRET},)),
    ("another workspace's token xoxb-1111-2222-AbCdEf", ()),
    ("a user token xoxp-1-2-3-deadbeef and a socket token xapp-1-A01-123-cafe0123", ()),
    ("headers {'Authorization': 'Bearer zoom-token-77'}", ()),
    ("headers {'Authorization': 'Basic Y2xpZW50OnNlY3JldA=='}", ()),
], ids=["bot token as argument", "signing secret", "zoom secrets as mapping", "other xoxb", "xoxp and xapp",
        "bearer", "basic"])
def test_configure_logging_redacts_secrets_and_token_shapes(redacted_output, message, args):
    logging.getLogger("some.library").warning(message, *args)
    line = redacted_output.getvalue()
    assert "[redacted]" in line
    for secret in (BOT_TOKEN, SIGNING_SECRET, ZOOM_CLIENT_SECRET, WEBHOOK_SECRET, "xoxb-1111", "xoxp-1-2",
                   "xapp-1-A01", "zoom-token-77", "Y2xpZW50OnNlY3JldA"):
        assert secret not in line


def test_configure_logging_redacts_tracebacks_and_keeps_the_rest(redacted_output):
    try:
        raise RuntimeError(f"Slack said no to {BOT_TOKEN} (signing {SIGNING_SECRET})")
    except RuntimeError:
        logging.getLogger("bot.something").exception("request failed for user %s", "U0P01")
    text = redacted_output.getvalue()
    assert "request failed for user U0P01" in text and "RuntimeError: Slack said no to [redacted]" in text
    assert "Traceback" in text and BOT_TOKEN not in text and SIGNING_SECRET not in text


def test_configure_logging_leaves_ordinary_messages_alone(redacted_output):
    logging.getLogger("bot.registration").info("registered %s on %s", "U0P01", "it-dec")
    assert redacted_output.getvalue().rstrip().endswith("INFO bot.registration: registered U0P01 on it-dec")


async def test_an_answer_through_response_url_is_not_logged_at_debug(fake_slack, redacted_output, caplog):
    """A response_url lets anyone post into the conversation for 30 minutes, and the answer may carry a person's
    text: neither may reach the logs, even at DEBUG (slack_sdk logs each request body when its logger allows)."""
    caplog.set_level(logging.DEBUG)
    gateway = SlackGateway(make_client(SECRET_SETTINGS.model_copy(update={"slack_api_url": fake_slack.url + "api/"})))
    gateway.open_session()
    try:
        await gateway.respond(fake_slack.url + "response/hooks-key-3f9a", text="privacy-marker-41c2",
                              response_type="ephemeral")
    finally:
        await gateway.close_session()
    assert [r["text"] for r in fake_slack.responses] == ["privacy-marker-41c2"]
    for text in (redacted_output.getvalue(), caplog.text):
        assert "privacy-marker-41c2" not in text and "hooks-key-3f9a" not in text


async def test_a_listeners_answer_through_response_url_is_not_logged_at_debug(app, fake_slack, caplog, logs):
    """The same for a button's answer, which Bolt hands the listener its own respond for."""
    status, _ = await app.send(*app.requests.block_action("U0P01", "cancel_keep", "1"))
    assert status == 200
    await eventually(lambda: fake_slack.responses)
    assert [(r["key"], r["text"]) for r in fake_slack.responses] == [("action", "Nothing was changed.")]
    for name, text in {"caplog": caplog.text, "raw": logs.raw_text, "redacted": logs.redacted.getvalue()}.items():
        assert "response/action" not in text and "Nothing was changed" not in text, name
