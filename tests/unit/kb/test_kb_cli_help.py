"""`python -m kb_index --help` explains every command an editor needs."""

from __future__ import annotations

import pytest

from kb_index.cli import build_parser

COMMANDS = ("build", "search", "lint", "versions", "publish", "rollback", "eval", "calibrate", "replay", "serve")


def test_main_help_lists_every_command_with_an_explanation(capsys):
    with pytest.raises(SystemExit) as done:
        build_parser().parse_args(["--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    for command in COMMANDS:
        line = next(line for line in text.splitlines() if line.strip().startswith(command + " "))
        assert len(line.split()) > 3, line  # the name and some words saying what it does


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_has_its_own_help(capsys, command):
    with pytest.raises(SystemExit) as done:
        build_parser().parse_args([command, "--help"])
    assert done.value.code == 0 and f"usage: python -m kb_index {command}" in capsys.readouterr().out
