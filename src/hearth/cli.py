"""The ``hearth`` command: a thin layer that loads, calls the library and prints. No logic of its own."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from hearth import __version__
from hearth import bootstrap as bootstrap_lib
from hearth.catalog.loader import default_catalog_dir, load_catalog
from hearth.catalog.models import Catalog
from hearth.catalog.yamlsource import CatalogError
from hearth.commands import bootstrap as bootstrap_cmd
from hearth.commands import check as check_cmd
from hearth.commands import deploy as deploy_cmd
from hearth.commands import docs as docs_cmd
from hearth.commands import doctor as doctor_cmd
from hearth.commands import plan as plan_cmd
from hearth.commands import render as render_cmd
from hearth.commands import schema as schema_cmd
from hearth.commands.init import write_default_catalog
from hearth.deploy import UNCHANGED
from hearth.deploy.engine import Event, Options
from hearth.deploy.helm import HelmError
from hearth.deploy.kube import ClusterError
from hearth.deploy.ops import destroy as destroy_releases
from hearth.deploy.ops import destroy_order, with_dependants
from hearth.deploy.ops import diff as diff_releases
from hearth.deploy.ops import status as release_status
from hearth.verify.reach import render_table, run_reach

app = typer.Typer(
    help="hearth: the platform as code. Describe the platform once; render, verify and deploy it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Piped or in a log (make demo, CI), rich would assume 80 columns and wrap every report table; COLUMNS still wins.
REPORT_WIDTH = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 120
out = Console(highlight=False, soft_wrap=True, width=REPORT_WIDTH)
err = Console(stderr=True, highlight=False, soft_wrap=True, width=REPORT_WIDTH)

PlatformOpt = Annotated[
    Path | None,
    typer.Option(
        "--platform",
        "-p",
        help="Catalog directory (platform.yaml + services/). Default: the packaged seed platform.",
        show_default=False,
    ),
]


class PlanOutput(StrEnum):
    """Formats of ``hearth plan``."""

    table = "table"
    json = "json"


class GraphFormat(StrEnum):
    """Formats of ``hearth graph``."""

    mermaid = "mermaid"
    dot = "dot"


def fail(message: str, status: int = 2) -> NoReturn:
    """Print one error line to stderr and exit (2: bad input)."""
    err.print(f"error: {message}", markup=False)
    raise typer.Exit(status)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the library's input errors into one line and exit status 2, never a traceback."""
    try:
        yield
    except CatalogError as exc:
        *first, last = exc.lines()  # every problem of the catalog, one line each
        for line in first:
            err.print(f"error: {line}", markup=False)
        fail(last)
    except ValueError as exc:
        *first, last = str(exc).splitlines() or [""]  # a build's problems come one per line
        for line in first:
            err.print(f"error: {line}", markup=False)
        fail(last)
    except OSError as exc:
        where = getattr(exc, "filename", None)
        reason = exc.strerror or str(exc)
        fail(f"{where}: {reason}" if where else reason)


def load(platform: Path | None) -> Catalog:
    """Load the user's catalog or the packaged default."""
    with user_errors():
        return load_catalog(platform)
    raise AssertionError("unreachable")  # pragma: no cover


