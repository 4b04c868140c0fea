"""pytest plugin: every template a test synthesizes is checked against the IAM authorization reference.

It hooks into the template recorder of ``tests/support/template_lint.py`` (which sees every
``App.synth()``, ``Stage.synth()`` and ``Template.from_stack()`` of the session): each new
template's IAM statements are checked at once, in the test that synthesized it, so a wrong
statement fails that test with the policy's logical id and the statement's Sid
(:mod:`support.iam_reference`).
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from .iam_reference import assert_template_authorized

PLUGIN_NAME = "iam-reference"


class IamReferencePlugin:
    """Wraps the recorder's ``on_new`` callback."""

    def __init__(self) -> None:
        self.checked = 0

    def attach(self, recorder: Any) -> None:
        previous = recorder.on_new

        def on_new(digest: str, entry: Any) -> None:
            if previous is not None:
                previous(digest, entry)
            self.checked += 1
            origin = os.environ.get("PYTEST_CURRENT_TEST", "outside a test").removesuffix(" (call)")
            assert_template_authorized(json.loads(entry.text), f"{entry.file_name} (synthesized by {origin})")

        recorder.on_new = on_new

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.checked:
            terminalreporter.write_line(
                f"IAM authorization reference: {self.checked} distinct templates' policies checked"
            )


def register(config: pytest.Config) -> None:
    """Register after ``template_lint.register`` (whose recorder this plugin uses)."""
    if config.pluginmanager.has_plugin(PLUGIN_NAME):
        return
    lint = config.pluginmanager.get_plugin("template-lint")
    if lint is None:
        return
    plugin = IamReferencePlugin()
    plugin.attach(lint.recorder)
    config.pluginmanager.register(plugin, PLUGIN_NAME)
