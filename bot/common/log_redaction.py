"""Logging that never shows tokens or secrets, whatever a library decides to log."""
from __future__ import annotations

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
