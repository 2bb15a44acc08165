"""Checkout after the training: steps, Get Involved, evaluations, extensions, certificates (design.md, "Checkout").

Each trainee's checkout belongs to their latest active registration for an event that has ended. Writes lock
that registration's row, so two evaluations finishing the last two steps at once still issue one certificate.
DMs, staff-board posts and the certificate upload are written to the outbox in the same transaction.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.attendance.service import AttendanceService
from bot.certificates.codes import new_verification_code
from bot.certificates.unprintable import MissingGlyphs, listed, staff_notice
from bot.checkout import rules
from bot.checkout.data import (
    INSTRUCTOR,
    CertificateView,
    CheckoutDeadline,
    CheckoutSummary,
    Evaluated,
    Extended,
    ExtensionView,
    Marked,
    StepView,
    SubmissionView,
)
from bot.checkout.report import CheckoutReport, ReportLine, figures
from bot.common import people, roles, timefmt
from bot.common.errors import InputError, NotAllowed, Refusal
from bot.common.mrkdwn import escape, link, quote
from bot.config import Settings
from bot.registration import queries as q
from bot.slack.board import StaffBoard
from bot.slack.gateway import SlackGateway
from bot.slack.outbox import Message, Outbox, dm, to_staff
from bot.training_calendar import events as calendar
from storage.checkout_models import Certificate, CheckoutExtension, CheckoutStep, GetInvolvedSubmission
from storage.db import Database
from storage.models import ACTIVE, Event, EventSession, Person, Registration

CODE_SHAPE = re.compile(r"^TB-?([A-Z0-9]{4})-?([A-Z0-9]{4})$")
NOT_EVALUATOR = "Only the event's trainers and Carpentries staff can see or evaluate a trainee's checkout."
NOT_YOUR_TRAINEE = "not a trainee of an event you train (only its trainers and staff pass its training step)"
MARK_STEPS = {"welcome": rules.WELCOME, "demo": rules.DEMO, "training": rules.TRAINING}


@dataclass(frozen=True)
class _Located:
    registration_id: int
    event_id: int
    person_id: int
    slug: str
    ended: bool
    needs_attendance: bool


class CheckoutService:
    """`render` draws a Get Involved submission's staff-board message (Block Kit, from handlers); `gateway` gives
    Slack profiles (a roster record is linked by the email a Slack profile shows)."""

    def __init__(self, db: Database, settings: Settings, clock: Callable[[], datetime], outbox: Outbox,
                 board: StaffBoard, render: Callable[[SubmissionView], list[dict]], attendance: AttendanceService,
                 gateway: SlackGateway) -> None:
        self.db, self.settings, self.clock, self.outbox = db, settings, clock, outbox
        self.board, self.render, self.attendance, self.gateway = board, render, attendance, gateway

    # ---- the trainee -------------------------------------------------------------------
    async def summary_for(self, user_id: str) -> CheckoutSummary | None:
        """The trainee's checkout (None without a registration); may issue and send the certificate."""
        person_id = await self._resolve(user_id)
        located = await self._locate_person(person_id) if person_id else None
        if located is None:
            return None
        statuses = await self._attendance([located])
        async with self.db.transaction() as s:
            reg = await self._lock(s, located.registration_id)
            return await self._settle(s, reg, statuses)

    async def get_involved_form(self, user_id: str) -> CheckoutSummary:
        """The summary to prefill the Get Involved modal, refused when nothing can be submitted."""
        summary = await self.summary_for(user_id)
        if summary is None:
            raise Refusal("You have no Instructor Training registration. `/training calendar` shows the events.")
        if not summary.started:
            raise Refusal(f"Your checkout starts once {escape(summary.event_title)} has ended.")
        if summary.submission_mode is None:
            raise Refusal(rules.no_submission_reason(summary.state_of(rules.GET_INVOLVED)))
        return summary

    async def submit_get_involved(self, user_id: str, registration_id: int, form: rules.GetInvolvedForm
                                  ) -> SubmissionView:
        """A new submission, or an edit of the pending one; InvalidSubmission/Refusal name the field."""
        now = self.clock()
        person_id = await self._resolve(user_id)
        async with self.db.transaction() as s:
            reg = await self._lock(s, registration_id)
            if reg is None or reg.person_id != person_id or reg.status != ACTIVE:
                raise Refusal("This form is not for your registration; run `/training checkout` again.", "kind")
            if q.last_end(reg.event) > now:
                raise Refusal("Your checkout starts once the training has ended.", "kind")
            form = rules.check_get_involved(form, now.astimezone(timefmt.zone(reg.person.timezone)).date())
            step = (await self._ensure_steps(s, reg.id))[rules.GET_INVOLVED]
            latest = await self._latest_submission(s, reg.id)
            mode = rules.submission_mode(step.state, latest.state if latest else None)
            if mode is None:
                raise Refusal(rules.no_submission_reason(step.state), "kind")
            if mode == "new":
                latest = GetInvolvedSubmission(registration_id=reg.id, state=rules.NOT_EVALUATED, submitted_at=now)
                s.add(latest)
                step.state, step.notes, step.evaluated_by, step.evaluated_at = rules.NOT_EVALUATED, None, None, None
            latest.kind, latest.url, latest.activity_date, latest.notes = form.kind, form.url, form.day, form.notes
            latest.updated_at = now
            await s.flush()
            view = self._submission_view(latest, reg, step)
            self._show(s, view)
            return view

    def _show(self, s: AsyncSession, sub: SubmissionView) -> None:
        """A Get Involved submission on the staff board (posted once, then edited as it is evaluated)."""
        self.board.show(s, f"get_involved:{sub.id}", describe_submission(sub), self.render(sub))

    async def send_certificate(self, user_id: str) -> CertificateView:
        """Send the trainee's certificate again (the same code), e.g. when the first DM went missing."""
        person_id = await self._resolve(user_id)
        async with self.db.transaction() as s:
            cert = await s.scalar(select(Certificate).where(Certificate.person_id == person_id,
                                                            Certificate.kind == INSTRUCTOR)
                                  .order_by(Certificate.id.desc()).limit(1)) if person_id else None
            view = await self._certificate_view(s, cert) if cert else None
            if view is None:
                raise Refusal("You have no certificate yet: `/training checkout` shows the steps left.")
            try:
                self.outbox.add(s, _certificate_message(user_id, view))
            except MissingGlyphs as exc:
                raise Refusal(f"Your certificate cannot be printed: no font here has {escape(listed(exc.characters))}"
                              ". Ask staff to make it by hand.") from None
        return view

    # ---- trainers and staff --------------------------------------------------------------
    async def evaluation_form(self, actor: str, trainee_user_id: str) -> CheckoutSummary:
        """Only staff learn whether someone is registered; anyone else is refused alike unless they train them."""
        person_id = await self._resolve(trainee_user_id)
        located = await self._locate_person(person_id) if person_id else None
        await self._require_evaluator_of(actor, located.registration_id if located else None)
        if located is None:
            raise Refusal(f"<@{trainee_user_id}> has no Instructor Training registration.")
        if not located.ended:
            raise Refusal(f"<@{trainee_user_id}>'s training (`{located.slug}`) has not ended: checkout starts after it.")
        return await self.evaluation_summary(actor, located.registration_id)

    async def evaluation_summary(self, actor: str, registration_id: int) -> CheckoutSummary:
        """The trainee's checkout for an evaluator (trainers of their event and staff)."""
        await self._require_evaluator_of(actor, registration_id)
        located = await self._locate_registration(registration_id)
        statuses = await self._attendance([located])
        async with self.db.transaction() as s:
            reg = await self._lock(s, registration_id)
            await self._require_evaluator(s, actor, reg)
            return await self._settle(s, reg, statuses)

    async def evaluate(self, actor: str, registration_id: int, step: str, state: str, notes: str | None) -> Evaluated:
        rules.check_evaluation(step, state, notes)
        notes = (notes or "").strip() or None
        await self._require_evaluator_of(actor, registration_id)
        located = await self._locate_registration(registration_id)
        statuses = await self._attendance([located])
        async with self.db.transaction() as s:
            reg = await self._lock(s, registration_id)
            await self._require_evaluator(s, actor, reg)
            await self._require_open(s, reg)
            row = (await self._ensure_steps(s, reg.id))[step]
            self._record(row, state, notes, actor)
            if step == rules.GET_INVOLVED:
                latest = await self._latest_submission(s, reg.id)
                if latest is not None:
                    latest.state = state
            self._tell(s, reg, _evaluation_text(step, state, notes, actor, reg.event.title))
            summary = await self._settle(s, reg, statuses)
            if step == rules.GET_INVOLVED and summary.submission is not None:
                self._show(s, summary.submission)
        return Evaluated(summary, step, state, summary.certificate is not None)

    async def mark(self, actor: str, which: str, people_given: list[str]) -> Marked:
        """Pass one step (welcome, demo or training) for many trainees at once: the attendees of one session.

        Sessions are hosted by any trainer for trainees of any event, so any trainer (or staff) may mark the
        welcome and demo steps; the training step only for the trainees of their own events (anyone else is
        answered alike, whether registered or not).
        """
        step = MARK_STEPS.get(which.lower())
        if step is None:
            raise Refusal("Say which step: `welcome`, `demo` or `training`.")
        if not people_given:
            raise Refusal("List the attendees: emails or @mentions.")
        async with self.db.read() as s:
            staff, trains = await roles.is_staff(s, actor), await roles.scopes_of(s, actor, roles.TRAINER)
        if not (staff or trains):
            raise NotAllowed("Only trainers and Carpentries staff can mark checkout steps.")
        own_only = step == rules.TRAINING and not staff
        found: dict[int, tuple[str, _Located]] = {}
        unmatched: list[tuple[str, str]] = []
        for given in dict.fromkeys(people_given):
            located, why = await self._locate_given(given)
            if own_only and (located is None or roles.event_scope(located.event_id) not in trains):
                unmatched.append((given, NOT_YOUR_TRAINEE))
            elif located is None:
                unmatched.append((given, why))
            else:
                found.setdefault(located.registration_id, (given, located))
        statuses = await self._attendance([located for _, located in found.values()])
        marked, already = [], []
        async with self.db.transaction() as s:
            for reg_id, (given, _) in sorted(found.items()):  # one locking order: no deadlock between two marks
                reg = await self._lock(s, reg_id)
                if await self._certificate(s, reg.id):
                    unmatched.append((given, f"{reg.person.name} is already certified"))
                    continue
                row = (await self._ensure_steps(s, reg.id))[step]
                if row.state == rules.PASSED:
                    already.append(reg.person.name)
                    continue
                self._record(row, rules.PASSED, None, actor)
                marked.append(reg.person.name)
                self._tell(s, reg, _evaluation_text(step, rules.PASSED, None, actor, reg.event.title))
                await self._settle(s, reg, statuses)
        return Marked(step, marked, already, unmatched)

    async def extend(self, actor: str, trainee_user_id: str, months: int = 3) -> Extended:
        """Staff extend a checkout deadline; each extension is kept, and none goes past one year after the training."""
        async with self.db.transaction() as s:
            await roles.require_staff(s, actor, "extend checkout deadlines")
        person_id = await self._resolve(trainee_user_id)
        located = await self._locate_person(person_id) if person_id else None
        if located is None or not located.ended:
            raise Refusal(f"<@{trainee_user_id}> has no finished training to extend the checkout of.")
        async with self.db.transaction() as s:
            reg = await self._lock(s, located.registration_id)
            await self._require_open(s, reg)
            extensions = await self._extensions(s, reg.id)
            _, current = self._deadlines(reg, extensions)
            cap = rules.extension_cap(q.last_end(reg.event), reg.event.timezone)
            new = rules.extended(current, months, cap)
            s.add(CheckoutExtension(registration_id=reg.id, granted_at=self.clock(), months=months,
                                    new_deadline=new, granted_by=actor))
            tz = timefmt.zone(reg.person.timezone)
            self._tell(s, reg,
                       f":calendar: Your checkout deadline for *{escape(reg.event.title)}* is extended by {months} months "
                       f"(granted by <@{actor}>): it is now *{timefmt.day(new, tz)}*. "
                       "`/training checkout` shows your steps.")
        return Extended(reg.person.name, months, new, new == cap)

    def _tell(self, s: AsyncSession, reg: Registration, text: str) -> None:
        if reg.person.slack_user_id:
            self.outbox.add(s, dm(reg.person.slack_user_id, text, origin="checkout"))

    # ---- for the CLI, the scheduler and the App Home ---------------------------------------------
    async def verify(self, code: str) -> CertificateView | None:
        match = CODE_SHAPE.match(code.strip().upper())
        if match is None:
            return None
        async with self.db.transaction() as s:
            cert = await s.scalar(select(Certificate).where(Certificate.code == f"TB-{match[1]}-{match[2]}"))
            return await self._certificate_view(s, cert) if cert else None

    async def checkout_deadlines(self) -> list[CheckoutDeadline]:
        """Every checkout of a trainee in Slack whose deadline could still lie ahead (events ended in the last
        year and a bit); "complete" once certified or every step has passed."""
        now = self.clock()
        async with self.db.transaction() as s:
            regs = await self._ended_registrations(s, now - timedelta(days=400), now, None)
            ids = [r.id for r in regs]
            certified = set(await s.scalars(select(Certificate.registration_id).where(
                Certificate.registration_id.in_(ids))))
            passed = dict((await s.execute(select(CheckoutStep.registration_id, func.count()).where(
                CheckoutStep.registration_id.in_(ids), CheckoutStep.state == rules.PASSED)
                .group_by(CheckoutStep.registration_id))).all())
            extended = dict((await s.execute(select(CheckoutExtension.registration_id,
                                                    func.max(CheckoutExtension.new_deadline))
                                             .where(CheckoutExtension.registration_id.in_(ids))
                                             .group_by(CheckoutExtension.registration_id))).all())
        result = []
        for reg in (r for r in regs if r.person.slack_user_id):
            base = q.checkout_deadline(reg.event, self.settings.checkout_days)
            result.append(CheckoutDeadline(
                reg.person.slack_user_id, reg.id, reg.event.title,
                rules.current_deadline(base, [extended[reg.id]] if reg.id in extended else []),
                reg.id in certified or passed.get(reg.id, 0) == len(rules.STEPS), reg.person.timezone))
        return result

    async def report(self, slug: str | None = None) -> CheckoutReport:
        """Per trainee of every ended event (or one): step states, deadline, extensions, certificate."""
        now = self.clock()
        async with self.db.transaction() as s:
            if slug is not None:
                event = await calendar.event_with_sessions(s, slug)
                if event is None:
                    raise InputError(f"unknown event {slug!r}")
                if not event.sessions or q.last_end(event) > now:
                    raise InputError(f"event {slug} has not ended yet: its checkout starts after its last session")
            regs = await self._ended_registrations(s, None, now, slug)
            located = [_Located(r.id, r.event_id, r.person_id, r.event.slug, True, True) for r in regs]
        statuses = await self._attendance(located)
        lines: list[ReportLine] = []
        async with self.db.transaction() as s:
            for reg in regs:
                lines.append(await self._report_line(s, reg, statuses.get((reg.event.slug, reg.person_id))))
            titles = {r.event.slug: r.event.title for r in regs}
        return CheckoutReport(lines, [figures(slug_, titles[slug_], [x for x in lines if x.event_slug == slug_], now)
                                      for slug_ in titles])

    # ---- internals ------------------------------------------------------------------------------
    async def _resolve(self, user_id: str) -> int | None:
        """The person with this Slack id, else the one whose email their Slack profile shows (roster loads)."""
        async with self.db.transaction() as s:
            person = await people.by_slack_id(s, user_id)
        if person is not None:
            return person.id
        profile = await self.gateway.profile(user_id)
        if not profile.email:
            return None
        async with self.db.transaction() as s:
            person = await people.by_email(s, profile.email)
            return person.id if person and person.slack_user_id in (None, user_id) else None

    async def _locate_given(self, given: str) -> tuple[_Located | None, str]:
        """An email or a Slack user id, as given to `mark`, to a finished training (or why not)."""
        if "@" in given:
            async with self.db.transaction() as s:
                person = await people.by_email(s, given)
            person_id, who = (person.id if person else None), "nobody registered with this email"
        else:
            person_id, who = await self._resolve(given), "no registration for this Slack user"
        if person_id is None:
            return None, who
        located = await self._locate_person(person_id)
        if located is None or not located.ended:
            return None, "no finished training"
        return located, ""

    async def _locate_person(self, person_id: int) -> _Located | None:
        """The registration checkout is about: the latest ended one, else the next to come."""
        now = self.clock()
        async with self.db.transaction() as s:
            regs = [r for r in await q.person_registrations(s, person_id, (ACTIVE,))
                    if r.event.status == "open" and r.event.sessions]
            ended = [r for r in regs if q.last_end(r.event) <= now]
            if ended:
                reg = max(ended, key=lambda r: q.last_end(r.event))
            elif regs:
                reg = min(regs, key=lambda r: q.first_start(r.event))
            else:
                return None
            return await self._located(s, reg, now)

    async def _locate_registration(self, registration_id: int) -> _Located:
        async with self.db.transaction() as s:
            reg = await s.get(Registration, registration_id,
                              options=[selectinload(Registration.event).selectinload(Event.sessions)])
            if reg is None or reg.status != ACTIVE or not reg.event.sessions:
                raise Refusal("That registration no longer exists or is not active.")
            return await self._located(s, reg, self.clock())

    async def _located(self, s: AsyncSession, reg: Registration, now: datetime) -> _Located:
        decided = await s.scalar(select(CheckoutStep.id).where(
            CheckoutStep.registration_id == reg.id, CheckoutStep.step == rules.TRAINING,
            CheckoutStep.state != rules.NOT_EVALUATED))
        ended = q.last_end(reg.event) <= now
        return _Located(reg.id, reg.event_id, reg.person_id, reg.event.slug, ended, ended and decided is None)

    async def _attendance(self, located: list[_Located]) -> dict[tuple[str, int], str]:
        """Attendance status by (event slug, person id), for the events whose training step awaits it.

        Runs outside any transaction of ours: the attendance service opens its own.
        """
        statuses: dict[tuple[str, int], str] = {}
        for slug in sorted({x.slug for x in located if x.needs_attendance}):
            report = await self.attendance.report(slug)
            statuses.update(((slug, t.person_id), t.status) for t in report.trainees)
        return statuses

    async def _lock(self, s: AsyncSession, registration_id: int) -> Registration | None:
        return await s.scalar(select(Registration).where(Registration.id == registration_id).options(
            selectinload(Registration.event).selectinload(Event.sessions), selectinload(Registration.person))
            .with_for_update(of=Registration))

    async def _require_evaluator(self, s: AsyncSession, actor: str, reg: Registration) -> None:
        if not await _evaluates(s, actor, reg.event_id):
            raise NotAllowed(NOT_EVALUATOR)

    async def _require_evaluator_of(self, actor: str, registration_id: int | None) -> None:
        """Before anything about the registration is looked up or said: a registration that does not exist is
        refused like one of another event's trainee (a forged button value learns nothing)."""
        async with self.db.read() as s:
            if await roles.is_staff(s, actor):
                return
            event_id = await s.scalar(select(Registration.event_id).where(Registration.id == registration_id)) \
                if registration_id is not None else None
            if event_id is None or not await _evaluates(s, actor, event_id):
                raise NotAllowed(NOT_EVALUATOR)

    async def _require_open(self, s: AsyncSession, reg: Registration) -> None:
        if q.last_end(reg.event) > self.clock():
            raise Refusal(f"{escape(reg.person.name)}'s training has not ended: checkout starts after it.")
        cert = await self._certificate(s, reg.id)
        if cert is not None:
            raise Refusal(f"{escape(reg.person.name)} is already certified (certificate {cert.code}, "
                          f"{cert.issued_on:%-d %b %Y}); their checkout can no longer change.")

    def _record(self, row: CheckoutStep, state: str, notes: str | None, actor: str) -> None:
        row.state, row.notes, row.evaluated_by, row.evaluated_at = state, notes, actor, self.clock()

    async def _ensure_steps(self, s: AsyncSession, registration_id: int) -> dict[str, CheckoutStep]:
        rows = {r.step: r for r in await s.scalars(select(CheckoutStep).where(
            CheckoutStep.registration_id == registration_id))}
        for step in rules.STEPS:
            if step not in rows:
                rows[step] = CheckoutStep(registration_id=registration_id, step=step, state=rules.NOT_EVALUATED)
                s.add(rows[step])
        await s.flush()
        return rows

    async def _settle(self, s: AsyncSession, reg: Registration, statuses: dict[tuple[str, int], str]
                      ) -> CheckoutSummary:
        """Steps created once the event has ended, training passed from attendance, the certificate when all passed."""
        now = self.clock()
        steps: dict[str, CheckoutStep] = {}
        if q.last_end(reg.event) <= now:
            steps = await self._ensure_steps(s, reg.id)
            training = steps[rules.TRAINING]
            if rules.training_state(training.state, statuses.get((reg.event.slug, reg.person_id))) != training.state:
                self._record(training, rules.PASSED, "Present for the whole training (Zoom reports).",
                             rules.ATTENDANCE)
            if rules.all_passed({k: v.state for k, v in steps.items()}) and not await self._certificate(s, reg.id):
                await self._issue(s, reg)
        return await self._summary(s, reg, steps)

    async def _issue(self, s: AsyncSession, reg: Registration) -> None:
        code = new_verification_code()
        while await s.scalar(select(Certificate.id).where(Certificate.code == code)):
            code = new_verification_code()
        today = self.clock().astimezone(timefmt.zone(reg.person.timezone)).date()
        view = CertificateView(code, INSTRUCTOR, reg.person.name, today, f"{reg.event.title} ({reg.event.slug})")
        if reg.person.slack_user_id:
            try:
                message = _certificate_message(reg.person.slack_user_id, view)
            except MissingGlyphs as exc:  # no certificate until it can be printed; the steps stay recorded
                await self.outbox.add_once(s, to_staff(staff_notice(exc, f"{view.kind_label} ({view.what})"),
                                                       key=f"certificate_unprintable:reg{reg.id}", origin="checkout"))
                return
        else:
            message = to_staff(f":warning: The certificate of {escape(view.name)} ({view.code}) could not be sent "
                               "by DM: they have no Slack account.", origin="checkout")
        s.add(Certificate(person_id=reg.person_id, kind=INSTRUCTOR, code=code, issued_on=today,
                          registration_id=reg.id))
        await s.flush()
        self.outbox.add(s, message)

    async def _summary(self, s: AsyncSession, reg: Registration, steps: dict[str, CheckoutStep]) -> CheckoutSummary:
        extensions = await self._extensions(s, reg.id)
        base, deadline = self._deadlines(reg, extensions)
        latest = await self._latest_submission(s, reg.id)
        cert = await self._certificate(s, reg.id)
        gi = steps.get(rules.GET_INVOLVED)
        mode = rules.submission_mode(gi.state, latest.state if latest else None) if gi and not cert else None
        return CheckoutSummary(
            registration_id=reg.id, name=reg.person.name, user_id=reg.person.slack_user_id,
            event_slug=reg.event.slug, event_title=reg.event.title, training_end=q.last_end(reg.event),
            base_deadline=base, deadline=deadline,
            steps=tuple(StepView(r.step, r.state, r.notes, r.evaluated_by, r.evaluated_at)
                        for r in (steps[name] for name in rules.STEPS if name in steps)),
            extensions=tuple(_extension_view(x) for x in extensions),
            submission=self._submission_view(latest, reg, gi) if latest else None, submission_mode=mode,
            certificate=await self._certificate_view(s, cert) if cert else None)

    def _deadlines(self, reg: Registration, extensions: list[CheckoutExtension]) -> tuple[datetime, datetime]:
        """The standard and the current deadline, both on the event's wall clock."""
        base = q.checkout_deadline(reg.event, self.settings.checkout_days)
        current = rules.current_deadline(base, [x.new_deadline for x in extensions])
        return base, current.astimezone(ZoneInfo(reg.event.timezone))

    @staticmethod
    def _submission_view(sub: GetInvolvedSubmission, reg: Registration, step: CheckoutStep | None) -> SubmissionView:
        return SubmissionView(
            id=sub.id, registration_id=reg.id, trainee=reg.person.name, trainee_user_id=reg.person.slack_user_id,
            event_slug=reg.event.slug, kind=sub.kind, url=sub.url, day=sub.activity_date, notes=sub.notes,
            state=sub.state, evaluated_by=step.evaluated_by if step and sub.state != rules.NOT_EVALUATED else None,
            edited=sub.updated_at > sub.submitted_at)

    @staticmethod
    async def _extensions(s: AsyncSession, registration_id: int) -> list[CheckoutExtension]:
        return list(await s.scalars(select(CheckoutExtension).where(
            CheckoutExtension.registration_id == registration_id).order_by(CheckoutExtension.id)))

    @staticmethod
    async def _latest_submission(s: AsyncSession, registration_id: int) -> GetInvolvedSubmission | None:
        return await s.scalar(select(GetInvolvedSubmission).where(
            GetInvolvedSubmission.registration_id == registration_id).order_by(GetInvolvedSubmission.id.desc())
            .limit(1))

    @staticmethod
    async def _certificate(s: AsyncSession, registration_id: int) -> Certificate | None:
        return await s.scalar(select(Certificate).where(Certificate.registration_id == registration_id))

    @staticmethod
    async def _certificate_view(s: AsyncSession, cert: Certificate) -> CertificateView:
        person = await s.get(Person, cert.person_id)
        what = cert.mentoring_ref or ""
        if cert.registration_id is not None:
            event = await s.scalar(select(Event).join(Registration, Registration.event_id == Event.id)
                                   .where(Registration.id == cert.registration_id))
            what = f"{event.title} ({event.slug})"
        return CertificateView(cert.code, cert.kind, person.name, cert.issued_on, what)

    async def _ended_registrations(self, s: AsyncSession, since: datetime | None, now: datetime,
                                   slug: str | None) -> list[Registration]:
        """Active registrations of open events whose last session ended between `since` and `now`."""
        last = func.max(EventSession.end)
        ended = select(EventSession.event_id).group_by(EventSession.event_id).having(last <= now)
        if since is not None:
            ended = ended.having(last >= since)
        query = (select(Registration).join(Event, Event.id == Registration.event_id)
                 .join(Person, Person.id == Registration.person_id)
                 .where(Registration.status == ACTIVE, Event.status == "open", Event.id.in_(ended))
                 .options(selectinload(Registration.event).selectinload(Event.sessions),
                          selectinload(Registration.person)).order_by(Event.slug, Person.name, Registration.id))
        if slug is not None:
            query = query.where(Event.slug == slug)
        return list(await s.scalars(query))

    async def _report_line(self, s: AsyncSession, reg: Registration, attendance: str | None) -> ReportLine:
        stored = {r.step: r.state for r in await s.scalars(select(CheckoutStep).where(
            CheckoutStep.registration_id == reg.id))}
        states = {step: stored.get(step, rules.NOT_EVALUATED) for step in rules.STEPS}
        states[rules.TRAINING] = rules.training_state(states[rules.TRAINING], attendance)
        extensions = await self._extensions(s, reg.id)
        base, deadline = self._deadlines(reg, extensions)
        cert = await self._certificate(s, reg.id)
        return ReportLine(
            reg.event.slug, reg.person.name, reg.person.email, states, base, deadline,
            tuple(_extension_view(x) for x in extensions), cert.code if cert else None,
            cert.issued_on if cert else None,
            rules.certified_in_time(cert.issued_on if cert else None, base, reg.event.timezone))


