"""People: found by Slack user id or email, refreshed from the Slack profile; one person per email."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.common.errors import Refusal
from bot.common.mrkdwn import escape
from storage.db import Reader, rows
from storage.models import Person


@dataclass(frozen=True)
class Profile:
    """What the Slack profile says about a user (filled in by the Slack gateway)."""

    user_id: str
    name: str
    email: str | None
    timezone: str | None


MAX_NAME, MAX_EMAIL = 200, 320  # Person.name, Person.email


@dataclass(frozen=True)
class Member:
    """A person in the Slack workspace's directory, with the names `@name` may mean (handle, display, real)."""

    user_id: str
    names: tuple[str, ...]


def no_email(staff_email: str) -> str:
    """Why someone whose Slack profile shows no email cannot register (people are told apart by it)."""
    return (f"Your Slack profile shows no email address (or Slack would not say it just now), and registration "
            f"needs the one on your Slack profile. Add it there and try again, or write to {staff_email}.")


async def linked(session: AsyncSession, profile: Profile) -> Person | None:
    """The person with this Slack id, else a roster record (loaded by email, without a Slack id) whose email the
    Slack profile shows, linked to this Slack user now; None when neither exists."""
    person = await by_slack_id(session, profile.user_id)
    if person is None and profile.email:
        person = await by_email(session, profile.email)
        if person is None or person.slack_user_id is not None:
            return None
        person.slack_user_id = profile.user_id
        await session.flush()
    return person


async def upsert_from_profile(session: AsyncSession, profile: Profile, staff_email: str) -> Person:
    """The person `linked` finds, else a new one, refreshed from the Slack profile. Who someone is comes from Slack
    alone: an email already on a record of another Slack user, or on a second record of this one, is refused and
    nothing changes (staff sort it out)."""
    person = await linked(session, profile)
    holder = await by_email(session, profile.email) if profile.email else None
    if holder is not None and holder is not person:
        raise Refusal(f"The email on your Slack profile, {escape(profile.email)}, is on someone else's record here, "
                      f"so nothing was changed. Please write to {staff_email} to sort it out.")
    if person is None:
        person = Person(name=profile.name, flagged=False)
        session.add(person)
    person.slack_user_id = profile.user_id
    person.name = profile.name or person.name
    person.email = profile.email or person.email
    person.timezone = profile.timezone or person.timezone
    await session.flush()
    return person


BY_SLACK_ID = select(Person).where(Person.slack_user_id == bindparam("user_id"))  # built once: asked on most commands


async def by_slack_id(session: AsyncSession, user_id: str) -> Person | None:
    return await session.scalar(BY_SLACK_ID, {"user_id": user_id})


KNOWN = select(Person.id).where(Person.slack_user_id == bindparam("user_id"))


async def known(session: Reader, user_id: str) -> bool:
    """Whether a person record is linked to this Slack user (a plain-rows read can ask it)."""
    return (await rows(session, KNOWN, {"user_id": user_id})).first() is not None


async def by_email(session: AsyncSession, email: str) -> Person | None:
    return await session.scalar(select(Person).where(func.lower(Person.email) == email.lower()))
