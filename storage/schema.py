"""Every model module imported, so that `metadata` knows every table (Alembic's env.py and the tests use it)."""
from __future__ import annotations

import storage.accommodation_models  # noqa: F401
import storage.checkout_models  # noqa: F401
import storage.mentoring_models  # noqa: F401
import storage.outbox_models  # noqa: F401
import storage.reminder_models  # noqa: F401
from storage.models import Base

metadata = Base.metadata