def version_callback(value: bool) -> None:
    """Print the version for ``--version``."""
    if value:
        out.print(f"hearth {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=version_callback, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """hearth turns a typed catalog into manifests, charts and a helmfile, and proves what they promise."""


def print_order_conflicts(catalog: Catalog) -> None:
    """Warn, on stderr, where an order the catalog states contradicts the components' needs."""
    for line in plan_cmd.stated_order_conflicts(catalog):
        err.print(f"warning: stated order {line}", markup=False)


@app.command()
def validate(platform: PlatformOpt = None) -> None:
    """Load the catalog and check it whole: schema, references, cycles, addresses and ports.

    Exit status 0 when valid; 2 with one line FILE:LINE: FIELD: message when not.
    """
    catalog = load(platform)
    out.print(f"valid: {plan_cmd.catalog_counts(catalog)} ({catalog.platform.name})")
    print_order_conflicts(catalog)


@app.command()
def plan(
    platform: PlatformOpt = None,
    tags: Annotated[
        list[str] | None,
        typer.Option(
            "--tags",
            "-t",
            help="Select by tag: base, databases, apps, a component or a namespace. "
            "Repeat or comma-separate. Needs are included.",
        ),
    ] = None,
    no_deps: Annotated[bool, typer.Option("--no-deps", help="Do not add the selection's transitive needs.")] = False,
    output: Annotated[PlanOutput, typer.Option("--output", "-o", help="table or json.")] = PlanOutput.table,
) -> None:
    """Show the deploy order: waves of components that can start together, and the critical path."""
    catalog = load(platform)
    selected = [t.strip() for raw in (tags or []) for t in raw.split(",") if t.strip()] or None
    with user_errors():
        result = plan_cmd.build_plan(catalog, selected, with_needs=not no_deps)
    if output is PlanOutput.json:
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
    else:
        out.print(plan_cmd.plan_table(result))
        print_order_conflicts(catalog)
        out.print(f"critical path ({result['critical_seconds']}s): " + " -> ".join(result["critical_path"]))


@app.command()
def graph(
    platform: PlatformOpt = None,
    format: Annotated[GraphFormat, typer.Option("--format", "-f", help="mermaid or dot.")] = GraphFormat.mermaid,
) -> None:
    """Print the dependency graph (an edge a --> b means a needs b) as Mermaid or Graphviz dot."""
    catalog = load(platform)
    render: Callable[[Catalog], str] = plan_cmd.graph_mermaid if format is GraphFormat.mermaid else plan_cmd.graph_dot
    sys.stdout.write(render(catalog))


OutOpt = Annotated[
    Path,
    typer.Option(
        "--out",
        "-o",
        help="Build directory, replaced as a whole (only if empty or a previous build).",
    ),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Do not print a line per stage on stderr.")]


def stage_printer(quiet: bool) -> Callable[[str], None]:
    """A progress callback: one dim line per stage on stderr, or nothing with --quiet."""

    def show(message: str) -> None:
        if not quiet:
            err.print(f"[dim]> {escape(message)}[/dim]")

    return show


@app.command("render")
def render_command(
    platform: PlatformOpt = None, output: OutOpt = render_cmd.DEFAULT_OUT, quiet: QuietOpt = False
) -> None:
    """Render the catalog to OUT: Helm charts, manifests, upstream values, helmfile.yaml and cluster descriptions.

    Two renders of the same catalog are byte-identical. Exit status 2 with one line on a bad catalog or OUT.
    """
    progress = stage_printer(quiet)
    progress("load: catalog")
    catalog = load(platform)
    with user_errors():
        summary = render_cmd.render(catalog, output, progress, source=platform or default_catalog_dir())
    out.print(summary.line())


class CheckOutput(StrEnum):
    """Formats of ``hearth check``."""

    table = "table"
    json = "json"


CheckOutputOpt = Annotated[CheckOutput, typer.Option("--output", "-o", help="table or json (for CI).")]
DetailsOpt = Annotated[bool, typer.Option("--details", help="Print every table of every section, as well.")]


def report_and_exit(report: check_cmd.CheckReport, output: CheckOutput, details: bool = False) -> None:
    """Print the audit and exit 0 when every check holds, 1 when one fails."""
    check_cmd.print_report(report, out, json_output=output is CheckOutput.json, details=details)
    raise typer.Exit(check_cmd.exit_status(report))


@app.command("build")
def build_command(
    platform: PlatformOpt = None,
    output: OutOpt = render_cmd.DEFAULT_OUT,
    quiet: QuietOpt = False,
    report: Annotated[
        CheckOutput,
        typer.Option("--output", "-o", "--report", help="The audit report as table or json (for CI)."),
    ] = CheckOutput.table,
    details: DetailsOpt = False,
) -> None:
    """Validate the catalog, render it to OUT, and audit what was written (validate + render + check).

    Exit status: 0 when every check holds, 1 when one fails (the report names it), 2 on bad input.
    """
    progress = stage_printer(quiet)
    progress("validate: schema, references, cycles, addresses and ports")
    catalog = load(platform)
    with user_errors():
        summary = render_cmd.render(catalog, output, progress, source=platform or default_catalog_dir())
        err.print(summary.line()) if report is CheckOutput.json else out.print(summary.line())
        progress("check: zero trust, compliance, capacity, backups, statements, north-south, observability")
        audit = check_cmd.check(output)
    report_and_exit(audit, report, details)


@app.command("check")
def check_command(
    platform: PlatformOpt = None,
    build: Annotated[
        Path | None,
        typer.Option("--build", "-b", help="Audit this existing build as it is, instead of rendering the catalog."),
    ] = None,
    output: CheckOutputOpt = CheckOutput.table,
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
) -> None:
    """Audit the rendered platform from its manifests: zero trust, compliance, capacity, backups, claims.

    Prints the verdict and its table first, then only what fails or warns, each with the fix it needs
    (--details: every table). Each section is measured from the rendered files only, never read from the catalog;
    the claims are the seed document's own statements, each held or contradicted. Without --build the catalog is
    rendered into a temporary directory first. When capacity does not fit, its advice names the node shape that
    would, as a --nodes what-if to try. Exit status: 0 when every check holds, 1 when one fails, 2 on bad input.
    """
    progress = stage_printer(quiet)
    with user_errors():
        shapes = check_cmd.parse_nodes(nodes) if nodes is not None else []
        if build is not None:
            if platform is not None:
                raise ValueError("--platform and --build exclude each other: a build was rendered already")
            audit = check_cmd.check(build, shapes)
        else:
            audit = check_cmd.check_catalog(load(platform), progress, shapes, platform)
    report_and_exit(audit, output, details)


@app.command("docs")
def docs_command(
    platform: PlatformOpt = None,
    output: Annotated[
        Path,
        typer.Option("--out", help="Directory for architecture.md and index.html, replaced as a whole."),
    ] = docs_cmd.DEFAULT_DOCS,
    build: Annotated[
        Path | None,
        typer.Option(
            "--build", "-b", help="Document this build (it must be the catalog's render) instead of a fresh one."
        ),
    ] = None,
    quiet: QuietOpt = False,
) -> None:
    """Regenerate the architecture document: render the catalog, audit the build, write Markdown and HTML.

    Without --build the catalog is rendered into a temporary directory; --build DIR documents a build that is
    exactly the catalog's render (refused otherwise).

    architecture.md follows the seed document's structure with every table, figure and status computed (Mermaid
    diagrams); index.html is one self-contained page (no network) with the pictures and the full audit. Exit
    status 0 when written (the document reports the audit's verdict), 2 on bad input or an OUT that is not empty
    and not a previous hearth output.
    """
    progress = stage_printer(quiet)
    progress("load: catalog")
    catalog = load(platform)
    with user_errors():
        files = docs_cmd.docs(catalog, output, progress, source=platform or default_catalog_dir(), build=build)
    names = ", ".join(f"{name} ({len(text.encode())} bytes)" for name, text in sorted(files.items()))
    out.print(f"wrote {names} to {output}", markup=False)


class BootstrapOutput(StrEnum):
    """Formats of ``hearth bootstrap``."""

    table = "table"
    json = "json"


@app.command("bootstrap")
def bootstrap_command(
    platform: PlatformOpt = None,
    build: Annotated[
        Path | None, typer.Option("--build", "-b", help="Apply this rendered build instead of rendering the catalog.")
    ] = None,
    only: Annotated[list[str] | None, typer.Option("--only", help="Run only this step (repeatable).")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Read the state and list what each step would change.")
    ] = False,
    output: Annotated[BootstrapOutput, typer.Option("--output", "-o", help="table or json.")] = BootstrapOutput.table,
    keys_file: Annotated[
        Path | None,
        typer.Option("--keys-file", help="Vault's key file: written once (mode 0600) by init, read to unseal."),
    ] = None,
    vault_addr: Annotated[
        str | None, typer.Option("--vault-addr", help="Vault address (default VAULT_ADDR, else the build's issuer).")
    ] = None,
    kubernetes_ca: Annotated[
        Path | None,
        typer.Option("--kubernetes-ca", help="API server CA (PEM) for a Vault outside the cluster."),
    ] = None,
    endpoint: Annotated[
        list[str] | None,
        typer.Option("--endpoint", help="PROVIDER=HOST:PORT to reach a provider at (repeatable; default the build's)."),
    ] = None,
    admin_dir: Annotated[
        Path | None,
        typer.Option("--admin-dir", help="Directory of <provider>.json admin logins (mode 0600); else Vault KV."),
    ] = None,
    kubeconfig: Annotated[
        Path | None,
        typer.Option("--kubeconfig", help="Cluster to write the hearth/hearth-bootstrap marker to (hearth apply)."),
    ] = None,
) -> None:
    """Bring Vault from empty to configured and apply the rendered grants; each step changes only what differs.

    Steps run in dependency order and report created / unchanged / failed; a second run reports every step
    unchanged. Secrets are read from the key file or VAULT_TOKEN, never from argv. Exit 1 when a step fails.
    """
    catalog = load(platform)
    json_output = output is BootstrapOutput.json

    def show(result: bootstrap_lib.StepResult) -> None:
        if not json_output:
            err.print(f"[dim]> {escape(bootstrap_cmd.progress_line(result))}[/dim]")

    with user_errors():
        files = bootstrap_cmd.build_files(catalog, build)
        endpoints = dict(bootstrap_cmd.endpoint_option(e) for e in endpoint or [])
        options = bootstrap_lib.Options(
            vault_address=vault_addr,
            keys_file=keys_file,
            kubernetes_ca=kubernetes_ca,
            endpoints=endpoints,
            admin_dir=admin_dir,
            kubeconfig=kubeconfig,
        )
        results = bootstrap_lib.bootstrap(catalog, files, options, only=only, dry_run=dry_run, progress=show)
    bootstrap_cmd.print_results(results, out, sys.stdout, json_output=json_output)
    raise typer.Exit(1 if bootstrap_lib.failed(results) else 0)


class ReachOutput(StrEnum):
    """Formats of ``hearth reach``."""

    table = "table"
    json = "json"


@app.command()
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
    output: Annotated[ReachOutput, typer.Option("--output", "-o", help="table or json.")] = ReachOutput.table,
    allowed_only: Annotated[bool, typer.Option("--allowed-only", help="List allowed connections only.")] = False,
) -> None:
    """Which endpoint may open which connection, under the NetworkPolicies of any Kubernetes manifests.

    Every ordered pair of distinct endpoints (pods, workloads as one pod each, --peer-ip addresses) and every
    probed port is listed with its verdict: allowed when the source's egress and the destination's ingress both
    allow it.
    """
    with user_errors():
        result = run_reach(list(paths), port or [], peer_ip or [])
        if output is ReachOutput.json:
            result.write_json(sys.stdout, allowed_only=allowed_only)
        else:
            out.print(render_table(result, allowed_only=allowed_only))


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="Where to write the catalog (must not exist or be empty).")],
    blank: Annotated[
        bool, typer.Option("--blank", help="A minimal platform (one node, one example component, no claims).")
    ] = False,
) -> None:
    """Write the default platform catalog (or with --blank a minimal one) to DIRECTORY, to edit and pass back with
    --platform. Each file's first line points an editor at the JSON Schema written to DIRECTORY/.schema/."""
    with user_errors():
        count = write_default_catalog(directory, blank=blank)
    out.print(f"wrote {count} files to {directory}; try: hearth validate --platform {directory}")


