"""Logging that never shows tokens or secrets, whatever a library decides to log."""
from __future__ import annotations

import functools
import logging
import re

TOKEN_PATTERN = re.compile(r"xox[abposr]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|Bearer\s+\S+|Basic\s+[A-Za-z0-9+/=]+")


class RedactingFilter(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 6]

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "[redacted]")
        return TOKEN_PATTERN.sub("[redacted]", text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.redact(message)
        if clean != message or record.exc_info:
            if record.exc_info:
                clean = self.redact(clean + "\n" + logging.Formatter().formatException(record.exc_info))
                record.exc_info = None
                record.exc_text = None
            record.msg, record.args = clean, None
        return True


def configure_logging(secrets: list[str], level: int = logging.INFO) -> None:
    """Root logging to stderr with redaction on the handler, so records from every logger pass it."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # A line per HTTP request is one per Slack event, costlier than many a command; refused ones are logged by
    # bot.slack.guard, failures by the listener boundary.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)


class _WithoutSqlParameters(logging.Filter):
    """aiosqlite logs each call at DEBUG with its SQL parameters (a person's text, say): keep the call's name,
    drop its arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(getattr(a.func, "__qualname__", "call") if isinstance(a, functools.partial) else a
                                for a in record.args)
        return True


def hide_sql_parameters() -> None:
    logger = logging.getLogger("aiosqlite")
    if not any(isinstance(f, _WithoutSqlParameters) for f in logger.filters):
        logger.addFilter(_WithoutSqlParameters())


def quiet_logger(name: str) -> logging.Logger:
    """A logger for the Slack client: slack_sdk logs request bodies (messages, tokens' neighbours) at DEBUG
    whenever its logger's own level is DEBUG or unset."""
    logger = logging.getLogger(name)
    logger.setLevel(logging.WARNING)
    return logger
