"""What `--help` says: whole short descriptions at 80 columns, help on every option, true claims."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from cnntune.cli import cli


def _help(*args: str) -> str:
    result = CliRunner().invoke(cli, [*args, "--help"], terminal_width=80, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("group", [[], ["data"], ["space"]])
def test_command_lists_show_whole_short_descriptions_at_80_columns(group):
    text = _help(*group)
    listed = text.split("Commands:", 1)[1].strip().splitlines()

    assert listed and all(not line.rstrip().endswith("...") for line in listed), listed


def _commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))
        else:
            yield (*prefix, name), command


@pytest.mark.parametrize("path", [p for p, _ in _commands(cli)], ids=" ".join)
def test_every_option_of_every_command_has_help_text(path):
    command = dict(_commands(cli))[path]
    missing = [p.opts[0] for p in command.params if isinstance(p, click.Option) and not p.help]

    assert missing == [], f"tune {' '.join(path)}: {missing}"


def test_start_help_says_what_the_study_name_defaults_to():
    text = " ".join(_help("start").split())

    assert "default: the data folder's name" in text
    assert "the store's only study" not in text.split("--study", 1)[1].split("--storage", 1)[0]
    assert "measured better" not in text  # no claim without a benchmark behind it
    assert "--more" in text and "in all, counting earlier runs" in text


def test_docs_command_reference_lists_every_command_and_option():
    from pathlib import Path

    page = (Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text(encoding="utf-8")
    section = page.split("# Command reference", 1)[1]
    lines = {line.split("`")[1]: line for line in section.splitlines() if line.startswith("- `tune ")}

    for path, command in _commands(cli):
        line = lines.get(f"tune {' '.join(path)}") or next(
            (v for k, v in lines.items() if k.split()[: len(path) + 1] == ["tune", *path]), None
        )
        assert line is not None, f"tune {' '.join(path)} is missing from docs/cli.md"
        for option in (p for p in command.params if isinstance(p, click.Option)):
            assert f"`{option.opts[0]}" in line, f"tune {' '.join(path)}: {option.opts[0]} missing in docs/cli.md"