async def _evaluates(s: AsyncSession, actor: str, event_id: int) -> bool:
    """Staff, or a trainer of this event."""
    return await roles.holds_any(s, actor, (roles.STAFF, ""), (roles.TRAINER, roles.event_scope(event_id)))


def _extension_view(x: CheckoutExtension) -> ExtensionView:
    return ExtensionView(x.granted_at, x.months, x.new_deadline, x.granted_by)


def _evaluation_text(step: str, state: str, notes: str | None, actor: str, event_title: str) -> str:
    icon = {rules.PASSED: ":white_check_mark:", rules.FAILED: ":x:", rules.ASKED_TO_REPEAT: ":repeat:"}[state]
    text = (f"{icon} Your checkout step *{rules.STEP_LABELS[step]}* ({escape(event_title)}) is now "
            f"*{rules.STATE_LABELS[state]}* (by <@{actor}>).")
    if notes:
        text += f"\n{quote(notes)}"
    if state == rules.ASKED_TO_REPEAT:
        text += ("\nYou can submit it again with `/training checkout`." if step == rules.GET_INVOLVED
                 else "\nPlease take part in it again; your trainers will record it.")
    return text + "\n`/training checkout` shows all your steps and your deadline."


def describe_submission(sub: SubmissionView) -> str:
    """The staff-channel text of a Get Involved submission."""
    lines = [f"*Get Involved* from {escape(sub.trainee)}" + (f" (<@{sub.trainee_user_id}>)" if sub.trainee_user_id else "")
             + f", `{sub.event_slug}`" + (" — edited" if sub.edited else ""),
             f"{rules.KINDS.get(sub.kind, sub.kind)} on {sub.day:%-d %b %Y}"]
    if sub.url:
        lines.append(link(sub.url))
    if sub.notes:
        lines.append(quote(sub.notes))
    return "\n".join(lines)




def _certificate_message(user_id: str, cert: CertificateView) -> Message:
    from bot.certificates.pdf import render_certificate  # fpdf and the fonts load only to draw one

    pdf = render_certificate(cert.kind_label, cert.name, cert.issued_on, cert.code,
                             details="has completed The Carpentries Instructor Training and its checkout")
    return Message(user_id, f":tada: Congratulations, {escape(cert.name)}: you are a certified {cert.kind_label}! Here is "
                            f"your certificate; its verification code is *{cert.code}*.", action="upload",
                   file_name=f"certificate-{cert.code}.pdf", file=pdf, origin="certificate")
