"""YAML reading for operator files: no aliases (no YAML bombs), a size cap, line numbers kept."""
from __future__ import annotations

import yaml
from yaml.events import AliasEvent

from bot.common.errors import InputError

MAX_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 20  # the calendar needs 4
LINE_KEY = "__line__"


class _Loader(yaml.SafeLoader):
    depth = 0

    def compose_node(self, parent, index):
        if self.check_event(AliasEvent):
            event = self.peek_event()
            raise yaml.YAMLError(f"line {event.start_mark.line + 1}: aliases (*name) are not allowed")
        if self.depth >= MAX_DEPTH:  # composing recurses: deeper nesting would end in a RecursionError
            event = self.peek_event()
            raise yaml.YAMLError(f"line {event.start_mark.line + 1}: nested more than {MAX_DEPTH} levels deep")
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep=deep)
        mapping[LINE_KEY] = node.start_mark.line + 1
        return mapping


def load_yaml(data: bytes, source: str):
    if len(data) > MAX_BYTES:
        raise InputError(f"{source}: file is {len(data) // 1024 // 1024} MB; the limit is 5 MB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{source}: not UTF-8 text (byte {exc.start})") from None
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(f"{source}: {where}not valid YAML ({problem})") from None


# Dates stay text so that our own parser names the entry of a bad one (2026-13-45).
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
