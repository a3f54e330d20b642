"""Conventions of the command line (issue 11, item 8): --quiet and --verbose on every command, -q and -p only with
Manim's meanings (quality, preview), every choice listed in --help with its default."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from riemann_nn.cli import main

COMMANDS = sorted(main.commands)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_quiet_and_verbose(name):
    options = {opt for param in main.commands[name].params for opt in getattr(param, "opts", [])}
    assert {"--quiet", "--verbose"} <= options


@pytest.mark.parametrize("name", COMMANDS)
def test_short_flags_never_mean_otherwise_than_in_manim(name):
    """``-q`` is the quality and ``-p`` the preview wherever they exist, as Manim has them."""
    for param in main.commands[name].params:
        opts = set(getattr(param, "opts", []))
        if "-q" in opts:
            assert "--quality" in opts
        if "-p" in opts:
            assert "--preview" in opts


@pytest.mark.parametrize("name", COMMANDS)
def test_choices_are_listed_with_their_defaults(name):
    """An option with a fixed set of values shows them; one with a default says it (in click's [default: ...] or
    in its help's brackets)."""
    command = main.commands[name]
    context = click.Context(command)
    for param in command.params:
        if not isinstance(param, click.Option) or param.is_flag or param.name in ("help",):
            continue
        if isinstance(param.type, click.Choice):
            text = param.get_help_record(context)[0]
            assert all(choice in text for choice in param.type.choices), (name, param.name)
        default = param.get_default(context, call=False)
        if isinstance(default, (int, float, str)) and not isinstance(default, bool):  # not None, (), click's unset
            assert param.show_default or "[" in (param.help or ""), (name, param.name)


def test_quiet_and_verbose_together_are_refused():
    result = CliRunner().invoke(main, ["presets", "--quiet", "--verbose"])
    assert result.exit_code != 0 and "give --quiet or --verbose, not both" in result.output
