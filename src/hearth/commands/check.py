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

import typer
from rich.console import Console

from hearth import parsememo
from hearth.catalog.loader import default_catalog_dir
from hearth.catalog.models import Catalog
from hearth.commands import DEFAULT_BUILD
from hearth.commands.render import Progress, render
from hearth.commands.terminal import Voice, err, load, out, user_errors
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


def check(build_dir: Path = DEFAULT_BUILD, nodes: Sequence[NodeShape] = ()) -> CheckReport:
    """Run every audit over ``build_dir`` (on the ``nodes`` what-if, if given); raises ``ValueError`` (one line)
    when it is not a readable build."""
    return run_check(build_dir, nodes)


def check_catalog(
    catalog: Catalog, progress: Progress, nodes: Sequence[NodeShape] = (), source: Path | None = None
) -> CheckReport:
    """Render a loaded catalog into a temporary build and audit that; the user's build directory is untouched.

    The auditor still reads only the written files, exactly as it would read ``hearth render``'s output (a file
    whose bytes are what the render wrote is not parsed again: ``hearth.parsememo``). The report names the catalog
    (``source``, else the packaged seed), not the temporary directory.
    """
    with tempfile.TemporaryDirectory(prefix="hearth-check-") as tmp, parsememo.recording():
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


def report_and_exit(report: CheckReport, *, json_output: bool, details: bool = False) -> None:
    """Print the audit and exit 0 when every check holds, 1 when one fails."""
    print_report(report, out(), json_output=json_output, details=details)
    raise typer.Exit(exit_status(report))


def check_command(
    platform: Path | None, build: Path | None, nodes: str | None, voice: Voice, *, json_output: bool, details: bool
) -> None:
    """``hearth check``: audit ``build`` as it is, or the catalog rendered to a temporary build; exit 0, 1 or 2."""
    with user_errors():
        shapes = parse_nodes(nodes) if nodes is not None else []
        if build is not None:
            if platform is not None:
                raise ValueError("--platform and --build exclude each other: a build was rendered already")
            if voice.verbose:  # a build audited as it is has one stage: nothing to say without --verbose
                voice.stage(f"check: {build}")
            audit = check(build, shapes)
        else:
            voice.stage("load: catalog")
            audit = check_catalog(load(platform), voice.stage, shapes, platform)
    voice.done()
    report_and_exit(audit, json_output=json_output, details=details)


def build_command(platform: Path | None, out_dir: Path, voice: Voice, *, json_output: bool, details: bool) -> None:
    """``hearth build``: validate, render to ``out_dir``, audit what was written; exit 0, 1 or 2."""
    voice.stage("validate: schema, references, cycles, addresses and ports")
    catalog = load(platform)
    with user_errors(), parsememo.recording():  # the audit takes back what the render wrote, unless it changed
        summary = render(catalog, out_dir, voice.stage, source=platform or default_catalog_dir())
        if not voice.quiet:  # the audit's verdict is the result; the render's summary is a stage's
            (err() if json_output else out()).print(summary.line())
        voice.stage("check: zero trust, compliance, capacity, backups, statements, north-south, observability")
        audit = check(out_dir)
    voice.done()
    report_and_exit(audit, json_output=json_output, details=details)
