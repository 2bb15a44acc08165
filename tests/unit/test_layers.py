"""The architecture's arrows, checked by import-linter (contracts in pyproject.toml): handlers -> bot -> storage;
in bot/, only bot.slack imports slack_sdk and only bot.app imports slack_bolt and handlers; storage imports none
of them; handlers never reach storage or SQLAlchemy."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def loggers_kept():
    """import-linter configures logging as a program would (dictConfig), which disables every logger that exists:
    the app's, for each test that runs after these in the same worker. Put them back as they were."""
    disabled = {name: logger.disabled for name, logger in logging.root.manager.loggerDict.items()
                if isinstance(logger, logging.Logger)}
    yield
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger):
            logger.disabled = disabled.get(name, False)


def test_every_layering_contract_is_kept(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True) == 0, \
        capsys.readouterr().out


def test_a_broken_arrow_is_caught(monkeypatch, tmp_path, capsys):
    """The same contracts refuse a storage module that imports the bot (so the check above can fail)."""
    rogue = ROOT / "storage" / "_rogue_for_test.py"
    rogue.write_text("import bot.services  # noqa: F401\n")
    try:
        monkeypatch.chdir(ROOT)
        assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True) == 1
        assert "storage._rogue_for_test -> bot.services" in capsys.readouterr().out
    finally:
        rogue.unlink()
