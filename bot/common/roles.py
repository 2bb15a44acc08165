"""Who may do what: staff, coordinators, trainers of an event, contacts of an organisation."""
from __future__ import annotations

import functools

from sqlalchemy import (ColumnElement, Exists, Select, String, and_, bindparam, cast, delete, exists, literal, or_,
                        select)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.common.errors import NotAllowed
from storage.db import Reader, rows
from storage.models import Role

STAFF, COORDINATOR, TRAINER, CONTACT = "staff", "coordinator", "trainer", "contact"


EVENT_SCOPE = "event:"  # followed by the event's id


def event_scope(event_id: int) -> str:
    return f"{EVENT_SCOPE}{event_id}"


def staff_or_trainer(user_id: ColumnElement[str], event_id: ColumnElement[int]) -> Exists:
    """In SQL: whether `user_id` is staff or a trainer of the event `event_id` (its scope built as event_scope
    builds it), for a statement that reads an event and checks who may see it at once."""
    scope = literal(EVENT_SCOPE, String) + cast(event_id, String)
    return exists().where(Role.slack_user_id == user_id, or_(and_(Role.role == STAFF, Role.scope == ""),
                                                              and_(Role.role == TRAINER, Role.scope == scope)))


def organisation_scope(organisation_id: int) -> str:
    return f"organisation:{organisation_id}"


async def has_role(session: Reader, user_id: str, role: str, scope: str = "") -> bool:
    found = await session.scalar(select(Role.id).where(
        Role.slack_user_id == user_id, Role.role == role, Role.scope == scope))
    return found is not None


async def holds_any(session: AsyncSession, user_id: str, *grants: tuple[str, str]) -> bool:
    """Whether the person holds at least one of the (role, scope) pairs: one query, however many pairs."""
    params = {"user_id": user_id}
    for i, (role, scope) in enumerate(grants):
        params.update({f"role_{i}": role, f"scope_{i}": scope})
    return (await rows(session, _holds_any(len(grants)), params)).first() is not None


@functools.lru_cache(maxsize=8)
def _holds_any(grants: int) -> Select:
    """The statement for that many (role, scope) pairs, built once (permissions are checked on most commands)."""
    return select(Role.id).where(Role.slack_user_id == bindparam("user_id"), or_(*(
        and_(Role.role == bindparam(f"role_{i}"), Role.scope == bindparam(f"scope_{i}")) for i in range(grants)))
    ).limit(1)


async def is_staff(session: Reader, user_id: str) -> bool:
    return await has_role(session, user_id, STAFF)


async def require_staff(session: AsyncSession, user_id: str, action: str) -> None:
    if not await is_staff(session, user_id):
        raise NotAllowed(f"Only Carpentries staff can {action}.")


async def scopes_of(session: AsyncSession, user_id: str, role: str) -> list[str]:
    rows = await session.scalars(select(Role.scope).where(Role.slack_user_id == user_id, Role.role == role))
    return list(rows)


async def replace_members(session: AsyncSession, role: str, scope: str, user_ids: tuple[str, ...]) -> None:
    """Make exactly `user_ids` hold `role` in `scope` (idempotent)."""
    await session.execute(delete(Role).where(Role.role == role, Role.scope == scope,
                                             Role.slack_user_id.not_in(user_ids)))
    existing = set(await session.scalars(select(Role.slack_user_id).where(Role.role == role, Role.scope == scope)))
    session.add_all(Role(slack_user_id=u, role=role, scope=scope) for u in user_ids if u not in existing)


async def grant(session: AsyncSession, user_id: str, role: str, scope: str = "") -> None:
    if not await has_role(session, user_id, role, scope):
        session.add(Role(slack_user_id=user_id, role=role, scope=scope))


async def holders(session: AsyncSession, role: str) -> list[tuple[str, str | None]]:
    """Everyone with a global role, with their time zone when known."""
    from storage.models import Person

    rows = await session.execute(select(Role.slack_user_id, Person.timezone)
                                 .outerjoin(Person, Person.slack_user_id == Role.slack_user_id)
                                 .where(Role.role == role, Role.scope == ""))
    return [(user, tz) for user, tz in rows.all()]


ROLE_NAMES = {STAFF: "Carpentries staff", TRAINER: "trainers and Carpentries staff",
              COORDINATOR: "mentoring coordinators and Carpentries staff",
              CONTACT: "organisation contacts and Carpentries staff"}


class Access:
    """The coarse check a command's table asks for before anything is looked up: does the person hold the role
    anywhere (staff pass every check)? Scoped checks (this event's trainers) stay with the services."""

    def __init__(self, db) -> None:
        self.db = db

    async def require(self, user_id: str, role: str | None, what: str) -> None:
        if role is None:
            return
        async with self.db.read() as s:
            found = await s.scalar(select(Role.id).where(
                Role.slack_user_id == user_id, or_(Role.role == STAFF, Role.role == role)).limit(1))
        if found is None:
            raise NotAllowed(f"{what} is for {ROLE_NAMES[role]}.")
