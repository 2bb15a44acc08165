"""The scheduler through a whole mentoring run: channel reminders once each, at the channel hour; coordinators told."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone

from tests.e2e.test_mentoring import formed_group
from tests.outbox_helpers import reminder_outcomes, walk


async def test_a_mentoring_run_posts_each_reminder_once_and_tells_the_coordinator(app, fake_slack, clock):
    channel = await formed_group(app, fake_slack)
    group = await app.services.mentoring.group_for("U0MENTOR")
    assert group.channel_id == channel
    await walk(app.services, clock, datetime(2026, 11, 24, 0, 0, tzinfo=timezone.utc),
               datetime(2027, 2, 15, tzinfo=timezone.utc))
    sent = [r for r in await reminder_outcomes(app.services) if r.status == "sent"]
    in_channel = Counter(r.kind for r in sent if r.recipient == channel)
    assert in_channel == {"mentoring_midway": 1, "mentoring_showcase_14d": 1, "mentoring_showcase_7d": 1,
                          "mentoring_showcase_1d": 1, "mentoring_end": 1}
    for r in sent:
        if r.recipient == channel:
            assert r.sent_at >= r.due_at and r.due_at.hour == app.services.settings.channel_reminder_hour
    texts = [m["text"] for m in fake_slack.delivered if m["channel"] == channel]
    assert any("half way" in t and "mid-way survey" in t for t in texts)
    assert any("showcase is tomorrow" in t for t in texts)
    coordinator = [r for r in sent if r.recipient == "U0COORD"]
    assert {r.kind for r in coordinator} == {"coordinator_slide", "coordinator_survey"}
    told = fake_slack.dms_to("U0COORD")
    assert len(told) == 2 and all("/mentoring admin" in text for text in told)
    by_channel = Counter((m["channel"], m["text"]) for m in fake_slack.delivered)
    assert max(by_channel.values()) == 1
