"""``hearth check``: audit a build directory and print the report.

Exit status 0 when every check passes, 1 when one fails; the CLI maps unreadable input to 2. A catalog is rendered
to a temporary build that is gone when the report is read, so the report names the catalog instead, and an error
about the temporary build names its files relative to it.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from rich.console import Console

from hearth.catalog.models import Catalog
from hearth.commands.render import Progress, render
from hearth.verify.capacity.whatif import NodeShape, parse_nodes
from hearth.verify.report import CheckReport, run_check

__all__ = [
    "DEFAULT_BUILD",
    "CheckReport",
    "check",
    "check_catalog",
    "exit_status",
    "parse_nodes",
    "print_report",
    "run_check",
]

DEFAULT_BUILD = Path("build")


def check(build_dir: Path = DEFAULT_BUILD, nodes: Sequence[NodeShape] = ()) -> CheckReport:
    """Run every audit over ``build_dir`` (on the ``nodes`` what-if, if given); raises ``ValueError`` (one line)
    when it is not a readable build."""
    return run_check(build_dir, nodes)


def check_catalog(
    catalog: Catalog, progress: Progress, nodes: Sequence[NodeShape] = (), source: Path | None = None
) -> CheckReport:
    """Render a loaded catalog into a temporary build and audit that; the user's build directory is untouched.

    The auditor still reads only the written files, exactly as it would read ``hearth render``'s output. The
    report names the catalog (``source``, else the packaged seed), not the temporary directory.
    """
    with tempfile.TemporaryDirectory(prefix="hearth-check-") as tmp:
        out = Path(tmp) / "build"
        render(catalog, out, progress)
        progress("check: zero trust, compliance, capacity, backups, statements, north-south, observability")
        try:
            report = run_check(out, nodes)
        except ValueError as exc:
            raise ValueError(str(exc).replace(f"{out}/", "").replace(str(out), "the rendered build")) from None
    where = f"platform {source}" if source is not None else "the packaged seed platform"
    report.source = f"{where} ({catalog.platform.name}), rendered to a temporary build"
    return report


def print_report(
    report: CheckReport,
    console: Console,
    *,
    json_output: bool = False,
    details: bool = False,
    stream: TextIO | None = None,
) -> None:
    """Print the report: the verdict and the findings on ``console`` (every table with ``details``), or with
    ``json_output`` the JSON text on ``stream`` (stdout)."""
    if json_output:
        (stream or sys.stdout).write(report.dumps() + "\n")
    elif details:
        report.render_details(console)
    else:
        report.render(console)


def exit_status(report: CheckReport) -> int:
    """0 when every check passes, 1 when one fails (N-1 warnings and contradicted statements do not fail)."""
    return 1 if report.failed else 0
