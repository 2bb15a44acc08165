"""The attendance report as JSON (the public contract), CSV, AMY's training-progress CSV, and a text table."""
from __future__ import annotations

import csv
import io

from bot.attendance.compute import minutes
from bot.attendance.service import Report
from bot.zoom.reports import neutralise_cell

AMY_STATES = {"present": "Passed", "makeup": "Asked to repeat", "retake": "Failed"}


def to_json(report: Report) -> dict:
    """The contract's keys; a result that is not final adds "partial": true and its "reason"."""
    document = {
        "event": report.slug,
        "scheduled_minutes": minutes(report.scheduled),
        "threshold_minutes": minutes(report.threshold),
        "trainees": [{
            "name": t.name, "email": t.email, "attended_minutes": minutes(t.attended),
            "missed_minutes": minutes(t.missed), "absent": t.absent, "status": t.status,
            "sessions": [{"start": w.start.isoformat(), "attended_minutes": minutes(sec)}
                         for w, sec in zip(report.windows, t.sessions)],
        } for t in report.trainees],
        "unmatched": [{"name": u.name, "email": u.email, "minutes": minutes(u.attended)} for u in report.unmatched],
    }
    if report.partial_reason:
        document.update(partial=True, reason=report.partial_reason)
    return document


def _csv(header: list[str], rows: list[list]) -> str:
    """CSV whose text cells cannot run as spreadsheet formulas."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([[neutralise_cell(c) if isinstance(c, str) else c for c in row] for row in rows])
    return out.getvalue()


def to_csv(report: Report) -> str:
    sessions = [f"session {i} ({w.start:%Y-%m-%d %H:%M} UTC)" for i, w in enumerate(report.windows, 1)]
    rows = [[t.name, t.email, minutes(t.attended), minutes(t.missed), "yes" if t.absent else "no", t.status,
             *[minutes(sec) for sec in t.sessions]] for t in report.trainees]
    rows += [[u.name, u.email, minutes(u.attended), "", "", "unmatched", *[""] * len(sessions)]
             for u in report.unmatched]
    return _csv(["name", "email", "attended_minutes", "missed_minutes", "absent", "status", *sessions], rows)


def to_amy(report: Report) -> str:
    """One row per trainee for AMY's training progress: requirement Training, state passed/asked to repeat/failed."""
    rows = [[t.name, t.email, report.slug, "Training", AMY_STATES[t.status],
             f"missed {minutes(t.missed)} of {minutes(report.scheduled)} scheduled minutes (Zoom report)"]
            for t in report.trainees]
    return _csv(["trainee", "email", "event", "requirement", "state", "notes"], rows)


def to_table(report: Report) -> str:
    width = max([len(t.name) for t in report.trainees] + [7])
    lines = [f"PARTIAL, not final: {report.partial_reason}"] if report.partial_reason else []
    lines += [f"{report.slug}: {minutes(report.scheduled)} scheduled minutes, absent above "
              f"{minutes(report.threshold)} missed" + (" (so far)" if report.in_progress else ""),
              f"{'trainee':<{width}}  attended  missed  status"]
    for t in report.trainees:
        lines.append(f"{t.name:<{width}}  {minutes(t.attended):>8}  {minutes(t.missed):>6}  {t.status}")
    for u in report.unmatched:
        lines.append(f"unmatched: {u.name} <{u.email or 'no email'}> {minutes(u.attended)} min")
    return "\n".join(lines)
