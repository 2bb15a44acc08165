"""A database URL is shown without its password, however it is written (even malformed)."""
from __future__ import annotations

import pytest

from bot.config import hide_password


@pytest.mark.parametrize("url, shown", [
    ("postgresql+asyncpg://u:s3cret@db.example:5432/tb", "postgresql+asyncpg://u:***@db.example:5432/tb"),
    ("postgresql+asyncpg://u:p@ss@db.example/tb", "postgresql+asyncpg://u:***@db.example/tb"),
    ("postgresql+asyncpg://u:s3/cr@t@db.example:5432/tb", "postgresql+asyncpg://u:***@db.example:5432/tb"),
    ("postgresql+asyncpg://u:pa:ss@db.example:notaport/tb", "postgresql+asyncpg://u:***@db.example:notaport/tb"),
    ("postgresql+asyncpg://u@db.example/tb", "postgresql+asyncpg://u@db.example/tb"),
    ("sqlite+aiosqlite:///trainingbot.db", "sqlite+aiosqlite:///trainingbot.db"),
])
def test_the_password_never_shows(url, shown):
    assert hide_password(url) == shown
