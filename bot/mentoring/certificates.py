"""Mentoring certificates: issued once to each member who meets every criterion, sent as a PDF by DM."""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.certificates.codes import new_verification_code
from bot.certificates.unprintable import MissingGlyphs, staff_notice
from bot.common.mrkdwn import escape
from bot.mentoring import queries as q
from bot.mentoring.data import Issued
from bot.mentoring.rules import MENTOR
from bot.mentoring.texts import day
from bot.slack.outbox import Message, Outbox, to_staff
from storage.db import Database
from storage.mentoring_models import MentoringCertificate, MentoringGroup
from storage.models import Person

log = logging.getLogger(__name__)


class CertificateIssuer:
    def __init__(self, db: Database, clock: Callable[[], datetime], outbox: Outbox) -> None:
        self.db, self.clock, self.outbox = db, clock, outbox

    async def issue(self) -> list[Issued]:
        """Create the missing certificates, each with its DM in the same transaction (idempotent).

        A certificate row exists once per person and group (a unique constraint), so two runs at once issue
        and send each certificate once.
        """
        issued = []
        async with self.db.transaction() as s:
            groups = await q.groups(s)
            progress = await q.progress(s, groups)
            for group in groups:
                person_of = {m.person.slack_user_id: m.person for m in group.members}
                for p in progress[group.id]:
                    if p.complete and p.certificate is None:
                        code = await self._create(s, group, person_of[p.user_id], p.role)
                        if code:
                            issued.append(Issued(p.user_id, code))
        return issued

    async def _create(self, s: AsyncSession, group: MentoringGroup, person: Person, role: str) -> str | None:
        """The certificate and its DM; none while the name cannot be printed (staff are told once)."""
        cert = MentoringCertificate(person_id=person.id, group_id=group.id, role=role, code=new_verification_code(),
                                    issued_at=self.clock())
        try:
            message = _certificate_message(cert, person, group)
        except MissingGlyphs as exc:
            await self.outbox.add_once(s, to_staff(
                staff_notice(exc, f"mentoring ({escape(group.name)})"),
                key=f"certificate_unprintable:mentoring:{person.id}:{group.id}", origin="mentoring_certificate"))
            return None
        try:
            async with s.begin_nested():
                s.add(cert)
        except IntegrityError:  # another run issued it meanwhile (or, rarely, the code was taken: next run)
            log.info("mentoring certificate for person %s in group %s not created in this run", person.id, group.id)
            return None
        self.outbox.add(s, message)
        return cert.code


def _certificate_message(cert: MentoringCertificate, person: Person, group: MentoringGroup) -> Message:
    mentor = cert.role == MENTOR
    details = (f"{'led' if mentor else 'took part in'} the {group.topic} · {group.mtype} mentoring group, "
               f"{day(group.start)} to {day(group.end)}")
    from bot.certificates.pdf import render_certificate  # fpdf and the fonts load only to draw one

    pdf = render_certificate(f"The Carpentries Mentoring Groups: {'Mentor' if mentor else 'Mentee'}",
                             person.name, cert.issued_at.date(), cert.code, details)
    return Message(person.slack_user_id, ":tada: Congratulations! You met every criterion of your mentoring group, "
                   f"so here is your certificate (verification code {cert.code}).", action="upload",
                   file_name=f"mentoring-certificate-{cert.code}.pdf", file=pdf, origin="mentoring_certificate")
