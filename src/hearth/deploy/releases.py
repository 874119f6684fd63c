"""The releases of a rendered build, read from its helmfile.yaml, and the digest of what each one installs.

The build is the only input: a release's chart (a local ``charts/`` directory or a pinned upstream chart), its
values files, its namespace, labels and needs are what ``hearth render`` wrote. The digest covers all of them, so
a rerun of ``hearth apply`` can tell a release that is current from one whose rendered content changed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from hearth.deploy.generated import FILE as GENERATED_FILE
from hearth.deploy.generated import GeneratedSecret, load_generated
from hearth.graph import DependencyGraph


@dataclass(frozen=True)
class Release:
    """One helmfile release: what helm installs, where, and which releases must be done first."""

    name: str
    namespace: str
    chart: str
    version: str | None
    values: tuple[str, ...]
    needs: tuple[str, ...]
    component: str
    tier: str
    digest: str = field(default="", compare=False)

    @property
    def key(self) -> str:
        """``namespace/name``, the name helmfile's ``needs`` use."""
        return f"{self.namespace}/{self.name}"

    @property
    def local(self) -> bool:
        """Whether the chart is one of the build's own ``charts/`` directories."""
        return self.chart.startswith("./")


@dataclass(frozen=True)
class Build:
    """A rendered build directory and its releases in helmfile order."""

    root: Path
    releases: dict[str, Release]
    repositories: dict[str, str]
    oci_repositories: frozenset[str] = frozenset()
    generated: tuple[GeneratedSecret, ...] = ()
    """Secrets ``hearth apply`` generates once, each right before the release it names (``deploy.generated``)."""

    def release(self, key: str) -> Release:
        """The release called ``namespace/name``."""
        return self.releases[key]

    def chart_path(self, release: Release) -> str:
        """What to pass helm as the chart: the local directory's absolute path or ``repo/name``."""
        return str(self.root / release.chart) if release.local else release.chart

    def repository_url(self, release: Release) -> str | None:
        """The repository URL of an upstream chart (``repo/name``), None for a local one."""
        return None if release.local else self.repositories.get(release.chart.split("/", 1)[0])

    def oci(self, release: Release) -> bool:
        """Whether the release's chart comes from an OCI registry."""
        return not release.local and release.chart.split("/", 1)[0] in self.oci_repositories

    def of_component(self, component: str) -> list[Release]:
        """The releases rendered for one component, in helmfile order."""
        return [r for r in self.releases.values() if r.component == component]


def _digest(root: Path, entry: dict[str, Any]) -> str:
    """sha256 of the release's helmfile entry, its values files and (for a local chart) every chart file."""
    hasher = hashlib.sha256(json.dumps(entry, sort_keys=True).encode())
    paths = [root / v for v in entry.get("values", [])]
    chart = str(entry["chart"])
    if chart.startswith("./"):
        paths += sorted(p for p in (root / chart).rglob("*") if p.is_file())
    for path in paths:
        hasher.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return hasher.hexdigest()


def load_build(root: Path) -> Build:
    """Read ``root/helmfile.yaml`` into releases; raises ValueError (one line) when it is not a build."""
    helmfile = root / "helmfile.yaml"
    try:
        data = yaml.safe_load(helmfile.read_text())
    except OSError as exc:
        raise ValueError(f"{helmfile}: not a rendered build ({exc.strerror})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("releases"), list):
        raise ValueError(f"{helmfile}: releases: not a rendered helmfile")
    repositories = {str(r["name"]): str(r["url"]) for r in data.get("repositories") or []}
    oci = frozenset(str(r["name"]) for r in data.get("repositories") or [] if r.get("oci"))
    releases: dict[str, Release] = {}
    for entry in data["releases"]:
        labels = entry.get("labels") or {}
        release = Release(
            name=str(entry["name"]),
            namespace=str(entry["namespace"]),
            chart=str(entry["chart"]),
            version=str(entry["version"]) if entry.get("version") else None,
            values=tuple(str(v) for v in entry.get("values") or []),
            needs=tuple(str(n) for n in entry.get("needs") or []),
            component=str(labels.get("component", entry["name"])),
            tier=str(labels.get("tier", "")),
            digest=_digest(root, entry),
        )
        releases[release.key] = release
    for release in releases.values():
        unknown = sorted(set(release.needs) - set(releases))
        if unknown:
            raise ValueError(f"{helmfile}: releases.{release.name}.needs: unknown release {unknown[0]!r}")
    generated = load_generated(root)
    for spec in generated:
        if spec.before not in releases:
            raise ValueError(f"{root / GENERATED_FILE}: {spec.ref}: before: unknown release {spec.before!r}")
    return Build(root, releases, repositories, oci, generated)


def needs_graph(build: Build) -> DependencyGraph:
    """The releases as a dependency graph (durations are filled in by whoever simulates them)."""
    return DependencyGraph(
        needs={k: list(r.needs) for k, r in build.releases.items()},
        durations=dict.fromkeys(build.releases, 0),
        tags={k: [r.component] for k, r in build.releases.items()},
    )


def select(build: Build, components: Iterable[str] | None, with_needs: bool = True) -> list[str]:
    """Release keys of the chosen components (all when None), plus every release they need unless told not."""
    if components is None:
        return list(build.releases)
    wanted = set(components)
    chosen = {k for k, r in build.releases.items() if r.component in wanted}
    if with_needs:
        chosen |= needs_graph(build).dependencies(chosen)
    return [k for k in build.releases if k in chosen]


COMPANION_SECONDS = 5
"""Estimated seconds for a release that is not the component's own chart (policies, monitors, issuers)."""


def estimated_seconds(build: Build, startup_seconds: dict[str, int]) -> dict[str, float]:
    """Each release's expected time to ready: its component's ``startup_seconds`` for the release named after the
    component, ``COMPANION_SECONDS`` for the others; the engine's priority and the benchmark use these."""
    return {
        key: float(startup_seconds.get(r.component, COMPANION_SECONDS))
        if r.name == r.component
        else float(COMPANION_SECONDS)
        for key, r in build.releases.items()
    }
