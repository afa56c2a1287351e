"""`inspect-app --help` answers at once: it lists the commands without building the app."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from inspect_app.cli import APP_COMMANDS
from inspect_app.cli import main

HEAVY = ("pandas", "docx", "PIL", "openpyxl", "boto3")
ENTRY = "from inspect_app.cli import main; main(prog_name='inspect-app')"


def _imported_by(*args: str) -> tuple[str, set[str]]:
    """Run ``inspect-app ARGS`` (as its console script does) under ``-X importtime``: its output and imports."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("INSPECT_")}
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", ENTRY, *args], env=env,
                          capture_output=True, text=True, check=True, timeout=60)
    modules = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines()
               if line.startswith("import time:") and line.count("|") == 2}
    return done.stdout, modules


def test_help_imports_no_heavy_library_and_lists_every_command() -> None:
    output, modules = _imported_by("--help")

    assert "inspect_app.cli" in modules  # the listing below is real: -X importtime did report
    assert sorted(name for name in modules if name.split(".")[0] in HEAVY) == []
    assert "inspect_app.app" not in modules and "sqlalchemy" not in modules
    listed = {line.split()[0] for line in output.split("Commands:")[1].splitlines() if line.strip()}
    assert listed == set(APP_COMMANDS) | {"serve", "worker", "run", "shell", "routes"}
    assert "Manage accounts." in output


def test_the_listed_commands_are_the_apps_with_their_help(app: Flask) -> None:
    assert set(app.cli.commands) == set(APP_COMMANDS)
    for name, command in app.cli.commands.items():
        first_paragraph = " ".join((command.help or "").split("\n\n")[0].split())
        assert APP_COMMANDS[name] == first_paragraph, name


def test_a_command_of_the_app_still_runs_through_the_group(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INSPECT_INSTANCE_PATH", str(tmp_path))
    result = CliRunner().invoke(main, ["users", "--help"])

    assert result.exit_code == 0, result.output
    assert "Manage accounts." in result.output
