"""`trainingbot db backup`: a consistent copy of the SQLite database while the app keeps writing.

SQLite's online backup API copies the pages in one step inside a read transaction; in WAL mode writers go on
committing meanwhile, and the copy holds exactly what was committed when it began.
"""
from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupRefused(Exception):
    """Why no backup was made, for the operator as is."""


def sqlite_file(url: str) -> Path:
    """The database file of a SQLite URL; PostgreSQL is refused (its own tool makes consistent dumps)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite"):
        raise BackupRefused("db backup copies the SQLite database; DATABASE_URL is PostgreSQL: use pg_dump "
                         "(for example pg_dump --format=custom --file=FILE DBNAME)")
    if not parsed.database or parsed.database == ":memory:":
        raise BackupRefused("DATABASE_URL names no SQLite database file to back up")
    return Path(parsed.database)


def check_target(target: Path) -> None:
    if not target.parent.is_dir():
        raise BackupRefused(f"{target}: directory {target.parent} does not exist")
    if target.exists():
        raise BackupRefused(f"{target} exists already; give a new file name (nothing was overwritten)")


def copy_sqlite(source: Path, target: Path) -> int:
    """Copy `source` to `target` (which must not exist), check the copy, return its size in bytes."""
    check_target(target)
    if not source.is_file():
        raise BackupRefused(f"no SQLite database at {source} (check DATABASE_URL)")
    partial = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        _backup(source, partial)
        os.link(partial, target)  # fails if FILE appeared meanwhile: never overwrites
    except FileExistsError:
        raise BackupRefused(f"{target} exists already; give a new file name (nothing was overwritten)") from None
    finally:
        partial.unlink(missing_ok=True)
    return target.stat().st_size


def _backup(source: Path, partial: Path) -> None:
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=rw", uri=True, timeout=30)
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst)  # all pages in one step: one read transaction, writers are not blocked (WAL)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        verdict = dst.execute("PRAGMA integrity_check").fetchone()[0]
        if verdict != "ok":
            raise BackupRefused(f"the copy of {source} failed its integrity check ({verdict}); nothing was written")
    finally:
        dst.close()
        src.close()


async def backup(url: str, target: Path) -> int:
    """The copy runs in a thread, so it never blocks an event loop."""
    return await asyncio.to_thread(copy_sqlite, sqlite_file(url), target)
