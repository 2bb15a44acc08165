"""The .ics files the fake Slack received, parsed back with icalendar."""
from __future__ import annotations

import json
from dataclasses import dataclass

from icalendar import Calendar


@dataclass(frozen=True)
class Sent:
    calendar: Calendar
    comment: str

    @property
    def method(self) -> str:
        return str(self.calendar["METHOD"])

    @property
    def uids(self) -> list[str]:
        return [str(e["UID"]) for e in self.calendar.events]

    @property
    def sequences(self) -> set[int]:
        return {e.sequence for e in self.calendar.events}

    @property
    def statuses(self) -> set[str | None]:
        return {e.get("STATUS") and str(e["STATUS"]) for e in self.calendar.events}


def calendars_to(fake_slack, user: str) -> list[Sent]:
    """Every .ics uploaded to the user's DM, oldest first."""
    out = []
    for call in fake_slack.calls_to("files.completeUploadExternal"):
        if call.args["channel_id"] != "D" + user:
            continue
        files = call.args["files"]
        for file in json.loads(files) if isinstance(files, str) else files:
            out.append(Sent(Calendar.from_ical(fake_slack.uploads[file["id"]]), call.args.get("initial_comment") or ""))
    return out
