"""Counted nouns in summary lines."""
from __future__ import annotations

from bot.common.plural import counted


def test_one_is_singular_and_every_other_count_plural():
    assert counted(1, "organisation") == "1 organisation"
    assert counted(0, "organisation") == "0 organisations"
    assert counted(2, "new registration") == "2 new registrations"


def test_an_irregular_plural_is_used_as_given():
    assert counted(1, "day") == "1 day"
    assert counted(3, "entry", "entries") == "3 entries"
