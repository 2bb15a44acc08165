"""Errors the services raise; handlers and the CLI turn them into messages."""
from __future__ import annotations


class InputError(Exception):
    """A bad file or argument: one line naming the file, the place and the problem (CLI exit 2)."""


class Refusal(Exception):
    """A request the rules do not allow; `message` says what to do instead.

    `field` names the form field it belongs to, so a modal can show it inline.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(Refusal):
    """The person lacks the role for this action."""


def is_unavailable(exc: BaseException) -> bool:
    """True when the database (or the network to it) is down, rather than the request being wrong."""
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, (OperationalError, InterfaceError, PoolTimeout, OSError, ConnectionError))


class TriggerExpired(Exception):
    """Slack's trigger for opening a form had expired (it lives about 3 seconds)."""


class SlackUnavailable(Exception):
    """Slack could not be reached (5xx, DNS, a dropped connection): nothing was done; try again."""
