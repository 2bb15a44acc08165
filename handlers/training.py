"""/training: its one subcommand table (dispatch, roles, help), over the registration and checkout listeners."""
from __future__ import annotations

from bot.common import roles, timefmt
from bot.services import Services
from handlers import blocks
from handlers.boundary import Boundary
from handlers.checkout import Checkout
from handlers.commands import CommandTree, Sub
from handlers.registration import Registration
from handlers.requests import Command


class Calendar:
    def __init__(self, services: Services) -> None:
        self.slack, self.calendar = services.slack, services.calendar

    async def show(self, cmd: Command) -> None:
        profile = await self.slack.profile(cmd.user_id)
        events = await self.calendar.upcoming()
        text = f"{len(events)} upcoming Instructor Training events" if events else "No upcoming events"
        await cmd.answer(text, blocks.calendar_blocks(events, timefmt.zone(profile.timezone)))


def tree(services: Services, reg: Registration, chk: Checkout) -> CommandTree:
    admin = (
        Sub("roster", "EVENT", "registrants and waiting list with organisations", reg.roster, roles.STAFF),
        Sub("no-show", "EVENT @user", "record a no-show (the seat stays used)", reg.no_show, roles.STAFF),
        Sub("cancel-event", "EVENT REASON…", "cancel an event (asks to confirm), tell everyone", reg.cancel_event,
            roles.STAFF),
        Sub("checkout", "@user", "see a trainee's checkout and evaluate a step", chk.evaluate, roles.TRAINER),
        Sub("mark", "welcome|demo|training EMAIL|@user …", "pass a step for everyone who attended a session",
            chk.mark, roles.TRAINER),
        Sub("extend", "@user [MONTHS]", "extend a checkout deadline (3 months unless said)", chk.extend, roles.STAFF),
    )
    return CommandTree("/training", "Instructor Training", [
        Sub("calendar", "", "upcoming events, dates in your time zone, seats left", Calendar(services).show),
        Sub("register", "[CODE]", "register with your organisation's code", reg.register),
        Sub("status", "", "your registrations, waiting-list places and deadlines", reg.status),
        Sub("cancel", "", "cancel your registration", reg.cancel),
        Sub("transfer", "", "move your seat to another event", reg.transfer),
        Sub("checkout", "", "your checkout steps after the training", chk.show),
        Sub("seats", "[CODE]", "your organisation's seats (organisation contacts)", reg.seats, roles.CONTACT),
        Sub("admin", "…", "tools for trainers and staff", role=roles.TRAINER, subs=admin),
    ], services.access)


def register(boundary: Boundary, services: Services, reg: Registration, chk: Checkout) -> None:
    boundary.command("/training", tree(services, reg, chk))
