"""Block Kit for /attendance: the summary, one trainee's sessions, and the match-a-participant modal."""
from __future__ import annotations

import json
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ButtonElement,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.attendance.compute import minutes
from bot.attendance.service import Report, TraineeLine
from bot.common import timefmt
from bot.common.mrkdwn import cut, escape
from handlers.blocks import MAX_MESSAGE_BLOCKS, built_once, context, render, text_section

MAX_MATCH_BUTTONS = 20


def _line(t: TraineeLine) -> str:
    mark = ":x: *absent*" if t.absent else (":warning: at risk" if t.at_risk else ":white_check_mark:")
    return f"{mark} {escape(t.name)}: {minutes(t.attended)} min attended, {minutes(t.missed)} missed ({t.status})"


def _chunks(lines: list[str], limit: int = 2900) -> list[str]:
    chunks, current = [], ""
    for line in lines:
        if current and len(current) + len(line) + 1 > limit:
            chunks.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    return chunks + ([current] if current else [])


@built_once  # a trainer asks again and again while nothing changes; a new import or minute makes a new Report
def summary_blocks(report: Report) -> list[dict]:
    absent = [t for t in report.trainees if t.absent]
    risk = [t for t in report.trainees if t.at_risk]
    so_far = " so far" if report.in_progress else ""
    blocks = [HeaderBlock(text=f"Attendance: {report.slug}"[:150]),
              context(f"{minutes(report.scheduled)} scheduled minutes{so_far}; absent above "
                      f"{minutes(report.threshold)} missed. {len(absent)} absent, {len(risk)} at risk, "
                      f"{len(report.unmatched)} unmatched.")]
    ordered = sorted(report.trainees, key=lambda t: (not t.absent, not t.at_risk, t.name))
    chunks = _chunks([_line(t) for t in ordered]) or ["No trainees are registered."]
    blocks += [text_section(c) for c in chunks[:MAX_MESSAGE_BLOCKS - 5 - MAX_MATCH_BUTTONS]]
    if report.unmatched:
        blocks.append(text_section("*Unmatched participants* (guests, devices, other names): match each to a trainee "
                                   "and the numbers update."))
        for u in report.unmatched[:MAX_MATCH_BUTTONS]:
            value = json.dumps({"event": report.slug, "name": u.name})[:2000]
            blocks.append(SectionBlock(
                text=MarkdownTextObject(text=cut(f"{escape(u.name)} &lt;{escape(u.email or 'no email')}&gt;: "
                                                 f"{minutes(u.attended)} min")),
                accessory=ButtonElement(text="Match…", action_id="attendance_match", value=value)))
        if len(report.unmatched) > MAX_MATCH_BUTTONS:
            blocks.append(context(f"…and {len(report.unmatched) - MAX_MATCH_BUTTONS} more: "
                                  f"`/attendance {report.slug} csv` lists everyone."))
    return render(blocks)


def trainee_blocks(report: Report, t: TraineeLine, tz: ZoneInfo) -> list[dict]:
    lines = [f"• {timefmt.span(w.start, w.end, tz)}: {minutes(sec)} of {minutes(int((w.end - w.start).total_seconds()))} min"
             for w, sec in zip(report.windows, t.sessions)]
    return render([text_section(f"*{escape(t.name)}* at `{report.slug}`\n" + "\n".join(lines)),
                   context(_line(t))])


def match_modal(report: Report, participant: str) -> dict:
    options = [Option(value=str(t.person_id), label=f"{t.name} <{t.email}>"[:75]) for t in report.trainees[:100]]
    return View(type="modal", callback_id="attendance_match_submit", title="Match participant", submit="Match",
                close="Cancel", private_metadata=json.dumps({"event": report.slug, "name": participant})[:3000],
                blocks=[text_section(f"Who is *{escape(participant)}* in `{report.slug}`? The match is remembered for this "
                                     "event."),
                        InputBlock(block_id="trainee", label="Trainee", element=StaticSelectElement(
                            action_id="value", placeholder="Choose a trainee", options=options))]).to_dict()


def matched_view(report: Report, trainee: TraineeLine) -> dict:
    return View(type="modal", title="Matched", close="Done",
                blocks=trainee_blocks(report, trainee, timefmt.zone(None))).to_dict()
