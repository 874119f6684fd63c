"""One meaning per flag across every command (issue 13 item 6), walked from the registered click commands: ``-o``
is the output format wherever it exists, ``--out`` a directory, ``--quiet``/``--verbose`` everywhere, ``--platform``
on every command that reads a catalog, and every ``--help`` states the exit status. A new command is held to the
same, and must be classed below as reading a catalog or not."""

from __future__ import annotations

import enum
import re
from pathlib import Path
from typing import Any

import pytest
import typer

from hearth.cli import app
from tools import RunHearth

COMMANDS: dict[str, Any] = typer.main.get_command(app).commands  # type: ignore[attr-defined]
WEB = str(Path(__file__).resolve().parent.parent / "fixtures" / "valid" / "web")

#: Every short flag and the one long option it stands for, in every command that has it.
SHORT = {
    "-o": "--output",
    "-p": "--platform",
    "-q": "--quiet",
    "-v": "--verbose",
    "-b": "--build",
    "-t": "--tags",
    "-j": "--concurrency",
    "-y": "--yes",
}
READS_A_CATALOG = {
    "validate", "plan", "graph", "render", "build", "check", "docs", "bootstrap", "apply", "diff", "status",
    "destroy", "doctor",
}  # fmt: skip
#: The commands without --platform, and why.
NO_CATALOG = {
    "init": "writes a catalog, from the packaged seed or blank one",
    "schema": "explains the models, not a catalog",
    "reach": "reads any Kubernetes manifests",
}


def options(name: str) -> list[Any]:
    """The options (not the arguments) of command ``name``."""
    return [p for p in COMMANDS[name].params if p.param_type_name == "option"]


def test_every_command_is_classed() -> None:
    assert READS_A_CATALOG.isdisjoint(NO_CATALOG)
    assert set(COMMANDS) == READS_A_CATALOG | set(NO_CATALOG)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_one_meaning_per_short_flag(name: str) -> None:
    for option in options(name):
        for flag in option.opts + option.secondary_opts:
            if flag.startswith("-") and not flag.startswith("--"):
                assert flag in SHORT, f"hearth {name}: {flag} is not a known short flag"
                assert SHORT[flag] in option.opts, f"hearth {name}: {flag} stands for {option.opts}, not {SHORT[flag]}"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_dash_o_is_a_format_and_out_a_directory(name: str) -> None:
    for option in options(name):
        annotation = option.type_descriptor.annotation
        if "-o" in option.opts or "--output" in option.opts:
            assert isinstance(annotation, type) and issubclass(annotation, enum.Enum), (
                f"hearth {name}: -o/--output is {annotation}, not a format"
            )
            assert {"-o", "--output"} <= set(option.opts)
        if "--out" in option.opts:
            assert annotation is Path, f"hearth {name}: --out is {annotation}, not a directory"
            assert option.opts == ["--out"], f"hearth {name}: --out has another name: {option.opts}"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_quiet_verbose_and_platform(name: str) -> None:
    flags = {tuple(sorted(o.opts)) for o in options(name)}
    assert ("--quiet", "-q") in flags
    assert ("--verbose", "-v") in flags
    assert (("--platform", "-p") in flags) == (name in READS_A_CATALOG)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_help_states_the_exit_status(hearth: RunHearth, name: str) -> None:
    result = hearth(name, "--help")
    assert result.exit_code == 0, result.output
    text = " ".join(re.sub(r"[│╭╮╰╯─]", " ", result.stdout).split())
    statement = text.split("Exit status: ", 1)
    assert len(statement) == 2, f"hearth {name} --help says nothing of its exit status"
    assert "0 " in statement[1][:200] and "2 " in statement[1][:200]


# What --quiet and --verbose change, measured on commands with stages and warnings: (arguments, what stderr holds
# by default (None: nothing), with --verbose). With --quiet it holds nothing. A stamped line is "> [+0.123 s] ...".
STAMPED = r"^> \[\+\d+\.\d{3} s\] "
CASES = [
    (["validate"], r"^warning: stated order ", STAMPED + "load: "),
    (["plan", "--platform", WEB], None, STAMPED + "plan: "),
    (["graph", "--platform", WEB], None, r"^>\s+\d+ components, \d+ edges$"),
    (["render", "--platform", WEB], r"^> resolve: ", STAMPED + "resolve: "),
    (["schema", "-o", "json", "--file", "claims"], None, STAMPED + "generate: "),
]


@pytest.mark.parametrize(("args", "normal", "verbose"), CASES, ids=[c[0][0] for c in CASES])
def test_quiet_and_verbose_do_what_they_say(
    hearth: RunHearth, tmp_path: Path, args: list[str], normal: str | None, verbose: str
) -> None:
    extra = ["--out", str(tmp_path / "b")] if args[0] == "render" else []
    runs = {flag: hearth(*args, *extra, *([flag] if flag else [])) for flag in ("", "--quiet", "--verbose")}
    for flag, run in runs.items():
        assert run.exit_code == 0, (flag, run.output)
    assert len({run.stdout for run in runs.values()}) == 1, "they change what is said beside the result, not it"
    if normal is None:
        assert runs[""].stderr == ""
    else:
        assert re.search(normal, runs[""].stderr, re.MULTILINE), runs[""].stderr
    assert runs["--quiet"].stderr == ""
    assert re.search(verbose, runs["--verbose"].stderr, re.MULTILINE), runs["--verbose"].stderr
    assert re.search(STAMPED + "done$", runs["--verbose"].stderr, re.MULTILINE)


def test_quiet_and_verbose_exclude_each_other(hearth: RunHearth) -> None:
    result = hearth("validate", "--quiet", "--verbose")
    assert result.exit_code == 2
    assert result.stderr == "error: --quiet and --verbose exclude each other\n"


def test_dash_o_is_no_longer_a_directory(hearth: RunHearth, tmp_path: Path) -> None:
    result = hearth("render", "-o", str(tmp_path / "b"))
    assert result.exit_code == 2  # json/table is not a path, and render prints no format
    assert not (tmp_path / "b").exists()