TagsOpt = Annotated[
    list[str] | None,
    typer.Option("--tags", "-t", help="Select by tag (component, namespace, base/databases/apps); repeatable."),
]
NoDepsOpt = Annotated[bool, typer.Option("--no-deps", help="Do not add the selection's transitive needs.")]
BuildOpt = Annotated[
    Path | None, typer.Option("--build", "-b", help="Deploy this rendered build instead of rendering the catalog.")
]
KubeconfigOpt = Annotated[
    str | None, typer.Option("--kubeconfig", help="kubeconfig file (default: $KUBECONFIG or ~/.kube/config).")
]
ContextOpt = Annotated[str | None, typer.Option("--context", help="kubeconfig context (default: the current one).")]


@contextmanager
def cluster_errors() -> Iterator[None]:
    """A cluster that is not there, or helm failing outside a release: one line, exit 2."""
    with user_errors():
        try:
            yield
        except ClusterError as exc:
            fail(str(exc))
        except HelmError as exc:
            fail(f"helm: {exc}")


def split_tags(tags: list[str] | None) -> list[str] | None:
    """``--tags a,b --tags c`` as [a, b, c]; None when none given."""
    return [t.strip() for raw in (tags or []) for t in raw.split(",") if t.strip()] or None


def print_event(event: Event) -> None:
    """One progress line per release step; a failure with the failing pods' last events under it."""
    colour = {"done": "green", "skipped": "dim", "failed": "red", "blocked": "yellow"}.get(event.state, "cyan")
    out.print(f"[{colour}]{event.state:>9}[/{colour}] {escape(event.key)}: {escape(event.detail)}")
    for line in event.events:
        out.print(f"          {escape(line)}", markup=False)


