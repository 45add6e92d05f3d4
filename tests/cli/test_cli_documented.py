"""Every command and option of the command line is documented, in --help and in the README."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys

import pytest
from mdkg.cli import build_parser
from mdkg.settings import default_project_root

README = (default_project_root() / "README.md").read_text(encoding="utf-8")


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert actions, "mdkg has no subcommands"
    return dict(actions[0].choices)


COMMANDS = sorted(_subcommands())


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_and_a_readme_line(name: str) -> None:
    command = _subcommands()[name]
    assert command.description, f"mdkg {name} has no description"
    assert re.search(rf"mdkg {re.escape(name)}\b", README), f"the README does not mention `mdkg {name}`"


@pytest.mark.parametrize("name", COMMANDS)
def test_every_option_is_explained(name: str) -> None:
    for action in _subcommands()[name]._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        assert action.help, f"mdkg {name}: {action.dest} has no help text"
        for flag in action.option_strings:
            if flag.startswith("--"):
                assert flag in README, f"the README does not mention {flag} (mdkg {name})"


def test_help_runs_as_a_process() -> None:
    done = subprocess.run([sys.executable, "-m", "mdkg.cli", "--help"], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0
    for name in COMMANDS:
        assert name in done.stdout
