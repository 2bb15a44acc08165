"""Block Kit for checkout: the trainee's steps, the Get Involved and evaluation modals, the staff-channel post."""
from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    DatePickerElement,
    HeaderBlock,
    InputBlock,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.checkout import rules
from bot.checkout.data import CheckoutSummary, Extended, Marked, SubmissionView
from bot.checkout.service import describe_submission
from bot.common import timefmt
from bot.common.mrkdwn import escape, link, split
from handlers.blocks import buttons, context, render, text_section, text_sections

ICONS = {rules.PASSED: ":white_check_mark:", rules.FAILED: ":x:", rules.ASKED_TO_REPEAT: ":repeat:",
         rules.NOT_EVALUATED: ":white_circle:"}
URL_HINT = "Workshop: its website. GitHub: your pull request or issue in a Carpentries organisation's repository."
NOTES_HINT = "Community meeting: which one and how you took part. Other: what you did."


def days_left_text(days: int, staff_email: str) -> str:
    if days > 1:
        return f"{days} days left"
    if days == 1:
        return "1 day left"
    if days == 0:
        return "due today"
    return f"passed {-days} days ago: ask staff ({staff_email}) about an extension"


def steps_text(summary: CheckoutSummary) -> str:
    lines = []
    for step in summary.steps:
        line = f"{ICONS[step.state]} *{step.label}* — {rules.STATE_LABELS[step.state]}"
        if step.notes:
            line += f"\n      _{escape(step.notes[:300])}_"
        lines.append(line)
    return "\n".join(lines)


def submission_text(sub: SubmissionView) -> str:
    awaiting = " (awaiting evaluation; you can still edit it)" if sub.state == rules.NOT_EVALUATED else ""
    text = f"Your Get Involved: {rules.KINDS.get(sub.kind, sub.kind)} on {sub.day:%-d %b %Y}{awaiting}"
    return text + (f"\n{link(sub.url)}" if sub.url else "")


def checkout_blocks(summary: CheckoutSummary | None, tz: ZoneInfo, now: datetime, staff_email: str) -> list[dict]:
    if summary is None:
        return render([text_section("You have no Instructor Training registration. `/training calendar` shows "
                                    "the upcoming events.")])
    blocks = [HeaderBlock(text="Your checkout"),
              text_section(f"*{escape(summary.event_title)}* `{summary.event_slug}`, last session "
                           f"{timefmt.day(summary.training_end, tz)}")]
    if not summary.started:
        blocks.append(text_section("Your checkout starts once the training has ended: then you complete a "
                                   "Welcome Session, Get Involved and a Teaching Demo before the deadline, "
                                   f"{timefmt.day(summary.deadline, tz)}."))
        return render(blocks)
    if summary.certificate:
        cert = summary.certificate
        blocks += [text_section(f":tada: *Certified* on {cert.issued_on:%-d %b %Y} · verification code "
                                f"`{cert.code}`"),
                   text_section(steps_text(summary)),
                   buttons(("Send my certificate again", "checkout_certificate_send", cert.code))]
        return render(blocks)
    extended = f" (extended {len(summary.extensions)}×)" if summary.extensions else ""
    days = rules.days_left(summary.deadline, now, tz)
    blocks += [text_section(f"*Deadline:* {timefmt.day(summary.deadline, tz)}{extended} — "
                            f"{days_left_text(days, staff_email)}"),
               text_section(steps_text(summary))]
    if summary.submission:
        blocks.append(context(submission_text(summary.submission)))
    label = {"new": "Submit Get Involved", "edit": "Edit my Get Involved"}.get(summary.submission_mode or "")
    if label:
        blocks.append(buttons((label, "checkout_get_involved_open", str(summary.registration_id))))
    return render(blocks)


def _option(value: str, label: str) -> Option:
    return Option(value=value, label=label)


def _select(options: dict[str, str], chosen: str | None, placeholder: str) -> StaticSelectElement:
    opts = [_option(value, label) for value, label in options.items()]
    return StaticSelectElement(action_id="value", placeholder=placeholder, options=opts,
                               initial_option=next((o for o in opts if o.value == chosen), None))


