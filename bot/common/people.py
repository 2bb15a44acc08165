"""People: found by Slack user id or email, refreshed from the Slack profile."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Person


@dataclass(frozen=True)
class Profile:
    """What the Slack profile says about a user (filled in by the Slack gateway)."""

    user_id: str
    name: str
    email: str | None
    timezone: str | None


MAX_NAME, MAX_EMAIL = 200, 320  # Person.name, Person.email


async def upsert_from_profile(session: AsyncSession, profile: Profile) -> Person:
    """The person with this Slack id, else the one with this email (roster loads have no id), else new."""
    person = await session.scalar(select(Person).where(Person.slack_user_id == profile.user_id))
    if person is None and profile.email:
        person = await session.scalar(select(Person).where(
            func.lower(Person.email) == profile.email.lower(), Person.slack_user_id.is_(None)))
    if person is None:
        person = Person(name=profile.name, flagged=False)
        session.add(person)
    person.slack_user_id = profile.user_id
    person.name = profile.name or person.name
    person.email = profile.email or person.email
    person.timezone = profile.timezone or person.timezone
    await session.flush()
    return person


async def by_slack_id(session: AsyncSession, user_id: str) -> Person | None:
    return await session.scalar(select(Person).where(Person.slack_user_id == user_id))


async def by_email(session: AsyncSession, email: str) -> Person | None:
    return await session.scalar(select(Person).where(func.lower(Person.email) == email.lower()))
