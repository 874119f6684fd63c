"""``hearth apply``, ``diff``, ``status`` and ``destroy``: wire the catalog, a build and the cluster together.

The build is rendered into a temporary directory unless ``--build`` names one; the deploy package does the work.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from hearth.catalog.models import Catalog
from hearth.commands.render import render
from hearth.deploy.engine import Engine, Event, Options, Outcome
from hearth.deploy.gates import ReleaseGates, plan_gates
from hearth.deploy.helm import Helm
from hearth.deploy.kube import Kube, connect
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
) -> Session:
    """Render (or read) the build, select releases by tag, derive their gates and connect to the cluster."""
    tmp = None
    if build_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="hearth-deploy-")
        build_dir = Path(tmp.name) / "build"
        render(catalog, build_dir)
    build = load_build(build_dir)
    resolved = resolve(catalog)
    components = resolved.graph.select(tags, with_needs=False) if tags else None
    keys = select(build, components, with_needs=with_needs and not dependants)
    kube = connect(kubeconfig, context)
    helm = Helm(build, kubeconfig=kubeconfig, context=context)
    startup = {n: c.startup_seconds for n, c in catalog.components.items()}
    gates = plan_gates(resolved, build, with_tests)
    return Session(build, keys, gates, estimated_seconds(build, startup), kube, helm, tmp)


def apply(session: Session, options: Options, on_event: Callable[[Event], None]) -> Outcome:
    """Run the engine over the session's releases."""
    engine = Engine(session.build, session.kube, session.helm, session.gates, session.durations, on_event, options)
    return engine.apply(session.keys)