def get_involved_modal(summary: CheckoutSummary, today: date) -> dict:
    editing = summary.submission_mode == "edit" and summary.submission is not None
    sub = summary.submission if editing else None
    intro = ("Edit your submission: you can change it until it is evaluated." if editing else
             "Tell us how you got involved in The Carpentries community; a trainer or staff member evaluates it.")
    blocks = [
        text_section(intro),
        InputBlock(block_id="kind", label="What did you do?",
                   element=_select(rules.KINDS, sub.kind if sub else None, "Choose one")),
        InputBlock(block_id="date", label="Date", hint="When it took place.", element=DatePickerElement(
            action_id="value", initial_date=(sub.day if sub else today).isoformat())),
        InputBlock(block_id="url", label="Link", optional=True, hint=URL_HINT, element=PlainTextInputElement(
            action_id="value", initial_value=(sub.url if sub else None) or None, max_length=rules.MAX_URL)),
        InputBlock(block_id="notes", label="Notes", optional=True, hint=NOTES_HINT, element=PlainTextInputElement(
            action_id="value", multiline=True, initial_value=(sub.notes if sub else None) or None,
            max_length=rules.MAX_NOTES)),
    ]
    return View(type="modal", callback_id="checkout_get_involved_submit", title="Get Involved",
                submit="Save" if editing else "Submit", close="Cancel", blocks=blocks,
                private_metadata=json.dumps({"registration": summary.registration_id})).to_dict()


def submitted_view(sub: SubmissionView) -> dict:
    what = "updated" if sub.edited else "submitted"
    text = (f":white_check_mark: Your Get Involved is {what}: {rules.KINDS.get(sub.kind, sub.kind)} on "
            f"{sub.day:%-d %b %Y}. You can edit it until it is evaluated; you'll hear the result by DM.")
    return View(type="modal", title="Get Involved", close="Done", blocks=[text_section(text)]).to_dict()


def staff_submission_blocks(sub: SubmissionView) -> list[dict]:
    blocks = text_sections(describe_submission(sub))
    if sub.state == rules.NOT_EVALUATED:
        blocks.append(buttons(("Evaluate", "checkout_evaluate_open", str(sub.registration_id))))
    else:
        who = f" by <@{sub.evaluated_by}>" if sub.evaluated_by else ""
        blocks.append(context(f"{ICONS[sub.state]} *{rules.STATE_LABELS[sub.state].capitalize()}*{who}"))
    return render(blocks)


def evaluate_modal(summary: CheckoutSummary, tz: ZoneInfo, step: str | None = None) -> dict:
    about = (f"*{escape(summary.name)}*" + (f" (<@{summary.user_id}>)" if summary.user_id else "")
             + f" · `{summary.event_slug}` · deadline {timefmt.day(summary.deadline, tz)}\n{steps_text(summary)}")
    blocks = [text_section(about)]
    if summary.submission:
        blocks += [context(piece) for piece in split(describe_submission(summary.submission))]
    if summary.certificate:
        blocks.append(context(f"Certified on {summary.certificate.issued_on:%-d %b %Y} "
                              f"(`{summary.certificate.code}`): the steps can no longer change."))
    blocks += [
        InputBlock(block_id="step", label="Step", element=_select(rules.STEP_LABELS, step, "Choose a step")),
        InputBlock(block_id="state", label="Decision", element=_select(
            {s: rules.STATE_LABELS[s] for s in rules.EVALUATIONS}, None, "Choose")),
        InputBlock(block_id="notes", label="Notes", optional=True, hint="Required when it failed; the trainee "
                   "reads them.", element=PlainTextInputElement(action_id="value", multiline=True, max_length=2000)),
    ]
    return View(type="modal", callback_id="checkout_evaluate_submit", title="Evaluate checkout", submit="Save",
                close="Cancel", blocks=blocks,
                private_metadata=json.dumps({"registration": summary.registration_id})).to_dict()


def evaluated_view(name: str, step: str, state: str, certified: bool) -> dict:
    text = (f"{ICONS[state]} *{rules.STEP_LABELS[step]}* of {escape(name)} is now *{rules.STATE_LABELS[state]}*; "
            "they are told by DM." + (" Every step has passed: their certificate is on its way." if certified else ""))
    return View(type="modal", title="Evaluate checkout", close="Done", blocks=[text_section(text)]).to_dict()


def mark_text(result: Marked, not_understood: list[str]) -> str:
    label = rules.STEP_LABELS[result.step]
    lines = [f"*{label}* marked passed for {len(result.marked)}: " + (escape(", ".join(result.marked)) or "nobody") + "."]
    if result.already:
        lines.append(f"Already passed: {escape(', '.join(result.already))}.")
    problems = [f"• {escape(given)}: {escape(why)}" for given, why in result.unmatched]
    problems += [f"• `{escape(token)}`: not an email or an @mention" for token in not_understood]
    if problems:
        lines.append("*Could not be marked:*\n" + "\n".join(problems))
    return "\n".join(lines)


def extended_text(result: Extended, tz: ZoneInfo) -> str:
    capped = ", the most possible: one year after the training" if result.capped else ""
    return (f"{escape(result.name)}'s checkout deadline is now *{timefmt.day(result.deadline, tz)}* "
            f"(+{result.months} months{capped}). They were told by DM.")
