"""A name no font here can print: no certificate is issued or uploaded, the completion stays recorded, and staff
are told once (through the services, the outbox and the fake Slack)."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select, update

from bot.certificates import typefaces
from storage.checkout_models import Certificate
from storage.mentoring_models import MentoringCertificate
from storage.models import Person
from tests.e2e import test_checkout as checkout_e2e
from tests.e2e import test_mentoring as mentoring_e2e

ETHIOPIC = "ሀበ"  # neither DejaVu Sans (shipped) nor Noto Sans CJK (used when installed) has these


def test_the_shipped_fonts_cannot_print_the_test_name():
    assert not any(face.covers(char) for char in ETHIOPIC for face in typefaces.MAIN + typefaces.cjk_fallback())


async def rename(app, user_id: str, name: str) -> None:
    async with app.services.db.transaction() as s:
        await s.execute(update(Person).where(Person.slack_user_id == user_id).values(name=name))


def staff_posts(fake_slack) -> list[str]:
    return [m["text"] for m in fake_slack.messages_to("C0STAFF") if "was not issued" in m["text"]]


async def count(app, model) -> int:
    async with app.services.db.transaction() as s:
        return await s.scalar(select(func.count()).select_from(model))


@pytest.mark.both_databases
async def test_checkout_complete_with_an_unprintable_name_tells_staff_once_and_uploads_nothing(app, fake_slack):
    await checkout_e2e.setup(app, fake_slack)
    checkout = app.services.checkout
    await rename(app, "U0ADA", f"Ada <b> {ETHIOPIC}")
    for step in ("welcome", "demo"):
        await checkout.mark("U0TRAINER", step, ["U0ADA"])
    reg = await checkout_e2e.registration_of(app, "U0ADA")
    done = await checkout.evaluate("U0TRAINER", reg, "get_involved", "passed", None)
    await app.services.outbox.drain()

    assert not done.certified and await count(app, Certificate) == 0
    assert {s.step: s.state for s in done.summary.steps} == dict.fromkeys(
        ("training", "welcome_session", "get_involved", "teaching_demo"), "passed")
    assert {d.user_id: d.complete for d in await checkout.checkout_deadlines()}["U0ADA"]  # no more nudges
    [notice] = staff_posts(fake_slack)
    assert f"Ada &lt;b&gt; {ETHIOPIC}" in notice and "U+1200 ETHIOPIC SYLLABLE HA" in notice
    assert "U+1260" in notice and "by hand" in notice
    assert not fake_slack.calls_to("files.completeUploadExternal") and not fake_slack.uploads

    await checkout.summary_for("U0ADA")  # looking again tries again: still unprintable, staff not told again
    await app.services.outbox.drain()
    assert len(staff_posts(fake_slack)) == 1 and not fake_slack.calls_to("chat.update")
    assert await count(app, Certificate) == 0


async def test_mentoring_complete_with_an_unprintable_name_tells_staff_once_and_uploads_nothing(app, fake_slack,
                                                                                                clock):
    channel = await mentoring_e2e.formed_group(app, fake_slack)
    clock.now = datetime(2026, 12, 8, 12, 0, tzinfo=timezone.utc)
    ny = mentoring_e2e.NY
    await rename(app, ny, f"Grace {ETHIOPIC}")
    for day in (mentoring_e2e.FIRST_MEETING, mentoring_e2e.SECOND_MEETING):
        await mentoring_e2e.log_meeting(app, fake_slack, channel, day, [ny, mentoring_e2e.LONDON])
    for criterion in ("showcase", "survey"):
        _, body = await app.slash("/mentoring", f"admin mark <@{ny}> {criterion}", "U0COORD")
        assert f"now has *{criterion}* recorded" in body
    assert await app.services.mentoring.issue_certificates() == []  # as the sweep does: again, no second notice
    await app.services.outbox.drain()

    [notice] = staff_posts(fake_slack)
    assert f"Grace {ETHIOPIC}" in notice and "U+1200" in notice and "mentoring" in notice
    assert not mentoring_e2e.uploads_to(fake_slack, ny) and await count(app, MentoringCertificate) == 0
    _, body = await app.slash("/mentoring", "admin report", "U0COORD")
    assert f"Grace {ETHIOPIC} (mentee): complete" in json.dumps(json.loads(body), ensure_ascii=False)
