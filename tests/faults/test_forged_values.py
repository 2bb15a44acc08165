"""Forged form values (over-long, NUL, ids that are not numbers) get a clear refusal on their field, change nothing
and leave no traceback in the log, on both databases (PostgreSQL refuses NUL in text with a DataError)."""
from __future__ import annotations

import json
import logging

import pytest

from tests.faults.test_bad_slack_input import READ_ONLY, Unchanged
from tests.registration_fixtures import register_values, setup, submit_register
from tests.slack_requests import select_value, text_value

pytestmark = pytest.mark.both_databases


def no_traceback(caplog) -> None:
    bad = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert bad == [], [r.getMessage() for r in bad]


def register(**changes) -> dict:
    values = register_values("small", "ORG-B")
    for block, element in changes.items():
        values[block] = {"value": element}
    return values


FORMS = [  # (callback_id, values, private_metadata, the field the refusal is on, words in it)
    ("register_submit", register(code=text_value("C" * 5000)), "", "code", "under 3000 characters"),
    ("register_submit", register(code=text_value("ORG\x00-B")), "", "code", "NUL character"),
    ("register_submit", register(code=text_value("C" * 90)), "", "code", "under 80 characters"),
    ("register_submit", register(event=select_value("small\x00")), "", "event", "out of date"),
    ("register_submit", register(event=select_value("s" * 5000)), "", "event", "out of date"),
    ("register_submit", register(event={"type": "static_select", "selected_option": "small"}), "", "event",
     "out of date"),
    ("register_submit", register(coc={"type": "checkboxes", "selected_options": "accepted"}), "", "coc",
     "out of date"),
    ("transfer_submit", {"target": {"value": select_value("big\x00")}}, '{"registration": 1}', "target",
     "out of date"),
    ("transfer_submit", {"target": {"value": select_value("big")}}, '{"registration": "1\\u0000"}', "target",
     "out of date"),
    ("accommodation_submit", {"text": {"value": text_value("I need\x00captions")}}, "", "text", "NUL character"),
    ("accommodation_note_submit", {"note": {"value": text_value("hi")}}, '{"id": 1, "action": "resolve\\u0000"}',
     "note", "out of date"),
    ("checkout_evaluate_submit", {"step": {"value": select_value("training\x00")}}, '{"registration": 1}', "step",
     "out of date"),
    ("checkout_evaluate_submit", {}, '{"registration": "one"}', "step", "out of date"),
    ("mentoring_meeting_submit", {"attendees": {"value": {"type": "multi_users_select",
                                                          "selected_users": ["U0P01\x00"]}}}, '{"group": 1}',
     "attendees", "out of date"),
    ("mentoring_meeting_submit", {}, '{"group": "1; DROP TABLE"}', "attendees", "out of date"),
]


@pytest.mark.parametrize("callback_id, values, metadata, field, words", FORMS,
                         ids=[f"{f[0]}-{i}" for i, f in enumerate(FORMS)])
async def test_a_forged_form_value_is_refused_on_its_field_without_a_traceback(
        app, fake_slack, caplog, callback_id, values, metadata, field, words):
    await setup(app, fake_slack)
    await submit_register(app, "U0P02", "small", "ORG-B")
    caplog.set_level(logging.INFO)
    async with Unchanged(app, fake_slack, READ_ONLY):
        status, text = await app.send(*app.requests.view_submission("U0P01", callback_id, values,
                                                                     private_metadata=metadata))
        assert status == 200, text
        answer = json.loads(text)
        assert answer["response_action"] == "errors" and words in answer["errors"][field], answer
    no_traceback(caplog)


async def test_a_slash_command_or_a_button_value_with_nul_is_refused_without_a_traceback(app, fake_slack, caplog):
    await setup(app, fake_slack)
    caplog.set_level(logging.INFO)
    async with Unchanged(app, fake_slack, READ_ONLY) as unchanged:
        status, body = await app.slash("/training", "seats ORG\x00-A", "U0CONTACT")
        assert status == 200 and "NUL character" in json.loads(body)["text"]
        forged = json.dumps({"slug": "small\x00", "reason": "x"})
        status, _ = await app.send(*app.requests.block_action("U0STAFF", "cancel_event_confirm", forged))
        assert status == 200
        await app.settled()
    assert [r["text"] for r in unchanged.new_responses] == ["This is out of date; please run the command again."]
    no_traceback(caplog)
