"""The CLI is a public surface: third parties script against its commands and options.

The snapshot in ``cli_surface.json`` lists every command with its arguments and options; a
change to it must be deliberate (regenerate with ``CEASEFIRE_UPDATE_SNAPSHOTS=1``) and noted.
The README's command table must name only commands that exist.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from typer.main import get_command

from ceasefire.cli.main import app

SNAPSHOT = Path(__file__).with_name("cli_surface.json")
README = Path(__file__).resolve().parents[2] / "README.md"


def surface(command: Any, path: str = "ceasefire") -> dict[str, Any]:
    entries: dict[str, Any] = {}
    subcommands = getattr(command, "commands", None)
    if subcommands:
        for name in sorted(subcommands):
            entries.update(surface(subcommands[name], f"{path} {name}"))
        return entries
    entries[path] = sorted(
        " ".join(param.opts) if param.param_type_name == "option" else f"<{param.name}>"
        for param in command.params
    )
    return entries


def test_cli_surface_matches_the_snapshot() -> None:
    current = surface(get_command(app))
    if os.environ.get("CEASEFIRE_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(json.dumps(current, indent=2, ensure_ascii=False) + "\n")
    assert current == json.loads(SNAPSHOT.read_text()), (
        "the CLI surface changed: if deliberate, regenerate the snapshot with "
        "CEASEFIRE_UPDATE_SNAPSHOTS=1 and say so in the README"
    )


def test_every_command_the_readme_names_exists() -> None:
    commands = set(surface(get_command(app)))
    named = set(re.findall(r"`(ceasefire(?: [a-z][a-z-]*)+)", README.read_text(encoding="utf-8")))
    assert named, "the README names no commands"
    for text in named:
        assert any(c == text or c.startswith(text + " ") for c in commands), (
            f"README mentions `{text}`, which is not a command"
        )


def test_every_command_has_help() -> None:
    group = get_command(app)
    for path in surface(group):
        command: Any = group
        for part in path.split()[1:]:
            command = command.commands[part]
        assert command.help, f"{path} has no help text"


def test_python_dash_m_runs_the_command_line() -> None:
    ran = subprocess.run(
        [sys.executable, "-m", "ceasefire", "--help"], capture_output=True, text=True, check=False
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.startswith("Usage: ceasefire ")
