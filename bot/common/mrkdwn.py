"""Putting text a person or Zoom supplied into Slack's mrkdwn, as text and never as markup."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

SECTION_LIMIT = 3000  # characters of a section's (or a context element's) text
_ENTITY_TAIL = re.compile(r"&[a-z]{0,3}$")  # a cut ending here would split `&amp;`, `&lt;` or `&gt;`
_NOT_IN_URL = re.compile(r"[\s<>|]")


def escape(text: str) -> str:
    """Escape `&`, `<` and `>`, so `<!channel>`, `<@U…>` or `<https://evil|click>` in it stay plain text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """What `escape` made, back to the text (for plain_text places such as a form's inline error)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def quote(text: str) -> str:
    """A block quote of what someone wrote, escaped line by line."""
    return "\n".join(f">{line}" for line in escape(text).splitlines() or [""])


def is_web_url(text: str) -> bool:
    """An http(s) link with a host and nothing that could end or disguise a Slack link (`<`, `>`, `|`, spaces)."""
    if _NOT_IN_URL.search(text):
        return False
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(host)


def link(url: str, label: str | None = None) -> str:
    """A link to `url` showing `label` (or the url); a url that is not a web link is shown as text only."""
    if not is_web_url(url):
        return escape(label or url)
    return f"<{escape(url)}|{escape(label or url)}>"


def _safe_end(text: str, end: int) -> int:
    """`end`, moved back so that text[:end] does not end inside an entity."""
    tail = _ENTITY_TAIL.search(text, max(0, end - 4), end)
    return tail.start() if tail and tail.end() == end else end


def cut(text: str, limit: int = SECTION_LIMIT) -> str:
    """Escaped text within `limit` characters, never cut inside an entity; a cut is marked with `…`."""
    if len(text) <= limit:
        return text
    return text[:_safe_end(text, limit - 1)] + "…"


def split(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Escaped text in pieces of at most `limit` characters, for one section each: split at a line break where
    possible, else at a space, and never inside an entity. Only the line break a split falls on is dropped."""
    pieces = []
    while len(text) > limit:
        window = text[:limit + 1]
        at = window.rfind("\n")
        if at > 0:
            pieces.append(text[:at])
            text = text[at + 1:]
            continue
        at = max(window.rfind(" "), window.rfind("\t"))
        end = (min(at + 1, limit) if at > 0 else _safe_end(text, limit)) or limit
        pieces.append(text[:end])
        text = text[end:]
    return pieces + [text] if text or not pieces else pieces


def quote_split(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """`quote(text)` in pieces for one section each; a piece that continues a long line is quoted again."""
    return [p if p.startswith(">") else f">{p}" for p in split(quote(text), limit - 1)]
