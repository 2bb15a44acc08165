"""Reading what a person typed after a slash command."""
from __future__ import annotations

import re
import shlex

MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")


def split_args(text: str | None) -> list[str]:
    try:
        return shlex.split(text or "")
    except ValueError:
        return (text or "").split()


def mention(arg: str) -> str | None:
    """The user id in an escaped mention `<@U123|name>`, or a bare user id."""
    match = MENTION.match(arg)
    if match:
        return match.group(1)
    return arg if re.fullmatch(r"[UW][A-Z0-9]{2,}", arg) else None
