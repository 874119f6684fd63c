"""``hearth apply``, ``diff``, ``status`` and ``destroy``: wire the catalog, a build and the cluster together.

The build is rendered into a temporary directory unless ``--build`` names one; the deploy package does the work.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from hearth.catalog.models import Catalog
from hearth.commands.plan import split_tags
from hearth.commands.render import render
from hearth.commands.terminal import Voice, fail, load, out, user_errors
from hearth.deploy import UNCHANGED
from hearth.deploy.engine import Engine, Event, Options, Outcome
from hearth.deploy.gates import ReleaseGates, plan_gates
from hearth.deploy.helm import Helm, HelmError
from hearth.deploy.kube import ClusterError, Kube, connect
from hearth.deploy.ops import destroy as destroy_releases
from hearth.deploy.ops import destroy_order, with_dependants
from hearth.deploy.ops import diff as diff_releases
from hearth.deploy.ops import status as release_status
from hearth.deploy.releases import Build, estimated_seconds, load_build, select
from hearth.resolve import resolve


@dataclass
class Session:
    """A build, the selected releases, their gates, and clients for the cluster."""

    build: Build
    keys: list[str]
    gates: dict[str, ReleaseGates]
    durations: dict[str, float]
    kube: Kube
    helm: Helm
    _tmp: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)


def open_session(
    catalog: Catalog,
    build_dir: Path | None,
    tags: list[str] | None,
    with_needs: bool,
    kubeconfig: str | None,
    context: str | None,
    with_tests: bool = False,
    dependants: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Session:
    """Render (or read) the build, select releases by tag, derive their gates and connect to the cluster."""
    say = progress or (lambda _: None)
    tmp = None
    if build_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="hearth-deploy-")
        build_dir = Path(tmp.name) / "build"
        where = str(build_dir)
        render(catalog, build_dir, lambda line: say(line.replace(where, "a temporary build directory")))
    say("select: releases and their gates")
    build = load_build(build_dir)
    resolved = resolve(catalog)
    components = resolved.graph.select(tags, with_needs=False) if tags else None
    keys = select(build, components, with_needs=with_needs and not dependants)
    say("connect: the cluster")
    kube = connect(kubeconfig, context)
    helm = Helm(build, kubeconfig=kubeconfig, context=context)
    startup = {n: c.startup_seconds for n, c in catalog.components.items()}
    gates = plan_gates(resolved, build, with_tests)
    return Session(build, keys, gates, estimated_seconds(build, startup), kube, helm, tmp)


def apply(session: Session, options: Options, on_event: Callable[[Event], None]) -> Outcome:
    """Run the engine over the session's releases."""
    engine = Engine(session.build, session.kube, session.helm, session.gates, session.durations, on_event, options)
    return engine.apply(session.keys)


@dataclass(frozen=True)
class Target:
    """Where the releases come from and go to: the catalog, a build, the selection, the cluster."""

    platform: Path | None
    build: Path | None
    tags: list[str] | None
    kubeconfig: str | None
    context: str | None


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


def _session(
    target: Target, voice: Voice, with_needs: bool, with_tests: bool = False, dependants: bool = False
) -> Session:
    voice.stage("load: catalog")
    catalog = load(target.platform)
    tags = split_tags(target.tags)
    return open_session(
        catalog, target.build, tags, with_needs, target.kubeconfig, target.context, with_tests, dependants, voice.stage
    )


def print_event(event: Event) -> None:
    """One line per release step; a failure with the failing pods' last events under it."""
    colour = {"done": "green", "skipped": "dim", "failed": "red", "blocked": "yellow"}.get(event.state, "cyan")
    out().print(f"[{colour}]{event.state:>9}[/{colour}] {escape(event.key)}: {escape(event.detail)}")
    for line in event.events:
        out().print(f"          {escape(line)}", markup=False)


def apply_command(target: Target, options: Options, voice: Voice, *, no_deps: bool, test: bool) -> None:
    """``hearth apply``: run the engine, print a line per step (with --quiet, those that failed or were blocked)
    and the counts; exit 0 or 1."""

    def on_event(event: Event) -> None:
        if not voice.quiet or event.state in ("failed", "blocked"):
            print_event(event)
        if voice.verbose:
            voice.detail(f"{event.key}: {event.state}")

    with cluster_errors():
        session = _session(target, voice, not no_deps, test)
        voice.stage(f"apply: {len(session.keys)} releases, {options.concurrency} at once")
        outcome = apply(session, options, on_event)
    voice.done()
    counts: dict[str, int] = {}
    for event in outcome.states.values():
        counts[event.state] = counts.get(event.state, 0) + 1
    out().print("apply: " + ", ".join(f"{n} {state}" for state, n in sorted(counts.items())))
    if outcome.unchanged:
        out().print(UNCHANGED)
    raise typer.Exit(0 if outcome.ok else 1)


def diff_command(target: Target, voice: Voice, *, no_deps: bool) -> None:
    """``hearth diff``: what apply would change, per release (with --quiet, the count only); exit 1 when anything
    would."""
    with cluster_errors():
        session = _session(target, voice, not no_deps)
        voice.stage(f"diff: {len(session.keys)} releases against the live objects")
        changes = diff_releases(session.kube, session.helm, session.build, session.keys)
    voice.done()
    changed = 0
    for key, lines in changes.items():
        if lines:
            changed += 1
            if voice.quiet:
                continue
            out().print(f"{key}:", markup=False)
            for line in lines:
                out().print(f"  {line}", markup=False)
    out().print(f"diff: {changed} of {len(changes)} releases would change")
    raise typer.Exit(1 if changed else 0)


def status_command(target: Target, voice: Voice, *, json_output: bool) -> None:
    """``hearth status``: every selected release's state and health, as a table or JSON."""
    with cluster_errors():
        session = _session(target, voice, True)
        voice.stage(f"status: {len(session.keys)} releases (helm, the journal, their workloads)")
        rows = release_status(session.kube, session.helm, session.build, session.keys)
    voice.done()
    if json_output:
        sys.stdout.write(json.dumps([r.as_dict() for r in rows], indent=2) + "\n")
        return
    table = Table("release", "component", "helm", "revision", "journal", "health")
    for r in rows:
        table.add_row(r.key, r.component, r.helm, str(r.revision or "-"), r.journal, r.health)
    out().print(table)


def destroy_command(target: Target, voice: Voice, *, delete_data: bool, yes: bool) -> None:
    """``hearth destroy``: uninstall in reverse order, after a confirmation unless ``yes``; a line per release
    (none with --quiet)."""
    with cluster_errors():
        session = _session(target, voice, False, dependants=True)
        keys = with_dependants(session.build, session.keys)
        order = destroy_order(session.build, keys)
        if not yes:
            data = "and their data (PVCs) " if delete_data else ""
            typer.confirm(f"uninstall {len(order)} releases {data}({', '.join(order)})?", abort=True)
        voice.stage(f"destroy: {len(order)} releases in reverse order")

        def say(line: str) -> None:
            if not voice.quiet:
                out().print(line, markup=False)

        done = destroy_releases(session.kube, session.helm, session.build, keys, delete_data, say)
    voice.done()
    out().print(f"destroy: {len(done)} releases uninstalled")
