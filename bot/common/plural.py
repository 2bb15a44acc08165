"""Counted nouns for summary lines: "1 organisation", "2 organisations"."""
from __future__ import annotations


def counted(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n} {singular if n == 1 else plural or singular + 's'}"
