"""Plain data the checkout service hands to handlers, the App Home and the scheduler."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.checkout import rules

INSTRUCTOR = "instructor"
CERTIFICATE_KINDS = {INSTRUCTOR: "Carpentries Instructor", "mentor": "Mentoring: mentor",
                     "mentee": "Mentoring: mentee"}


@dataclass(frozen=True)
class StepView:
    step: str
    state: str
    notes: str | None
    evaluated_by: str | None
    evaluated_at: datetime | None

    @property
    def label(self) -> str:
        return rules.STEP_LABELS[self.step]


@dataclass(frozen=True)
class SubmissionView:
    id: int
    registration_id: int
    trainee: str
    trainee_user_id: str | None
    event_slug: str
    kind: str
    url: str | None
    day: date
    notes: str | None
    state: str
    evaluated_by: str | None
    edited: bool


@dataclass(frozen=True)
class ExtensionView:
    granted_at: datetime
    months: int
    new_deadline: datetime
    granted_by: str


@dataclass(frozen=True)
class CertificateView:
    code: str
    kind: str
    name: str
    issued_on: date
    what: str  # the event (or mentoring group) it was earned at

    @property
    def kind_label(self) -> str:
        return CERTIFICATE_KINDS.get(self.kind, self.kind)


@dataclass(frozen=True)
class CheckoutSummary:
    """Where one trainee stands; `steps` is empty until their event has ended."""

    registration_id: int
    name: str
    user_id: str | None
    event_slug: str
    event_title: str
    training_end: datetime
    base_deadline: datetime
    deadline: datetime
    steps: tuple[StepView, ...]
    extensions: tuple[ExtensionView, ...]
    submission: SubmissionView | None
    submission_mode: str | None  # "new" | "edit" | None (Get Involved decided)
    certificate: CertificateView | None

    @property
    def started(self) -> bool:
        return bool(self.steps)

    def state_of(self, step: str) -> str:
        return next((s.state for s in self.steps if s.step == step), rules.NOT_EVALUATED)


@dataclass(frozen=True)
class CheckoutDeadline:
    """A checkout deadline (extensions included) for the scheduler's nudges."""

    user_id: str
    registration_id: int
    event_title: str
    deadline: datetime
    complete: bool
    tz: str | None  # the trainee's time zone


@dataclass(frozen=True)
class Evaluated:
    summary: CheckoutSummary
    step: str
    state: str
    certified: bool  # the evaluation completed the checkout


@dataclass(frozen=True)
class Marked:
    step: str
    marked: list[str]
    already: list[str]
    unmatched: list[tuple[str, str]]  # (what was given, why it did not match)


@dataclass(frozen=True)
class Extended:
    name: str
    months: int
    deadline: datetime
    capped: bool
