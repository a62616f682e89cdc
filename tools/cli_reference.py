"""Write docs/cli.md, the reference of every zoogen command, from the click commands' own help.

    python3 tools/cli_reference.py          write docs/cli.md
    python3 tools/cli_reference.py --check  exit 1 when docs/cli.md is not up to date
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from zoogen.cli import cli

OUTPUT = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def _sections(command: click.Command, path: list[str]) -> list[str]:
    name = " ".join(path)
    with click.Context(command, info_name=name, terminal_width=100, max_content_width=100) as context:
        text = command.get_help(context)
    sections = [f"## `{name}`\n\n```text\n{text}\n```\n"]
    if isinstance(command, click.Group):
        for sub_name in command.list_commands(context):
            sub = command.get_command(context, sub_name)
            if sub is not None and not sub.hidden:
                sections += _sections(sub, [*path, sub_name])
    return sections


def reference() -> str:
    """The whole page: one section per command, in the order of ``zoogen --help``."""
    head = ("# Command-line reference\n\n"
            "Generated from the commands' help by `python3 tools/cli_reference.py`; do not edit by hand.\n\n")
    return head + "\n".join(_sections(cli, ["zoogen"]))


def main() -> int:
    text = reference()
    if "--check" in sys.argv[1:]:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.is_file() else ""
        if current != text:
            print(f"{OUTPUT} is out of date: run python3 tools/cli_reference.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
