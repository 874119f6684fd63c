"""Commands import only what they use (issue 15): each command runs in a fresh interpreter, which then lists the
modules it imported. ``hearth validate`` must not pay for the renderer, the auditor, the deployer, the Vault or
Kubernetes clients, or rich; a command that does use them is the control that shows the probe sees an import."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

import hearth
from hearth.cli import COMMANDS, app

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SRC = Path(hearth.__file__).resolve().parent.parent

# Run the command as `hearth ARGS` does, then print the imported modules' names as the last line of stdout.
PROBE = """
import json, sys
from hearth.cli import app
try:
    app(sys.argv[1:], prog_name="hearth")
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""

PIPELINE = ["hearth.render", "hearth.verify", "hearth.deploy", "hearth.bootstrap", "hearth.docs", "hearth.resolve"]
CLIENTS = ["kubernetes", "hvac", "jsonschema", "requests", "urllib3"]

# (arguments, modules that must not be imported, modules that must be)
CASES = [
    (["validate"], [*PIPELINE, *CLIENTS, "rich"], ["hearth.catalog.loader"]),
    (["validate", "--platform", str(FIXTURES / "valid" / "web")], [*PIPELINE, *CLIENTS, "rich"], []),
    (["plan", "-o", "json"], [*PIPELINE, *CLIENTS], ["hearth.graph"]),
    (["graph"], [*PIPELINE, *CLIENTS, "rich"], []),
    (["--version"], ["hearth.catalog", "pydantic", *PIPELINE, *CLIENTS, "rich"], []),
    # The control: auditing a build imports the auditor, and nothing of the deployer (hearth.deploy itself is a
    # constant the provisioning roles share).
    (
        ["check", "--build", str(FIXTURES / "check" / "compliant"), "-o", "json"],
        ["hearth.deploy.engine", "hearth.deploy.kube", "kubernetes"],
        ["hearth.verify"],
    ),
]


def imported(args: list[str]) -> set[str]:
    """The modules a fresh interpreter has imported after running ``hearth ARGS``."""
    run = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    result = json.loads(run.stdout.splitlines()[-1])
    assert result["code"] in (0, 1, None), run.stderr
    return set(result["modules"])


@pytest.mark.parametrize(("args", "absent", "present"), CASES, ids=[" ".join(c[0][:2]) for c in CASES])
def test_a_command_imports_only_what_it_uses(args: list[str], absent: list[str], present: list[str]) -> None:
    modules = imported(args)
    loaded = sorted(m for m in modules if any(m == name or m.startswith(f"{name}.") for name in absent))
    assert loaded == [], f"hearth {' '.join(args)} imported {loaded}"
    assert set(present) <= modules


def test_a_command_named_first_is_built_alone_and_behaves_as_among_all() -> None:
    """``hearth NAME`` builds NAME's click command only (typer reads each command's annotations to build it); its
    help, its errors and its output are those of the application with every command."""
    full = typer.main.get_command(app)
    names = sorted(full.commands)  # type: ignore[attr-defined]
    assert len(names) == len(COMMANDS) > 1
    runner = CliRunner()
    for name in names:
        narrow = app.for_words([name, "--help"])
        assert sorted(typer.main.get_command(narrow).commands) == [name]  # type: ignore[attr-defined]
        for args in ([name, "--help"], [name, "--no-such-option"]):
            alone, among_all = runner.invoke(narrow, args), runner.invoke(app, args)
            assert (alone.exit_code, alone.stdout, alone.stderr) == (
                among_all.exit_code,
                among_all.stdout,
                among_all.stderr,
            ), args
    assert (
        runner.invoke(app.for_words(["validate"]), ["validate", "--quiet"]).stdout
        == runner.invoke(app, ["validate", "--quiet"]).stdout
    )
    for words in ([], ["--help"], ["--version"], ["no-such-command"], ["-p", "validate"]):
        assert app.for_words(words) is app, words
