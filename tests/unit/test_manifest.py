"""manifest.yml is a valid Slack manifest and declares what the design needs."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT.parent / "shared" / "slack" / "manifest.schema.1.0.0.json"


@pytest.fixture(scope="module")
def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


@pytest.mark.skipif(not SCHEMA.exists(), reason="shared/slack schema not beside the checkout")
def test_manifest_validates_against_slacks_schema(manifest):
    jsonschema.validate(manifest, json.loads(SCHEMA.read_text()))


def test_manifest_has_the_four_commands_scopes_home_and_events(manifest):
    commands = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert commands == {"/training", "/accommodation", "/mentoring", "/attendance"}
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "im:write", "users:read", "users:read.email", "groups:write",
            "files:read", "files:write"} <= scopes
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert "app_home_opened" in manifest["settings"]["event_subscriptions"]["bot_events"]
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert all(c["url"].endswith("/slack/events") for c in manifest["features"]["slash_commands"])


def test_every_command_gets_mentions_escaped(manifest):
    """With should_escape a mention picked from Slack's list arrives as `<@U…>`, the one form that names a person
    unambiguously; handlers/words.py still reads a plain `@name`, `<@U…|name>` and emails."""
    assert [c["should_escape"] for c in manifest["features"]["slash_commands"]] == [True] * 4
