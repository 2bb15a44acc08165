"""Private Slack channels for mentoring groups: a free name, the invitations, and a clear word when Slack refuses."""
from __future__ import annotations

import logging

from bot.common.errors import Refusal
from bot.mentoring.rules import with_suffix
from bot.slack.errors import reason
from bot.slack.gateway import SlackGateway

log = logging.getLogger(__name__)

MAX_NAME_ATTEMPTS = 20
_HINTS = {
    "ratelimited": "Slack is rate-limiting the app; try again in a minute",
    "missing_scope": "the app lacks a Slack permission it needs (groups:write); reinstall it from manifest.yml",
    "restricted_action": "this workspace does not let the app create private channels; ask a Slack admin",
    "invalid_auth": "the app's Slack token is not valid",
    "user_not_found": "one of the members is no longer in this Slack",
}


def _explain(exc: Exception) -> str:
    error = reason(exc)
    if error in _HINTS:
        return f"{error}: {_HINTS[error]}"
    return error if error.islower() else "Slack could not be reached"


class ChannelMaker:
    def __init__(self, gateway: SlackGateway) -> None:
        self.gateway = gateway

    async def create(self, base: str) -> tuple[str, str]:
        """(channel id, name) of a new private channel named `base`, or `base-2`, `base-3`… if taken."""
        for attempt in range(1, MAX_NAME_ATTEMPTS + 1):
            name = with_suffix(base, attempt)
            try:
                return await self.gateway.create_private_channel(name)
            except Exception as exc:  # noqa: BLE001 - every failure becomes the coordinator's answer
                if reason(exc) == "name_taken":
                    continue
                log.warning("conversations.create %s failed: %s", name, _explain(exc))
                raise Refusal(f"Slack refused to create the private channel #{name} ({_explain(exc)}). "
                              "Nothing was created or saved.") from None
        raise Refusal(f"Slack says #{base} and the names up to #{with_suffix(base, MAX_NAME_ATTEMPTS)} are all taken. "
                      "Nothing was saved; archive or rename old channels, then approve again.")

    async def invite(self, channel_id: str, name: str, user_ids: list[str]) -> None:
        try:
            await self.gateway.invite(channel_id, user_ids)
        except Exception as exc:  # noqa: BLE001
            log.warning("conversations.invite to %s failed: %s", name, _explain(exc))
            raise Refusal(f"Slack refused to invite the members to #{name} ({_explain(exc)}), so the group was not "
                          f"saved. {await self.archive_advice(channel_id, name)}") from None

    async def archive_advice(self, channel_id: str, name: str) -> str:
        """Archive a channel left without a group; say what the coordinator still has to do."""
        try:
            await self.gateway.archive(channel_id)
        except Exception as exc:  # noqa: BLE001
            log.warning("conversations.archive %s failed: %s", name, _explain(exc))
            return f"Please archive the empty channel #{name} in Slack."
        return f"The empty channel #{name} was archived."
