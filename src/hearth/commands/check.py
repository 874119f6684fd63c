"""``hearth check``: audit a build directory and print the report (the CLI wires these functions).

Suggested wiring in ``hearth.cli`` (exit status 0 when every check passes, 1 when one fails, 2 on unreadable
input, the ``user_errors`` convention)::

    @app.command("check")
    def check_command(build: Path = DEFAULT_BUILD, output: CheckOutput = CheckOutput.table) -> None:
        with user_errors():
            report = check_cmd.check(build)
        check_cmd.print_report(report, out, json_output=output is CheckOutput.json)
        raise typer.Exit(check_cmd.exit_status(report))
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from rich.console import Console

from hearth.verify.report import CheckReport, run_check

__all__ = ["DEFAULT_BUILD", "CheckReport", "check", "exit_status", "print_report", "run_check"]

DEFAULT_BUILD = Path("build")


def check(build_dir: Path = DEFAULT_BUILD) -> CheckReport:
    """Run every audit over ``build_dir``; raises ``ValueError`` (one line) when it is not a readable build."""
    return run_check(build_dir)


def print_report(
    report: CheckReport, console: Console, *, json_output: bool = False, stream: TextIO | None = None
) -> None:
    """Print the report: rich tables on ``console``, or with ``json_output`` the JSON text on ``stream`` (stdout)."""
    if json_output:
        (stream or sys.stdout).write(report.dumps() + "\n")
    else:
        report.render(console)


def exit_status(report: CheckReport) -> int:
    """0 when every check passes, 1 when one fails (N-1 warnings and contradicted statements do not fail)."""
    return 1 if report.failed else 0
