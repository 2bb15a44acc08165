"""The Alembic migrations build exactly the schema the models describe, on both databases, and keep the data."""
from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

import storage.accommodation_models  # noqa: F401 - every model module, so Base.metadata is complete
import storage.checkout_models  # noqa: F401
import storage.mentoring_models  # noqa: F401
import storage.reminder_models  # noqa: F401
from storage.db import Database, alembic_config
from storage.models import Base


async def test_migrated_schema_matches_the_models(db):
    def diff(sync_connection):
        return compare_metadata(MigrationContext.configure(sync_connection), Base.metadata)

    async with db.engine.connect() as conn:
        differences = await conn.run_sync(diff)
    assert differences == []


async def test_0008_archives_nothing_and_keeps_existing_rows_both_ways(db_url):
    url, schema = db_url
    database = Database(url, schema=schema)

    def migrate(to: str, down: bool = False):
        def run(sync_connection):
            cfg = alembic_config()
            cfg.attributes["connection"] = sync_connection
            (command.downgrade if down else command.upgrade)(cfg, to)
        return run

    def archived_columns(sync_connection):
        inspector = inspect(sync_connection)
        return {t for t in ("events", "organisations") if "archived" in {c["name"] for c in inspector.get_columns(t)}}

    try:
        async with database.engine.begin() as conn:
            await conn.run_sync(migrate("0007"))
            await conn.execute(text(
                "INSERT INTO organisations (id, name, level, code, seats, additional_seats, rolled_in_seats, "
                "rolled_out_seats, membership_start, membership_end) "
                "VALUES (1, 'Org', 'gold', 'ORG', 2, 0, 0, 0, '2026-01-01', '2026-12-31')"))
            await conn.execute(text(
                "INSERT INTO events (id, slug, title, format, timezone, capacity, accessibility, status) "
                "VALUES (1, 'ev', 'T', 'online', 'UTC', 3, '[]', 'open')"))
            await conn.execute(text("INSERT INTO event_sessions (event_id, start, \"end\") "
                                    "VALUES (1, '2027-01-12 13:00:00', '2027-01-12 17:00:00')"))
            await conn.run_sync(migrate("0008"))
            assert (await conn.execute(text("SELECT archived FROM events"))).scalar_one() in (False, 0)
            assert (await conn.execute(text("SELECT archived FROM organisations"))).scalar_one() in (False, 0)
            await conn.run_sync(migrate("0007", down=True))
            assert await conn.run_sync(archived_columns) == set()
            assert (await conn.execute(text("SELECT count(*) FROM event_sessions"))).scalar_one() == 1
            await conn.run_sync(migrate("head"))
            assert await conn.run_sync(archived_columns) == {"events", "organisations"}
    finally:
        await database.dispose()
