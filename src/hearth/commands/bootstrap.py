"""``hearth bootstrap``: the build to apply (rendered now, or read from --build) and the report of the steps."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from hearth import bootstrap as bootstrap_lib
from hearth.bootstrap import StepResult
from hearth.bootstrap.build import read_build
from hearth.catalog.models import Catalog
from hearth.commands.render import render_files
from hearth.commands.terminal import Voice, err, load, out, user_errors

STYLE = {"created": "green", "unchanged": "dim", "failed": "red", "planned": "yellow", "skipped": "dim"}


def build_files(catalog: Catalog, build: Path | None) -> dict[str, str]:
    """The files of ``build`` when given, else the catalog rendered in memory (nothing written)."""
    return read_build(build) if build is not None else render_files(catalog).files


def endpoint_option(value: str) -> tuple[str, str]:
    """``--endpoint PROVIDER=HOST:PORT`` as (provider, host:port); a ValueError naming the option otherwise."""
    provider, sep, where = value.partition("=")
    host, colon, port = where.rpartition(":")
    if not sep or not provider or not colon or not host or not port.isdigit():
        raise ValueError(f"--endpoint {value!r}: expected PROVIDER=HOST:PORT")
    return provider, where


def progress_line(result: StepResult) -> str:
    """One line of progress on stderr: step, status, how many changes."""
    extra = f" ({len(result.changes)} changes)" if result.changes else ""
    error = f": {result.error}" if result.error else ""
    return f"{result.name}: {result.status}{extra}{error}"


def table(results: list[StepResult]) -> Table:
    """The report: one row per step with its status and its changes (made, or planned in a dry run)."""
    out = Table(title="hearth bootstrap")
    for column in ("step", "status", "changes"):
        out.add_column(column)
    for r in results:
        lines = [escape(c) for c in r.changes] + ([f"[red]{escape(r.error)}[/red]"] if r.error else [])
        out.add_row(r.name, f"[{STYLE[str(r.status)]}]{r.status}[/]", "\n".join(lines) or escape(r.summary))
    return out


def print_results(results: list[StepResult], console: Console, stream: TextIO, *, json_output: bool) -> None:
    """The report as a table on ``console`` or as JSON on ``stream``."""
    if json_output:
        stream.write(json.dumps({"steps": [r.as_json() for r in results]}, indent=2) + "\n")
    else:
        console.print(table(results))


@dataclass(frozen=True)
class BootstrapArgs:
    """What ``hearth bootstrap`` was given, beside the catalog and the build."""

    only: list[str] | None
    dry_run: bool
    keys_file: Path | None
    vault_addr: str | None
    kubernetes_ca: Path | None
    endpoints: list[str]
    admin_dir: Path | None
    kubeconfig: Path | None
    vault_ca: Path | None = None


def bootstrap_command(
    platform: Path | None, build: Path | None, args: BootstrapArgs, voice: Voice, *, json_output: bool
) -> None:
    """``hearth bootstrap``: run the steps with a line each on stderr (none with --quiet, each change under its
    step with --verbose), print the report; exit 1 when one failed, 2 when its server did not answer."""
    voice.stage("load: catalog")
    catalog = load(platform)

    def show(result: StepResult) -> None:
        if voice.verbose:
            voice.stage(progress_line(result))
            for change in result.changes:
                voice.detail(change)
        elif not json_output and not voice.quiet:
            err().print(f"[dim]> {escape(progress_line(result))}[/dim]")

    with user_errors():
        voice.stage(f"build: {build}" if build is not None else "build: the catalog rendered in memory")
        files = build_files(catalog, build)
        options = bootstrap_lib.Options(
            vault_address=args.vault_addr,
            vault_ca=args.vault_ca,
            keys_file=args.keys_file,
            kubernetes_ca=args.kubernetes_ca,
            endpoints=dict(endpoint_option(e) for e in args.endpoints),
            admin_dir=args.admin_dir,
            kubeconfig=args.kubeconfig,
        )
        voice.stage("steps: in dependency order" + (" (dry run)" if args.dry_run else ""))
        results = bootstrap_lib.bootstrap(catalog, files, options, only=args.only, dry_run=args.dry_run, progress=show)
    voice.done()
    print_results(results, out(), sys.stdout, json_output=json_output)
    raise typer.Exit(bootstrap_lib.exit_status(results))
