"""Checkout rules over plain data (design.md, "Checkout"): steps and states, deadlines, Get Involved."""
from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from bot.common.errors import Refusal
from bot.common.mrkdwn import is_web_url

TRAINING, WELCOME, GET_INVOLVED, DEMO = "training", "welcome_session", "get_involved", "teaching_demo"
STEPS = (TRAINING, WELCOME, GET_INVOLVED, DEMO)
STEP_LABELS = {TRAINING: "Training", WELCOME: "Welcome Session", GET_INVOLVED: "Get Involved", DEMO: "Teaching Demo"}

NOT_EVALUATED, PASSED, FAILED, ASKED_TO_REPEAT = "not_evaluated", "passed", "failed", "asked_to_repeat"
STATES = (NOT_EVALUATED, PASSED, FAILED, ASKED_TO_REPEAT)
STATE_LABELS = {NOT_EVALUATED: "not evaluated", PASSED: "passed", FAILED: "failed", ASKED_TO_REPEAT: "asked to repeat"}
EVALUATIONS = (PASSED, FAILED, ASKED_TO_REPEAT)  # what an evaluator may set

KINDS = {"workshop": "Workshop instructor or helper", "community": "Community meeting",
         "github": "GitHub contribution", "other": "Other"}
NEEDS_URL = {"workshop": "Add the link to the workshop's website.",
             "github": "Add the link to your pull request, issue or commit."}
NEEDS_NOTES = {"community": "Say which meeting it was and how you took part.",
               "other": "Describe what you did."}
CARPENTRIES_GITHUB_ORGS = ("carpentries", "datacarpentry", "swcarpentry", "LibraryCarpentry",
                           "carpentries-incubator", "carpentries-lab")
ATTENDANCE = "attendance"  # evaluated_by when the training step passed from the Zoom reports
EXTENSION_CAP_MONTHS = 12
MAX_URL, MAX_NOTES = 500, 2000


@dataclass(frozen=True)
class GetInvolvedForm:
    kind: str
    url: str | None
    day: date | None
    notes: str | None


class InvalidSubmission(Refusal):
    """A Get Involved form with problems, each under its field (a modal shows them all at once)."""

    def __init__(self, errors: dict[str, str]) -> None:
        field, message = next(iter(errors.items()))
        super().__init__(message, field)
        self.errors = errors


# ---- deadlines --------------------------------------------------------------------

def add_months(moment: datetime, months: int) -> datetime:
    """The same wall-clock time `months` later; the 31st becomes the month's last day."""
    month0 = moment.month - 1 + months
    year, month = moment.year + month0 // 12, month0 % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def extension_cap(training_end: datetime, timezone_name: str) -> datetime:
    """Extensions stop one year after the training's last session (on the event's wall clock)."""
    return add_months(training_end.astimezone(ZoneInfo(timezone_name)), EXTENSION_CAP_MONTHS)


def current_deadline(base: datetime, extended_to: Iterable[datetime]) -> datetime:
    return max([base, *extended_to])


def extended(current: datetime, months: int, cap: datetime) -> datetime:
    """The deadline after an extension of `months`, cut at the cap; refused once the cap is reached."""
    if not 1 <= months <= EXTENSION_CAP_MONTHS:
        raise Refusal(f"An extension is 1 to {EXTENSION_CAP_MONTHS} months (3 if you don't say).")
    if current >= cap:
        raise Refusal(f"The deadline is already {cap:%-d %b %Y}, one year after the training: "
                      "no further extension is possible.")
    return min(add_months(current, months), cap)


def days_left(deadline: datetime, now: datetime, tz: ZoneInfo) -> int:
    """Calendar days from today to the deadline's day, in the reader's zone (negative once passed)."""
    return (deadline.astimezone(tz).date() - now.astimezone(tz).date()).days