@app.command("apply")
def apply_command(
    platform: PlatformOpt = None,
    build: BuildOpt = None,
    tags: TagsOpt = None,
    no_deps: NoDepsOpt = False,
    concurrency: Annotated[int, typer.Option("--concurrency", "-j", min=1, help="Releases at once.")] = 8,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would be installed; change nothing.")] = False,
    test: Annotated[bool, typer.Option("--test", help="Gate each release on its Helm tests too.")] = False,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds each gate may take.")] = 600.0,
    poll: Annotated[float, typer.Option("--poll", help="Seconds between two looks at a gate.")] = 2.0,
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
) -> None:
    """Install or upgrade the platform in graph order, each release gated on being ready; resumable.

    A release starts as soon as what it needs is done; CRDs are applied server-side and Established first,
    workloads rolled out, webhooks serving, Vault unsealed and bootstrapped before its consumers. A failure stops
    what depends on it only. Exit status 0 when every release is done, 1 when one failed, 2 on bad input or an
    unreachable cluster.
    """
    catalog = load(platform)
    with cluster_errors():
        session = deploy_cmd.open_session(catalog, build, split_tags(tags), not no_deps, kubeconfig, context, test)
        options = Options(concurrency=concurrency, poll=poll, timeout=timeout, dry_run=dry_run)
        outcome = deploy_cmd.apply(session, options, print_event)
    counts: dict[str, int] = {}
    for event in outcome.states.values():
        counts[event.state] = counts.get(event.state, 0) + 1
    out.print("apply: " + ", ".join(f"{n} {state}" for state, n in sorted(counts.items())))
    if outcome.unchanged:
        out.print(UNCHANGED)
    raise typer.Exit(0 if outcome.ok else 1)


