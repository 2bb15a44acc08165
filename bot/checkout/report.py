"""The checkout report (CLI): per trainee and per event, as JSON or CSV."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime

from bot.checkout import rules
from bot.checkout.data import ExtensionView
from bot.common.plural import counted
from bot.zoom.reports import neutralise_cell


@dataclass(frozen=True)
class ReportLine:
    event_slug: str
    name: str
    email: str | None
    states: dict[str, str]
    base_deadline: datetime
    deadline: datetime
    extensions: tuple[ExtensionView, ...]
    certificate_code: str | None
    certified_on: date | None
    certified_in_time: bool


@dataclass(frozen=True)
class EventFigures:
    slug: str
    title: str
    trainees: int
    certified: int
    certified_in_time: int
    extended: int
    lapsed: int  # deadline passed without a certificate


@dataclass(frozen=True)
class CheckoutReport:
    lines: list[ReportLine]
    events: list[EventFigures]


def figures(slug: str, title: str, lines: list[ReportLine], now: datetime) -> EventFigures:
    return EventFigures(slug, title, trainees=len(lines), certified=sum(x.certificate_code is not None for x in lines),
                        certified_in_time=sum(x.certified_in_time for x in lines),
                        extended=sum(bool(x.extensions) for x in lines),
                        lapsed=sum(x.certificate_code is None and x.deadline < now for x in lines))


def report_json(report: CheckoutReport) -> dict:
    return {
        "trainees": [{
            "event": x.event_slug, "name": x.name, "email": x.email, "steps": x.states,
            "base_deadline": x.base_deadline.date().isoformat(), "deadline": x.deadline.date().isoformat(),
            "extensions": [{"granted_at": e.granted_at.isoformat(), "months": e.months,
                            "new_deadline": e.new_deadline.isoformat(), "granted_by": e.granted_by}
                           for e in x.extensions],
            "certified": x.certificate_code is not None, "certificate_code": x.certificate_code,
            "certified_on": x.certified_on.isoformat() if x.certified_on else None,
            "certified_within_90_days": x.certified_in_time} for x in report.lines],
        "events": [{"event": e.slug, "title": e.title, "trainees": e.trainees, "certified": e.certified,
                    "certified_within_90_days": e.certified_in_time, "extended": e.extended, "lapsed": e.lapsed}
                   for e in report.events],
    }


def report_csv(report: CheckoutReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["event", "name", "email", *rules.STEPS, "deadline", "extensions", "certified",
                     "certificate_code", "certified_on", "certified_within_90_days"])
    for x in report.lines:
        extensions = "; ".join(f"{e.granted_at.date().isoformat()} +{e.months} months by {e.granted_by}"
                               for e in x.extensions)
        writer.writerow([neutralise_cell(str(cell)) for cell in (
            x.event_slug, x.name, x.email or "", *(x.states[step] for step in rules.STEPS),
            x.deadline.date().isoformat(), extensions, "yes" if x.certificate_code else "no",
            x.certificate_code or "", x.certified_on.isoformat() if x.certified_on else "",
            "yes" if x.certified_in_time else "no")])
    return out.getvalue()


def figures_lines(report: CheckoutReport) -> list[str]:
    return [f"{e.slug}: {counted(e.trainees, 'trainee')}, {e.certified} certified "
            f"({e.certified_in_time} within 90 days), {e.extended} extended, {e.lapsed} past the deadline "
            "without a certificate" for e in report.events]
