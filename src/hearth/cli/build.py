"""The commands that render and audit: render, build, check, docs and reach.

Option declarations and help only; each body is one call into ``hearth.commands``, imported when the command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hearth.cli.options import DetailsOpt, Format, FormatOpt, OutOpt, PlatformOpt, QuietOpt, VerboseOpt
from hearth.commands import DEFAULT_BUILD, DEFAULT_DOCS


def render(
    platform: PlatformOpt = None, out: OutOpt = DEFAULT_BUILD, quiet: QuietOpt = False, verbose: VerboseOpt = False
) -> None:
    """Render the catalog to OUT: Helm charts, manifests, upstream values, helmfile.yaml and cluster descriptions.

    Two renders of the same catalog are byte-identical.

    Exit status: 0 when written; 2 with one line per problem on a bad catalog or OUT.
    """
    from hearth.commands.render import render_command
    from hearth.commands.terminal import voice

    render_command(platform, out, voice(quiet, verbose, staged=True))


def build(
    platform: PlatformOpt = None,
    out: OutOpt = DEFAULT_BUILD,
    output: Annotated[
        Format,
        typer.Option("--output", "-o", "--report", help="The audit report as table or json (for CI)."),
    ] = Format.table,
    details: DetailsOpt = False,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Validate the catalog, render it to OUT, and audit what was written (validate + render + check).

    Exit status: 0 when every check holds, 1 when one fails (the report names it), 2 on bad input.
    """
    from hearth.commands.check import build_command
    from hearth.commands.terminal import voice

    json_output = output is Format.json
    build_command(platform, out, voice(quiet, verbose, staged=True), json_output=json_output, details=details)


def check(
    platform: PlatformOpt = None,
    build: Annotated[
        Path | None,
        typer.Option("--build", "-b", help="Audit this existing build as it is, instead of rendering the catalog."),
    ] = None,
    output: Annotated[Format, typer.Option("--output", "-o", help="table or json (for CI).")] = Format.table,
    details: DetailsOpt = False,
    nodes: Annotated[
        str | None,
        typer.Option(
            "--nodes",
            help="What-if: measure on these nodes instead of the build's, editing no file. "
            "[+]COUNTxCORESc MEMORYg [DISKd] (GiB), comma-separated; e.g. 3x8c32g (the nodes resized, "
            "keeping their names and roles), 3x8c32g500d, +1x8c32g500d (a node added).",
        ),
    ] = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Audit the rendered platform from its manifests: zero trust, compliance, capacity, backups, claims.

    Prints the verdict and its table first, then only what fails or warns, each with the fix it needs
    (--details: every table). Each section is measured from the rendered files only, never read from the catalog;
    the claims are the seed document's own statements, each held or contradicted. Without --build the catalog is
    rendered into a temporary directory first. When capacity does not fit, its advice names the node shape that
    would, as a --nodes what-if to try.

    Exit status: 0 when every check holds, 1 when one fails, 2 on bad input (an unreadable build, a bad --nodes).
    """
    from hearth.commands.check import check_command
    from hearth.commands.terminal import voice

    talk = voice(quiet, verbose, staged=True)
    check_command(platform, build, nodes, talk, json_output=output is Format.json, details=details)


def docs(
    platform: PlatformOpt = None,
    out: Annotated[
        Path,
        typer.Option("--out", help="Directory for architecture.md and index.html, replaced as a whole."),
    ] = DEFAULT_DOCS,
    build: Annotated[
        Path | None,
        typer.Option(
            "--build", "-b", help="Document this build (it must be the catalog's render) instead of a fresh one."
        ),
    ] = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Regenerate the architecture document: render the catalog, audit the build, write Markdown and HTML.

    Without --build the catalog is rendered into a temporary directory; --build DIR documents a build that is
    exactly the catalog's render (refused otherwise).

    architecture.md follows the seed document's structure with every table, figure and status computed (Mermaid
    diagrams); index.html is one self-contained page (no network) with the pictures and the full audit.

    Exit status: 0 when written (the document reports the audit's verdict); 2 on bad input or an OUT that is not
    empty and not a previous hearth output.
    """
    from hearth.commands.docs import docs_command
    from hearth.commands.terminal import voice

    docs_command(platform, out, build, voice(quiet, verbose, staged=True))


def reach(
    paths: Annotated[list[Path], typer.Argument(help="Manifest files or directories (multi-document YAML).")],
    port: Annotated[
        list[str] | None,
        typer.Option(
            "--port",
            help="Probe PORT/PROTO (e.g. 5432/TCP, 53/UDP); repeatable. Default: each "
            "destination's declared container ports.",
        ),
    ] = None,
    peer_ip: Annotated[
        list[str] | None,
        typer.Option("--peer-ip", help="Add an endpoint outside the cluster (only ipBlock peers match it)."),
    ] = None,
    output: FormatOpt = Format.table,
    allowed_only: Annotated[bool, typer.Option("--allowed-only", help="List allowed connections only.")] = False,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Which endpoint may open which connection, under the NetworkPolicies of any Kubernetes manifests.

    Every ordered pair of distinct endpoints (pods, workloads as one pod each, --peer-ip addresses) and every
    probed port is listed with its verdict: allowed when the source's egress and the destination's ingress both
    allow it.

    Exit status: 0 when listed (denied connections are verdicts, not failures); 2 on manifests the API server
    would refuse, naming the file, document and field.
    """
    from hearth.commands.reach import reach_command
    from hearth.commands.terminal import voice

    talk = voice(quiet, verbose)
    reach_command(
        list(paths), port or [], peer_ip or [], talk, json_output=output is Format.json, allowed_only=allowed_only
    )
