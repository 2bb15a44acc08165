"""What this process knows about its standing with Slack, for /healthz and the start-up summary."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class SlackHealth:
    token_problem: str | None = None  # Slack refused the app's token or scopes: nothing can be sent
    staff_channel_problem: str | None = None  # staff messages wait until the channel works

    def problems(self) -> dict[str, str]:
        found = {"slack_token": self.token_problem, "staff_channel": self.staff_channel_problem}
        return {name: problem for name, problem in found.items() if problem}
