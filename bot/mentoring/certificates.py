"""Mentoring certificates: issued once to each member who meets every criterion, sent as a PDF by DM."""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.certificates.pdf import new_verification_code, render_certificate
from bot.mentoring import queries as q
from bot.mentoring.data import Issued
from bot.mentoring.rules import MENTOR
from bot.mentoring.texts import day
from bot.slack.gateway import SlackGateway
from storage.db import Database
from storage.mentoring_models import MentoringCertificate, MentoringGroup
from storage.models import Person

log = logging.getLogger(__name__)


class CertificateIssuer:
    def __init__(self, db: Database, clock: Callable[[], datetime], slack: SlackGateway) -> None:
        self.db, self.clock, self.slack = db, clock, slack

    async def issue(self) -> list[Issued]:
        """Create the missing certificates, then deliver every undelivered one (idempotent).

        A certificate row exists once per person and group; `delivered_at` is claimed before sending, so two
        runs at once never send one twice, and a failed send is released for the next run.
        """
        async with self.db.transaction() as s:
            groups = await q.groups(s)
            progress = await q.progress(s, groups)
            for group in groups:
                person_of = {m.person.slack_user_id: m.person_id for m in group.members}
                for p in progress[group.id]:
                    if p.complete and p.certificate is None:
                        await self._create(s, group.id, person_of[p.user_id], p.role)
        async with self.db.transaction() as s:
            pending = list(await s.execute(
                select(MentoringCertificate, Person, MentoringGroup)
                .join(Person, Person.id == MentoringCertificate.person_id)
                .join(MentoringGroup, MentoringGroup.id == MentoringCertificate.group_id)
                .where(MentoringCertificate.delivered_at.is_(None)).order_by(MentoringCertificate.id)))
        issued = []
        for cert, person, group in pending:
            if await self._deliver(cert, person, group):
                issued.append(Issued(person.slack_user_id, cert.code))
        return issued

    async def _create(self, s: AsyncSession, group_id: int, person_id: int, role: str) -> None:
        try:
            async with s.begin_nested():
                s.add(MentoringCertificate(person_id=person_id, group_id=group_id, role=role,
                                           code=new_verification_code(), issued_at=self.clock()))
        except IntegrityError:  # another run issued it meanwhile (or, rarely, the code was taken: next run)
            log.info("mentoring certificate for person %s in group %s not created in this run", person_id, group_id)

    async def _deliver(self, cert: MentoringCertificate, person: Person, group: MentoringGroup) -> bool:
        async with self.db.transaction() as s:
            claimed = await s.execute(update(MentoringCertificate).where(
                MentoringCertificate.id == cert.id, MentoringCertificate.delivered_at.is_(None))
                .values(delivered_at=self.clock()))
        if claimed.rowcount != 1:
            return False
        mentor = cert.role == MENTOR
        details = (f"{'led' if mentor else 'took part in'} the {group.topic} · {group.mtype} mentoring group, "
                   f"{day(group.start)} to {day(group.end)}")
        pdf = render_certificate(f"The Carpentries Mentoring Groups: {'Mentor' if mentor else 'Mentee'}",
                                 person.name, cert.issued_at.date(), cert.code, details)
        sent = await self.slack.upload(person.slack_user_id, f"mentoring-certificate-{cert.code}.pdf", pdf,
                                       title="Your mentoring certificate",
                                       comment=":tada: Congratulations! You met every criterion of your mentoring "
                                               f"group, so here is your certificate (verification code {cert.code}).")
        if not sent.ok:
            log.warning("mentoring certificate %s not delivered: %s", cert.id, sent.error)
            async with self.db.transaction() as s:
                await s.execute(update(MentoringCertificate).where(MentoringCertificate.id == cert.id)
                                .values(delivered_at=None))
        return sent.ok
