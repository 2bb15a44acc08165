"""Reading what a person typed after a slash command, and finding the people it names."""
from __future__ import annotations

import re
import shlex

from bot.common.errors import Refusal
from bot.common.mrkdwn import escape, unescape
from bot.slack.gateway import SlackGateway

MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
MAILTO = re.compile(r"^<mailto:([^|>]+)(?:\|[^>]*)?>$")
EMAIL = re.compile(r"^[^@\s<>|]+@[^@\s<>|]+\.[^@\s<>|]+$")
NAME = re.compile(r"^@([^@<>]+)$")  # a name with spaces arrives whole only in quotes: "@Grace Hopper"


def split_args(text: str | None) -> list[str]:
    """The words typed, as typed: Slack (should_escape) sends `&`, `<`, `>` as entities, kept only inside its own
    `<…>` tokens (mentions, channels, links), which the readers below take apart."""
    try:
        words = shlex.split(text or "")
    except ValueError:
        words = (text or "").split()
    return [w if w.startswith("<") and w.endswith(">") else unescape(w) for w in words]


def mention(arg: str) -> str | None:
    """The user id in an escaped mention `<@U123|name>` or `<@U123>`, or a bare user id."""
    match = MENTION.match(arg)
    if match:
        return match.group(1)
    return arg if USER_ID.match(arg) else None


def email_in(arg: str) -> str | None:
    """The address in `<mailto:a@b.org|a@b.org>` (how Slack escapes a typed email) or a bare `a@b.org`."""
    mailto = MAILTO.match(arg)
    address = mailto.group(1) if mailto else arg
    return address if EMAIL.match(address) else None


async def person(slack: SlackGateway, arg: str, *, emails: bool = True) -> str | None:
    """The Slack user id of a person as typed: a mention as Slack escapes it (`<@U…|name>`, `<@U…>`), a bare user
    id, an email (looked up in Slack unless `emails` is False, when the address itself is returned), or a plain
    `@name` as Slack sends it unescaped (a handle, display name or real name, in any case). None when `arg` is
    none of these; a Refusal naming it when no one, or more than one person, answers to it."""
    found = mention(arg)
    if found:
        return found
    address = email_in(arg)
    if address:
        if not emails:
            return address
        found = await slack.user_by_email(address)
        if found is None:
            raise Refusal(f"No one in this Slack has the email {escape(address)}; nothing was changed.")
        return found
    typed = NAME.match(arg)
    if not typed:
        return None
    name = " ".join(typed.group(1).split()).casefold()
    matches = [m.user_id for m in await slack.directory() if name in (n.casefold() for n in m.names)]
    if not matches:
        raise Refusal(f"I don't know anyone called {escape(arg)} in this Slack; nothing was changed. Pick them "
                      "from the list Slack offers as you type `@`.")
    if len(matches) > 1:
        raise Refusal(f"More than one person here is called {escape(arg)}; nothing was changed. Pick the one you "
                      "mean from the list Slack offers as you type `@`.")
    return matches[0]
