"""The Slack Web API client: SLACK_API_URL, slack_sdk's retry handlers, and a logger that never logs bodies."""
from __future__ import annotations

from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.web.async_client import AsyncWebClient

from bot.common.log_redaction import quiet_logger
from bot.config import Settings


def make_client(settings: Settings, *, retries: int = 2, backoff: float = 0.5) -> AsyncWebClient:
    """A client that retries rate limits (429, honouring Retry-After), 5xx answers and dropped connections,
    waiting `backoff` × 2^attempt seconds (with jitter) between tries."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    waits = BackoffRetryIntervalCalculator(backoff_factor=backoff)
    return AsyncWebClient(
        token=token, base_url=settings.slack_api_url, timeout=15, logger=quiet_logger("bot.slack.client"),
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=retries, interval_calculator=waits),
            AsyncRateLimitErrorRetryHandler(max_retry_count=retries),
            AsyncServerErrorRetryHandler(max_retry_count=retries, interval_calculator=waits),
        ])