@app.command("diff")
def diff_command(
    platform: PlatformOpt = None,
    build: BuildOpt = None,
    tags: TagsOpt = None,
    no_deps: NoDepsOpt = False,
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
) -> None:
    """What apply would change, release by release (server-side dry run against the live objects).

    Exit status 0 when nothing would change, 1 when something would, 2 on bad input or an unreachable cluster.
    """
    catalog = load(platform)
    with cluster_errors():
        session = deploy_cmd.open_session(catalog, build, split_tags(tags), not no_deps, kubeconfig, context)
        changes = diff_releases(session.kube, session.helm, session.build, session.keys)
    changed = 0
    for key, lines in changes.items():
        if lines:
            changed += 1
            out.print(f"{key}:", markup=False)
            for line in lines:
                out.print(f"  {line}", markup=False)
    out.print(f"diff: {changed} of {len(changes)} releases would change")
    raise typer.Exit(1 if changed else 0)


@app.command("status")
def status_command(
    platform: PlatformOpt = None,
    build: BuildOpt = None,
    tags: TagsOpt = None,
    output: Annotated[PlanOutput, typer.Option("--output", "-o", help="table or json.")] = PlanOutput.table,
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
) -> None:
    """Every release's state and health as the cluster reports it (helm, the journal, its workloads)."""
    catalog = load(platform)
    with cluster_errors():
        session = deploy_cmd.open_session(catalog, build, split_tags(tags), True, kubeconfig, context)
        rows = release_status(session.kube, session.helm, session.build, session.keys)
    if output is PlanOutput.json:
        sys.stdout.write(json.dumps([r.as_dict() for r in rows], indent=2) + "\n")
        return
    table = Table("release", "component", "helm", "revision", "journal", "health")
    for r in rows:
        table.add_row(r.key, r.component, r.helm, str(r.revision or "-"), r.journal, r.health)
    out.print(table)


