"""The Dockerfile and .dockerignore (no Docker engine here to build them): pinned versions, a context that keeps
out what must not ship, and everything the image copies still in it."""
from __future__ import annotations

import re
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
IGNORED = [line for line in (ROOT / ".dockerignore").read_text().splitlines() if line and not line.startswith("#")]


def ignored(path: str) -> bool:
    """Whether the build context leaves `path` out. Covers the patterns this .dockerignore uses (no `!`): a
    pattern matches a path from the context's root or any folder above it; `**/NAME` matches at any depth."""
    parts = path.split("/")
    prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    for pattern in IGNORED:
        if pattern.startswith("**/"):
            if any(fnmatch(part, pattern[3:]) for part in parts):
                return True
        elif any(fnmatch(prefix, pattern) for prefix in prefixes):
            return True
    return False


def test_the_base_image_and_build_tools_are_pinned_exactly():
    assert re.search(r"^FROM python:3\.11\.\d+-slim(@sha256:[0-9a-f]{64})?$", DOCKERFILE, re.M)
    for tool in ("pip", "setuptools", "wheel"):
        assert re.search(rf"\b{tool}==\d+(\.\d+)+\b", DOCKERFILE), tool
    assert "--no-build-isolation" in DOCKERFILE  # else pip builds with whatever setuptools is newest


def test_the_image_runs_as_a_user_with_the_data_volume_and_a_health_check():
    assert re.search(r"^USER trainingbot$", DOCKERFILE, re.M) and re.search(r"^VOLUME /data$", DOCKERFILE, re.M)
    assert "HEALTHCHECK" in DOCKERFILE and "/healthz" in DOCKERFILE
    assert "sqlite+aiosqlite:////data/" in DOCKERFILE


def test_the_context_keeps_out_environments_databases_tests_and_caches():
    for path in (".venv/bin/python", "trainingbot.db", "trainingbot.db-wal", "trainingbot-demo.db-shm",
                 "tests/conftest.py", "bench/load.py", ".git", "bot/__pycache__/cli.cpython-311.pyc",
                 ".pytest_cache/v", ".hypothesis/examples", "trainingbot.egg-info/PKG-INFO"):
        assert ignored(path), path


def test_everything_the_image_copies_is_in_the_context():
    sources = [src for line in re.findall(r"^COPY (.+)$", DOCKERFILE, re.M) for src in line.split()[:-1]]
    assert sources
    for source in sources:
        assert (ROOT / source).exists() and not ignored(source), source
    for module in ("bot/cli.py", "storage/migrations/versions/0001_foundation.py", "handlers/__init__.py"):
        assert not ignored(module), module
