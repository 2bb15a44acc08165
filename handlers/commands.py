"""The subcommand tree of a slash command: one table drives dispatch, the role each subcommand needs, and help."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.common.roles import Access
from handlers.requests import Command

Handler = Callable[[Command], Awaitable[None]]


@dataclass(frozen=True)
class Sub:
    """One subcommand, or a group of them (`subs`). `role` is the role it needs anywhere (bot.common.roles; staff
    may use everything); who may act on *which* event or person is the service's to check."""

    name: str
    args: str
    help: str
    run: Handler | None = None
    role: str | None = None
    subs: tuple[Sub, ...] = ()


class CommandTree:
    def __init__(self, command: str, title: str, subs: list[Sub], access: Access, *, bare: Sub | None = None,
                 footer: str = "") -> None:
        """`bare` runs for the command alone (by default it answers with help)."""
        self.command, self.title, self.subs, self.access = command, title, tuple(subs), access
        self.bare, self.footer = bare, footer

    async def __call__(self, cmd: Command) -> None:
        if not cmd.args and self.bare is not None:
            await self.bare.run(cmd)
            return
        level, path = self.subs, []
        while True:
            word = cmd.args[0].lower() if cmd.args else "help"
            sub = next((s for s in level if s.name == word), None)
            if sub is None:
                unknown = "" if word == "help" else f"I don't know `{word}`.\n"
                await cmd.answer(unknown + self.usage(path))
                return
            path.append(sub.name)
            await self.access.require(cmd.user_id, sub.role, f"`{self.command} {' '.join(path)}`")
            cmd.args = cmd.args[1:]
            if not sub.subs:
                await sub.run(cmd)
                return
            level = sub.subs

    def usage(self, path: list[str] | None = None) -> str:
        """Help for the top level, or for a group (`["admin"]`)."""
        level, title, footer = self.subs, self.title, self.footer
        for name in path or []:
            group = next(s for s in level if s.name == name)
            level, title, footer = group.subs, group.help, ""
        prefix = " ".join([self.command, *(path or [])])
        lines = [f"*`{prefix}`* — {title}"]
        if self.bare is not None and not path:
            lines.append(f"• `{prefix}` — {self.bare.help}")
        for sub in level:
            shown = " ".join(part for part in (prefix, sub.name, sub.args) if part)
            lines.append(f"• `{shown}` — {sub.help}")
        lines.append(f"• `{prefix} help` — this message")
        return "\n".join(lines) + (f"\n{footer}" if footer else "")
