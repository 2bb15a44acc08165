"""Putting text a person or Zoom supplied into Slack's mrkdwn, as text and never as markup."""
from __future__ import annotations


def escape(text: str) -> str:
    """Escape `&`, `<` and `>`, so `<!channel>`, `<@U…>` or `<https://evil|click>` in it stay plain text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quote(text: str) -> str:
    """A block quote of what someone wrote, escaped line by line."""
    return "\n".join(f">{line}" for line in escape(text).splitlines() or [""])
