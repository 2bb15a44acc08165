"""`trainingbot db backup FILE`: a valid, complete copy while another process keeps writing; clear refusals."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap

import pytest

from bot.cli import main
from tests.conftest import PG_URL

WRITER = textwrap.dedent("""
    import os, sqlite3, sys
    db, stop = sys.argv[1], sys.argv[2]
    conn = sqlite3.connect(db, timeout=30)
    n = 0
    while not os.path.exists(stop):
        conn.execute("INSERT INTO people (name, email, flagged) VALUES (?, ?, 0)", (f"writer {n}", f"w{n}@x.org"))
        conn.commit()
        n += 1
        if n == 50:
            print("writing", flush=True)
    print(n, flush=True)
""")


def count(path, where: str = "") -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute(f"SELECT count(*) FROM people {where}").fetchone()[0]


@pytest.fixture
def database(tmp_path, monkeypatch):
    """An app database (migrated by the CLI) with some 20 MB of rows, so that the copy takes a while."""
    path = tmp_path / "bot.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    assert main(["db", "upgrade"]) == 0
    with sqlite3.connect(path) as conn:
        conn.executemany("INSERT INTO people (name, email, flagged) VALUES (?, ?, 0)",
                         ((f"{i} " + "x" * 200, f"p{i}@x.org") for i in range(100_000)))
    return path


def test_a_backup_taken_while_another_process_writes_is_valid_and_complete(database, tmp_path, capsys):
    stop, target = tmp_path / "stop", tmp_path / "backup.db"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(database), str(stop)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline() == "writing\n"
        before = count(database)  # committed before the backup starts
        assert main(["db", "backup", str(target)]) == 0
        during = count(database)
    finally:
        stop.touch()
        written = int(writer.communicate(timeout=30)[0].split()[-1])
    assert writer.returncode == 0
    assert during > before  # the writer went on committing while the backup ran
    assert "integrity check ok" in capsys.readouterr().out
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        last = copy.execute("SELECT max(id) FROM people").fetchone()[0]
    assert before <= count(target) <= during
    assert count(target) == last  # no gaps: every row up to the copy's point in time
    assert count(database) == 100_000 + written
    assert not (tmp_path / "backup.db-wal").exists()


@pytest.mark.parametrize("case", ["exists", "no directory", "postgresql", "no database"])
def test_a_backup_that_cannot_be_made_is_refused_in_one_line(database, tmp_path, capsys, monkeypatch, case):
    target = tmp_path / "backup.db"
    expected = {"exists": f"{target} exists already", "no directory": "directory", "postgresql": "use pg_dump",
                "no database": "no SQLite database at"}[case]
    if case == "exists":
        target.write_bytes(b"keep me")
    elif case == "no directory":
        target = tmp_path / "missing" / "backup.db"
    elif case == "postgresql":
        monkeypatch.setenv("DATABASE_URL", PG_URL)
    else:
        monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'nothing-here.db'}")
    assert main(["db", "backup", str(target)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and expected in err[0]
    assert target.read_bytes() == b"keep me" if case == "exists" else not target.exists()
    assert not (tmp_path / "nothing-here.db").exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
