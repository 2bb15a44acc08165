"""/training checkout, the checkout admin tools (checkout, mark, extend), their forms and buttons."""
from __future__ import annotations

import re
from datetime import date

from bot.checkout import rules
from bot.checkout.rules import GetInvolvedForm, InvalidSubmission
from bot.common import timefmt
from bot.common.errors import Refusal
from bot.common.mrkdwn import escape
from bot.services import Services
from handlers import checkout_views as views
from handlers.boundary import Boundary
from handlers.requests import Action, Command, Submission
from handlers.words import mention

MAILTO = re.compile(r"^<mailto:([^|>]+)(?:\|[^>]*)?>$")
EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


def people_in(args: list[str]) -> tuple[list[str], list[str]]:
    """User ids and emails from @mentions, `<mailto:…>` links and bare emails; and the tokens that are neither."""
    found, not_understood = [], []
    for token in (t for arg in args for t in arg.split(",") if t):
        mailto = MAILTO.match(token)
        email = mailto.group(1) if mailto else token if EMAIL.match(token) else None
        who = email or mention(token)
        (found if who else not_understood).append(who or token)
    return found, not_understood


def _date(value) -> date | None:
    try:
        return date.fromisoformat(value or "")
    except (TypeError, ValueError):
        return None


class Checkout:
    def __init__(self, services: Services) -> None:
        self.services, self.slack, self.checkout = services, services.slack, services.checkout
        self.staff_email = services.settings.staff_email

    async def _zone(self, user_id: str):
        return timefmt.zone((await self.slack.profile(user_id)).timezone)

    # ---- the trainee ------------------------------------------------------------------------------------------
    async def show(self, cmd: Command) -> None:
        summary = await self.checkout.summary_for(cmd.user_id)
        tz = await self._zone(cmd.user_id)
        passed = sum(s.state == rules.PASSED for s in summary.steps) if summary else 0
        text = f"Your checkout: {passed} of {len(rules.STEPS)} steps passed" if summary else "No checkout yet"
        await cmd.answer(text, views.checkout_blocks(summary, tz, self.services.clock(), self.staff_email))

    async def open_get_involved(self, act: Action) -> None:
        await act.ack_now()
        summary = await self.checkout.get_involved_form(act.user_id)
        today = self.services.clock().astimezone(await self._zone(act.user_id)).date()
        await self.slack.open_view(act.trigger_id, views.get_involved_modal(summary, today))

    async def submit_get_involved(self, sub: Submission) -> None:
        form = GetInvolvedForm(kind=sub.value("kind") or "", url=sub.value("url"), day=_date(sub.value("date")),
                               notes=sub.value("notes"))
        try:
            done = await self.checkout.submit_get_involved(sub.user_id, sub.meta("registration"), form)
        except InvalidSubmission as invalid:
            await sub.errors(invalid.errors)
            return
        await sub.update(views.submitted_view(done))

    async def send_certificate(self, act: Action) -> None:
        await act.ack_now()
        cert = await self.checkout.send_certificate(act.user_id)
        await act.reply(f"Your certificate ({cert.code}) is in your DMs again.")

    # ---- trainers and staff -----------------------------------------------------------------------------------
    async def open_evaluation(self, act: Action) -> None:
        await act.ack_now()
        summary = await self.checkout.evaluation_summary(act.user_id, act.number())
        await self.slack.open_view(act.trigger_id, views.evaluate_modal(summary, await self._zone(act.user_id),
                                                                        rules.GET_INVOLVED))

    async def submit_evaluation(self, sub: Submission) -> None:
        done = await self.checkout.evaluate(sub.user_id, sub.meta("registration"), sub.value("step") or "",
                                            sub.value("state") or "", sub.value("notes"))
        await sub.update(views.evaluated_view(done.summary.name, done.step, done.state, done.certified))

    async def evaluate(self, cmd: Command) -> None:
        trainee = mention(cmd.args[0]) if len(cmd.args) == 1 else None
        if trainee is None:
            raise Refusal("Usage: `/training admin checkout @user`")
        await cmd.ack_now()
        summary = await self.checkout.evaluation_form(cmd.user_id, trainee)
        await self.slack.open_view(cmd.trigger_id, views.evaluate_modal(summary, await self._zone(cmd.user_id)))

    async def mark(self, cmd: Command) -> None:
        if len(cmd.args) < 2:
            raise Refusal("Usage: `/training admin mark welcome|demo|training EMAIL|@user …`")
        found, not_understood = people_in(cmd.args[1:])
        if not found:
            raise Refusal("None of these is an email or an @mention: " + escape(", ".join(not_understood)))
        result = await self.checkout.mark(cmd.user_id, cmd.args[0], found)
        await cmd.answer(views.mark_text(result, not_understood))

    async def extend(self, cmd: Command) -> None:
        trainee = mention(cmd.args[0]) if cmd.args else None
        if trainee is None or len(cmd.args) > 2 or (len(cmd.args) == 2 and not cmd.args[1].isdigit()):
            raise Refusal("Usage: `/training admin extend @user [MONTHS]` (3 months unless said)")
        result = await self.checkout.extend(cmd.user_id, trainee, int(cmd.args[1]) if len(cmd.args) == 2 else 3)
        await cmd.answer(views.extended_text(result, await self._zone(cmd.user_id)))


def register(boundary: Boundary, services: Services) -> Checkout:
    listeners = Checkout(services)
    boundary.action("checkout_get_involved_open", listeners.open_get_involved)
    boundary.view("checkout_get_involved_submit", listeners.submit_get_involved, "kind")
    boundary.action("checkout_evaluate_open", listeners.open_evaluation)
    boundary.view("checkout_evaluate_submit", listeners.submit_evaluation, "step")
    boundary.action("checkout_certificate_send", listeners.send_certificate)
    return listeners
