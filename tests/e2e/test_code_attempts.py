"""Wrong registration codes are limited per person: five within ten minutes and they wait; staff hear once."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.registration import code_attempts
from storage.db import Database
from storage.models import CodeAttempt
from tests.registration_fixtures import setup, submit_register

pytestmark = pytest.mark.both_databases


async def test_five_wrong_codes_make_one_wait_ten_minutes_and_staff_hear_once(app, fake_slack, clock, db_url):
    await setup(app, fake_slack)
    for n in range(4):
        wrong = await submit_register(app, "U0P01", "small", f"GUESS-{n}")
        assert "is not a registration code we know" in wrong["errors"]["code"]
    fifth = (await submit_register(app, "U0P01", "small", "GUESS-4"))["errors"]["code"]
    # Person 01 is in Europe/London; the test clock says 15:00 UTC (winter), so the wait ends at 15:10 GMT
    assert "5 wrong registration codes in 10 minutes" in fifth and "until 15:10 GMT (in 10 minutes)" in fifth
    clock.now += timedelta(minutes=3)
    sixth = (await submit_register(app, "U0P01", "small", "ORG-B"))["errors"]["code"]  # even the right code
    assert "until 15:10 GMT (in 7 minutes)" in sixth
    assert await app.services.registration.current("U0P01") is None

    other = await submit_register(app, "U0P02", "small", "ORG-B")  # the limit is per person
    assert other["response_action"] == "update"

    second_process = Database(db_url[0])  # the count is in the database, not in this process's memory
    try:
        async with second_process.read() as s:
            assert await code_attempts.waiting_until(s, "U0P01", clock.now) is not None
            assert await s.scalar(select(func.count()).select_from(CodeAttempt)) == 5
    finally:
        await second_process.dispose()

    clock.now += timedelta(minutes=7)
    done = await submit_register(app, "U0P01", "small", "ORG-B")
    assert done["response_action"] == "update"
    assert (await app.services.registration.current("U0P01")).status == "active"
    await app.settled()
    told = [m["text"] for m in fake_slack.messages_to("C0STAFF") if "wrong registration codes" in m["text"]]
    assert len(told) == 1 and "<@U0P01>" in told[0] and "GUESS-4" in told[0]


async def test_wrong_codes_spread_over_more_than_ten_minutes_never_make_one_wait(app, fake_slack, clock):
    await setup(app, fake_slack)
    for n in range(8):
        answer = (await submit_register(app, "U0P01", "small", f"GUESS-{n}"))["errors"]["code"]
        assert "is not a registration code we know" in answer
        clock.now += timedelta(minutes=3)
    assert (await submit_register(app, "U0P01", "small", "ORG-B"))["response_action"] == "update"