def certified_in_time(issued_on: date | None, base_deadline: datetime, timezone_name: str) -> bool:
    """Certified within the standard period (90 days), extensions not counted."""
    return issued_on is not None and issued_on <= base_deadline.astimezone(ZoneInfo(timezone_name)).date()


# ---- Get Involved -------------------------------------------------------------------

def check_get_involved(form: GetInvolvedForm, today: date) -> GetInvolvedForm:
    """The form cleaned up (blank → None, scheme added to a bare link), or InvalidSubmission."""
    url = (form.url or "").strip() or None
    if url and "://" not in url:
        url = "https://" + url
    notes = (form.notes or "").strip() or None
    errors: dict[str, str] = {}
    if form.kind not in KINDS:
        errors["kind"] = "Choose what you did."
    if form.day is None:
        errors["date"] = "Enter the date it took place."
    elif form.day > today:
        errors["date"] = "That date is in the future: submit once it has happened."
    if url is None and form.kind in NEEDS_URL:
        errors["url"] = NEEDS_URL[form.kind]
    elif url is not None:
        problem = _url_problem(url, github=form.kind == "github")
        if problem:
            errors["url"] = problem
    if notes is None and form.kind in NEEDS_NOTES:
        errors["notes"] = NEEDS_NOTES[form.kind]
    elif notes is not None and len(notes) > MAX_NOTES:
        errors["notes"] = f"Please keep it under {MAX_NOTES} characters."
    if errors:
        raise InvalidSubmission(errors)
    return GetInvolvedForm(form.kind, url, form.day, notes)


def _url_problem(url: str, github: bool) -> str | None:
    if len(url) > MAX_URL:
        return f"That link is longer than {MAX_URL} characters."
    parts = urlsplit(url) if is_web_url(url) else None
    host = (parts.hostname or "").lower() if parts else ""
    if "." not in host:
        return "That is not a web link (it should look like https://…, without spaces, <, > or |)."
    if not github:
        return None
    owner = parts.path.strip("/").split("/")
    orgs = {org.lower() for org in CARPENTRIES_GITHUB_ORGS}
    if host not in ("github.com", "www.github.com") or len(owner) < 2 or owner[0].lower() not in orgs:
        return ("Link to a contribution to a repository of one of The Carpentries' GitHub organisations: "
                + ", ".join(f"github.com/{org}" for org in CARPENTRIES_GITHUB_ORGS) + ".")
    return None


def submission_mode(step_state: str, latest_state: str | None) -> str | None:
    """"edit" while the latest submission awaits evaluation, "new" when none is pending, None once decided.

    A new submission after an evaluated one is only possible when it was "asked to repeat".
    """
    if step_state in (PASSED, FAILED):
        return None
    return "edit" if latest_state == NOT_EVALUATED else "new"


def no_submission_reason(step_state: str) -> str:
    if step_state == PASSED:
        return "Your Get Involved step has passed: there is nothing more to submit."
    return ("Your Get Involved step was evaluated as failed, so it cannot be submitted again. "
            "Ask your trainers or staff if you think this is a mistake.")


# ---- evaluation ----------------------------------------------------------------------

def check_evaluation(step: str, state: str, notes: str | None) -> None:
    if step not in STEPS:
        raise Refusal("Choose a step.", "step")
    if state not in EVALUATIONS:
        raise Refusal("Choose passed, failed or asked to repeat.", "state")
    if state == FAILED and not (notes or "").strip():
        raise Refusal("Say why it failed: the trainee reads these notes.", "notes")


def training_state(stored: str, attendance_status: str | None) -> str:
    """A decision already recorded stands; otherwise "present" in the Zoom reports passes the training.

    A makeup or retake is left for a trainer to decide (the makeup meeting happens outside the reports).
    """
    if stored != NOT_EVALUATED:
        return stored
    return PASSED if attendance_status == "present" else NOT_EVALUATED


def all_passed(states: Mapping[str, str]) -> bool:
    return all(states.get(step) == PASSED for step in STEPS)
