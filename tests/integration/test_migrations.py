"""The Alembic migrations build exactly the schema the models describe, on both databases."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import storage.accommodation_models  # noqa: F401 - every model module, so Base.metadata is complete
import storage.checkout_models  # noqa: F401
import storage.mentoring_models  # noqa: F401
import storage.reminder_models  # noqa: F401
from storage.models import Base


async def test_migrated_schema_matches_the_models(db):
    def diff(sync_connection):
        return compare_metadata(MigrationContext.configure(sync_connection), Base.metadata)

    async with db.engine.connect() as conn:
        differences = await conn.run_sync(diff)
    assert differences == []
