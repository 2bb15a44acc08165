"""Settings from the environment (the public contract in design.md).

Every domain number is a setting whose default is the rule's value.
"""
from __future__ import annotations

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MANIFEST_HINT = "create the Slack app from manifest.yml (README, \"Create the Slack app\") and set"

SLACK_HINTS = {
    "SLACK_BOT_TOKEN": f"{MANIFEST_HINT} it to the Bot User OAuth Token (xoxb-…, OAuth & Permissions)",
    "SLACK_SIGNING_SECRET": f"{MANIFEST_HINT} it to the Signing Secret (Basic Information → App Credentials)",
    "SLACK_APP_TOKEN": f"{MANIFEST_HINT} it to an app-level token with connections:write (xapp-…, Basic Information)",
}


class ConfigError(Exception):
    """A missing or malformed setting; the message is meant for the operator as is."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore")

    database_url: str = "sqlite+aiosqlite:///trainingbot.db"
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    staff_channel: str | None = None
    staff_email: str = "instructor.training@carpentries.org"

    zoom_account_id: str | None = None
    zoom_client_id: str | None = None
    zoom_client_secret: SecretStr | None = None
    zoom_api_url: str = "https://api.zoom.us/v2"
    zoom_oauth_url: str = "https://zoom.us/oauth/token"
    zoom_webhook_secret_token: SecretStr | None = None

    host: str = "0.0.0.0"
    port: int = Field(default=3000, ge=1, le=65535)
    # A command whose answer is not ready by then is acknowledged and answered through response_url.
    ack_budget_ms: int = Field(default=500, ge=0, le=2500)
    # A form submission's outcome waits this long to go inline in the acknowledgement (where field errors can
    # show), else the form says it goes on in the background and the outcome follows by DM.
    view_budget_ms: int = Field(default=2200, ge=0, le=2800)
    # With this many slash commands in progress, new ones are acknowledged at once and queued (bot/slack/surge.py),
    # and this many queued commands run at a time.
    busy_commands: int = Field(default=8, ge=0)
    command_workers: int = Field(default=4, ge=1, le=64)
    # `trainingbot socket` gives up with one line when Slack stays out of reach this long (at most 25 s, so that
    # it has exited within 30 s).
    socket_patience_seconds: float = Field(default=20.0, gt=0, le=25)

    # Registration and seats
    registration_close_days: int = 7
    code_grace_days: int = 90
    cancel_flag_limit: int = 3
    reregister_window_days: int = 7
    # Attendance
    absence_threshold_minutes: int = 60
    makeup_limit_minutes: int = 240
    # Checkout
    checkout_days: int = 90
    # Accommodation
    accommodation_retention_days: int = 30
    # Mentoring
    mentor_min_workshops: int = 2
    mentoring_weeks: int = Field(default=10, ge=8, le=12)
    # Scheduler
    sweep_minutes: int = Field(default=5, ge=1)
    reminder_lease_seconds: int = Field(default=300, ge=1)
    work_start_hour: int = Field(default=9, ge=0, le=23)
    work_end_hour: int = Field(default=18, ge=1, le=24)
    work_weekdays: str = "0,1,2,3,4"  # Monday = 0
    channel_reminder_hour: int = Field(default=15, ge=0, le=23)

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        from sqlalchemy.engine import make_url

        try:
            make_url(value)
        except ValueError as exc:  # e.g. a port that is not a number; the message names no part of the URL
            raise ValueError(f"is not a valid database URL ({_url_problem(exc)})") from None
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    def missing_slack(self, *, socket_mode: bool) -> list[str]:
        """Names of the Slack settings this mode needs and does not have."""
        needed = ["SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"] if socket_mode else [
            "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"]
        return [name for name in needed if getattr(self, name.lower()) is None]

    def require_slack(self, *, socket_mode: bool = False) -> None:
        missing = self.missing_slack(socket_mode=socket_mode)
        if missing:
            raise ConfigError("\n".join(f"{name} is not set: {SLACK_HINTS[name]}." for name in missing))

    @field_validator("work_weekdays")
    @classmethod
    def _weekdays(cls, value: str) -> str:
        days = [d.strip() for d in value.split(",") if d.strip()]
        if not days or any(d not in "0123456" or len(d) != 1 for d in days):
            raise ValueError("must be weekday numbers 0 (Monday) to 6 (Sunday), comma-separated")
        return ",".join(days)

    @property
    def weekdays(self) -> frozenset[int]:
        return frozenset(int(d) for d in self.work_weekdays.split(","))

    @property
    def zoom_configured(self) -> bool:
        return bool(self.zoom_account_id and self.zoom_client_id and self.zoom_client_secret)


def _url_problem(exc: ValueError) -> str:
    return "the port is not a number" if "int()" in str(exc) else "it cannot be parsed"


def hide_password(url: str) -> str:
    """A database URL as it may be shown: any password replaced, even in a URL that does not parse, and even one
    holding `@` or `/` unescaped (the user part ends at the last `@`, so more may be hidden, never less)."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    userinfo, _, host = rest.rpartition("@")
    user, colon, _ = userinfo.partition(":")
    return f"{scheme}://{user}{':***' if colon else ''}@{host}"


def load_settings(**overrides) -> Settings:
    """Read the environment; a malformed value becomes one ConfigError line per variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = str(err["loc"][0]).upper() if err["loc"] else "?"
            value = err.get("input")
            if name == "DATABASE_URL" and isinstance(value, str):
                value = hide_password(value)
            shown = "" if "TOKEN" in name or "SECRET" in name else f" (got {value!r})"
            lines.append(f"{name} is malformed: {err['msg']}{shown}.")
        raise ConfigError("\n".join(lines)) from None