@app.command("destroy")
def destroy_command(
    platform: PlatformOpt = None,
    build: BuildOpt = None,
    tags: TagsOpt = None,
    delete_data: Annotated[bool, typer.Option("--delete-data", help="Delete PersistentVolumeClaims too.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    kubeconfig: KubeconfigOpt = None,
    context: ContextOpt = None,
) -> None:
    """Uninstall releases in reverse graph order (with --tags: those and what needs them); PVCs are kept unless
    --delete-data."""
    catalog = load(platform)
    with cluster_errors():
        session = deploy_cmd.open_session(catalog, build, split_tags(tags), False, kubeconfig, context, dependants=True)
        keys = with_dependants(session.build, session.keys)
        order = destroy_order(session.build, keys)
        if not yes:
            data = "and their data (PVCs) " if delete_data else ""
            typer.confirm(f"uninstall {len(order)} releases {data}({', '.join(order)})?", abort=True)
        done = destroy_releases(
            session.kube, session.helm, session.build, keys, delete_data, lambda line: out.print(line, markup=False)
        )
    out.print(f"destroy: {len(done)} releases uninstalled")


class SchemaOutput(StrEnum):
    """Formats of ``hearth schema``."""

    markdown = "markdown"
    json = "json"


@app.command("schema")
def schema_command(
    output: Annotated[
        SchemaOutput, typer.Option("--output", "-o", help="markdown (the reference) or json (a JSON Schema).")
    ] = SchemaOutput.markdown,
    file: Annotated[
        str, typer.Option("--file", help="With -o json: which file's schema: platform, component or claims.")
    ] = "platform",
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Write catalog-reference.md and schema/*.schema.json under this directory."),
    ] = None,
) -> None:
    """The catalog explained from its own models: every field's type, default and meaning, or a JSON Schema.

    With --out DIR (the repository keeps them in docs/) the reference and every schema are written there.
    Exit status 0; 2 on a bad --file or an unwritable DIR.
    """
    with user_errors():
        if out_dir is not None:
            for path in schema_cmd.write_documentation(out_dir):
                out.print(f"wrote {path}", markup=False)
            return
        sys.stdout.write(schema_cmd.schema_output(output.value, file))


class DoctorOutput(StrEnum):
    """Formats of ``hearth doctor``."""

    text = "text"
    json = "json"


@app.command("doctor")
def doctor_command(
    platform: PlatformOpt = None,
    output: Annotated[DoctorOutput, typer.Option("--output", "-o", help="text or json.")] = DoctorOutput.text,
    online: Annotated[
        bool, typer.Option("--online", help="Also reach every chart repository and image registry, fetch charts.")
    ] = False,
    kubeconfig: Annotated[str | None, typer.Option("--kubeconfig", help="kubeconfig deploy would use.")] = None,
    context: Annotated[str | None, typer.Option("--context", help="kubeconfig context (default: current).")] = None,
    vault_addr: Annotated[
        str | None, typer.Option("--vault-addr", help="Vault address bootstrap would use (default VAULT_ADDR).")
    ] = None,
) -> None:
    """What each stage needs on this machine (tools and versions, kubeconfig, Vault), and what in the catalog is
    end of life, unmaintained or outside a chart's kubeVersion. Offline unless --online; what is not checked says why.

    Exit status 0 when nothing blocks, 1 when a finding blocks a stage, 2 on bad input.
    """
    catalog = load(platform)
    options = doctor_cmd.DoctorOptions(online=online, kubeconfig=kubeconfig, context=context, vault_addr=vault_addr)
    with user_errors():
        findings = doctor_cmd.diagnose(catalog, options)
    text = doctor_cmd.report_json(findings) if output is DoctorOutput.json else doctor_cmd.report_text(findings)
    sys.stdout.write(text)
    raise typer.Exit(doctor_cmd.exit_status(findings))


if __name__ == "__main__":  # pragma: no cover
    app()
