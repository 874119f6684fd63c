"""``hearth check``: audit a build directory and print the report.

Exit status 0 when every check passes, 1 when one fails; the CLI maps unreadable input to 2.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import TextIO

from rich.console import Console

from hearth.catalog.models import Catalog
from hearth.commands.render import Progress, render
from hearth.verify.report import CheckReport, run_check

__all__ = ["DEFAULT_BUILD", "CheckReport", "check", "check_catalog", "exit_status", "print_report", "run_check"]

DEFAULT_BUILD = Path("build")


def check(build_dir: Path = DEFAULT_BUILD) -> CheckReport:
    """Run every audit over ``build_dir``; raises ``ValueError`` (one line) when it is not a readable build."""
    return run_check(build_dir)


def check_catalog(catalog: Catalog, progress: Progress) -> CheckReport:
    """Render a loaded catalog into a temporary build and audit that; the user's build directory is untouched.

    The auditor still reads only the written files, exactly as it would read ``hearth render``'s output.
    """
    with tempfile.TemporaryDirectory(prefix="hearth-check-") as tmp:
        out = Path(tmp) / "build"
        render(catalog, out, progress)
        progress("check: zero trust, compliance, capacity, backups, statements")
        return run_check(out)


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
