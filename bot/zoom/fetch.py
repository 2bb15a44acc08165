"""Fetching an event's participant reports from the Zoom API, when Zoom is configured."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

import aiohttp

from bot.common.errors import InputError
from bot.config import Settings
from bot.zoom.client import ZoomClient, ZoomError

Fetcher = Callable[[str, list[tuple[datetime, datetime]]], Awaitable[list[dict]]]


def zoom_fetcher(settings: Settings) -> Fetcher | None:
    if not settings.zoom_configured:
        return None

    async def fetch(meeting_id: str, windows: list[tuple[datetime, datetime]]) -> list[dict]:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http:
            client = ZoomClient(http, api_url=settings.zoom_api_url, oauth_url=settings.zoom_oauth_url,
                                account_id=settings.zoom_account_id, client_id=settings.zoom_client_id,
                                client_secret=settings.zoom_client_secret.get_secret_value())
            try:
                return await client.instance_reports(meeting_id, windows)
            except ZoomError as exc:
                raise InputError(f"Zoom: {exc}") from None

    return fetch
